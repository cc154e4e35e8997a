using KerasNet.Data;
using KerasNet.Layers;
using KerasNet.Models;
using Xunit;

namespace KerasNet.Tests.Layers.Normalization;

public class BatchNormalizationTrainingTests
{
    private static Tensor Mse(Tensor yTrue, Tensor yPred) => Ops.Mean(Ops.Square(Ops.Subtract(yPred, yTrue)), -1);

    [Fact]
    public void FitUpdatesTheMovingStatisticsBatchByBatchAndLearnsGammaAndBeta()
    {
        const int n = 64, features = 3, batch = 16, epochs = 3;
        var rng = new Random(5);
        var x = new float[n * features];
        var y = new float[n * features];
        for (int i = 0; i < n; i++)
            for (int f = 0; f < features; f++)
            {
                float v = 4f + f + (float)(rng.NextDouble() * 2 - 1) * (f + 1);
                x[i * features + f] = v;
                y[i * features + f] = 2f * v - 3f;
            }

        var model = new Sequential();
        model.Add(Keras.Input([features]));
        var bn = new BatchNormalization(momentum: 0.9);
        model.Add(bn);
        model.Compile(new KerasNet.Optimizers.SGD(0.1f), (Func<Tensor, Tensor, Tensor>)Mse);
        var history = model.Fit(ArrayData.From(x, n, features), ArrayData.From(y, n, features), batchSize: batch, epochs: epochs, verbose: 0, shuffle: false);
        var losses = history["loss"];
        Assert.True(losses[^1] < losses[0], $"the loss should fall: {string.Join(", ", losses)}");

        // Without shuffling the batches come in order, so the moving statistics follow from the data alone.
        var mean = new double[features];
        var variance = new double[features];
        Array.Fill(variance, 1);
        for (int e = 0; e < epochs; e++)
            for (int b = 0; b < n / batch; b++)
                for (int f = 0; f < features; f++)
                {
                    double m = 0, v = 0;
                    for (int i = b * batch; i < (b + 1) * batch; i++) m += x[i * features + f];
                    m /= batch;
                    for (int i = b * batch; i < (b + 1) * batch; i++) v += (x[i * features + f] - m) * (x[i * features + f] - m);
                    v /= batch;
                    mean[f] = mean[f] * 0.9 + m * 0.1;
                    variance[f] = variance[f] * 0.9 + v * 0.1;
                }
        NormGolden.AssertClose(mean, bn.MovingMean!.Value.ToArray(), "moving_mean", 1e-5, 1e-6);
        NormGolden.AssertClose(variance, bn.MovingVariance!.Value.ToArray(), "moving_variance", 1e-5, 1e-6);
        Assert.NotEqual([1f, 1, 1], bn.Gamma!.Value.ToArray());

        // Evaluate and Predict run in inference mode and leave the statistics alone.
        var before = bn.MovingMean.Value.ToArray();
        model.Evaluate(ArrayData.From(x, n, features), ArrayData.From(y, n, features), verbose: 0);
        model.Predict(ArrayData.From(x, n, features));
        Assert.Equal(before, bn.MovingMean.Value.ToArray());
    }

    [Fact]
    public void AFrozenLayerKeepsItsStatisticsAndWeightsThroughFit()
    {
        const int n = 32, features = 2;
        var x = Enumerable.Range(0, n * features).Select(i => (float)(i % 7)).ToArray();
        var model = new Sequential();
        model.Add(Keras.Input([features]));
        var bn = new BatchNormalization(trainable: false);
        model.Add(bn);
        var gn = new GaussianNoise(0.1f, seed: 1);
        model.Add(gn);
        model.Compile(new KerasNet.Optimizers.SGD(0.1f), (Func<Tensor, Tensor, Tensor>)Mse);
        model.Fit(ArrayData.From(x, n, features), ArrayData.From(x, n, features), batchSize: 8, epochs: 1, verbose: 0);
        Assert.Equal([0f, 0], bn.MovingMean!.Value.ToArray());
        Assert.Equal([1f, 1], bn.MovingVariance!.Value.ToArray());
        Assert.Equal([1f, 1], bn.Gamma!.Value.ToArray());
        Assert.Equal([0f, 0], bn.Beta!.Value.ToArray());
    }
}
