using KerasNet.Layers;
using KerasNet.Models;
using Xunit;

namespace KerasNet.Tests.Layers;

/// <summary>Dropout in training: rate, scaling, seeding, noise_shape and the gradient through the mask.</summary>
public class DropoutTests
{
    [Fact]
    public void DropsAboutRateAndScalesTheRest()
    {
        var layer = new Dropout(0.3f, seed: 11);
        var y = layer.Apply(Ops.Ones(new Shape(100, 100)), training: true).ToArray();
        double dropped = y.Count(v => v == 0) / (double)y.Length;
        Assert.InRange(dropped, 0.27, 0.33);
        Assert.All(y.Where(v => v != 0), v => Assert.Equal(1 / 0.7f, v, 5));
        Assert.Equal(Ops.Ones(new Shape(2, 2)).ToArray(), layer.Apply(Ops.Ones(new Shape(2, 2)), training: false).ToArray());
    }

    [Fact]
    public void SeedMakesMasksRepeatAcrossLayersButNotAcrossCalls()
    {
        var x = Ops.Ones(new Shape(4, 16));
        var a = new Dropout(0.5f, seed: 5);
        var b = new Dropout(0.5f, seed: 5);
        var a1 = a.Apply(x, training: true).ToArray();
        Assert.Equal(a1, b.Apply(x, training: true).ToArray());
        Assert.NotEqual(a1, a.Apply(x, training: true).ToArray());
        Assert.NotEqual(a1, new Dropout(0.5f, seed: 6).Apply(x, training: true).ToArray());
    }

    [Fact]
    public void NoiseShapeSharesTheDecisionAlongSizeOneAxes()
    {
        var layer = new Dropout(0.5f, noiseShape: [-1, 1, 8], seed: 3);
        var y = layer.Apply(Ops.Ones(new Shape(3, 5, 8)), training: true).ToArray();
        for (int n = 0; n < 3; n++)
            for (int t = 1; t < 5; t++)
                for (int f = 0; f < 8; f++)
                    Assert.Equal(y[n * 40 + f], y[n * 40 + t * 8 + f]);
        Assert.Contains(0f, y);
        Assert.Contains(2f, y);
        var bad = Assert.Throws<ArgumentException>(() => new Dropout(0.5f, noiseShape: [-1, 2, 8], name: "drop_bad").Apply(Ops.Ones(new Shape(3, 5, 8)), training: true));
        Assert.Contains("'drop_bad'", bad.Message);
    }

    [Fact]
    public void GradientFollowsTheMask()
    {
        var layer = new Dropout(0.4f, seed: 9);
        var x = Tensor.FromArray<float>(LayerTestHarness.RandomNormal(new Random(1), 32), new Shape(4, 8));
        Tensor y, dx;
        using (var tape = new GradientTape())
        {
            tape.Watch(x);
            y = layer.Apply(x, training: true);
            dx = tape.Gradient(Ops.Sum(y), x);
        }
        var xs = x.ToArray();
        var ys = y.ToArray();
        var gs = dx.ToArray();
        for (int i = 0; i < xs.Length; i++) Assert.Equal(ys[i] / xs[i], gs[i], 4);
    }

    [Fact]
    public void ModelsPassTheTrainingFlagToDropout()
    {
        var model = new Sequential([new InputLayer([64]), new Dropout(0.5f, seed: 1)]);
        var x = Ops.Ones(new Shape(2, 64));
        Assert.Equal(x.ToArray(), model.Apply(x).ToArray());
        Assert.Contains(0f, model.Apply(x, training: true).ToArray());
        Assert.Equal(x.ToArray(), new Dropout(0f).Apply(x, training: true).ToArray());
        Assert.Equal(new float[4], new Dropout(1f).Apply(Ops.Ones(new Shape(2, 2)), training: true).ToArray());
    }
}
