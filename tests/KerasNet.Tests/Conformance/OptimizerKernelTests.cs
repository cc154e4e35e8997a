using System.Text.Json.Nodes;
using KerasNet.Backend;
using KerasNet.Backends.Native.Cpu;
using KerasNet.Tests.Optimizers;
using KerasNet.Tests.Reference;
using Xunit;

namespace KerasNet.Tests.Conformance;

/// <summary>The fused optimizer update (<see cref="IBackend.OptimizerUpdate"/>) against Keras's update rules
/// as documented on <see cref="OptimizerUpdateKind"/>, evaluated in double:
/// <list type="bullet">
/// <item>SGD: w −= lr·g; with momentum m = μ·m − lr·g, w += m; Nesterov w += μ·m − lr·g.</item>
/// <item>Adam: m += (g − m)(1 − β₁), v += (g² − v)(1 − β₂), AMSGrad v̂ = max(v̂, v) used in place of v,
/// w −= lr·scale·m / (√v + ε).</item>
/// </list>
/// Every step is checked against the reference evaluated from the state the kernel held before it (the
/// variable and slots are downloaded after each step and never uploaded again, so the slots are carried by
/// the kernel itself). Each value is a handful of float roundings with no long sums, so an element passes when
/// |got − ref| ≤ 1e-6 of its magnitude scale: the sum of the magnitudes of the terms that make it up (for
/// Adam's variable, |w| + lr·scale·(|m| + |g| + |m'|)/(√v̂ + ε)). The learning rate the reference uses is the
/// float in the buffer times the float <see cref="OptimizerUpdateParams.LearningRateScale"/>.
/// <para>A separate check runs the Keras trajectories of Golden/optimizers.json (written by
/// scripts/golden/optimizers.py from Keras's formulas in float64) through the kernel: plain, momentum and
/// Nesterov SGD, Adam and AMSGrad, with the golden file's tolerance.</para></summary>
public class OptimizerKernelTests
{
    public enum Rule { Sgd, SgdMomentum, SgdNesterov, Adam, AdamAmsgrad }

    public static IEnumerable<object[]> RuleCases =>
        from b in BackendsUnderTest.Names from r in Enum.GetValues<Rule>() select new object[] { b[0], r };

    public static IEnumerable<object[]> Backends => BackendsUnderTest.Names;

    /// <summary>Below, at and above the vector widths, around the 32768-element task size, and several tasks
    /// with an odd tail.</summary>
    public static readonly long[] Sizes = [1, 7, 8, 9, 17, 33, 1000, 32768, 32769, 100_003];

    internal const float SgdLearningRate = 0.1f, AdamLearningRate = 0.05f;

    internal static OptimizerUpdateParams ParamsFor(Rule rule, long count) => rule switch
    {
        Rule.Sgd => new() { Kind = OptimizerUpdateKind.Sgd, Count = count, LearningRateScale = 1f },
        Rule.SgdMomentum => new() { Kind = OptimizerUpdateKind.Sgd, Count = count, LearningRateScale = 1f, Momentum = 0.9f },
        Rule.SgdNesterov => new() { Kind = OptimizerUpdateKind.Sgd, Count = count, LearningRateScale = 1f, Momentum = 0.9f, Nesterov = true },
        Rule.Adam => new() { Kind = OptimizerUpdateKind.Adam, Count = count, Beta1 = 0.9f, Beta2 = 0.999f, Epsilon = 1e-7f },
        _ => new() { Kind = OptimizerUpdateKind.Adam, Count = count, Beta1 = 0.9f, Beta2 = 0.999f, Epsilon = 1e-7f, Amsgrad = true },
    };

    /// <summary>Adam's bias correction √(1 − β₂ᵗ)/(1 − β₁ᵗ) at step t (1-based), as the caller passes it.</summary>
    internal static float AdamScale(double beta1, double beta2, int t) =>
        (float)(Math.Sqrt(1 - Math.Pow(beta2, t)) / (1 - Math.Pow(beta1, t)));

    /// <summary>A variable, a gradient buffer and the slots of one rule on the device, each with
    /// <see cref="Tail"/> sentinel elements after the first Count (which the kernel must not touch), plus the
    /// host copy of the state the kernel holds.</summary>
    internal sealed class Run : IDisposable
    {
        public const int Tail = 7;
        public const float Sentinel = 4242f;

