using KerasNet.Layers;
using KerasNet.Models;
using KerasNet.Saving;
using Xunit;

namespace KerasNet.Tests.Layers.Normalization;

public class GroupNormalizationTests
{
    private static readonly string[] KerasConfigKeys =
    [
        "name", "trainable", "dtype", "groups", "axis", "epsilon", "center", "scale",
        "beta_initializer", "gamma_initializer", "beta_regularizer", "gamma_regularizer", "beta_constraint", "gamma_constraint",
    ];

    [Theory]
    [InlineData("rank4_groups2")]
    [InlineData("rank3_groups3")]
    [InlineData("rank2_groups1")]
    public void MatchesGoldenOutputsAndGradients(string name)
    {
        var c = NormGolden.Case("group_norm", name);
        var layer = new GroupNormalization(groups: c.GetProperty("groups").GetInt32());
        var x = NormGolden.Tensor(c, "input");
        layer.EnsureBuilt([x.Shape.With(0, -1)]);
        layer.SetWeights(NormGolden.Tensor(c, "gamma"), NormGolden.Tensor(c, "beta"));

        using var tape = new GradientTape();
        tape.Watch(x);
        var y = layer.Apply(x);
        var loss = Ops.Sum(Ops.Multiply(y, NormGolden.Tensor(c, "r")));
        var grads = new Tensor[3];
        tape.Gradient(loss, [x, layer.Gamma!.Value, layer.Beta!.Value], grads);
        NormGolden.AssertClose(c, "y", y);
        NormGolden.AssertClose(c, "dx", grads[0]);
        NormGolden.AssertClose(c, "dgamma", grads[1]);
        NormGolden.AssertClose(c, "dbeta", grads[2]);
    }

    [Fact]
    public void ChannelsFirstAxisMatchesTheChannelsLastGolden()
    {
        var c = NormGolden.Case("group_norm", "rank4_groups2");
        var layer = new GroupNormalization(groups: 2, axis: 1);
        var x = Ops.Transpose(NormGolden.Tensor(c, "input"), [0, 3, 1, 2]);
        layer.Apply(x);
        layer.SetWeights(NormGolden.Tensor(c, "gamma"), NormGolden.Tensor(c, "beta"));
        NormGolden.AssertClose(c, "y", Ops.Transpose(layer.Apply(x), [0, 2, 3, 1]));
    }

    [Fact]
    public void IndivisibleChannelsNameTheLayerAndBothNumbers()
    {
        var layer = new GroupNormalization(groups: 4, name: "gn_bad");
        var e = Assert.Throws<ArgumentException>(() => layer.Apply(Ops.Ones(new Shape(2, 3, 10))));
        Assert.Contains("gn_bad", e.Message);
        Assert.Contains("(10)", e.Message);
        Assert.Contains("(4)", e.Message);
        Assert.Contains("divisible", e.Message);

        var tooMany = new GroupNormalization(name: "gn_many");
        var m = Assert.Throws<ArgumentException>(() => tooMany.Apply(Ops.Ones(new Shape(2, 16))));
        Assert.Contains("gn_many", m.Message);
        Assert.Contains("(32)", m.Message);
        Assert.Contains("(16)", m.Message);

        Assert.Throws<ArgumentOutOfRangeException>(() => new GroupNormalization(groups: 0));
        var axis = Assert.Throws<ArgumentException>(() => new GroupNormalization(groups: 1, axis: 2, name: "gn_axis").Apply(Ops.Ones(new Shape(2, 4))));
        Assert.Contains("gn_axis", axis.Message);
        Assert.Contains("axis 2", axis.Message);
    }

    [Fact]
    public void MinusOneGroupsIsInstanceNormalization()
    {
        var layer = new GroupNormalization(groups: -1, epsilon: 0);
        var x = Tensor.FromArray(new float[] { 1, 10, 3, 30, 5, 50 }, 1, 3, 2);
        var y = layer.Apply(x).ToArray();
        float s = MathF.Sqrt(1.5f);
        Assert.Equal(new[] { -s, -s, 0, 0, s, s }.Select(v => MathF.Round(v, 4)), y.Select(v => MathF.Round(v, 4)));
        Assert.Equal(2, layer.Groups);
        Assert.Equal(2, (int)layer.GetConfig()["groups"]!);
    }

    [Fact]
    public void ConfigHasKerasKeysAndRoundTrips()
    {
        var layer = new GroupNormalization(groups: 4, axis: 1, epsilon: 1e-5, center: false, name: "gn_cfg");
        var config = layer.GetConfig();
        Assert.Equal(KerasConfigKeys, config.Select(kv => kv.Key));
        Assert.Equal(4, (int)config["groups"]!);
        Assert.Equal(1, (int)config["axis"]!);
        var back = Assert.IsType<GroupNormalization>(KerasRegistry.Deserialize<Layer>(KerasRegistry.Serialize(layer, "keras.layers")));
        Assert.Equal(config.ToKerasJson(), back.GetConfig().ToKerasJson());
        back.Apply(Ops.Ones(new Shape(2, 8, 3)));
        Assert.Equal(["gamma"], back.Weights.Select(w => w.Name));
        Assert.Equal(new Shape(8), back.Gamma!.Shape);
        Assert.Equal(new Shape(-1, 8, 3), back.ComputeOutputShape(new Shape(-1, 8, 3)));
    }
}
