using KerasNet.Layers;
using KerasNet.Models;
using Xunit;

namespace KerasNet.Tests.Layers;

/// <summary>Every layer of this family through <see cref="LayerTestHarness"/>.</summary>
public class LayerHarnessTests
{
    [Fact]
    public void Dense() => LayerTestHarness.Run(new LayerTestCase
    {
        Factory = () => new Dense(3, activation: "tanh"),
        InputShape = [2, 4],
        ExpectedOutputShape = [2, 3],
        ExpectedTrainableWeights = 2,
        WrongRankInputShape = [4],
    });

    [Fact]
    public void DenseOnRank3InputsWithoutBias() => LayerTestHarness.Run(new LayerTestCase
    {
        Factory = () => new Dense(5, useBias: false, kernelInitializer: "he_normal"),
        InputShape = [2, 3, 4],
        ExpectedOutputShape = [2, 3, 5],
        ExpectedTrainableWeights = 1,
    });

    [Fact]
    public void FrozenDenseHasOnlyNonTrainableWeights() => LayerTestHarness.Run(new LayerTestCase
    {
        Factory = () => new Dense(2, trainable: false),
        InputShape = [3, 4],
        ExpectedOutputShape = [3, 2],
        ExpectedNonTrainableWeights = 2,
    });

    [Fact]
    public void Activation() => LayerTestHarness.Run(new LayerTestCase
    {
        Factory = () => new Activation("gelu"),
        InputShape = [2, 5],
        ExpectedOutputShape = [2, 5],
    });

    [Fact]
    public void ActivationGluHalvesTheLastAxis() => LayerTestHarness.Run(new LayerTestCase
    {
        Factory = () => new Activation("glu"),
        InputShape = [2, 3, 6],
        ExpectedOutputShape = [2, 3, 3],
    });

    [Fact]
    public void Identity() => LayerTestHarness.Run(new LayerTestCase
    {
        Factory = () => new KerasNet.Layers.Identity(),
        InputShape = [2, 3],
        ExpectedOutputShape = [2, 3],
    });

    [Fact]
    public void Embedding() => LayerTestHarness.Run(new LayerTestCase
    {
        Factory = () => new Embedding(10, 4),
        InputShape = [2, 5],
        InputDType = DType.Int32,
        IntInputMax = 10,
        ExpectedOutputShape = [2, 5, 4],
        ExpectedTrainableWeights = 1,
    });

    [Fact]
    public void EmbeddingInt64AndFloatIndices()
    {
        var layer = new Embedding(6, 2, weights: new float[,] { { 0, 0 }, { 1, 1 }, { 2, 2 }, { 3, 3 }, { 4, 4 }, { 5, 5 } });
        var fromLong = layer.Apply(Tensor.FromArray(new long[] { 5, 0, 3 }, 3));
        Assert.Equal(new float[] { 5, 5, 0, 0, 3, 3 }, fromLong.ToArray());
        var fromFloat = layer.Apply(Tensor.FromArray(new float[] { 2.7f, 1f }, 1, 2));
        Assert.Equal(new Shape(1, 2, 2), fromFloat.Shape);
        Assert.Equal(new float[] { 2, 2, 1, 1 }, fromFloat.ToArray());
    }

    [Fact]
    public void ReLU() => LayerTestHarness.Run(new LayerTestCase
    {
        Factory = () => new ReLU(maxValue: 1.5f, negativeSlope: 0.1f, threshold: 0.2f),
        InputShape = [3, 4],
        ExpectedOutputShape = [3, 4],
    });

    [Fact]
    public void LeakyReLU() => LayerTestHarness.Run(new LayerTestCase
    {
        Factory = () => new LeakyReLU(),
        InputShape = [3, 4],
        ExpectedOutputShape = [3, 4],
    });

    [Fact]
    public void PReLU() => LayerTestHarness.Run(new LayerTestCase
    {
        Factory = () => new PReLU(alphaInitializer: new KerasNet.Initializers.Constant(0.25f), sharedAxes: [1]),
        InputShape = [2, 3, 4],
        ExpectedOutputShape = [2, 3, 4],
        ExpectedTrainableWeights = 1,
        WrongRankInputShape = [4],
    });

    [Fact]
    public void ELU() => LayerTestHarness.Run(new LayerTestCase
    {
        Factory = () => new ELU(0.5f),
        InputShape = [3, 4],
        ExpectedOutputShape = [3, 4],
    });

    [Fact]
    public void Softmax() => LayerTestHarness.Run(new LayerTestCase
    {
        Factory = () => new KerasNet.Layers.Softmax(axis: 1),
        InputShape = [2, 3, 4],
        ExpectedOutputShape = [2, 3, 4],
    });

    [Fact]
    public void SoftmaxOverTwoAxes()
    {
        var (_, y) = LayerTestHarness.Run(new LayerTestCase
        {
            Factory = () => new KerasNet.Layers.Softmax([1, 2]),
            InputShape = [2, 3, 4],
            ExpectedOutputShape = [2, 3, 4],
        });
        var v = y.ToArray();
        Assert.Equal(1.0, v.Take(12).Sum(), 5);
        Assert.Equal(1.0, v.Skip(12).Sum(), 5);
    }

    [Fact]
    public void DropoutIsIdentityInInferenceAndRandomInTraining() => LayerTestHarness.Run(new LayerTestCase
    {
        Factory = () => new Dropout(0.5f, seed: 7),
        InputShape = [4, 8],
        ExpectedOutputShape = [4, 8],
        ExpectTrainingDifference = true,
    });

