using System.Text.Json.Nodes;
using KerasNet.Initializers;
using KerasNet.Saving;
using Xunit;

namespace KerasNet.Tests.Initializers;

public class InitializerTests
{
    private static (double Mean, double Variance, double Min, double Max) Stats(Tensor t)
    {
        var x = t.ToArray();
        double mean = x.Average(v => (double)v);
        double variance = x.Sum(v => (v - mean) * (v - mean)) / x.Length;
        return (mean, variance, x.Min(), x.Max());
    }

    /// <summary>Mean within 5 standard errors of 0 and variance within <paramref name="rtol"/> of the target.</summary>
    private static void AssertMoments(Tensor t, double mean, double variance, double rtol = 0.03)
    {
        var s = Stats(t);
        double stderr = Math.Sqrt(variance / t.Size);
        Assert.True(Math.Abs(s.Mean - mean) < 5 * stderr, $"mean {s.Mean} vs {mean} (standard error {stderr})");
        Assert.True(Math.Abs(s.Variance / variance - 1) < rtol, $"variance {s.Variance} vs {variance}");
    }

    [Theory]
    [InlineData(new[] { 5 }, 5, 5)]
    [InlineData(new[] { 3, 4 }, 3, 4)]
    [InlineData(new[] { 3, 3, 8, 16 }, 72, 144)]
    [InlineData(new[] { 5, 4, 16 }, 20, 80)]
    [InlineData(new[] { 2, 3, 4, 5, 6 }, 120, 144)]
    [InlineData(new int[0], 1, 1)]
    public void FansAreKerasComputeFans(int[] dims, long fanIn, long fanOut) =>
        Assert.Equal((fanIn, fanOut), VarianceScaling.ComputeFans(new Shape(dims)));

    // Variance scale/n for each named initializer; n from the shape's fans.
    [Theory]
    [InlineData("glorot_uniform", 2.0, "fan_avg", true)]
    [InlineData("glorot_normal", 2.0, "fan_avg", false)]
    [InlineData("he_uniform", 2.0, "fan_in", true)]
    [InlineData("he_normal", 2.0, "fan_in", false)]
    [InlineData("lecun_uniform", 1.0, "fan_in", true)]
    [InlineData("lecun_normal", 1.0, "fan_in", false)]
    public void VarianceScalingFamilyHasTheKerasVarianceAndSupport(string alias, double scale, string mode, bool uniform)
    {
        var init = KerasRegistry.Get<Initializer>(alias);
        foreach (var shape in new[] { new Shape(300, 200), new Shape(3, 3, 24, 48) })
        {
            var (fanIn, fanOut) = VarianceScaling.ComputeFans(shape);
            // Glorot's scale is 1 over the mean fan, i.e. 2/(fan_in + fan_out).
            double n = mode == "fan_in" ? fanIn : (fanIn + fanOut);
            double variance = scale / n;
            using var t = init.Call(shape);
            Assert.Equal(shape, t.Shape);
            AssertMoments(t, 0, variance);
            var s = Stats(t);
            if (uniform)
            {
                double limit = Math.Sqrt(3 * variance);
                Assert.True(s.Max < limit && s.Min >= -limit, $"range [{s.Min}, {s.Max}] vs ±{limit}");
                Assert.True(s.Max > 0.99 * limit && s.Min < -0.99 * limit);
            }
            else
            {
                // Truncated at two standard deviations of the underlying normal, stddev √variance / 0.8796.
                double bound = 2 * Math.Sqrt(variance) / VarianceScaling.TruncatedStddevFactor;
                Assert.True(s.Max <= bound * (1 + 1e-6) && s.Min >= -bound * (1 + 1e-6), $"range [{s.Min}, {s.Max}] vs ±{bound}");
                Assert.True(s.Max > 0.95 * bound && s.Min < -0.95 * bound);
            }
        }
    }

