using KerasNet.Layers;
using KerasNet.Models;
using KerasNet.Saving;
using Xunit;

namespace KerasNet.Tests.Layers.Regularization;

public class SpatialDropoutTests
{
    /// <summary>Checks that every (sample, channel) feature map is either all zero or all 1/(1-rate), and returns
    /// the fraction dropped.</summary>
    private static double CheckWholeChannels(float[] y, int batch, int spatial, int channels, bool channelsLast, float rate)
    {
        float kept = 1f / (1f - rate);
        int dropped = 0;
        for (int b = 0; b < batch; b++)
            for (int c = 0; c < channels; c++)
            {
                int Index(int s) => channelsLast ? (b * spatial + s) * channels + c : (b * channels + c) * spatial + s;
                float first = y[Index(0)];
                Assert.True(first == 0 || Math.Abs(first - kept) < 1e-6, $"map ({b}, {c}) starts with {first}; expected 0 or {kept}.");
                for (int s = 1; s < spatial; s++) Assert.Equal(first, y[Index(s)]);
                if (first == 0) dropped++;
            }
        return dropped / (double)(batch * channels);
    }

    [Fact]
    public void SpatialDropout1DDropsWholeChannelsAndScalesTheRest()
    {
        var layer = new SpatialDropout1D(0.4f, seed: 7);
        var y = layer.Apply(Ops.Ones(new Shape(64, 5, 32)), training: true).ToArray();
        double fraction = CheckWholeChannels(y, 64, 5, 32, channelsLast: true, 0.4f);
        Assert.InRange(fraction, 0.4 - 0.06, 0.4 + 0.06); // 2048 draws: 4.6 standard deviations
    }

    [Theory]
    [InlineData("channels_last")]
    [InlineData("channels_first")]
    public void SpatialDropout2DDropsWholeFeatureMaps(string format)
    {
        var layer = new SpatialDropout2D(0.5f, dataFormat: format, seed: 3);
        var shape = format == "channels_last" ? new Shape(32, 3, 4, 16) : new Shape(32, 16, 3, 4);
        var y = layer.Apply(Ops.Ones(shape), training: true).ToArray();
        double fraction = CheckWholeChannels(y, 32, 12, 16, format == "channels_last", 0.5f);
        Assert.InRange(fraction, 0.5 - 0.07, 0.5 + 0.07);
    }

    [Fact]
    public void IdentityAtInferenceAndWithRateZero()
    {
        var x = Ops.RandomNormal(new Shape(2, 3, 4), seed: new SeedGenerator(1));
        Assert.Equal(x.ToArray(), new SpatialDropout1D(0.5f).Apply(x).ToArray());
        Assert.Equal(x.ToArray(), new SpatialDropout1D(0f).Apply(x, training: true).ToArray());
        var x4 = Ops.Ones(new Shape(2, 3, 4, 5));
        Assert.Equal(x4.ToArray(), new SpatialDropout2D(0.9f).Apply(x4, training: false).ToArray());
        Assert.All(new SpatialDropout2D(1f).Apply(x4, training: true).ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void TheSameSeedGivesTheSameMasks()
    {
        var x = Ops.Ones(new Shape(8, 2, 8));
        var a = new SpatialDropout1D(0.5f, seed: 42);
        var b = new SpatialDropout1D(0.5f, seed: 42);
        Assert.Equal(a.Apply(x, true).ToArray(), b.Apply(x, true).ToArray());
        Assert.Equal(a.Apply(x, true).ToArray(), b.Apply(x, true).ToArray());
    }

    [Fact]
    public void GradientFlowsThroughTheKeptChannelsOnly()
    {
        var layer = new SpatialDropout1D(0.5f, seed: 5);
        var x = Ops.Ones(new Shape(4, 3, 6));
        using var tape = new GradientTape();
        tape.Watch(x);
        var y = layer.Apply(x, training: true);
        var g = tape.Gradient(Ops.Sum(y), x);
        Assert.Equal(y.ToArray(), g.ToArray()); // d sum(x·m)/dx = m, and y = m for x = 1
    }

    [Fact]
    public void ConfigMatchesKerasAndRoundTrips()
    {
        var one = new SpatialDropout1D(0.25f, seed: 9, name: "sd1");
        var c1 = one.GetConfig();
        Assert.Equal(["rate", "seed", "name", "dtype"], c1.Select(kv => kv.Key));
        Assert.Equal(0.25f, (float)c1["rate"]!);
        Assert.Equal(9L, (long)c1["seed"]!);
        var back1 = Assert.IsType<SpatialDropout1D>(KerasRegistry.Deserialize<Layer>(KerasRegistry.Serialize(one, "keras.layers")));
        Assert.Equal(c1.ToKerasJson(), back1.GetConfig().ToKerasJson());

        var two = new SpatialDropout2D(0.5f, dataFormat: "channels_first", name: "sd2");
        var c2 = two.GetConfig();
        Assert.Equal(["rate", "seed", "name", "dtype", "data_format"], c2.Select(kv => kv.Key));
        Assert.Null(c2["seed"]);
        Assert.Equal("channels_first", (string)c2["data_format"]!);
        var back2 = Assert.IsType<SpatialDropout2D>(KerasRegistry.Deserialize<Layer>(KerasRegistry.Serialize(two, "keras.layers")));
        Assert.Equal(c2.ToKerasJson(), back2.GetConfig().ToKerasJson());
        Assert.Equal(new Shape(-1, 3, 4, 5), two.ComputeOutputShape(new Shape(-1, 3, 4, 5)));
    }

    [Fact]
    public void ArgumentsAndRanksAreChecked()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SpatialDropout1D(1.5f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SpatialDropout2D(-0.1f));
        Assert.Throws<ArgumentException>(() => new SpatialDropout2D(0.1f, dataFormat: "nhwc"));
        var e = Assert.Throws<ArgumentException>(() => new SpatialDropout1D(0.5f, name: "sd_rank").Apply(Ops.Ones(new Shape(2, 3))));
        Assert.Contains("sd_rank", e.Message);
        Assert.Contains("expected rank 3", e.Message);
        Assert.Throws<ArgumentException>(() => new SpatialDropout2D(0.5f).Apply(Ops.Ones(new Shape(2, 3, 4))));
    }
}
