using System.Text.Json.Nodes;
using KerasNet.Metrics;
using KerasNet.Saving;
using KerasNet.Tests.Losses;
using Xunit;

namespace KerasNet.Tests.Metrics;

/// <summary>Every metric against tests/KerasNet.Tests/Golden/metrics.json: the result after each of several
/// UpdateState batches (with and without sample weights), then again after ResetState and after a
/// config round trip.</summary>
public class GoldenMetricTests
{
    public static IEnumerable<object[]> AccuracyCases => GoldenData.MetricNames("accuracy");
    public static IEnumerable<object[]> RegressionCases => GoldenData.MetricNames("regression");
    public static IEnumerable<object[]> ProbabilisticCases => GoldenData.MetricNames("probabilistic");
    public static IEnumerable<object[]> ConfusionCases => GoldenData.MetricNames("confusion");
    public static IEnumerable<object[]> FScoreCases => GoldenData.MetricNames("fscore");
    public static IEnumerable<object[]> ReductionCases => GoldenData.MetricNames("reduction");

    [Theory]
    [MemberData(nameof(AccuracyCases))]
    public void AccuracyMetricsMatchGolden(string name) => Check(name);

    [Theory]
    [MemberData(nameof(RegressionCases))]
    public void RegressionMetricsMatchGolden(string name) => Check(name);

    [Theory]
    [MemberData(nameof(ProbabilisticCases))]
    public void ProbabilisticAndHingeMetricsMatchGolden(string name) => Check(name);

    [Theory]
    [MemberData(nameof(ConfusionCases))]
    public void ConfusionMetricsMatchGolden(string name) => Check(name);

    [Theory]
    [MemberData(nameof(FScoreCases))]
    public void FScoreMetricsMatchGolden(string name) => Check(name);

    [Theory]
    [MemberData(nameof(ReductionCases))]
    public void MeanMatchesGolden(string name) => Check(name);

    private static void Check(string name)
    {
        var c = GoldenData.Metric(name);
        var metric = KerasRegistry.Deserialize<Metric>(GoldenData.Serialized(c));
        Assert.Equal((string)c["class_name"]!, metric.ClassName);
        Run(name, c, metric);
        // ResetState returns to the initial state: the same batches give the same results.
        metric.ResetState();
        Run(name + " (after ResetState)", c, metric);
        var rebuilt = KerasRegistry.Deserialize<Metric>(KerasRegistry.Serialize(metric, "keras.metrics"));
        Assert.Equal(metric.GetConfig().ToJsonString(), rebuilt.GetConfig().ToJsonString());
        Run(name + " (rebuilt from its config)", c, rebuilt);
    }

    private static void Run(string name, JsonObject c, Metric metric)
    {
        var batches = c["batches"]!.AsArray();
        var results = c["results"]!.AsArray();
        for (int i = 0; i < batches.Count; i++)
        {
            using var scope = new TensorScope();
            var b = batches[i]!;
            var sw = GoldenData.ToTensor(b["sample_weight"]);
            if (metric is Mean mean) mean.UpdateState(GoldenData.ToTensor(b["values"]), sw);
            else metric.UpdateState(GoldenData.ToTensor(b["y_true"]), GoldenData.ToTensor(b["y_pred"]), sw);
            GoldenData.AssertClose(results[i]!, metric.Result(), $"{name}: result after batch {i + 1}");
        }
    }
}
