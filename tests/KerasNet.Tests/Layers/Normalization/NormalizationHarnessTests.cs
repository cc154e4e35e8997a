using KerasNet.Layers;
using Xunit;

namespace KerasNet.Tests.Layers.Normalization;

/// <summary>Every normalization layer through the shared <see cref="LayerTestHarness"/> (eager, shape
/// inference, functional model, config round trip, training vs inference, finite-difference gradients).</summary>
public class NormalizationHarnessTests
{
    [Fact]
    public void BatchNormalization2D() => LayerTestHarness.Run(new LayerTestCase
    {
        // momentum 1 keeps the moving statistics fixed, so that inference gives the same output before and
        // after the harness's training call while training (batch statistics) still differs.
        Factory = () => new BatchNormalization(momentum: 1.0),
        InputShape = [4, 3],
        ExpectedOutputShape = [4, 3],
        ExpectedTrainableWeights = 2,
        ExpectedNonTrainableWeights = 2,
        ExpectTrainingDifference = true,
    });

    [Fact]
    public void BatchNormalizationChannelsFirst4D() => LayerTestHarness.Run(new LayerTestCase
    {
        Factory = () => new BatchNormalization(axis: 1, momentum: 1.0, center: false),
        InputShape = [2, 3, 4, 5],
        ExpectedOutputShape = [2, 3, 4, 5],
        ExpectedTrainableWeights = 1,
        ExpectedNonTrainableWeights = 2,
        ExpectTrainingDifference = true,
    });

    [Fact]
    public void FrozenBatchNormalizationBehavesTheSameInTraining()
    {
        var (layer, _) = LayerTestHarness.Run(new LayerTestCase
        {
            Factory = () => new BatchNormalization(trainable: false),
            InputShape = [3, 2, 4],
            ExpectedOutputShape = [3, 2, 4],
            ExpectedTrainableWeights = 0,
            ExpectedNonTrainableWeights = 4,
            // A frozen BatchNormalization runs in inference mode even with training=true (Keras), so the
            // harness's training call must give the inference output.
            ExpectTrainingDifference = false,
        });
        Assert.Empty(layer.TrainableWeights);
    }

    [Fact]
    public void LayerNormalizationLastAxis() => LayerTestHarness.Run(new LayerTestCase
    {
        Factory = () => new LayerNormalization(),
        InputShape = [3, 4, 5],
        ExpectedOutputShape = [3, 4, 5],
        ExpectedTrainableWeights = 2,
    });

    [Fact]
    public void LayerNormalizationTwoAxesRms() => LayerTestHarness.Run(new LayerTestCase
    {
        Factory = () => new LayerNormalization([1, 2], rmsScaling: true),
        InputShape = [2, 3, 4, 2],
        ExpectedOutputShape = [2, 3, 4, 2],
        ExpectedTrainableWeights = 1,
    });

    [Fact]
    public void GroupNormalization() => LayerTestHarness.Run(new LayerTestCase
    {
        Factory = () => new GroupNormalization(groups: 2),
        InputShape = [2, 3, 4],
        ExpectedOutputShape = [2, 3, 4],
        ExpectedTrainableWeights = 2,
    });

    [Fact]
    public void GroupNormalizationInstanceMode() => LayerTestHarness.Run(new LayerTestCase
    {
        Factory = () => new GroupNormalization(groups: -1, axis: 1),
        InputShape = [2, 3, 2, 2],
        ExpectedOutputShape = [2, 3, 2, 2],
        ExpectedTrainableWeights = 2,
    });
}
