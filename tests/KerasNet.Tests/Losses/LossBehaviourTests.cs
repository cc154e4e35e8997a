using System.Text.Json.Nodes;
using KerasNet.Losses;
using KerasNet.Saving;
using Xunit;

namespace KerasNet.Tests.Losses;

public class LossBehaviourTests
{
    [Theory]
    [InlineData("MeanSquaredError", typeof(MeanSquaredError))]
    [InlineData("mean_squared_error", typeof(MeanSquaredError))]
    [InlineData("mse", typeof(MeanSquaredError))]
    [InlineData("MSE", typeof(MeanSquaredError))]
    [InlineData("MeanAbsoluteError", typeof(MeanAbsoluteError))]
    [InlineData("mean_absolute_error", typeof(MeanAbsoluteError))]
    [InlineData("mae", typeof(MeanAbsoluteError))]
    [InlineData("MAE", typeof(MeanAbsoluteError))]
    [InlineData("MeanAbsolutePercentageError", typeof(MeanAbsolutePercentageError))]
    [InlineData("mean_absolute_percentage_error", typeof(MeanAbsolutePercentageError))]
    [InlineData("mape", typeof(MeanAbsolutePercentageError))]
    [InlineData("MAPE", typeof(MeanAbsolutePercentageError))]
    [InlineData("MeanSquaredLogarithmicError", typeof(MeanSquaredLogarithmicError))]
    [InlineData("mean_squared_logarithmic_error", typeof(MeanSquaredLogarithmicError))]
    [InlineData("msle", typeof(MeanSquaredLogarithmicError))]
    [InlineData("MSLE", typeof(MeanSquaredLogarithmicError))]
    [InlineData("Huber", typeof(Huber))]
    [InlineData("huber", typeof(Huber))]
    [InlineData("LogCosh", typeof(LogCosh))]
    [InlineData("log_cosh", typeof(LogCosh))]
    [InlineData("logcosh", typeof(LogCosh))]
    [InlineData("BinaryCrossentropy", typeof(BinaryCrossentropy))]
    [InlineData("binary_crossentropy", typeof(BinaryCrossentropy))]
    [InlineData("bce", typeof(BinaryCrossentropy))]
    [InlineData("BCE", typeof(BinaryCrossentropy))]
    [InlineData("CategoricalCrossentropy", typeof(CategoricalCrossentropy))]
    [InlineData("categorical_crossentropy", typeof(CategoricalCrossentropy))]
    [InlineData("SparseCategoricalCrossentropy", typeof(SparseCategoricalCrossentropy))]
    [InlineData("sparse_categorical_crossentropy", typeof(SparseCategoricalCrossentropy))]
    [InlineData("KLDivergence", typeof(KLDivergence))]
    [InlineData("kl_divergence", typeof(KLDivergence))]
    [InlineData("kld", typeof(KLDivergence))]
    [InlineData("KLD", typeof(KLDivergence))]
    [InlineData("kullback_leibler_divergence", typeof(KLDivergence))]
    [InlineData("Poisson", typeof(Poisson))]
    [InlineData("poisson", typeof(Poisson))]
    [InlineData("CosineSimilarity", typeof(CosineSimilarity))]
    [InlineData("cosine_similarity", typeof(CosineSimilarity))]
    [InlineData("Hinge", typeof(Hinge))]
    [InlineData("hinge", typeof(Hinge))]
    [InlineData("SquaredHinge", typeof(SquaredHinge))]
    [InlineData("squared_hinge", typeof(SquaredHinge))]
    [InlineData("CategoricalHinge", typeof(CategoricalHinge))]
    [InlineData("categorical_hinge", typeof(CategoricalHinge))]
    public void RegistryGetResolvesEveryAlias(string alias, Type expected)
    {
        var loss = KerasRegistry.Get<Loss>(alias);
        Assert.IsType(expected, loss);
        Assert.Equal("sum_over_batch_size", loss.Reduction);
        Assert.Equal(expected.Name, loss.ClassName);
    }

    [Fact]
    public void UnknownLossNameListsTheKnownOnes()
    {
        var e = Assert.Throws<ArgumentException>(() => KerasRegistry.Get<Loss>("mean_sqared_error"));
        Assert.Contains("mean_sqared_error", e.Message);
        Assert.Contains("mean_squared_error", e.Message);
        Assert.Contains("sparse_categorical_crossentropy", e.Message);
        Assert.Contains("kld", e.Message);
    }

