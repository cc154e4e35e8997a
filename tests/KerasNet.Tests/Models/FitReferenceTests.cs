using System.Text.Json.Nodes;
using KerasNet.Layers;
using KerasNet.Losses;
using KerasNet.Models;
using KerasNet.Optimizers;
using KerasNet.Saving;
using Xunit;

namespace KerasNet.Tests.Models;

/// <summary>Fit on small fixed problems against an independent replay of Keras's fit loop in PyTorch
/// (scripts/golden/fit_reference.py): fixed weights, no shuffling, a validation split, partial last batches.</summary>
public class FitReferenceTests
{
    private static readonly JsonObject Golden = (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", "fit_reference.json")))!;

    private static float[] Floats(string key) => Golden[key]!.AsArray().Select(v => (float)v!.GetValue<double>()).ToArray();

    private static float[,] X()
    {
        var flat = Floats("x");
        var x = new float[20, 3];
        Buffer.BlockCopy(flat, 0, x, 0, flat.Length * 4);
        return x;
    }

    private static void AssertHistory(JsonObject expected, KerasNet.Callbacks.History history)
    {
        foreach (var (key, values) in expected)
        {
            var want = values!.AsArray().Select(v => v!.GetValue<double>()).ToArray();
            var got = history[key];
            Assert.Equal(want.Length, got.Count);
            for (int i = 0; i < want.Length; i++)
                Assert.True(Math.Abs(want[i] - got[i]) <= 1e-4 * Math.Max(1, Math.Abs(want[i])),
                    $"{key} epoch {i + 1}: expected {want[i]:R}, got {got[i]:R}");
        }
    }

    [Fact]
    public void RegressionWithSgdMatchesTheReferenceHistoryPerEpoch()
    {
        var flatY = Floats("y_reg");
        var y = new float[20, 2];
        Buffer.BlockCopy(flatY, 0, y, 0, flatY.Length * 4);
        var model = new Sequential([new InputLayer([3]), new Dense(4, activation: "relu"), new Dense(2)]);
        model.SetWeights(
            Tensor.FromArray(Floats("w1"), 3, 4), Tensor.FromArray(Floats("b1"), 4),
            Tensor.FromArray(Floats("w2"), 4, 2), Tensor.FromArray(Floats("b2"), 2));
        model.Compile(new SGD(learningRate: 0.1f), "mse", ["mae"]);
        var history = model.Fit(X(), y, batchSize: 6, epochs: 3, verbose: 0, validationSplit: 0.2, shuffle: false);
        AssertHistory((JsonObject)Golden["regression"]!, history);
    }

    [Fact]
    public void ClassificationWithAdamMatchesTheReferenceHistoryPerEpoch()
    {
        var labels = Golden["y_cls"]!.AsArray().Select(v => v!.AsInt()).ToArray();
        var model = new Sequential([new InputLayer([3]), new Dense(3)]);
        model.SetWeights(Tensor.FromArray(Floats("w3"), 3, 3), Tensor.FromArray(Floats("b3"), 3));
        model.Compile(new Adam(learningRate: 0.05f), new SparseCategoricalCrossentropy(fromLogits: true), ["accuracy"]);
        var history = model.Fit(X(), labels, batchSize: 5, epochs: 4, verbose: 0, validationSplit: 0.25, shuffle: false);
        AssertHistory((JsonObject)Golden["classification"]!, history);
    }
}
