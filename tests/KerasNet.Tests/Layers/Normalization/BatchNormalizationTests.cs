using System.Text.Json;
using System.Text.Json.Nodes;
using KerasNet.Layers;
using KerasNet.Models;
using KerasNet.Regularizers;
using KerasNet.Saving;
using Xunit;

namespace KerasNet.Tests.Layers.Normalization;

public class BatchNormalizationTests
{
    private static readonly string[] KerasConfigKeys =
    [
        "name", "trainable", "dtype", "axis", "momentum", "epsilon", "center", "scale",
        "beta_initializer", "gamma_initializer", "moving_mean_initializer", "moving_variance_initializer",
        "beta_regularizer", "gamma_regularizer", "beta_constraint", "gamma_constraint", "synchronized",
    ];

    private static BatchNormalization WithGoldenWeights(JsonElement c, int axis = -1, bool trainable = true)
    {
        var layer = new BatchNormalization(axis: axis, trainable: trainable);
        var shape = NormGolden.ShapeOf(c, "input");
        if (axis != -1) shape = [shape[0], shape[^1], .. shape[1..^1]];
        layer.EnsureBuilt([new Shape(shape).With(0, -1)]);
        layer.SetWeights(NormGolden.Tensor(c, "gamma"), NormGolden.Tensor(c, "beta"),
            NormGolden.Tensor(c, "moving_mean"), NormGolden.Tensor(c, "moving_variance"));
        return layer;
    }

    /// <summary>Forward output and the gradients of sum(y·R) with respect to x, gamma and beta.</summary>
    private static (Tensor Y, Tensor Dx, Tensor Dgamma, Tensor Dbeta) ForwardBackward(BatchNormalization layer, Tensor x, Tensor r, bool training)
    {
        using var tape = new GradientTape();
        tape.Watch(x);
        var y = layer.Apply(x, training);
        var loss = Ops.Sum(Ops.Multiply(y, r));
        var grads = new Tensor[3];
        tape.Gradient(loss, [x, layer.Gamma!.Value, layer.Beta!.Value], grads);
        return (y, grads[0], grads[1], grads[2]);
    }

    [Theory]
    [InlineData("train_2d")]
    [InlineData("train_4d")]
    public void TrainingMatchesGoldenOutputsGradientsAndMovingStatistics(string name)
    {
        var c = NormGolden.Case("batch_norm", name);
        var layer = WithGoldenWeights(c);
        var (y, dx, dg, db) = ForwardBackward(layer, NormGolden.Tensor(c, "input"), NormGolden.Tensor(c, "r"), training: true);
        NormGolden.AssertClose(c, "y", y);
        NormGolden.AssertClose(c, "dx", dx);
        NormGolden.AssertClose(c, "dgamma", dg);
        NormGolden.AssertClose(c, "dbeta", db);

        // The moving statistics after one training step, then after a second one on another batch.
        NormGolden.AssertClose(c, "moving_mean_1", layer.MovingMean!.Value);
        NormGolden.AssertClose(c, "moving_variance_1", layer.MovingVariance!.Value);
        layer.Apply(NormGolden.Tensor(c, "input2"), training: true);
        NormGolden.AssertClose(c, "moving_mean_2", layer.MovingMean!.Value);
        NormGolden.AssertClose(c, "moving_variance_2", layer.MovingVariance!.Value);
    }

    [Theory]
    [InlineData("infer_2d")]
    [InlineData("infer_4d")]
    public void InferenceMatchesGoldenAndLeavesMovingStatisticsAlone(string name)
    {
        var c = NormGolden.Case("batch_norm", name);
        var layer = WithGoldenWeights(c);
        var (y, dx, dg, db) = ForwardBackward(layer, NormGolden.Tensor(c, "input"), NormGolden.Tensor(c, "r"), training: false);
        NormGolden.AssertClose(c, "y", y);
        NormGolden.AssertClose(c, "dx", dx);
        NormGolden.AssertClose(c, "dgamma", dg);
        NormGolden.AssertClose(c, "dbeta", db);
        NormGolden.AssertClose(c, "moving_mean", layer.MovingMean!.Value);
        NormGolden.AssertClose(c, "moving_variance", layer.MovingVariance!.Value);
    }

