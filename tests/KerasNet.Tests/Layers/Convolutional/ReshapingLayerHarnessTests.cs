using KerasNet.Layers;
using Xunit;

namespace KerasNet.Tests.Layers.Convolutional;

/// <summary>ZeroPadding2D, Cropping2D and UpSampling2D (the spatial reshaping layers) through
/// <see cref="LayerTestHarness"/>.</summary>
public class ReshapingLayerHarnessTests
{
    [Fact]
    public void ZeroPadding2D() => LayerTestHarness.Run(new LayerTestCase
    {
        Factory = () => new ZeroPadding2D([1, 2, 0, 3]),
        InputShape = [2, 3, 4, 2],
        ExpectedOutputShape = [2, 6, 7, 2],
        WrongRankInputShape = [2, 3, 2],
    });

    [Fact]
    public void Cropping2D() => LayerTestHarness.Run(new LayerTestCase
    {
        Factory = () => new Cropping2D([1, 2]),
        InputShape = [2, 5, 6, 2],
        ExpectedOutputShape = [2, 3, 2, 2],
        WrongRankInputShape = [2, 5, 2],
    });

    [Fact]
    public void UpSampling2DNearest() => LayerTestHarness.Run(new LayerTestCase
    {
        Factory = () => new UpSampling2D([2, 3]),
        InputShape = [2, 3, 2, 2],
        ExpectedOutputShape = [2, 6, 6, 2],
        WrongRankInputShape = [2, 3, 2],
    });

    [Fact]
    public void UpSampling2DBilinear() => LayerTestHarness.Run(new LayerTestCase
    {
        Factory = () => new UpSampling2D([2], interpolation: "bilinear"),
        InputShape = [2, 3, 4, 2],
        ExpectedOutputShape = [2, 6, 8, 2],
        WrongRankInputShape = [3, 4, 2],
    });
}
