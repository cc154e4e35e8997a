using System.Text.Json.Nodes;
using KerasNet.Losses;
using KerasNet.Saving;
using Xunit;

namespace KerasNet.Tests.Losses;

/// <summary>Every loss against tests/KerasNet.Tests/Golden/losses.json: per-sample values (Call), the reduced
/// loss with sample weights (Compute) and d loss / d y_pred through a GradientTape.</summary>
public class GoldenLossTests
{
    public static IEnumerable<object[]> Regression => GoldenData.LossNames("regression");
    public static IEnumerable<object[]> Probabilistic => GoldenData.LossNames("probabilistic");
    public static IEnumerable<object[]> HingeCases => GoldenData.LossNames("hinge");
    public static IEnumerable<object[]> Reductions => GoldenData.LossNames("reduction");

    [Theory]
    [MemberData(nameof(Regression))]
    public void RegressionLossesMatchGolden(string name) => Check(name);

    [Theory]
    [MemberData(nameof(Probabilistic))]
    public void ProbabilisticLossesMatchGolden(string name) => Check(name);

    [Theory]
    [MemberData(nameof(HingeCases))]
    public void HingeLossesMatchGolden(string name) => Check(name);

    [Theory]
    [MemberData(nameof(Reductions))]
    public void ReductionsAndSampleWeightsMatchGolden(string name) => Check(name);

    private static void Check(string name)
    {
        var c = GoldenData.Loss(name);
        var loss = KerasRegistry.Deserialize<Loss>(GoldenData.Serialized(c));
        Assert.Equal((string)c["class_name"]!, loss.ClassName);
        CheckLoss(name, c, loss);
        // The config round trip gives a loss that behaves the same.
        var rebuilt = KerasRegistry.Deserialize<Loss>(KerasRegistry.Serialize(loss, "keras.losses"));
        Assert.Equal(loss.GetConfig().ToJsonString(), rebuilt.GetConfig().ToJsonString());
        CheckLoss(name + " (rebuilt from its config)", c, rebuilt);
    }

    private static void CheckLoss(string name, JsonObject c, Loss loss)
    {
        using var scope = new TensorScope();
        var yTrue = GoldenData.ToTensor(c["y_true"]);
        var yPred = GoldenData.ToTensor(c["y_pred"]);
        var sw = GoldenData.ToTensor(c["sample_weight"]);
        GoldenData.AssertClose(c["call"]!, loss.Call(yTrue, yPred), $"{name}: Call");
        using var tape = new GradientTape();
        tape.Watch(yPred);
        var value = loss.Compute(yTrue, yPred, sw);
        var grad = tape.Gradient(value, yPred);
        GoldenData.AssertClose(c["loss"]!, value, $"{name}: Compute");
        GoldenData.AssertClose(c["grad"]!, grad, $"{name}: d loss / d y_pred");
    }
}