    [Fact]
    public void ChannelsFirstAxisOneMatchesTheChannelsLastGolden()
    {
        var c = NormGolden.Case("batch_norm", "train_4d");
        var layer = WithGoldenWeights(c, axis: 1);
        var x = Ops.Transpose(NormGolden.Tensor(c, "input"), [0, 3, 1, 2]);
        var r = Ops.Transpose(NormGolden.Tensor(c, "r"), [0, 3, 1, 2]);
        var (y, dx, dg, db) = ForwardBackward(layer, x, r, training: true);
        NormGolden.AssertClose(c, "y", Ops.Transpose(y, [0, 2, 3, 1]));
        NormGolden.AssertClose(c, "dx", Ops.Transpose(dx, [0, 2, 3, 1]));
        NormGolden.AssertClose(c, "dgamma", dg);
        NormGolden.AssertClose(c, "dbeta", db);
        NormGolden.AssertClose(c, "moving_mean_1", layer.MovingMean!.Value);
        NormGolden.AssertClose(c, "moving_variance_1", layer.MovingVariance!.Value);
    }

    [Fact]
    public void FrozenLayerRunsInInferenceModeEvenWhenTraining()
    {
        // Keras: trainable=False on a BatchNormalization means inference mode, and no state updates.
        var c = NormGolden.Case("batch_norm", "infer_4d");
        var layer = WithGoldenWeights(c, trainable: false);
        Assert.Empty(layer.TrainableWeights);
        Assert.Equal(4, layer.NonTrainableWeights.Count);
        var (y, dx, _, _) = ForwardBackward(layer, NormGolden.Tensor(c, "input"), NormGolden.Tensor(c, "r"), training: true);
        NormGolden.AssertClose(c, "y", y);
        NormGolden.AssertClose(c, "dx", dx);
        NormGolden.AssertClose(c, "moving_mean", layer.MovingMean!.Value);
        NormGolden.AssertClose(c, "moving_variance", layer.MovingVariance!.Value);

        // Freezing after construction has the same effect.
        var t = NormGolden.Case("batch_norm", "infer_2d");
        var later = WithGoldenWeights(t);
        later.Trainable = false;
        NormGolden.AssertClose(t, "y", later.Apply(NormGolden.Tensor(t, "input"), training: true));
        NormGolden.AssertClose(t, "moving_mean", later.MovingMean!.Value);
        Assert.Empty(later.TrainableWeights);
    }

    [Fact]
    public void WeightsFollowKerasOrderNamesAndTrainability()
    {
        var layer = new BatchNormalization(name: "bn");
        layer.Apply(Ops.Ones(new Shape(2, 3, 4)));
        Assert.Equal(["gamma", "beta", "moving_mean", "moving_variance"], layer.Weights.Select(w => w.Name));
        Assert.Equal(["bn/gamma", "bn/beta", "bn/moving_mean", "bn/moving_variance"], layer.Weights.Select(w => w.Path));
        Assert.All(layer.Weights, w => Assert.Equal(new Shape(4), w.Shape));
        Assert.Equal(["gamma", "beta"], layer.TrainableWeights.Select(w => w.Name));
        Assert.Equal(["moving_mean", "moving_variance"], layer.NonTrainableWeights.Select(w => w.Name));
        Assert.Equal([1f, 1, 1, 1], layer.Gamma!.Value.ToArray());
        Assert.Equal([0f, 0, 0, 0], layer.Beta!.Value.ToArray());
        Assert.Equal([0f, 0, 0, 0], layer.MovingMean!.Value.ToArray());
        Assert.Equal([1f, 1, 1, 1], layer.MovingVariance!.Value.ToArray());
        Assert.Equal(16, layer.CountParams());

        var bare = new BatchNormalization(center: false, scale: false);
        bare.Apply(Ops.Ones(new Shape(2, 3)));
        Assert.Equal(["moving_mean", "moving_variance"], bare.Weights.Select(w => w.Name));
        Assert.Null(bare.Gamma);
        Assert.Null(bare.Beta);
    }

    [Fact]
    public void WithoutCenterAndScaleItOnlyStandardizes()
    {
        var layer = new BatchNormalization(center: false, scale: false, epsilon: 0);
        var x = Tensor.FromArray(new float[] { 1, 10, 3, 30 }, 2, 2);
        var y = layer.Apply(x, training: true).ToArray();
        Assert.Equal([-1f, -1, 1, 1], y.Select(v => MathF.Round(v, 5)));
    }

    [Fact]
    public void RegularizersAddLossesAndConstraintsAreAttached()
    {
        var layer = new BatchNormalization(gammaRegularizer: new L2(0.5f), betaConstraint: new KerasNet.Constraints.NonNeg());
        layer.Apply(Ops.Ones(new Shape(2, 3)));
        var losses = layer.Losses;
        Assert.Single(losses);
        Assert.Equal(0.5f * 3, losses[0].ToScalar(), 5);
        Assert.IsType<KerasNet.Constraints.NonNeg>(layer.Beta!.Constraint);
        Assert.Null(layer.Gamma!.Constraint);
    }

