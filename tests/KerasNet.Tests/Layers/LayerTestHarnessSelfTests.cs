using KerasNet.Models;
using Xunit;
using Xunit.Sdk;

namespace KerasNet.Tests.Layers;

/// <summary>The harness must catch broken layers, not only pass good ones.</summary>
public class LayerTestHarnessSelfTests
{
    /// <summary>Claims an output shape that its call does not produce.</summary>
    private sealed class LyingShapeLayer : Layer
    {
        public override Tensor Call(Tensor inputs, bool training = false) => Ops.Concatenate([inputs, inputs], -1);

        public override Shape ComputeOutputShape(Shape inputShape) => inputShape;
    }

    /// <summary>Computes x² but hides half of the gradient.</summary>
    private sealed class WrongGradientLayer : Layer
    {
        public override Tensor Call(Tensor inputs, bool training = false) => Ops.Multiply(inputs, Ops.StopGradient(inputs));

        public override Shape ComputeOutputShape(Shape inputShape) => inputShape;
    }

    [Fact]
    public void CatchesAComputeOutputShapeThatDisagreesWithTheCall()
    {
        var e = Assert.ThrowsAny<XunitException>(() => LayerTestHarness.Run(new LayerTestCase
        {
            Factory = () => new LyingShapeLayer(),
            InputShape = [2, 3],
            ExpectedOutputShape = [2, 6],
            CheckConfig = false,
        }));
        Assert.Contains("ComputeOutputShape", e.Message);
    }

    [Fact]
    public void CatchesAWrongGradient()
    {
        var e = Assert.ThrowsAny<XunitException>(() => LayerTestHarness.Run(new LayerTestCase
        {
            Factory = () => new WrongGradientLayer(),
            InputShape = [2, 3],
            ExpectedOutputShape = [2, 3],
            CheckConfig = false,
        }));
        Assert.Contains("finite differences", e.Message);
    }
}
