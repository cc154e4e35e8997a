using System.Text.Json.Nodes;
using KerasNet.Optimizers;
using KerasNet.Optimizers.Schedules;
using KerasNet.Saving;
using Xunit;

namespace KerasNet.Tests.Optimizers;

public class ScheduleTests
{
    public static IEnumerable<object[]> Cases =>
        Enumerable.Range(0, ((JsonArray)OptimizerGolden.Load("schedules.json")["cases"]!).Count).Select(i => new object[] { i });

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesKerasFormulaAtManySteps(int index)
    {
        var c = OptimizerGolden.Load("schedules.json")["cases"]![index]!;
        var spec = (JsonObject)c["schedule"]!.DeepClone();
        var schedule = KerasRegistry.Deserialize<LearningRateSchedule>(spec);
        Assert.Equal(spec["class_name"]!.GetValue<string>(), schedule.ClassName);
        var steps = ((JsonArray)c["steps"]!).Select(s => s!.GetValue<long>()).ToArray();
        var expected = OptimizerGolden.Doubles(c["values"]);
        var actual = steps.Select(schedule.Call).ToArray();
        // Computed in double and cast to float: only the final rounding differs.
        OptimizerGolden.AssertClose(expected, actual, $"{schedule.ClassName} {spec["config"]!.ToJsonString()}", rtol: 1e-6, atol: 1e-9);
    }

    public static IEnumerable<object[]> Schedules() =>
    [
        [new ExponentialDecay(0.1, 1000, 0.96, staircase: true, name: "exp")],
        [new InverseTimeDecay(0.5, 10, 0.5)],
        [new PiecewiseConstantDecay([100, 200.5], [1.0, 0.5, 0.25])],
        [new PolynomialDecay(0.1, 50, 0.001, power: 2, cycle: true)],
        [new CosineDecay(0.0, 100, alpha: 0.1, warmupTarget: 0.05, warmupSteps: 10)],
        [new CosineDecay(0.2, 100)],
    ];

    [Theory]
    [MemberData(nameof(Schedules))]
    public void ConfigRoundTripsThroughTheRegistry(LearningRateSchedule schedule)
    {
        var json = KerasRegistry.Serialize(schedule, "keras.optimizers.schedules");
        var back = KerasRegistry.Deserialize<LearningRateSchedule>(JsonNode.Parse(json.ToJsonString())!);
        Assert.Equal(schedule.GetType(), back.GetType());
        Assert.Equal(schedule.GetConfig().ToJsonString(), back.GetConfig().ToJsonString());
        foreach (long step in new long[] { 0, 1, 9, 10, 11, 99, 100, 150, 250, 5000 })
            Assert.Equal(schedule.Call(step), back.Call(step));
    }

    [Fact]
    public void ConfigUsesKerasKeysAndIntegerSteps()
    {
        var config = new CosineDecay(0.1, 1000, warmupTarget: 0.5, warmupSteps: 100).GetConfig();
        Assert.Equal(
            """{"initial_learning_rate":0.1,"decay_steps":1000,"alpha":0,"name":"CosineDecay","warmup_target":0.5,"warmup_steps":100}""",
            config.ToJsonString());
        var piecewise = new PiecewiseConstantDecay([10, 20], [0.1, 0.01, 0.001]).GetConfig();
        Assert.Equal("""{"boundaries":[10,20],"values":[0.1,0.01,0.001],"name":"PiecewiseConstant"}""", piecewise.ToJsonString());
    }

    [Fact]
    public void InvalidArgumentsAreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ExponentialDecay(0.1, 0, 0.9));
        Assert.Throws<ArgumentOutOfRangeException>(() => new InverseTimeDecay(0.1, -1, 0.9));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PolynomialDecay(0.1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CosineDecay(0.1, 0));
        var e = Assert.Throws<ArgumentException>(() => new PiecewiseConstantDecay([10, 20], [0.1, 0.01]));
        Assert.Contains("1 less than", e.Message);
        Assert.Throws<ArgumentException>(() => new PiecewiseConstantDecay([20, 10], [0.1, 0.01, 0.001]));
    }

    [Fact]
    public void OptimizerFollowsItsScheduleAndRefusesADirectRate()
    {
        var schedule = new PiecewiseConstantDecay([1, 2], [0.5, 0.25, 0.125]);
        var sgd = new SGD(schedule);
        var w = new Variable(Tensor.FromArray(new float[] { 1f, 2f }), "w");
        var g = Tensor.FromArray(new float[] { 1f, -1f });
        var rates = new List<float>();
        for (int i = 0; i < 4; i++)
        {
            rates.Add(sgd.LearningRate);
            sgd.ApplyGradients([g], [w]);
        }
        Assert.Equal(new[] { 0.5f, 0.5f, 0.25f, 0.125f }, rates);
        Assert.Equal(new[] { 1f - 1.375f, 2f + 1.375f }, w.Value.ToArray());
        Assert.Throws<InvalidOperationException>(() => sgd.LearningRate = 0.1f);
        Assert.Same(schedule, sgd.Schedule);
    }

    [Fact]
    public void UnknownScheduleListsKnownOnes()
    {
        var e = Assert.Throws<ArgumentException>(() => KerasRegistry.Deserialize<LearningRateSchedule>(
            JsonNode.Parse("""{"class_name":"StepDecay","config":{}}""")!));
        Assert.Contains("CosineDecay", e.Message);
        Assert.Contains("ExponentialDecay", e.Message);
    }
}
