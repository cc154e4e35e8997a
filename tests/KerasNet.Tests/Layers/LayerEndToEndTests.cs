using KerasNet.Data;
using KerasNet.Layers;
using KerasNet.Models;
using KerasNet.Saving;
using Xunit;

namespace KerasNet.Tests.Layers;

/// <summary>The layers inside models: Sequential summaries with Keras's parameter counts, and a functional
/// model with two inputs merged by Concatenate.</summary>
public class LayerEndToEndTests
{
    [Fact]
    public void SequentialMlpSummaryHasKerasParameterCounts()
    {
        var model = new Sequential(
        [
            new InputLayer([784], name: "pixels"),
            new Dense(128, activation: "relu", name: "hidden"),
            new Dropout(0.2f, name: "drop"),
            new Dense(10, activation: "softmax", name: "scores"),
        ], name: "mlp");
        string text = model.Summary(printFn: _ => { });

        // Dense(784 -> 128): 784*128 + 128 = 100,480; Dense(128 -> 10): 128*10 + 10 = 1,290; total 101,770
        // parameters of 4 bytes = 407,080 B = 397.54 KB.
        var lines = text.Split('\n');
        Assert.Contains("Model: \"mlp\"", lines[0]);
        Assert.Single(lines, l => l.Contains("hidden (Dense)") && l.Contains("(None, 128)") && l.Contains("100,480"));
        Assert.Single(lines, l => l.Contains("drop (Dropout)") && l.Contains("(None, 128)") && l.TrimEnd().EndsWith("0 │", StringComparison.Ordinal));
        Assert.Single(lines, l => l.Contains("scores (Dense)") && l.Contains("(None, 10)") && l.Contains("1,290"));
        Assert.Contains(" Total params: 101,770 (397.54 KB)", lines);
        Assert.Contains(" Trainable params: 101,770 (397.54 KB)", lines);
        Assert.Contains(" Non-trainable params: 0 (0.00 B)", lines);
        Assert.Equal(101_770, model.CountParams());
        Assert.Equal(4, model.Weights.Count);

        var y = model.Apply(Ops.Ones(new Shape(3, 784)));
        Assert.Equal(new Shape(3, 10), y.Shape);
        foreach (var row in y.ToArray().Chunk(10)) Assert.Equal(1.0, row.Sum(), 4);
    }

    [Fact]
    public void SequentialConfigRoundTripKeepsTheLayersAndTheirOutputs()
    {
        var model = new Sequential(
        [
            new InputLayer([6]),
            new Dense(4, activation: "gelu"),
            new PReLU(),
            new Reshape([2, 2]),
            new Permute([2, 1]),
            new Flatten(),
            new Dense(3, activation: "softmax"),
        ]);
        var x = Tensor.FromArray<float>(LayerTestHarness.RandomNormal(new Random(3), 12), new Shape(2, 6));
        var expected = model.Apply(x).ToArray();
        // Through JSON text, as a saved model would be read (InputLayer.FromConfig cannot read in-memory ints).
        var text = KerasRegistry.Serialize(model, "keras").ToJsonString();
        var clone = (Sequential)KerasRegistry.Deserialize<Layer>(System.Text.Json.Nodes.JsonNode.Parse(text)!);
        Assert.Equal(model.GetConfig().ToJsonString(), clone.GetConfig().ToJsonString());
        clone.SetWeights(model.GetWeights());
        LayerTestHarness.AssertClose(expected, clone.Apply(x).ToArray(), 1e-6, "the rebuilt Sequential");
    }

    [Fact]
    public void FunctionalModelWithTwoInputsMergedByConcatenatePredicts()
    {
        var a = Keras.Input([3], name: "left");
        var b = Keras.Input([5], name: "right");
        var merged = new KerasNet.Layers.Concatenate(name: "merge").Apply(a, b);
        var dense = new Dense(2, name: "head");
        var output = dense.Apply(merged);
        var model = new Model([a, b], [output], name: "two_inputs");
        Assert.Equal(new Shape(-1, 8), merged.Shape);
        Assert.Equal(new Shape(-1, 2), output.Shape);

        var rng = new Random(11);
        var x1 = LayerTestHarness.RandomNormal(rng, 7 * 3);
        var x2 = LayerTestHarness.RandomNormal(rng, 7 * 5);
        var predictions = model.PredictAll([ArrayData.From(x1, 7, 3), ArrayData.From(x2, 7, 5)], batchSize: 4)[0];
        Assert.Equal(new Shape(7, 2), predictions.Shape);

        // By hand: [x1 | x2] @ kernel + bias.
        var kernel = dense.Kernel.Value.ToArray();
        var bias = dense.Bias!.Value.ToArray();
        var p = predictions.ToArray();
        for (int n = 0; n < 7; n++)
            for (int j = 0; j < 2; j++)
            {
                double s = bias[j];
                for (int i = 0; i < 3; i++) s += x1[n * 3 + i] * kernel[i * 2 + j];
                for (int i = 0; i < 5; i++) s += x2[n * 5 + i] * kernel[(3 + i) * 2 + j];
                Assert.Equal(s, p[n * 2 + j], 4);
            }

        string summary = model.Summary(printFn: _ => { });
        Assert.Contains("Connected to", summary);
        Assert.Contains("left[0][0], right[0][0]", summary);
        Assert.Contains(" Total params: 18 (72.00 B)", summary);

        // The functional config rebuilds the same graph.
        // (Model.ClassName says "Model" while the registry knows functional models as "Functional", so the
        // config is read with Model.FromConfig directly.)
        var clone = Model.FromConfig((System.Text.Json.Nodes.JsonObject)System.Text.Json.Nodes.JsonNode.Parse(model.GetConfig().ToJsonString())!);
        clone.SetWeights(model.GetWeights());
        var again = clone.PredictAll([ArrayData.From(x1, 7, 3), ArrayData.From(x2, 7, 5)], batchSize: 7)[0];
        LayerTestHarness.AssertClose(p, again.ToArray(), 1e-6, "the rebuilt functional model");
    }
}