    [Fact]
    public void InitializersRegularizersAndConstraintsMayBeNames()
    {
        var layer = new BatchNormalization(gammaInitializer: "zeros", movingVarianceInitializer: "ones", betaRegularizer: "l2", gammaConstraint: "non_neg");
        layer.Apply(Ops.Ones(new Shape(2, 3)));
        Assert.Equal([0f, 0, 0], layer.Gamma!.Value.ToArray());
        Assert.IsType<L2>(layer.BetaRegularizer);
        Assert.IsType<KerasNet.Constraints.NonNeg>(layer.GammaConstraint);
        var e = Assert.Throws<ArgumentException>(() => new BatchNormalization(betaInitializer: 3));
        Assert.Contains("betaInitializer", e.Message);
    }

    [Fact]
    public void ConfigHasKerasKeysAndRoundTrips()
    {
        var layer = new BatchNormalization(axis: 1, momentum: 0.9, epsilon: 1e-5, center: false, gammaRegularizer: new L2(0.01f), name: "bn_cfg");
        var config = layer.GetConfig();
        Assert.Equal(KerasConfigKeys, config.Select(kv => kv.Key));
        Assert.Equal(1, (int)config["axis"]!);
        Assert.Equal(0.9, (double)config["momentum"]!);
        Assert.Equal(1e-5, (double)config["epsilon"]!);
        Assert.False((bool)config["center"]!);
        Assert.Equal("Zeros", (string)config["beta_initializer"]!["class_name"]!);
        Assert.Equal("keras.initializers", (string)config["beta_initializer"]!["module"]!);
        Assert.Equal("Ones", (string)config["moving_variance_initializer"]!["class_name"]!);
        Assert.Equal("L2", (string)config["gamma_regularizer"]!["class_name"]!);
        Assert.Null(config["beta_regularizer"]);
        Assert.Null(config["gamma_constraint"]);
        Assert.False((bool)config["synchronized"]!);

        var entry = KerasRegistry.Serialize(layer, "keras.layers");
        var back = Assert.IsType<BatchNormalization>(KerasRegistry.Deserialize<Layer>(entry));
        Assert.Equal(config.ToKerasJson(), back.GetConfig().ToKerasJson());
    }

    [Fact]
    public void DefaultsFromAKerasWrittenConfig()
    {
        var config = JsonNode.Parse("""{"name": "batch_normalization", "trainable": true, "axis": -1, "momentum": 0.99, "epsilon": 0.001, "center": true, "scale": true, "beta_initializer": "zeros", "gamma_initializer": {"module": "keras.initializers", "class_name": "Ones", "config": {}, "registered_name": null}, "beta_regularizer": null, "synchronized": false}""")!.AsObject();
        var layer = BatchNormalization.FromConfig(config);
        Assert.Equal(0.99, layer.Momentum);
        Assert.Equal(1e-3, layer.Epsilon);
        Assert.IsType<KerasNet.Initializers.Zeros>(layer.BetaInitializer);
        Assert.IsType<KerasNet.Initializers.Ones>(layer.GammaInitializer);
        Assert.Null(layer.BetaRegularizer);
    }

    [Fact]
    public void AxisOutOfRangeNamesTheLayerAxisAndShape()
    {
        var layer = new BatchNormalization(axis: 3, name: "bn_bad_axis");
        var e = Assert.Throws<ArgumentException>(() => layer.Apply(Ops.Ones(new Shape(2, 5))));
        Assert.Contains("bn_bad_axis", e.Message);
        Assert.Contains("axis 3", e.Message);
        Assert.Contains("(None, 5)", e.Message);
        Assert.Throws<ArgumentException>(() => new BatchNormalization(axis: -3).ComputeOutputShape(new Shape(-1, 5)));
    }

    [Fact]
    public void WrongChannelCountAfterBuildIsRejected()
    {
        var layer = new BatchNormalization(name: "bn_spec");
        layer.Apply(Ops.Ones(new Shape(2, 5)));
        var e = Assert.Throws<ArgumentException>(() => layer.Apply(Ops.Ones(new Shape(2, 4))));
        Assert.Contains("bn_spec", e.Message);
        Assert.Contains("5", e.Message);
    }

    [Fact]
    public void WorksInAFunctionalGraph()
    {
        var input = Keras.Input([4, 3]);
        var bn = new BatchNormalization();
        var output = bn.Apply(input);
        Assert.Equal(new Shape(-1, 4, 3), output.Shape);
        var model = new Model(input, output);
        var y = model.Predict(Tensor.FromArray(Enumerable.Range(0, 24).Select(i => (float)i).ToArray(), 2, 4, 3));
        // Inference with the initial moving statistics (0, 1): y = x / sqrt(1 + 1e-3).
        Assert.Equal(23f / MathF.Sqrt(1.001f), y.ToArray()[^1], 4);
    }
}
