using KerasNet.Layers;
using Xunit;

namespace KerasNet.Tests.Layers.Pooling;

/// <summary>The pooling layers through <see cref="LayerTestHarness"/>.</summary>
public class PoolingLayerHarnessTests
{
    [Fact]
    public void MaxPooling2DDefault() => LayerTestHarness.Run(new LayerTestCase
    {
        Factory = () => new MaxPooling2D(),
        InputShape = [2, 6, 7, 3],
        ExpectedOutputShape = [2, 3, 3, 3],
        WrongRankInputShape = [2, 6, 3],
    });

    [Fact]
    public void MaxPooling2DSameStride2() => LayerTestHarness.Run(new LayerTestCase
    {
        Factory = () => new MaxPooling2D([3], strides: [2], padding: "same"),
        InputShape = [2, 7, 8, 2],
        ExpectedOutputShape = [2, 4, 4, 2],
        WrongRankInputShape = [2, 7, 8, 2, 1],
    });

    [Fact]
    public void AveragePooling2DSame() => LayerTestHarness.Run(new LayerTestCase
    {
        Factory = () => new AveragePooling2D([3, 2], strides: [2, 1], padding: "same"),
        InputShape = [2, 7, 5, 3],
        ExpectedOutputShape = [2, 4, 5, 3],
        WrongRankInputShape = [7, 5, 3],
    });

    [Fact]
    public void MaxPooling1D() => LayerTestHarness.Run(new LayerTestCase
    {
        Factory = () => new MaxPooling1D([3], strides: [2]),
        InputShape = [2, 9, 3],
        ExpectedOutputShape = [2, 4, 3],
        WrongRankInputShape = [2, 9, 3, 1],
    });

    [Fact]
    public void AveragePooling1DSame() => LayerTestHarness.Run(new LayerTestCase
    {
        Factory = () => new AveragePooling1D(padding: "same"),
        InputShape = [2, 9, 3],
        ExpectedOutputShape = [2, 5, 3],
        WrongRankInputShape = [9, 3],
    });

    [Fact]
    public void GlobalAveragePooling2D() => LayerTestHarness.Run(new LayerTestCase
    {
        Factory = () => new GlobalAveragePooling2D(),
        InputShape = [2, 4, 5, 3],
        ExpectedOutputShape = [2, 3],
        WrongRankInputShape = [2, 4, 3],
    });

    [Fact]
    public void GlobalMaxPooling2DKeepdims() => LayerTestHarness.Run(new LayerTestCase
    {
        Factory = () => new GlobalMaxPooling2D(keepdims: true),
        InputShape = [2, 4, 5, 3],
        ExpectedOutputShape = [2, 1, 1, 3],
        WrongRankInputShape = [2, 4, 3],
    });

    [Fact]
    public void GlobalAveragePooling1DKeepdims() => LayerTestHarness.Run(new LayerTestCase
    {
        Factory = () => new GlobalAveragePooling1D(keepdims: true),
        InputShape = [2, 6, 3],
        ExpectedOutputShape = [2, 1, 3],
        WrongRankInputShape = [2, 6, 3, 1],
    });

    [Fact]
    public void GlobalMaxPooling1D() => LayerTestHarness.Run(new LayerTestCase
    {
        Factory = () => new GlobalMaxPooling1D(),
        InputShape = [2, 6, 3],
        ExpectedOutputShape = [2, 3],
        WrongRankInputShape = [6, 3],
    });
}
