using KerasNet.Layers;
using KerasNet.Models;
using KerasNet.Optimizers;
using Xunit;

namespace KerasNet.Tests.Layers.Convolutional;

/// <summary>The layers inside a model and an optimizer loop: a Sequential CNN (the Fashion-MNIST "cnn"
/// stack, shrunk) fits a fixed batch, and its summary counts Keras's parameters.</summary>
public class ConvTrainingTests
{
    [Fact]
    public void SequentialCnnFitsABatchWithSgd()
    {
        Keras.SetRandomSeed(7);
        var model = new Sequential(
        [
            new InputLayer([12, 12, 1]),
            new Conv2D(4, [3], activation: "relu"),
            new MaxPooling2D(),
            new Conv2D(8, [3], padding: "same", activation: "relu"),
            new MaxPooling2D(),
            new Conv2D(6, [2]),
            new GlobalAveragePooling2D(),
        ]);
        // Keras's counts: 3*3*1*4+4, 3*3*4*8+8, 2*2*8*6+6.
        Assert.Equal(40 + 296 + 198, model.CountParams());
        var rng = new Random(3);
        var x = Tensor.FromArray<float>(LayerTestHarness.RandomNormal(rng, 8 * 12 * 12), new Shape(8, 12, 12, 1));
        var target = Tensor.FromArray<float>(LayerTestHarness.RandomNormal(rng, 8 * 6), new Shape(8, 6));
        var optimizer = new SGD(0.05f, momentum: 0.9f);
        // Model.TrainableWeights of a Sequential/functional model is empty in Core today (it only sees tracked
        // sublayers); the weights themselves are all trainable.
        var variables = model.Weights.Where(w => w.Trainable).ToList();
        Assert.Equal(6, variables.Count);
        var grads = new Tensor[variables.Count];
        float first = 0, last = 0;
        for (int step = 0; step < 60; step++)
        {
            using var scope = new TensorScope();
            using var tape = new GradientTape();
            var loss = Ops.Mean(Ops.Square(Ops.Subtract(model.Apply(x, training: true), target)));
            tape.Gradient(loss, [.. variables], grads);
            optimizer.ApplyGradients(grads, variables);
            float value = loss.ToScalar();
            if (step == 0) first = value;
            last = value;
        }
        Assert.True(last < 0.5f * first, $"The loss went from {first} to {last}.");
    }
}
