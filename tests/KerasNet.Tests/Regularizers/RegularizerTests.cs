using System.Text.Json.Nodes;
using KerasNet.Regularizers;
using KerasNet.Saving;
using KerasNet.Tests.Optimizers;
using Xunit;

namespace KerasNet.Tests.Regularizers;

public class RegularizerTests
{
    public static IEnumerable<object[]> Cases =>
        Enumerable.Range(0, ((JsonArray)OptimizerGolden.Load("regularizers.json")["cases"]!).Count).Select(i => new object[] { i });

    [Theory]
    [MemberData(nameof(Cases))]
    public void PenaltyAndGradientMatchKeras(int index)
    {
        var root = OptimizerGolden.Load("regularizers.json");
        var c = root["cases"]![index]!;
        var id = c["identifier"]!;
        var regularizer = id is JsonValue v
            ? KerasRegistry.Get<Regularizer>(v.GetValue<string>())
            : KerasRegistry.Deserialize<Regularizer>(id.DeepClone());
        var x = new Variable(Tensor.FromArray<float>(OptimizerGolden.Floats(root["x"]), OptimizerGolden.ShapeOf(root["shape"])), "x");
        using var tape = new GradientTape();
        var penalty = regularizer.Call(x);
        Assert.Equal(Shape.Scalar, penalty.Shape);
        var gradient = tape.Gradient(penalty, x);
        string what = id.ToJsonString();
        OptimizerGolden.AssertClose([c["penalty"]!.GetValue<double>()], [penalty.ToScalar()], what + " penalty");
        OptimizerGolden.AssertClose(OptimizerGolden.Doubles(c["gradient"]), gradient.ToArray(), what + " gradient");
    }

    [Fact]
    public void DefaultsAreKeras()
    {
        Assert.Equal(0.01f, new L1().Factor);
        Assert.Equal(0.01f, new L2().Factor);
        Assert.Equal((0f, 0f), (new L1L2().L1Factor, new L1L2().L2Factor));
        var l1l2 = Assert.IsType<L1L2>(KerasRegistry.Get<Regularizer>("l1_l2"));
        Assert.Equal((0.01f, 0.01f), (l1l2.L1Factor, l1l2.L2Factor));
        Assert.Equal(0f, new L1L2().Call(Ops.Ones(new Shape(3))).ToScalar());
        // Keras's docstring example, computed outside any tape.
        Assert.Equal(50f, new L2(2f).Call(Ops.Ones(new Shape(5, 5))).ToScalar());
    }

    [Theory]
    [InlineData("l1", typeof(L1))]
    [InlineData("L1", typeof(L1))]
    [InlineData("l2", typeof(L2))]
    [InlineData("L2", typeof(L2))]
    [InlineData("l1_l2", typeof(L1L2))]
    [InlineData("L1L2", typeof(L1L2))]
    public void EveryAliasResolves(string alias, Type type) => Assert.IsType(type, KerasRegistry.Get<Regularizer>(alias));

    public static IEnumerable<object[]> Configured() =>
    [
        [new L1(0.3f), """{"l1":0.3}"""],
        [new L2(), """{"l2":0.01}"""],
        [new L1L2(0.01f, 0.02f), """{"l1":0.01,"l2":0.02}"""],
    ];

    [Theory]
    [MemberData(nameof(Configured))]
    public void ConfigIsKerasAndRoundTrips(Regularizer regularizer, string config)
    {
        Assert.Equal(config, regularizer.GetConfig().ToJsonString());
        var back = KerasRegistry.Deserialize<Regularizer>(JsonNode.Parse(KerasRegistry.Serialize(regularizer, "keras.regularizers").ToJsonString())!);
        Assert.Equal(regularizer.GetType(), back.GetType());
        Assert.Equal(config, back.GetConfig().ToJsonString());
    }

    [Fact]
    public void InvalidFactorsAndNamesAreRejected()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new L1(-0.1f));
        Assert.Contains("non-negative", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new L2(float.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => new L1L2(0.1f, float.PositiveInfinity));
        var u = Assert.Throws<ArgumentException>(() => KerasRegistry.Get<Regularizer>("l3"));
        Assert.Contains("l1_l2", u.Message);
    }
}