    [Fact]
    public void DefaultNamesAndConfigKeysAreKeras()
    {
        Assert.Equal("huber_loss", new Huber().Name);
        Assert.Equal("log_cosh", new LogCosh().Name);
        var config = new BinaryCrossentropy(fromLogits: true, labelSmoothing: 0.25f, axis: 0, reduction: "sum").GetConfig();
        Assert.Equal(["name", "reduction", "from_logits", "label_smoothing", "axis"], config.Select(kv => kv.Key).ToArray());
        Assert.Equal("binary_crossentropy", (string)config["name"]!);
        Assert.True((bool)config["from_logits"]!);
        Assert.Equal(0.25f, config.GetFloat("label_smoothing", -1));
        Assert.Contains("\"label_smoothing\":0.25", config.ToKerasJson());
        var scce = new SparseCategoricalCrossentropy(ignoreClass: 255).GetConfig();
        Assert.Equal(255, (int)scce["ignore_class"]!);
        Assert.Null(new SparseCategoricalCrossentropy().GetConfig()["ignore_class"]);
        Assert.Equal(0.5f, new Huber(0.5f).GetConfig().GetFloat("delta", -1));
    }

    [Fact]
    public void NullReductionInConfigMeansNone()
    {
        var loss = KerasRegistry.Deserialize<Loss>(JsonNode.Parse("""{"class_name": "MeanAbsoluteError", "config": {"name": "l1", "reduction": null}}""")!);
        Assert.Equal("none", loss.Reduction);
        Assert.Equal("l1", loss.Name);
        var values = loss.Compute(Tensor.FromArray(new float[,] { { 1, 2 }, { 3, 4 } }), Tensor.FromArray(new float[,] { { 2, 2 }, { 3, 0 } }));
        Assert.Equal(new float[] { 0.5f, 2f }, values.ToArray());
    }

