using KerasNet.Layers;
using Xunit;

namespace KerasNet.Tests.Layers.Convolutional;

/// <summary>The convolution layers through <see cref="LayerTestHarness"/>: eager and symbolic shapes, weight
/// counts, a functional model, the config round trip, training = inference, the wrong-rank error and
/// finite-difference gradients.</summary>
public class ConvLayerHarnessTests
{
    [Fact]
    public void Conv2DSameStride2Tanh() => LayerTestHarness.Run(new LayerTestCase
    {
        Factory = () => new Conv2D(4, [3], strides: [2], padding: "same", activation: "tanh", biasInitializer: "ones"),
        InputShape = [2, 7, 8, 3],
        ExpectedOutputShape = [2, 4, 4, 4],
        ExpectedTrainableWeights = 2,
        WrongRankInputShape = [2, 7, 3],
    });

    [Fact]
    public void Conv2DGroupsDilationNoBias() => LayerTestHarness.Run(new LayerTestCase
    {
        Factory = () => new Conv2D(6, [3, 2], dilationRate: [2, 1], groups: 2, useBias: false, kernelInitializer: "he_normal"),
        InputShape = [2, 9, 6, 4],
        ExpectedOutputShape = [2, 5, 5, 6],
        ExpectedTrainableWeights = 1,
        WrongRankInputShape = [2, 9, 6, 4, 1],
    });

    [Fact]
    public void Conv1DCausalDilated() => LayerTestHarness.Run(new LayerTestCase
    {
        Factory = () => new Conv1D(3, [3], padding: "causal", dilationRate: [2]),
        InputShape = [2, 9, 2],
        ExpectedOutputShape = [2, 9, 3],
        ExpectedTrainableWeights = 2,
        WrongRankInputShape = [2, 9, 2, 1],
    });

    [Fact]
    public void Conv1DValidStride2() => LayerTestHarness.Run(new LayerTestCase
    {
        Factory = () => new Conv1D(4, [3], strides: [2]),
        InputShape = [3, 10, 2],
        ExpectedOutputShape = [3, 4, 4],
        ExpectedTrainableWeights = 2,
        WrongRankInputShape = [3, 10],
    });

    [Fact]
    public void DepthwiseConv2DMultiplier2() => LayerTestHarness.Run(new LayerTestCase
    {
        Factory = () => new DepthwiseConv2D([3], strides: [2], padding: "same", depthMultiplier: 2),
        InputShape = [2, 7, 7, 3],
        ExpectedOutputShape = [2, 4, 4, 6],
        ExpectedTrainableWeights = 2,
        WrongRankInputShape = [2, 7, 3],
    });

    [Fact]
    public void SeparableConv2D() => LayerTestHarness.Run(new LayerTestCase
    {
        Factory = () => new SeparableConv2D(5, [3], depthMultiplier: 2, activation: "tanh"),
        InputShape = [2, 6, 7, 3],
        ExpectedOutputShape = [2, 4, 5, 5],
        ExpectedTrainableWeights = 3,
        WrongRankInputShape = [6, 7, 3],
    });

    [Fact]
    public void Conv2DTransposeSameStride2() => LayerTestHarness.Run(new LayerTestCase
    {
        Factory = () => new Conv2DTranspose(3, [3], strides: [2], padding: "same"),
        InputShape = [2, 4, 5, 2],
        ExpectedOutputShape = [2, 8, 10, 3],
        ExpectedTrainableWeights = 2,
        WrongRankInputShape = [2, 4, 2],
    });

    [Fact]
    public void Conv2DTransposeOutputPadding() => LayerTestHarness.Run(new LayerTestCase
    {
        // "same" with output_padding 0: (in - 1) * 2 + 3 % 2 + 0 = 2 * in - 1, cropped from the full output.
        Factory = () => new Conv2DTranspose(2, [3], strides: [2], padding: "same", outputPadding: [0, 1]),
        InputShape = [2, 3, 4, 2],
        ExpectedOutputShape = [2, 5, 8, 2],
        ExpectedTrainableWeights = 2,
    });

    [Fact]
    public void Conv2DTransposeValidKernelSmallerThanStride() => LayerTestHarness.Run(new LayerTestCase
    {
        // "valid" output (in - 1) * s + max(k, s): 2 * 3 + 3 = 9 rows, the last one only bias.
        Factory = () => new Conv2DTranspose(2, [2], strides: [3]),
        InputShape = [1, 3, 2, 2],
        ExpectedOutputShape = [1, 9, 6, 2],
        ExpectedTrainableWeights = 2,
    });
}