    [Fact]
    public void VarianceScalingModesAndUntruncatedNormal()
    {
        var shape = new Shape(100, 400);
        AssertMoments(new VarianceScaling(3f, "fan_out", "untruncated_normal", seed: 1).Call(shape), 0, 3.0 / 400);
        AssertMoments(new VarianceScaling(0.5f, "fan_avg", "normal", seed: 2).Call(shape), 0, 0.5 / 250);
        AssertMoments(new VarianceScaling(1f, "fan_in", "uniform", seed: 3).Call(shape), 0, 1.0 / 100);
        Assert.Equal("truncated_normal", new VarianceScaling(distribution: "Normal").Distribution);
        Assert.Throws<ArgumentException>(() => new VarianceScaling(mode: "fan_sum"));
        Assert.Throws<ArgumentException>(() => new VarianceScaling(distribution: "cauchy"));
        Assert.Throws<ArgumentOutOfRangeException>(() => new VarianceScaling(scale: 0f));
    }

    [Fact]
    public void RandomInitializersHaveTheirDistributions()
    {
        var shape = new Shape(250, 240);
        var u = new RandomUniform(-0.3f, 0.7f, seed: 5).Call(shape);
        AssertMoments(u, 0.2, 1.0 / 12);
        var su = Stats(u);
        Assert.True(su.Min >= -0.3 && su.Max < 0.7 && su.Min < -0.29 && su.Max > 0.69);
        AssertMoments(new RandomNormal(1f, 2f, seed: 6).Call(shape), 1, 4);
        var tn = new TruncatedNormal(0.5f, 0.2f, seed: 7).Call(shape);
        AssertMoments(tn, 0.5, Math.Pow(0.2 * VarianceScaling.TruncatedStddevFactor, 2));
        var st = Stats(tn);
        Assert.True(st.Min >= 0.1 - 1e-6 && st.Max <= 0.9 + 1e-6, $"range [{st.Min}, {st.Max}]");
        // Keras defaults.
        var d = new RandomUniform();
        Assert.Equal((-0.05f, 0.05f), (d.Minval, d.Maxval));
        Assert.Equal((0f, 0.05f), (new RandomNormal().Mean, new RandomNormal().Stddev));
        Assert.Equal((0f, 0.05f), (new TruncatedNormal().Mean, new TruncatedNormal().Stddev));
    }

    public static IEnumerable<object[]> Seeded() =>
    [
        [(Func<long?, Initializer>)(s => new GlorotUniform(s))],
        [(Func<long?, Initializer>)(s => new HeNormal(s))],
        [(Func<long?, Initializer>)(s => new LecunNormal(s))],
        [(Func<long?, Initializer>)(s => new RandomNormal(seed: s))],
        [(Func<long?, Initializer>)(s => new RandomUniform(seed: s))],
        [(Func<long?, Initializer>)(s => new TruncatedNormal(seed: s))],
        [(Func<long?, Initializer>)(s => new VarianceScaling(2f, "fan_out", "untruncated_normal", s))],
        [(Func<long?, Initializer>)(s => new Orthogonal(seed: s))],
    ];

    [Theory]
    [MemberData(nameof(Seeded))]
    public void SeedsMakeCallsRepeatable(Func<long?, Initializer> make)
    {
        var shape = new Shape(8, 6);
        var a = make(42);
        var first = a.Call(shape).ToArray();
        Assert.Equal(first, a.Call(shape).ToArray());
        Assert.Equal(first, make(42).Call(shape).ToArray());
        Assert.NotEqual(first, make(43).Call(shape).ToArray());
        // Unseeded: one instance repeats itself (Keras draws its seed once), two instances differ.
        var unseeded = make(null);
        var u = unseeded.Call(shape).ToArray();
        Assert.Equal(u, unseeded.Call(shape).ToArray());
        Assert.NotEqual(u, make(null).Call(shape).ToArray());
        Assert.Null(((RandomInitializer)unseeded).Seed);
        Assert.Equal(42L, ((RandomInitializer)a).Seed);
    }