    [Fact]
    public void UnknownReductionListsTheKnownOnes()
    {
        var e = Assert.Throws<ArgumentException>(() => new MeanSquaredError(reduction: "average"));
        Assert.Contains("average", e.Message);
        Assert.Contains("sum_over_batch_size", e.Message);
        Assert.Contains("mean_with_sample_weight", e.Message);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void SparseLabelOutOfRangeNamesTheLabelAndTheClassCount(bool fromLogits, bool floatLabels)
    {
        var loss = new SparseCategoricalCrossentropy(fromLogits);
        var yPred = Tensor.FromArray(new float[,] { { 0.2f, 0.3f, 0.5f }, { 0.1f, 0.1f, 0.8f } });
        var yTrue = floatLabels ? Tensor.FromArray(new float[] { 1, 7 }) : Tensor.FromArray(new[] { 1, 7 });
        var e = Assert.Throws<ArgumentException>(() => loss.Compute(yTrue, yPred));
        Assert.Contains("7", e.Message);
        Assert.Contains("3 classes", e.Message);
        var negative = Assert.Throws<ArgumentException>(() => loss.Compute(Tensor.FromArray(new[] { -1, 0 }), yPred));
        Assert.Contains("-1", negative.Message);
    }

    [Fact]
    public void IgnoredLabelsMayLieOutsideTheClassRange()
    {
        var loss = new SparseCategoricalCrossentropy(fromLogits: true, ignoreClass: 255);
        var logits = Tensor.FromArray(new float[,] { { 1, 2, 3 }, { 0, 0, 5 } });
        var value = loss.Compute(Tensor.FromArray(new[] { 2, 255 }), logits);
        var expected = new SparseCategoricalCrossentropy(fromLogits: true).Call(Tensor.FromArray(new[] { 2, 0 }), logits).ToArray()[0];
        Assert.Equal(expected, value.ToScalar(), 6);
    }

    [Theory]
    [InlineData("mse")]
    [InlineData("mae")]
    [InlineData("huber")]
    [InlineData("kld")]
    [InlineData("poisson")]
    [InlineData("hinge")]
    [InlineData("categorical_hinge")]
    [InlineData("log_cosh")]
    [InlineData("binary_crossentropy")]
    [InlineData("categorical_crossentropy")]
    [InlineData("cosine_similarity")]
    public void MismatchedShapesNameBothShapes(string name)
    {
        var loss = KerasRegistry.Get<Loss>(name);
        var e = Assert.Throws<ArgumentException>(() => loss.Compute(Ops.Ones(new Shape(4, 3)), Ops.Ones(new Shape(2, 5))));
        Assert.Contains("(4, 3)", e.Message);
        Assert.Contains("(2, 5)", e.Message);
    }

    [Fact]
    public void SparseLabelsOfTheWrongShapeNameBothShapes()
    {
        var e = Assert.Throws<ArgumentException>(() => new SparseCategoricalCrossentropy().Compute(Tensor.FromArray(new[] { 0, 1, 2, 1, 0 }), Ops.Ones(new Shape(4, 3))));
        Assert.Contains("(5,)", e.Message);
        Assert.Contains("(4, 3)", e.Message);
    }

    [Fact]
    public void SampleWeightThatCannotBeAppliedNamesTheShapes()
    {
        var e = Assert.Throws<ArgumentException>(() => new MeanSquaredError().Compute(Ops.Ones(new Shape(4, 3)), Ops.Ones(new Shape(4, 3)), Ops.Ones(new Shape(3, 2))));
        Assert.Contains("(3, 2)", e.Message);
        Assert.Contains("(4,)", e.Message);
    }

    /// <summary>The standalone-usage examples of Keras's docstrings (rounded there to 3 or 4 digits).</summary>
    [Fact]
    public void KerasDocstringExamples()
    {
        var bt = Tensor.FromArray(new float[,] { { 0, 1 }, { 0, 0 } });
        var logits = Tensor.FromArray(new float[,] { { -18.6f, 0.51f }, { 2.94f, -12.8f } });
        Near(0.8654, new BinaryCrossentropy(fromLogits: true).Compute(bt, logits).ToScalar());
        Near(0.243, new BinaryCrossentropy(fromLogits: true).Compute(bt, logits, Tensor.FromArray(new[] { 0.8f, 0.2f })).ToScalar());
        Near(1.730, new BinaryCrossentropy(fromLogits: true, reduction: "sum").Compute(bt, logits).ToScalar());
        var none = new BinaryCrossentropy(fromLogits: true, reduction: null).Compute(bt, logits).ToArray();
        Near(0.235, none[0]);
        Near(1.496, none[1]);
        var probs = Tensor.FromArray(new float[,] { { 0.05f, 0.95f, 0 }, { 0.1f, 0.8f, 0.1f } });
        var onehot = Tensor.FromArray(new float[,] { { 0, 1, 0 }, { 0, 0, 1 } });
        Near(1.177, new CategoricalCrossentropy().Compute(onehot, probs).ToScalar());
        Near(0.814, new CategoricalCrossentropy().Compute(onehot, probs, Tensor.FromArray(new[] { 0.3f, 0.7f })).ToScalar());
        Near(2.354, new CategoricalCrossentropy(reduction: "sum").Compute(onehot, probs).ToScalar());
        Near(1.177, new SparseCategoricalCrossentropy().Compute(Tensor.FromArray(new[] { 1, 2 }), probs).ToScalar());
        var bce = new BinaryCrossentropy(reduction: "none").Compute(bt, Tensor.FromArray(new float[,] { { 0.6f, 0.4f }, { 0.4f, 0.6f } })).ToArray();
        Near(0.916, bce[0]);
        Near(0.714, bce[1]);
        Near(0.155, new Huber().Compute(bt, Tensor.FromArray(new float[,] { { 0.6f, 0.4f }, { 0.4f, 0.6f } })).ToScalar());
        Near(0.108, new LogCosh().Compute(Tensor.FromArray(new float[,] { { 0, 1 }, { 0, 0 } }), Tensor.FromArray(new float[,] { { 1, 1 }, { 0, 0 } })).ToScalar());
        var cos = new CosineSimilarity(reduction: "none").Compute(
            Tensor.FromArray(new float[,] { { 0, 1 }, { 1, 1 }, { 1, 1 } }), Tensor.FromArray(new float[,] { { 1, 0 }, { 1, 1 }, { -1, -1 } })).ToArray();
        Assert.Equal(new[] { 0.0, -1.0, 1.0 }, cos.Select(v => Math.Round(v, 5)).ToArray());
    }

    /// <summary>Keras's docstrings round or truncate to the digits shown.</summary>
    private static void Near(double expected, double actual) => Assert.InRange(actual, expected - 1.5e-3, expected + 1.5e-3);

    [Fact]
    public void GradientsFlowThroughComputeUnderAScope()
    {
        // The Trainer's pattern: one scope per step, the tape records the loss, Compute's intermediates
        // must survive until Gradient.
        var w = new Variable(Tensor.FromArray(new float[,] { { 0.5f, -0.25f }, { 0.1f, 0.3f } }), "w");
        var x = Tensor.FromArray(new float[,] { { 1, 2 }, { 3, 4 }, { -1, 0.5f } });
        var y = Tensor.FromArray(new[] { 1, 0, 1 });
        var loss = new SparseCategoricalCrossentropy(fromLogits: true);
        var scope = new TensorScope();
        for (int step = 0; step < 3; step++)
        {
            if (step > 0) scope.Begin();
            using var tape = new GradientTape();
            var value = loss.Compute(y, Ops.MatMul(x, w), Tensor.FromArray(new[] { 1f, 0.5f, 2f }));
            var g = tape.Gradient(value, w);
            Assert.Equal(new Shape(2, 2), g.Shape);
            Assert.All(g.ToArray(), v => Assert.True(float.IsFinite(v) && v != 0));
            scope.End();
        }
    }

    [Fact]
    public void ComputeWithoutATapeReleasesItsIntermediates()
    {
        var yTrue = Ops.Ones(new Shape(8, 4));
        var yPred = Ops.Full(new Shape(8, 4), 0.25);
        using var scope = new TensorScope();
        var value = new CategoricalCrossentropy(labelSmoothing: 0.1f).Compute(yTrue, yPred, Ops.Ones(new Shape(8)));
        Assert.Equal(2, scope.Count); // the result and the sample weight
        Assert.True(float.IsFinite(value.ToScalar()));
    }
}
