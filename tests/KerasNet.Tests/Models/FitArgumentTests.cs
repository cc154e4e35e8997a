using KerasNet.Callbacks;
using KerasNet.Layers;
using KerasNet.Models;
using KerasNet.Optimizers;
using Xunit;

namespace KerasNet.Tests.Models;

/// <summary>Fit's less common arguments, each against a value worked out by hand.</summary>
public class FitArgumentTests
{
    // A model whose loss on each sample is known: Dense(1) with zero weights predicts 0, so MSE = y².
    private static Sequential Zero()
    {
        var m = new Sequential([new InputLayer([1]), new Dense(1, kernelInitializer: "zeros")]);
        m.Compile(new SGD(learningRate: 0f), "mse");
        return m;
    }

    [Fact]
    public void SampleWeightsAndClassWeightsWeightEachSamplesLoss()
    {
        var x = new float[4, 1];
        float[,] y = { { 1 }, { 2 }, { 3 }, { 4 } };
        // sum_over_batch_size: sum(w * y²) / 4
        var h = Zero().Fit(x, y, batchSize: 4, verbose: 0, sampleWeight: new float[] { 1, 0, 2, 0.5f });
        Assert.Equal((1 * 1 + 0 * 4 + 2 * 9 + 0.5f * 16) / 4f, h["loss"][0], 5);

        int[] labels = [0, 1, 1, 0];
        var clf = new Sequential([new InputLayer([1]), new Dense(2, kernelInitializer: "zeros")]);
        clf.Compile(new SGD(learningRate: 0f), new KerasNet.Losses.SparseCategoricalCrossentropy(fromLogits: true));
        // Zero logits: every per-sample loss is ln 2; class 1 weighs 3, class 0 weighs 1.
        var hc = clf.Fit(x, labels, batchSize: 4, verbose: 0, classWeight: new Dictionary<int, float> { [0] = 1, [1] = 3 });
        Assert.Equal(MathF.Log(2) * (1 + 3 + 3 + 1) / 4f, hc["loss"][0], 5);
    }

    [Fact]
    public void ValidationRunsEveryValidationFreqEpochs()
    {
        var x = new float[10, 1];
        var y = new float[10, 1];
        var h = Zero().Fit(x, y, epochs: 6, verbose: 0, validationSplit: 0.2, validationFreq: 3);
        Assert.Equal(6, h["loss"].Count);
        Assert.Equal(2, h["val_loss"].Count); // after epochs 3 and 6
    }

    [Fact]
    public void StepsPerEpochLimitsTheBatchesAndContinuesThroughTheData()
    {
        var x = new float[10, 1];
        float[,] y = { { 1 }, { 1 }, { 2 }, { 2 }, { 3 }, { 3 }, { 4 }, { 4 }, { 5 }, { 5 } };
        var seen = new List<int>();
        var model = Zero();
        var h = model.Fit(x, y, batchSize: 2, epochs: 3, verbose: 0, shuffle: false, stepsPerEpoch: 2,
            callbacks: [new LambdaCallback(onTrainBatchEnd: (b, _) => seen.Add(b))]);
        Assert.Equal([0, 1, 0, 1, 0, 1], seen);
        // Epoch 1 sees samples 0-3 (y² = 1,1,4,4), epoch 2 samples 4-7 (9,9,16,16), epoch 3 samples 8-9 and 0-1.
        Assert.Equal(2.5f, h["loss"][0], 5);
        Assert.Equal(12.5f, h["loss"][1], 5);
        Assert.Equal(13f, h["loss"][2], 5);
    }

    [Fact]
    public void ASharedLayerHasOneSetOfWeights()
    {
        var shared = new Dense(2, name: "shared");
        var a = Keras.Input([3]);
        var b = Keras.Input([3]);
        var model = new Model([a, b], new Add().Apply(shared.Apply(a), shared.Apply(b)));
        Assert.Equal(2, model.Weights.Count); // one kernel, one bias
        Assert.Equal(8, model.CountParams());
        var x1 = new float[,] { { 1, 0, 0 } };
        var x2 = new float[,] { { 0, 1, 0 } };
        var k = shared.GetWeights()[0].ToArray();
        var y = model.PredictAll([x1, x2])[0].ToArray();
        // shared(x1) + shared(x2) = kernel row 0 + kernel row 1 (bias is zero)
        Assert.Equal(k[0] + k[2], y[0], 5);
        Assert.Equal(k[1] + k[3], y[1], 5);
    }
}