    private static double[,] Gram(float[] w, int rows, int cols, bool overColumns)
    {
        int k = overColumns ? cols : rows;
        var g = new double[k, k];
        for (int i = 0; i < k; i++)
            for (int j = 0; j < k; j++)
            {
                double s = 0;
                int len = overColumns ? rows : cols;
                for (int t = 0; t < len; t++)
                    s += overColumns ? (double)w[t * cols + i] * w[t * cols + j] : (double)w[i * cols + t] * w[j * cols + t];
                g[i, j] = s;
            }
        return g;
    }

    [Theory]
    [InlineData(new[] { 64, 32 }, 1f)]
    [InlineData(new[] { 32, 64 }, 1f)]
    [InlineData(new[] { 16, 16 }, 1f)]
    [InlineData(new[] { 3, 3, 4, 8 }, 1f)]
    [InlineData(new[] { 40, 10 }, 2f)]
    public void OrthogonalHasOrthonormalColumnsOrRows(int[] dims, float gain)
    {
        var shape = new Shape(dims);
        var w = new Orthogonal(gain, seed: 9).Call(shape);
        Assert.Equal(shape, w.Shape);
        int cols = dims[^1];
        int rows = (int)(shape.Size / cols);
        // Wᵀ W = gain² I when rows ≥ cols, W Wᵀ = gain² I otherwise.
        var g = Gram(w.ToArray(), rows, cols, overColumns: rows >= cols);
        for (int i = 0; i < g.GetLength(0); i++)
            for (int j = 0; j < g.GetLength(1); j++)
                Assert.True(Math.Abs(g[i, j] - (i == j ? gain * gain : 0)) < 1e-5, $"G[{i},{j}] = {g[i, j]}");
        Assert.Throws<ArgumentException>(() => new Orthogonal().Call(new Shape(5)));
    }

    [Fact]
    public void OrthogonalFactorizationMatchesASignCorrectedQr()
    {
        // A = QR with positive diagonal R is unique: Q for [[3, 1], [4, 2]] is [[0.6, -0.8], [0.8, 0.6]].
        var q = Orthogonal.OrthonormalColumns([3f, 1f, 4f, 2f], 2, 2);
        double[] expected = [0.6, -0.8, 0.8, 0.6];
        for (int i = 0; i < 4; i++) Assert.Equal(expected[i], q[i], 12);
        // With a negative leading column: q1 = (-0.6, -0.8), q2 = (-0.8, 0.6), still with R's diagonal positive.
        q = Orthogonal.OrthonormalColumns([-3f, 1f, -4f, 2f], 2, 2);
        expected = [-0.6, -0.8, -0.8, 0.6];
        for (int i = 0; i < 4; i++) Assert.Equal(expected[i], q[i], 12);
    }

    [Fact]
    public void ConstantInitializers()
    {
        var shape = new Shape(2, 3);
        Assert.All(new Zeros().Call(shape).ToArray(), v => Assert.Equal(0f, v));
        Assert.All(new Ones().Call(shape).ToArray(), v => Assert.Equal(1f, v));
        Assert.All(new Constant(2.5f).Call(shape).ToArray(), v => Assert.Equal(2.5f, v));
        Assert.Equal(new float[] { 3, 0, 0, 0, 3, 0, 0, 0, 3 }, new Identity(3f).Call(new Shape(3, 3)).ToArray());
        Assert.Equal(new float[] { 1, 0, 0, 0, 0, 1, 0, 0 }, new Identity().Call(new Shape(2, 4)).ToArray());
        var e = Assert.Throws<ArgumentException>(() => new Identity().Call(new Shape(3, 3, 3)));
        Assert.Contains("2D", e.Message);
    }

