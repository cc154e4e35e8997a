using System.Text.Json;
using System.Text.Json.Nodes;
using KerasNet.Layers;
using KerasNet.Models;
using KerasNet.Saving;
using Xunit;

namespace KerasNet.Tests.Layers.Normalization;

public class LayerNormalizationTests
{
    private static readonly string[] KerasConfigKeys =
    [
        "name", "trainable", "dtype", "axis", "epsilon", "center", "scale", "rms_scaling",
        "beta_initializer", "gamma_initializer", "beta_regularizer", "gamma_regularizer", "beta_constraint", "gamma_constraint",
    ];

    [Theory]
    [InlineData("last_axis")]
    [InlineData("two_axes")]
    [InlineData("trailing_axes")]
    [InlineData("rms_last_axis")]
    [InlineData("rms_two_axes")]
    public void MatchesGoldenOutputsAndGradients(string name)
    {
        var c = NormGolden.Case("layer_norm", name);
        int[] axes = c.GetProperty("axis").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        bool rms = c.GetProperty("rms_scaling").GetBoolean();
        var layer = axes.Length == 1 ? new LayerNormalization(axes[0], rmsScaling: rms) : new LayerNormalization(axes, rmsScaling: rms);
        var x = NormGolden.Tensor(c, "input");
        layer.EnsureBuilt([x.Shape.With(0, -1)]);
        if (rms) layer.SetWeights(NormGolden.Tensor(c, "gamma"));
        else layer.SetWeights(NormGolden.Tensor(c, "gamma"), NormGolden.Tensor(c, "beta"));
        Assert.Equal(NormGolden.ShapeOf(c, "gamma"), layer.Gamma!.Shape.ToArray());

        using var tape = new GradientTape();
        tape.Watch(x);
        var y = layer.Apply(x, training: true);
        var loss = Ops.Sum(Ops.Multiply(y, NormGolden.Tensor(c, "r")));
        var sources = rms ? new[] { x, layer.Gamma.Value } : new[] { x, layer.Gamma.Value, layer.Beta!.Value };
        var grads = new Tensor[sources.Length];
        tape.Gradient(loss, sources, grads);
        NormGolden.AssertClose(c, "y", y);
        NormGolden.AssertClose(c, "dx", grads[0]);
        NormGolden.AssertClose(c, "dgamma", grads[1]);
        if (!rms) NormGolden.AssertClose(c, "dbeta", grads[2]);
    }

    [Fact]
    public void WeightsFollowCenterScaleAndRmsScaling()
    {
        var both = new LayerNormalization();
        both.Apply(Ops.Ones(new Shape(2, 3, 4)));
        Assert.Equal(["gamma", "beta"], both.Weights.Select(w => w.Name));
        Assert.All(both.Weights, w => Assert.Equal(new Shape(4), w.Shape));

        var rms = new LayerNormalization(rmsScaling: true, scale: false, center: true);
        rms.Apply(Ops.Ones(new Shape(2, 4)));
        Assert.Equal(["gamma"], rms.Weights.Select(w => w.Name));

        var none = new LayerNormalization(center: false, scale: false, epsilon: 0);
        var y = none.Apply(Tensor.FromArray(new float[] { 1, 3, 10, 30 }, 2, 2)).ToArray();
        Assert.Equal([-1f, 1, -1, 1], y.Select(v => MathF.Round(v, 5)));
        Assert.Empty(none.Weights);

        var two = new LayerNormalization([-1, 1]);
        two.Apply(Ops.Ones(new Shape(2, 3, 4)));
        Assert.Equal(new Shape(4, 3), two.Gamma!.Shape);
    }

    [Fact]
    public void ConfigHasKerasKeysAndRoundTrips()
    {
        var layer = new LayerNormalization(epsilon: 1e-6, rmsScaling: true, name: "ln_cfg");
        var config = layer.GetConfig();
        Assert.Equal(KerasConfigKeys, config.Select(kv => kv.Key));
        Assert.Equal(-1, (int)config["axis"]!); // an int until built, as in Keras
        Assert.Equal(1e-6, (double)config["epsilon"]!);
        Assert.True((bool)config["rms_scaling"]!);
        var back = Assert.IsType<LayerNormalization>(KerasRegistry.Deserialize<Layer>(KerasRegistry.Serialize(layer, "keras.layers")));
        Assert.Equal(config.ToKerasJson(), back.GetConfig().ToKerasJson());

        layer.Apply(Ops.Ones(new Shape(2, 3)));
        Assert.Equal("[-1]", layer.GetConfig()["axis"]!.ToKerasJson()); // Keras's build turns it into a list

        var multi = new LayerNormalization([1, 2]);
        Assert.Equal("[1,2]", multi.GetConfig()["axis"]!.ToKerasJson());
        var multiBack = LayerNormalization.FromConfig(multi.GetConfig());
        Assert.Equal([1, 2], multiBack.Axes);
        Assert.Equal(multi.GetConfig().ToKerasJson(), multiBack.GetConfig().ToKerasJson());
    }

    [Fact]
    public void AxisOutOfRangeIsAnErrorNamingTheLayer()
    {
        var layer = new LayerNormalization([1, 3], name: "ln_bad_axis");
        var e = Assert.Throws<ArgumentException>(() => layer.Apply(Ops.Ones(new Shape(2, 3, 4))));
        Assert.Contains("ln_bad_axis", e.Message);
        Assert.Contains("axis 3", e.Message);
        Assert.Contains("(None, 3, 4)", e.Message);
        Assert.Throws<ArgumentException>(() => new LayerNormalization(-4).ComputeOutputShape(new Shape(-1, 3, 4)));
        Assert.Equal(new Shape(-1, 3, 4), new LayerNormalization(-3).ComputeOutputShape(new Shape(-1, 3, 4)));
        Assert.Throws<ArgumentException>(() => new LayerNormalization([1, -2]).Apply(Ops.Ones(new Shape(2, 3, 4))));
    }
}