    [Fact]
    public void Flatten() => LayerTestHarness.Run(new LayerTestCase
    {
        Factory = () => new Flatten(),
        InputShape = [2, 3, 4],
        ExpectedOutputShape = [2, 12],
    });

    [Fact]
    public void FlattenChannelsFirstMovesChannelsLast()
    {
        var (_, y) = LayerTestHarness.Run(new LayerTestCase
        {
            Factory = () => new Flatten("channels_first"),
            InputShape = [1, 2, 3],
            InputFactory = (_, s) => Tensor.FromArray<float>([0, 1, 2, 3, 4, 5], s),
            ExpectedOutputShape = [1, 6],
        });
        Assert.Equal(new float[] { 0, 3, 1, 4, 2, 5 }, y.ToArray());
    }

    [Fact]
    public void Reshape() => LayerTestHarness.Run(new LayerTestCase
    {
        Factory = () => new Reshape([-1, 2]),
        InputShape = [2, 3, 4],
        ExpectedOutputShape = [2, 6, 2],
    });

    [Fact]
    public void Permute() => LayerTestHarness.Run(new LayerTestCase
    {
        Factory = () => new Permute([2, 1]),
        InputShape = [2, 3, 4],
        ExpectedOutputShape = [2, 4, 3],
        WrongRankInputShape = [2, 3],
    });

    [Fact]
    public void RepeatVector() => LayerTestHarness.Run(new LayerTestCase
    {
        Factory = () => new RepeatVector(3),
        InputShape = [2, 4],
        ExpectedOutputShape = [2, 3, 4],
        WrongRankInputShape = [2, 3, 4],
    });

    [Fact]
    public void LambdaTracesItsOutputShapeAndCannotBeDeserialized() => LayerTestHarness.Run(new LayerTestCase
    {
        Factory = () => new Lambda(x => Ops.Concatenate([x, Ops.Square(x)], -1)),
        InputShape = [2, 3],
        ExpectedOutputShape = [2, 6],
        SupportsConfigRoundTrip = false,
    });

    [Fact]
    public void Add() => LayerTestHarness.Run(new LayerTestCase
    {
        Factory = () => new KerasNet.Layers.Add(),
        InputShapes = [[2, 3], [2, 3], [2, 3]],
        ExpectedOutputShape = [2, 3],
    });

    [Fact]
    public void AddBroadcastsAndExpandsLowerRanks() => LayerTestHarness.Run(new LayerTestCase
    {
        Factory = () => new KerasNet.Layers.Add(),
        InputShapes = [[2, 3, 4], [2, 1, 4], [2, 4]],
        ExpectedOutputShape = [2, 3, 4],
    });

    [Fact]
    public void Subtract() => LayerTestHarness.Run(new LayerTestCase
    {
        Factory = () => new KerasNet.Layers.Subtract(),
        InputShapes = [[2, 3], [2, 3]],
        ExpectedOutputShape = [2, 3],
    });

    [Fact]
    public void Multiply() => LayerTestHarness.Run(new LayerTestCase
    {
        Factory = () => new KerasNet.Layers.Multiply(),
        InputShapes = [[2, 3], [2, 3], [2, 1]],
        ExpectedOutputShape = [2, 3],
    });

    [Fact]
    public void Average() => LayerTestHarness.Run(new LayerTestCase
    {
        Factory = () => new Average(),
        InputShapes = [[2, 3], [2, 3]],
        ExpectedOutputShape = [2, 3],
    });

    [Fact]
    public void Maximum() => LayerTestHarness.Run(new LayerTestCase
    {
        Factory = () => new KerasNet.Layers.Maximum(),
        InputShapes = [[2, 3], [2, 3]],
        ExpectedOutputShape = [2, 3],
    });

    [Fact]
    public void Minimum() => LayerTestHarness.Run(new LayerTestCase
    {
        Factory = () => new KerasNet.Layers.Minimum(),
        InputShapes = [[2, 3], [2, 3], [2, 3]],
        ExpectedOutputShape = [2, 3],
    });

    [Fact]
    public void Concatenate() => LayerTestHarness.Run(new LayerTestCase
    {
        Factory = () => new KerasNet.Layers.Concatenate(),
        InputShapes = [[2, 3], [2, 5]],
        ExpectedOutputShape = [2, 8],
    });

    [Fact]
    public void ConcatenateAlongAxis1() => LayerTestHarness.Run(new LayerTestCase
    {
        Factory = () => new KerasNet.Layers.Concatenate(axis: 1),
        InputShapes = [[2, 2, 4], [2, 3, 4]],
        ExpectedOutputShape = [2, 5, 4],
    });

    [Fact]
    public void DotOfVectors() => LayerTestHarness.Run(new LayerTestCase
    {
        Factory = () => new Dot(axes: 1),
        InputShapes = [[2, 4], [2, 4]],
        ExpectedOutputShape = [2, 1],
    });

    [Fact]
    public void DotWithTwoAxes() => LayerTestHarness.Run(new LayerTestCase
    {
        Factory = () => new Dot(axes: [1, 2]),
        InputShapes = [[2, 3, 5], [2, 4, 3]],
        ExpectedOutputShape = [2, 5, 4],
    });

    [Fact]
    public void DotNormalized()
    {
        var (_, y) = LayerTestHarness.Run(new LayerTestCase
        {
            Factory = () => new Dot(axes: -1, normalize: true),
            InputShapes = [[2, 3, 4], [2, 5, 4]],
            ExpectedOutputShape = [2, 3, 5],
        });
        Assert.All(y.ToArray(), v => Assert.InRange(v, -1.0001f, 1.0001f));
    }
}
