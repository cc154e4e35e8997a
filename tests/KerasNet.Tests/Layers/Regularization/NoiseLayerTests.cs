using KerasNet.Layers;
using KerasNet.Models;
using KerasNet.Saving;
using Xunit;

namespace KerasNet.Tests.Layers.Regularization;

public class NoiseLayerTests
{
    private static (double Mean, double Std) Stats(float[] v)
    {
        double mean = v.Average(x => (double)x);
        double var = v.Average(x => (x - mean) * (x - mean));
        return (mean, Math.Sqrt(var));
    }

    [Fact]
    public void GaussianNoiseAddsNoiseOfTheGivenStddevOnlyInTraining()
    {
        const int n = 200_000;
        var layer = new GaussianNoise(0.3f, seed: 11);
        var x = Ops.Full(new Shape(n / 100, 100), 2.0);
        var (mean, std) = Stats(layer.Apply(x, training: true).ToArray());
        Assert.InRange(mean, 2 - 5 * 0.3 / Math.Sqrt(n), 2 + 5 * 0.3 / Math.Sqrt(n));
        Assert.InRange(std, 0.3 * 0.99, 0.3 * 1.01);
        Assert.Equal(x.ToArray(), layer.Apply(x, training: false).ToArray());
        Assert.Equal(x.ToArray(), new GaussianNoise(0f).Apply(x, training: true).ToArray());

        // The same seed replays the same noise; the gradient with respect to the input is one.
        var a = new GaussianNoise(0.1f, seed: 4).Apply(Ops.Zeros(new Shape(3, 4)), true).ToArray();
        var b = new GaussianNoise(0.1f, seed: 4).Apply(Ops.Zeros(new Shape(3, 4)), true).ToArray();
        Assert.Equal(a, b);
        var xs = Ops.Zeros(new Shape(3, 4));
        using var tape = new GradientTape();
        tape.Watch(xs);
        var g = tape.Gradient(Ops.Sum(new GaussianNoise(0.1f).Apply(xs, training: true)), xs);
        Assert.All(g.ToArray(), v => Assert.Equal(1f, v));
    }

    [Fact]
    public void GaussianDropoutMultipliesByOneCentredNoise()
    {
        const int n = 200_000;
        var layer = new GaussianDropout(0.2f, seed: 12);
        var (mean, std) = Stats(layer.Apply(Ops.Ones(new Shape(n)), training: true).ToArray());
        double expectedStd = Math.Sqrt(0.2 / 0.8);
        Assert.InRange(mean, 1 - 5 * expectedStd / Math.Sqrt(n), 1 + 5 * expectedStd / Math.Sqrt(n));
        Assert.InRange(std, expectedStd * 0.99, expectedStd * 1.01);
        var x = Ops.Ones(new Shape(4));
        Assert.Equal(x.ToArray(), layer.Apply(x).ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => new GaussianDropout(1f));
    }

    [Fact]
    public void ConfigsMatchKerasAndRoundTrip()
    {
        var noise = new GaussianNoise(0.5f, seed: 3, name: "gn");
        var c = noise.GetConfig();
        Assert.Equal(["name", "trainable", "dtype", "stddev", "seed"], c.Select(kv => kv.Key));
        Assert.Equal(0.5f, (float)c["stddev"]!);
        var back = Assert.IsType<GaussianNoise>(KerasRegistry.Deserialize<Layer>(KerasRegistry.Serialize(noise, "keras.layers")));
        Assert.Equal(c.ToKerasJson(), back.GetConfig().ToKerasJson());

        var drop = new GaussianDropout(0.1f, name: "gd");
        var d = drop.GetConfig();
        Assert.Equal(["name", "trainable", "dtype", "rate", "seed"], d.Select(kv => kv.Key));
        Assert.Null(d["seed"]);
        Assert.Equal(d.ToKerasJson(), KerasRegistry.Deserialize<Layer>(KerasRegistry.Serialize(drop, "keras.layers")).GetConfig().ToKerasJson());

        var reg = new ActivityRegularization(l1: 0.1f, l2: 0.2f, name: "ar");
        var r = reg.GetConfig();
        Assert.Equal(["name", "trainable", "dtype", "l1", "l2"], r.Select(kv => kv.Key));
        Assert.Equal(r.ToKerasJson(), KerasRegistry.Deserialize<Layer>(KerasRegistry.Serialize(reg, "keras.layers")).GetConfig().ToKerasJson());
    }

    [Fact]
    public void StddevOutsideTheUnitIntervalIsRejectedAsInKeras()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new GaussianNoise(1.5f));
        Assert.Contains("stddev", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new GaussianNoise(-0.1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new GaussianDropout(-0.1f));
    }

    [Fact]
    public void ActivityRegularizationAddsThePenaltyPerSample()
    {
        var layer = new ActivityRegularization(l1: 0.5f, l2: 0.25f);
        var x = Tensor.FromArray(new float[] { 1, -2, 3, -4 }, 2, 2);
        using var tape = new GradientTape();
        tape.Watch(x);
        var y = layer.Apply(x);
        Assert.Equal(x.ToArray(), y.ToArray());
        var losses = layer.Losses;
        Assert.Single(losses);
        // (0.5 · 10 + 0.25 · 30) / batch 2 = 6.25
        Assert.Equal(6.25f, losses[0].ToScalar(), 5);
        var g = tape.Gradient(losses[0], x).ToArray();
        // d/dx = (0.5 · sign(x) + 0.5 · x) / 2
        Assert.Equal(new[] { 0.5f, -0.75f, 1f, -1.25f }, g);

        layer.Apply(x);
        Assert.Single(layer.Losses); // each call replaces the previous penalty
    }
}