        private readonly DeviceArrays _d;
        public readonly OptimizerUpdateParams P;
        public readonly float LearningRate;
        public readonly DeviceBuffer Lr, W, G;
        public readonly DeviceBuffer? S0, S1, S2;
        public float[] HostW, HostG;
        public float[]? HostM, HostV, HostVh;

        public Run(IBackend backend, OptimizerUpdateParams p, float learningRate, Random rnd, double weightScale = 0.1)
        {
            _d = new DeviceArrays(backend);
            P = p;
            LearningRate = learningRate;
            int n = (int)p.Count;
            bool adam = p.Kind == OptimizerUpdateKind.Adam;
            Lr = _d.Up(new[] { learningRate, 999f }); // only element 0 is the learning rate
            HostW = Uniform(rnd, n, -weightScale, weightScale);
            HostG = new float[n];
            W = _d.Up(WithTail(HostW));
            G = _d.Up(WithTail(HostG));
            // Slots start away from zero, so every term of the rules matters from the first step.
            if (adam || p.Momentum != 0) { HostM = Uniform(rnd, n, -0.5, 0.5); S0 = _d.Up(WithTail(HostM)); }
            if (adam) { HostV = Uniform(rnd, n, 0, 0.5); S1 = _d.Up(WithTail(HostV)); }
            if (adam && p.Amsgrad) { HostVh = Uniform(rnd, n, 0, 0.5); S2 = _d.Up(WithTail(HostVh)); }
        }

        /// <summary>Uploads a fresh gradient (uniform in ±<paramref name="scale"/>), runs one update with the
        /// given learning-rate scale, and checks the variable and every slot against the reference.</summary>
        public void Step(Random rnd, float lrScale, string what, double gradientScale = 1)
        {
            var g = Uniform(rnd, HostW.Length, -gradientScale, gradientScale);
            _d.Backend.Upload(System.Runtime.InteropServices.MemoryMarshal.AsBytes(g.AsSpan()), G, 0);
            HostG = g;
            var p = P with { LearningRateScale = lrScale };
            _d.Backend.OptimizerUpdate(p, Lr, W, G, S0, S1, S2);
            var w1 = Download(W);
            var m1 = S0 == null ? null : Download(S0);
            var v1 = S1 == null ? null : Download(S1);
            var vh1 = S2 == null ? null : Download(S2);
            var gAfter = Download(G);
            for (int i = 0; i < g.Length; i++)
                if (BitConverter.SingleToInt32Bits(gAfter[i]) != BitConverter.SingleToInt32Bits(g[i]))
                    Assert.Fail($"{what}: the gradient was written at element {i}");
            CheckStep(p, LearningRate, HostW, g, HostM, HostV, HostVh, w1, m1, v1, vh1, what);
            HostW = w1; HostM = m1; HostV = v1; HostVh = vh1;
        }

        /// <summary>The first Count elements of a buffer, after asserting its tail still holds the sentinel.</summary>
        private float[] Download(DeviceBuffer b)
        {
            var all = _d.Down<float>(b, P.Count + Tail);
            for (long i = P.Count; i < all.Length; i++)
                if (all[i] != Sentinel) Assert.Fail($"element {i} past Count ({P.Count}) was written: {all[i]}");
            return all[..(int)P.Count];
        }

        private static float[] WithTail(float[] x) => x.Concat(Enumerable.Repeat(Sentinel, Tail)).ToArray();

        public void Dispose() => _d.Dispose();
    }