    [Theory]
    [InlineData("glorot_uniform", typeof(GlorotUniform))]
    [InlineData("GlorotUniform", typeof(GlorotUniform))]
    [InlineData("glorot_normal", typeof(GlorotNormal))]
    [InlineData("he_uniform", typeof(HeUniform))]
    [InlineData("he_normal", typeof(HeNormal))]
    [InlineData("lecun_uniform", typeof(LecunUniform))]
    [InlineData("lecun_normal", typeof(LecunNormal))]
    [InlineData("variance_scaling", typeof(VarianceScaling))]
    [InlineData("random_uniform", typeof(RandomUniform))]
    [InlineData("uniform", typeof(RandomUniform))]
    [InlineData("random_normal", typeof(RandomNormal))]
    [InlineData("normal", typeof(RandomNormal))]
    [InlineData("truncated_normal", typeof(TruncatedNormal))]
    [InlineData("zeros", typeof(Zeros))]
    [InlineData("zero", typeof(Zeros))]
    [InlineData("ones", typeof(Ones))]
    [InlineData("one", typeof(Ones))]
    [InlineData("constant", typeof(Constant))]
    [InlineData("identity", typeof(Identity))]
    [InlineData("IdentityInitializer", typeof(Identity))]
    [InlineData("orthogonal", typeof(Orthogonal))]
    [InlineData("Orthogonal", typeof(Orthogonal))]
    [InlineData("OrthogonalInitializer", typeof(Orthogonal))]
    public void EveryAliasResolves(string alias, Type type) => Assert.IsType(type, KerasRegistry.Get<Initializer>(alias));

    [Fact]
    public void UnknownNameListsTheKnownOnes()
    {
        var e = Assert.Throws<ArgumentException>(() => KerasRegistry.Get<Initializer>("glorot"));
        Assert.Contains("glorot_uniform", e.Message);
        Assert.Contains("he_normal", e.Message);
    }

    public static IEnumerable<object[]> Configured() =>
    [
        [new GlorotUniform(7), """{"seed":7}"""],
        [new HeNormal(), """{"seed":null}"""],
        [new VarianceScaling(2f, "fan_out", "uniform", 3), """{"seed":3,"scale":2,"mode":"fan_out","distribution":"uniform"}"""],
        [new RandomUniform(-1f, 1f, 4), """{"seed":4,"minval":-1,"maxval":1}"""],
        [new RandomNormal(0.5f, 0.25f), """{"seed":null,"mean":0.5,"stddev":0.25}"""],
        [new TruncatedNormal(0f, 0.5f, 5), """{"seed":5,"mean":0,"stddev":0.5}"""],
        [new Orthogonal(2f, 8), """{"seed":8,"gain":2}"""],
        [new Identity(0.5f), """{"gain":0.5}"""],
        [new Constant(3f), """{"value":3}"""],
        [new Zeros(), "{}"],
        [new Ones(), "{}"],
    ];

    [Theory]
    [MemberData(nameof(Configured))]
    public void ConfigIsKerasAndRoundTrips(Initializer init, string config)
    {
        Assert.Equal(config, init.GetConfig().ToJsonString());
        var back = KerasRegistry.Deserialize<Initializer>(JsonNode.Parse(KerasRegistry.Serialize(init, "keras.initializers").ToJsonString())!);
        Assert.Equal(init.GetType(), back.GetType());
        Assert.Equal(config, back.GetConfig().ToJsonString());
        if (init is RandomInitializer { Seed: not null })
            Assert.Equal(init.Call(new Shape(3, 4)).ToArray(), back.Call(new Shape(3, 4)).ToArray());
    }

    [Fact]
    public void ReadsASerializedSeedGenerator()
    {
        var init = KerasRegistry.Deserialize<Initializer>(JsonNode.Parse("""
            {"class_name": "GlorotNormal", "config": {"seed": {"module": "keras.random", "class_name": "SeedGenerator", "config": {"seed": 17}}}}
            """)!);
        Assert.Equal(17L, ((RandomInitializer)init).Seed);
    }
}
