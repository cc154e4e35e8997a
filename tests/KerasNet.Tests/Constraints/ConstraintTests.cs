using System.Text.Json.Nodes;
using KerasNet.Constraints;
using KerasNet.Saving;
using KerasNet.Tests.Optimizers;
using Xunit;

namespace KerasNet.Tests.Constraints;

public class ConstraintTests
{
    public static IEnumerable<object[]> Cases =>
        Enumerable.Range(0, ((JsonArray)OptimizerGolden.Load("constraints.json")["cases"]!).Count).Select(i => new object[] { i });

    [Theory]
    [MemberData(nameof(Cases))]
    public void OutputMatchesKeras(int index)
    {
        var c = OptimizerGolden.Load("constraints.json")["cases"]![index]!;
        var spec = c["constraint"]!;
        var constraint = KerasRegistry.Deserialize<Constraint>(spec.DeepClone());
        Assert.Equal(spec["class_name"]!.GetValue<string>(), constraint.ClassName);
        var w = Tensor.FromArray<float>(OptimizerGolden.Floats(c["w"]), OptimizerGolden.ShapeOf(c["shape"]));
        var output = constraint.Call(w);
        Assert.Equal(w.Shape, output.Shape);
        OptimizerGolden.AssertClose(OptimizerGolden.Doubles(c["expected"]), output.ToArray(), spec.ToJsonString());
    }

    [Fact]
    public void DefaultsAreKeras()
    {
        var max = new MaxNorm();
        Assert.Equal(2f, max.MaxValue);
        Assert.Equal(new[] { 0 }, max.Axis);
        Assert.Equal(new[] { 0 }, new UnitNorm().Axis);
        var mm = new MinMaxNorm();
        Assert.Equal((0f, 1f, 1f), (mm.MinValue, mm.MaxValue, mm.Rate));
        Assert.Equal(new[] { 0 }, mm.Axis);
    }

    [Theory]
    [InlineData("max_norm", typeof(MaxNorm))]
    [InlineData("MaxNorm", typeof(MaxNorm))]
    [InlineData("non_neg", typeof(NonNeg))]
    [InlineData("NonNeg", typeof(NonNeg))]
    [InlineData("unit_norm", typeof(UnitNorm))]
    [InlineData("UnitNorm", typeof(UnitNorm))]
    [InlineData("min_max_norm", typeof(MinMaxNorm))]
    [InlineData("MinMaxNorm", typeof(MinMaxNorm))]
    public void EveryAliasResolves(string alias, Type type) => Assert.IsType(type, KerasRegistry.Get<Constraint>(alias));

    public static IEnumerable<object[]> Configured() =>
    [
        [new MaxNorm(), """{"max_value":2,"axis":0}"""],
        [new MaxNorm(1.5f, [0, 1, 2]), """{"max_value":1.5,"axis":[0,1,2]}"""],
        [new UnitNorm(1), """{"axis":1}"""],
        [new UnitNorm([0, 1]), """{"axis":[0,1]}"""],
        [new MinMaxNorm(0.5f, 1.5f, 0.5f, 1), """{"min_value":0.5,"max_value":1.5,"rate":0.5,"axis":1}"""],
        [new NonNeg(), "{}"],
    ];

    [Theory]
    [MemberData(nameof(Configured))]
    public void ConfigIsKerasAndRoundTrips(Constraint constraint, string config)
    {
        Assert.Equal(config, constraint.GetConfig().ToJsonString());
        var back = KerasRegistry.Deserialize<Constraint>(JsonNode.Parse(KerasRegistry.Serialize(constraint, "keras.constraints").ToJsonString())!);
        Assert.Equal(constraint.GetType(), back.GetType());
        Assert.Equal(config, back.GetConfig().ToJsonString());
    }

    [Fact]
    public void UnknownNameListsTheKnownOnes()
    {
        var e = Assert.Throws<ArgumentException>(() => KerasRegistry.Get<Constraint>("positive"));
        Assert.Contains("non_neg", e.Message);
        Assert.Contains("max_norm", e.Message);
    }
}