    internal static float[] Uniform(Random rnd, int n, double lo, double hi)
    {
        var x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float)(lo + (hi - lo) * rnd.NextDouble());
        return x;
    }

    /// <summary>Checks one update (state 0 → state 1) against the documented rule in double.</summary>
    internal static void CheckStep(OptimizerUpdateParams p, float learningRate, float[] w0, float[] g, float[]? m0, float[]? v0, float[]? vh0,
        float[] w1, float[]? m1, float[]? v1, float[]? vh1, string what)
    {
        const double rel = 1e-6;
        double lr = (double)learningRate * p.LearningRateScale;
        for (int i = 0; i < w0.Length; i++)
        {
            double w = w0[i], gi = g[i];
            if (p.Kind == OptimizerUpdateKind.Sgd)
            {
                if (p.Momentum == 0)
                {
                    Expect(w - lr * gi, w1[i], rel * (Math.Abs(w) + Math.Abs(lr * gi)), "variable", i);
                    continue;
                }
                double mu = p.Momentum, m = m0![i];
                double mScale = Math.Abs(mu * m) + Math.Abs(lr * gi);
                double mNew = mu * m - lr * gi;
                Expect(mNew, m1![i], rel * mScale, "velocity (slot 0)", i);
                double wNew = p.Nesterov ? w + mu * mNew - lr * gi : w + mNew;
                double wScale = Math.Abs(w) + (p.Nesterov ? mu * mScale + Math.Abs(lr * gi) : mScale);
                Expect(wNew, w1[i], rel * wScale, "variable", i);
            }
            else
            {
                double c1 = 1 - (double)p.Beta1, c2 = 1 - (double)p.Beta2, m = m0![i], v = v0![i];
                double mNew = m + (gi - m) * c1;
                Expect(mNew, m1![i], rel * (Math.Abs(m) + Math.Abs(gi)), "first moment (slot 1)", i);
                double vNew = v + (gi * gi - v) * c2;
                double vTol = rel * (v + gi * gi);
                Expect(vNew, v1![i], vTol, "second moment (slot 1)", i);
                double vUse = vNew;
                if (p.Amsgrad)
                {
                    vUse = Math.Max(vh0![i], vNew);
                    Expect(vUse, vh1![i], vTol, "v-hat (slot 2)", i);
                }
                double den = Math.Sqrt(vUse) + p.Epsilon;
                double wNew = w - lr * mNew / den;
                Expect(wNew, w1[i], rel * (Math.Abs(w) + lr * (Math.Abs(m) + Math.Abs(gi) + Math.Abs(mNew)) / den), "variable", i);
            }
        }

        void Expect(double want, float got, double tol, string name, int i)
        {
            if (!(Math.Abs(got - want) <= tol))
                Assert.Fail($"{what}: {name} element {i} is {got:R}, expected {want:R} (tolerance {tol:E2}); before the step w {w0[i]:R}, g {g[i]:R}" +
                    (m0 == null ? "" : $", m {m0[i]:R}") + (v0 == null ? "" : $", v {v0[i]:R}") + (vh0 == null ? "" : $", v̂ {vh0[i]:R}") +
                    $", lr {learningRate:R} × scale {p.LearningRateScale:R}");
        }
    }

    /// <summary>Three steps in a row of every rule on every size, the slots carried by the kernel.</summary>
    [Theory, MemberData(nameof(RuleCases))]
    public void Update_MatchesKerasRule_OverSeveralSteps(string backend, Rule rule)
    {
        var b = BackendsUnderTest.Get(backend);
        foreach (long n in Sizes)
        {
            var rnd = new Random((int)n * 7 + (int)rule);
            var p = ParamsFor(rule, n);
            bool adam = p.Kind == OptimizerUpdateKind.Adam;
            using var run = new Run(b, p, adam ? AdamLearningRate : SgdLearningRate, rnd);
            for (int t = 1; t <= 3; t++)
                run.Step(rnd, adam ? AdamScale(0.9, 0.999, t) : 1f, $"{rule}, {n} elements, step {t}");
        }
    }

    /// <summary>Adam's hyperparameters are the ones passed (β₁ 0.8, β₂ 0.95, ε 1e-3), and with gradients of
    /// 1e-6 against ε = 1e-7 the placement of ε (after the square root) decides the result.</summary>
    [Theory, MemberData(nameof(Backends))]
    public void Adam_HyperparametersAndSmallGradients(string backend)
    {
        var b = BackendsUnderTest.Get(backend);
        foreach (bool amsgrad in new[] { false, true })
            foreach (long n in new long[] { 13, 40_001 })
            {
                var rnd = new Random((int)n + (amsgrad ? 1 : 0));
                var p = new OptimizerUpdateParams { Kind = OptimizerUpdateKind.Adam, Count = n, Beta1 = 0.8f, Beta2 = 0.95f, Epsilon = 1e-3f, Amsgrad = amsgrad };
                using (var run = new Run(b, p, 0.02f, rnd))
                    for (int t = 1; t <= 3; t++)
                        run.Step(rnd, AdamScale(0.8, 0.95, t), $"Adam β 0.8/0.95 ε 1e-3 amsgrad {amsgrad}, {n} elements, step {t}", gradientScale: 1e-2);

                // Slots start at zero here (as Keras builds them), so v stays ~g² ~ 1e-12 and ε = 1e-7 is ~10% of √v.
                p = ParamsFor(amsgrad ? Rule.AdamAmsgrad : Rule.Adam, n);
                using var small = new Run(b, p, 0.01f, rnd);
                Zero(b, small);
                for (int t = 1; t <= 3; t++)
                    small.Step(rnd, AdamScale(0.9, 0.999, t), $"Adam small gradients amsgrad {amsgrad}, {n} elements, step {t}", gradientScale: 1e-6);
            }

        static void Zero(IBackend b, Run run)
        {
            foreach (var s in new[] { run.S0, run.S1, run.S2 })
                if (s != null) b.Fill(s, DType.Float32, run.P.Count, 0);
            run.HostM = run.HostM == null ? null : new float[run.HostM.Length];
            run.HostV = run.HostV == null ? null : new float[run.HostV.Length];
            run.HostVh = run.HostVh == null ? null : new float[run.HostVh.Length];
        }
    }

    /// <summary>Adam with the update count on the device (the kernel folds in √(1 − β₂ᵗ)/(1 − β₁ᵗ) at t = count + 1)
    /// gives what the host-computed bias correction passed as LearningRateScale gives: the same bits on the CPU, at
    /// most one float ulp apart elsewhere (the device's double pow may round its last bit differently).</summary>
    [Theory, MemberData(nameof(Backends))]
    public void Adam_BiasCorrectionFromTheDeviceCount_MatchesTheHostScale(string backend)
    {
        var b = BackendsUnderTest.Get(backend);
        using var d = new DeviceArrays(b);
        const int n = 1031;
        var rnd = new Random(91);
        float[] w0 = Rand(), g = Rand(), m0 = Rand(), v0 = Rand().Select(Math.Abs).ToArray();
        foreach (long done in new long[] { 0, 1, 4, 999 })
        {
            var p = new OptimizerUpdateParams { Kind = OptimizerUpdateKind.Adam, Count = n, Beta1 = 0.9f, Beta2 = 0.999f, Epsilon = 1e-7f };
            double t = done + 1;
            var host = Run(p with { LearningRateScale = (float)(Math.Sqrt(1 - Math.Pow(0.999f, t)) / (1 - Math.Pow(0.9f, t))) }, null);
            var device = Run(p with { LearningRateScale = 1f }, d.Up(new[] { done }));
            for (int i = 0; i < n; i++)
            {
                if (b.Device == "cpu") Assert.Equal(BitConverter.SingleToInt32Bits(host[i]), BitConverter.SingleToInt32Bits(device[i]));
                else Assert.InRange(Math.Abs(BitConverter.SingleToInt32Bits(host[i]) - BitConverter.SingleToInt32Bits(device[i])), 0, 1);
            }
            Assert.NotEqual(w0, host); // the step did something
        }

        float[] Run(OptimizerUpdateParams p, DeviceBuffer? iterations)
        {
            var w = d.Up(w0);
            b.OptimizerUpdate(p, d.Up(new[] { 0.01f }), w, d.Up(g), d.Up(m0), d.Up(v0), null, iterations);
            return d.Down<float>(w, n);
        }

        float[] Rand() => Enumerable.Range(0, n).Select(_ => (float)(rnd.NextDouble() * 2 - 1)).ToArray();
    }

    /// <summary>The learning rate is read from the device and multiplied by LearningRateScale for every
    /// kind, not only Adam.</summary>
    [Theory, MemberData(nameof(RuleCases))]
    public void LearningRateScale_AppliesToEveryRule(string backend, Rule rule)
    {
        var b = BackendsUnderTest.Get(backend);
        var rnd = new Random(77 + (int)rule);
        using var run = new Run(b, ParamsFor(rule, 29), 0.3f, rnd);
        run.Step(rnd, 0.25f, $"{rule} with learning-rate scale 0.25");
        run.Step(rnd, 3f, $"{rule} with learning-rate scale 3");
    }

    [Theory, MemberData(nameof(RuleCases))]
    public void ZeroCount_ChangesNothing(string backend, Rule rule)
    {
        var b = BackendsUnderTest.Get(backend);
        var p = ParamsFor(rule, 0);
        using var d = new DeviceArrays(b);
        var lr = d.Up(new[] { 0.1f });
        var bufs = Enumerable.Range(0, 5).Select(_ => d.Up(new[] { 1f, 2f, 3f })).ToArray();
        b.OptimizerUpdate(p with { LearningRateScale = 1f }, lr, bufs[0], bufs[1], bufs[2], bufs[3], bufs[4]);
        foreach (var buf in bufs) Assert.Equal(new[] { 1f, 2f, 3f }, d.Down<float>(buf, 3));
    }

    // ---------------------------------------------------------------------------------------------
    // Keras golden trajectories.

    /// <summary>The golden cases whose rule is exactly the fused kernel's (no clipping, weight decay or schedule).</summary>
    public static readonly string[] GoldenNames =
    [
        "sgd", "sgd_defaults", "sgd_momentum", "sgd_nesterov",
        "adam", "adam_defaults", "adam_amsgrad", "adam_small_gradients", "adam_amsgrad_small_gradients",
    ];

    public static IEnumerable<object[]> GoldenCases =>
        from b in BackendsUnderTest.Names from n in GoldenNames select new object[] { b[0], n };

    /// <summary>Keras's trajectory (six steps, three variables, float64 from the documented rules) through the
    /// fused kernel, once per variable (the scalar tail) and once with the three variables concatenated into
    /// one 16-element tensor (the vector loop as well; the rules are elementwise).</summary>
    [Theory, MemberData(nameof(GoldenCases))]
    public void FusedUpdate_MatchesKerasGolden(string backend, string name)
    {
        var b = BackendsUnderTest.Get(backend);
        var root = OptimizerGolden.Load("optimizers.json");
        var c = ((JsonArray)root["cases"]!).Single(x => x!["name"]!.GetValue<string>() == name)!;
        string className = c["class_name"]!.GetValue<string>();
        var config = (JsonObject)c["config"]!;
        Assert.DoesNotContain(config, kv => kv.Key is "clipnorm" or "clipvalue" or "global_clipnorm" or "weight_decay");
        double Get(string key, double fallback) => config.TryGetPropertyValue(key, out var v) && v != null ? v.GetValue<double>() : fallback;
        bool GetBool(string key) => config.TryGetPropertyValue(key, out var v) && v != null && v.GetValue<bool>();

        bool adam = className == "Adam";
        Assert.True(adam || className == "SGD", className);
        // Keras's defaults (keras.optimizers.SGD / Adam) for keys the config leaves out.
        double lr = Get("learning_rate", adam ? 0.001 : 0.01);
        double beta1 = Get("beta_1", 0.9), beta2 = Get("beta_2", 0.999);
        var p = adam
            ? new OptimizerUpdateParams
            {
                Kind = OptimizerUpdateKind.Adam, Beta1 = (float)beta1, Beta2 = (float)beta2,
                Epsilon = (float)Get("epsilon", 1e-7), Amsgrad = GetBool("amsgrad"),
            }
            : new OptimizerUpdateParams
            {
                Kind = OptimizerUpdateKind.Sgd, LearningRateScale = 1f, Momentum = (float)Get("momentum", 0), Nesterov = GetBool("nesterov"),
            };

        var initial = ((JsonArray)root["initial"]!).Select(OptimizerGolden.Floats).ToArray();
        var gradients = (JsonArray)root["gradients"]!;
        var expected = (JsonArray)c["expected"]!;
        float gradientScale = (float)c["gradient_scale"]!.GetValue<double>();
        int vars = initial.Length;

        // Segments: each variable alone, then all of them in one buffer.
        var segments = Enumerable.Range(0, vars).Select(i => new[] { i }).Append(Enumerable.Range(0, vars).ToArray()).ToArray();
        using var d = new DeviceArrays(b);
        var lrBuf = d.Up(new[] { (float)lr });
        foreach (var seg in segments)
        {
            int count = seg.Sum(i => initial[i].Length);
            var w = d.Up(seg.SelectMany(i => initial[i]).ToArray());
            var g = d.Alloc<float>(count);
            DeviceBuffer Slot()
            {
                var s = d.Alloc<float>(count);
                b.Fill(s, DType.Float32, count, 0); // Keras builds every slot as zeros
                return s;
            }
            DeviceBuffer? s0 = adam || p.Momentum != 0 ? Slot() : null, s1 = adam ? Slot() : null, s2 = adam && p.Amsgrad ? Slot() : null;
            for (int step = 0; step < expected.Count; step++)
            {
                // The gradients as OptimizerGoldenTests feeds them: float32, scaled in float32.
                var grad = seg.SelectMany(i => OptimizerGolden.Floats(gradients[step]![i]).Select(x => x * gradientScale)).ToArray();
                b.Upload(System.Runtime.InteropServices.MemoryMarshal.AsBytes(grad.AsSpan()), g, 0);
                var sp = p with { Count = count, LearningRateScale = adam ? AdamScale(beta1, beta2, step + 1) : 1f };
                b.OptimizerUpdate(sp, lrBuf, w, g, s0, s1, s2);
                var got = d.Down<float>(w, count);
                int offset = 0;
                foreach (int i in seg)
                {
                    var want = OptimizerGolden.Doubles(expected[step]![i]);
                    OptimizerGolden.AssertClose(want, got.AsSpan(offset, want.Length),
                        $"{name} (fused kernel, {(seg.Length == 1 ? "variable alone" : "variables concatenated")}), step {step + 1}, variable {i}");
                    offset += want.Length;
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Argument errors.

    [Theory, MemberData(nameof(Backends))]
    public void MissingSlots_ThrowNamingTheSlot(string backend)
    {
        using var d = new DeviceArrays(BackendsUnderTest.Get(backend));
        const int n = 10;
        var lr = d.Up(new[] { 0.1f });
        DeviceBuffer w = d.Up(new float[n]), g = d.Up(new float[n]), s = d.Up(new float[n]), s1 = d.Up(new float[n]);
        void Expect(string slot, OptimizerUpdateParams p, DeviceBuffer? a, DeviceBuffer? bb, DeviceBuffer? c)
        {
            var ex = Assert.Throws<ArgumentNullException>(() => d.Backend.OptimizerUpdate(p, lr, w, g, a, bb, c));
            Assert.Equal(slot, ex.ParamName);
            Assert.Contains(slot, ex.Message);
        }
        Expect("slot0", ParamsFor(Rule.SgdMomentum, n), null, null, null);
        Expect("slot0", ParamsFor(Rule.SgdNesterov, n), null, s1, s);
        Expect("slot0", ParamsFor(Rule.Adam, n), null, s1, null);
        Expect("slot1", ParamsFor(Rule.Adam, n), s, null, null);
        Expect("slot2", ParamsFor(Rule.AdamAmsgrad, n), s, s1, null);
        Expect("slot1", ParamsFor(Rule.AdamAmsgrad, n), s, null, s1);
        // Plain SGD needs no slot and Adam without AMSGrad no v̂: null is fine there.
        d.Backend.OptimizerUpdate(ParamsFor(Rule.Sgd, n) with { LearningRateScale = 1f }, lr, w, g, null, null, null);
        d.Backend.OptimizerUpdate(ParamsFor(Rule.Adam, n) with { LearningRateScale = 1f }, lr, w, g, s, s1, null);
    }

    /// <summary>Every buffer one element too short for Count is rejected, naming it, before anything is written.</summary>
    [Theory, MemberData(nameof(Backends))]
    public void TooSmallBuffers_ThrowNamingTheBuffer(string backend)
    {
        using var d = new DeviceArrays(BackendsUnderTest.Get(backend));
        var small = d.Up(Enumerable.Repeat(5f, 16).ToArray());
        int n = (int)(small.ByteLength / sizeof(float)) + 1; // one element more than it holds
        var big = Enumerable.Range(0, 5).Select(_ => d.Up(Enumerable.Repeat(5f, n + 64).ToArray())).ToArray();
        var lr = d.Up(new[] { 0.1f });
        var noLr = d.Alloc<float>(0);
        var cases = new (string Name, Rule Rule, int Index)[]
        {
            // Index: 0 variable, 1 gradient, 2..4 slot0..slot2, -1 learning rate.
            ("variable", Rule.Sgd, 0), ("gradient", Rule.Sgd, 1), ("variable", Rule.AdamAmsgrad, 0), ("gradient", Rule.Adam, 1),
            ("slot0", Rule.SgdMomentum, 2), ("slot0", Rule.SgdNesterov, 2), ("slot0", Rule.Adam, 2), ("slot1", Rule.Adam, 3),
            ("slot2", Rule.AdamAmsgrad, 4), ("learningRate", Rule.Sgd, -1), ("learningRate", Rule.Adam, -1),
        };
        foreach (var (name, rule, index) in cases)
        {
            var args = big.ToArray();
            if (index >= 0) args[index] = small;
            var p = ParamsFor(rule, n) with { LearningRateScale = 1f };
            var ex = Assert.ThrowsAny<ArgumentException>(() =>
                d.Backend.OptimizerUpdate(p, index < 0 ? noLr : lr, args[0], args[1], args[2], args[3], args[4]));
            Assert.Equal(name, ex.ParamName);
        }
        // Nothing was written by the rejected calls.
        foreach (var buf in big.Append(small))
            Assert.All(d.Down<float>(buf, buf == small ? 16 : n + 64), v => Assert.Equal(5f, v));
    }

    [Theory, MemberData(nameof(Backends))]
    public void UnknownKindAndNegativeCount_Throw(string backend)
    {
        using var d = new DeviceArrays(BackendsUnderTest.Get(backend));
        var lr = d.Up(new[] { 0.1f });
        var bufs = Enumerable.Range(0, 5).Select(_ => d.Up(Enumerable.Repeat(5f, 8).ToArray())).ToArray();
        var ex = Assert.ThrowsAny<ArgumentException>(() => d.Backend.OptimizerUpdate(
            new OptimizerUpdateParams { Kind = (OptimizerUpdateKind)7, Count = 8, LearningRateScale = 1f }, lr, bufs[0], bufs[1], bufs[2], bufs[3], bufs[4]));
        Assert.Equal("p", ex.ParamName);
        ex = Assert.ThrowsAny<ArgumentException>(() => d.Backend.OptimizerUpdate(
            ParamsFor(Rule.Adam, -1), lr, bufs[0], bufs[1], bufs[2], bufs[3], bufs[4]));
        Assert.Equal("p", ex.ParamName);
        foreach (var buf in bufs) Assert.All(d.Down<float>(buf, 8), v => Assert.Equal(5f, v));
    }

    /// <summary>Changing the thread count is process-wide, so this runs in the serial collection, alone.</summary>
    [Collection(SerialCollection.Name)]
    public class ThreadCounts
    {
        /// <summary>Sizes that split into 2 to 10 tasks of unequal, odd length, on 1, 2 and 3 threads.</summary>
        [Theory, MemberData(nameof(RuleCases), MemberType = typeof(OptimizerKernelTests))]
        public void Update_EveryThreadCount(string backend, Rule rule)
        {
            var b = BackendsUnderTest.Get(backend);
            int original = CpuThreads.Count;
            try
            {
                foreach (int threads in new[] { 1, 2, 3 })
                {
                    CpuThreads.SetCount(threads);
                    foreach (long n in new long[] { 32_769, 300_007 })
                    {
                        var rnd = new Random(threads * 1000 + (int)rule);
                        var p = ParamsFor(rule, n);
                        bool adam = p.Kind == OptimizerUpdateKind.Adam;
                        using var run = new Run(b, p, adam ? AdamLearningRate : SgdLearningRate, rnd);
                        for (int t = 1; t <= 2; t++)
                            run.Step(rnd, adam ? AdamScale(0.9, 0.999, t) : 1f, $"{rule}, {n} elements, {threads} threads, step {t}");
                    }
                }
            }
            finally { CpuThreads.SetCount(original); }
        }
    }
}
