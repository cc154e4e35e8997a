using Xunit;

namespace KerasNet.Tests.Core;

/// <summary>A scalar slot keeps one device buffer and rewrites it only when the value changes.</summary>
public class ScalarSlotTests
{
    [Fact]
    public void KeepsOneBufferAndFollowsTheValue()
    {
        var slot = new ScalarSlot("lr");
        var a = slot.Get(0.5f);
        Assert.Equal(0.5f, a.ToScalar());
        var b = slot.Get(0.5f);
        Assert.Same(a.Buffer, b.Buffer);
        var c = slot.Get(0.25f);
        Assert.Same(a.Buffer, c.Buffer);
        Assert.Equal(0.25f, c.ToScalar());
        // -0 and +0 are different bit patterns, so the value is rewritten exactly as given.
        Assert.True(float.IsNegative(slot.Get(-0f).ToScalar()));
    }

    [Fact]
    public void ALearningRateScheduleStillReachesTheUpdate()
    {
        // SGD with a schedule that halves the rate each step: w -= lr_t * g with g = 1.
        var w = new Variable(Ops.Zeros(new Shape(2)), "w");
        var opt = new KerasNet.Optimizers.SGD(new KerasNet.Optimizers.Schedules.ExponentialDecay(1f, 1, 0.5f));
        for (int step = 0; step < 3; step++)
        {
            using var g = Ops.Ones(new Shape(2));
            opt.ApplyGradients([g], [w]);
        }
        // 1 + 0.5 + 0.25
        Assert.Equal(new[] { -1.75f, -1.75f }, w.Value.ToArray<float>());
    }
}
