using KerasNet.Layers;
using Xunit;

namespace KerasNet.Tests.Layers.Regularization;

/// <summary>The noise and regularization layers through the shared <see cref="LayerTestHarness"/>.</summary>
public class RegularizationHarnessTests
{
    [Fact]
    public void SpatialDropout1D() => LayerTestHarness.Run(new LayerTestCase
    {
        Factory = () => new SpatialDropout1D(0.5f, seed: 1),
        InputShape = [4, 3, 6],
        ExpectedOutputShape = [4, 3, 6],
        ExpectTrainingDifference = true,
        WrongRankInputShape = [4, 6],
    });

    [Fact]
    public void SpatialDropout2D() => LayerTestHarness.Run(new LayerTestCase
    {
        Factory = () => new SpatialDropout2D(0.5f, seed: 2),
        InputShape = [2, 3, 3, 4],
        ExpectedOutputShape = [2, 3, 3, 4],
        ExpectTrainingDifference = true,
        WrongRankInputShape = [2, 3, 4],
    });

    [Fact]
    public void SpatialDropout2DChannelsFirst() => LayerTestHarness.Run(new LayerTestCase
    {
        Factory = () => new SpatialDropout2D(0.5f, dataFormat: "channels_first", seed: 3),
        InputShape = [2, 4, 3, 3],
        ExpectedOutputShape = [2, 4, 3, 3],
        ExpectTrainingDifference = true,
    });

    [Fact]
    public void GaussianNoise() => LayerTestHarness.Run(new LayerTestCase
    {
        Factory = () => new GaussianNoise(0.5f, seed: 4),
        InputShape = [3, 5],
        ExpectedOutputShape = [3, 5],
        ExpectTrainingDifference = true,
    });

    [Fact]
    public void GaussianDropout() => LayerTestHarness.Run(new LayerTestCase
    {
        Factory = () => new GaussianDropout(0.3f, seed: 5),
        InputShape = [3, 5],
        ExpectedOutputShape = [3, 5],
        ExpectTrainingDifference = true,
    });

    [Fact]
    public void ActivityRegularization() => LayerTestHarness.Run(new LayerTestCase
    {
        Factory = () => new ActivityRegularization(l1: 0.1f, l2: 0.2f),
        InputShape = [3, 5],
        ExpectedOutputShape = [3, 5],
    });
}
