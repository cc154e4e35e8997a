using System.Text.Json.Nodes;
using KerasNet.Metrics;
using KerasNet.Saving;
using Xunit;
using LossBce = KerasNet.Losses.BinaryCrossentropy;
using LossCce = KerasNet.Losses.CategoricalCrossentropy;
using LossScce = KerasNet.Losses.SparseCategoricalCrossentropy;

namespace KerasNet.Tests.Metrics;

public class MetricBehaviourTests
{
    [Theory]
    [InlineData("Accuracy", typeof(Accuracy), "accuracy")]
    [InlineData("accuracy", typeof(Accuracy), "accuracy")]
    [InlineData("BinaryAccuracy", typeof(BinaryAccuracy), "binary_accuracy")]
    [InlineData("binary_accuracy", typeof(BinaryAccuracy), "binary_accuracy")]
    [InlineData("categorical_accuracy", typeof(CategoricalAccuracy), "categorical_accuracy")]
    [InlineData("sparse_categorical_accuracy", typeof(SparseCategoricalAccuracy), "sparse_categorical_accuracy")]
    [InlineData("top_k_categorical_accuracy", typeof(TopKCategoricalAccuracy), "top_k_categorical_accuracy")]
    [InlineData("sparse_top_k_categorical_accuracy", typeof(SparseTopKCategoricalAccuracy), "sparse_top_k_categorical_accuracy")]
    [InlineData("mean", typeof(Mean), "mean")]
    [InlineData("Sum", typeof(Sum), "sum")]
    [InlineData("mean_squared_error", typeof(MeanSquaredError), "mean_squared_error")]
    [InlineData("mse", typeof(MeanSquaredError), "mean_squared_error")]
    [InlineData("MSE", typeof(MeanSquaredError), "mean_squared_error")]
    [InlineData("mae", typeof(MeanAbsoluteError), "mean_absolute_error")]
    [InlineData("MAE", typeof(MeanAbsoluteError), "mean_absolute_error")]
    [InlineData("mape", typeof(MeanAbsolutePercentageError), "mean_absolute_percentage_error")]
    [InlineData("msle", typeof(MeanSquaredLogarithmicError), "mean_squared_logarithmic_error")]
    [InlineData("root_mean_squared_error", typeof(RootMeanSquaredError), "root_mean_squared_error")]
    [InlineData("cosine_similarity", typeof(CosineSimilarity), "cosine_similarity")]
    [InlineData("log_cosh_error", typeof(LogCoshError), "logcosh")]
    [InlineData("binary_crossentropy", typeof(BinaryCrossentropy), "binary_crossentropy")]
    [InlineData("bce", typeof(BinaryCrossentropy), "binary_crossentropy")]
    [InlineData("categorical_crossentropy", typeof(CategoricalCrossentropy), "categorical_crossentropy")]
    [InlineData("sparse_categorical_crossentropy", typeof(SparseCategoricalCrossentropy), "sparse_categorical_crossentropy")]
    [InlineData("kl_divergence", typeof(KLDivergence), "kl_divergence")]
    [InlineData("poisson", typeof(Poisson), "poisson")]
    [InlineData("hinge", typeof(Hinge), "hinge")]
    [InlineData("squared_hinge", typeof(SquaredHinge), "squared_hinge")]
    [InlineData("categorical_hinge", typeof(CategoricalHinge), "categorical_hinge")]
    [InlineData("precision", typeof(Precision), "precision")]
    [InlineData("Recall", typeof(Recall), "recall")]
    [InlineData("auc", typeof(AUC), "auc")]
    [InlineData("AUC", typeof(AUC), "auc")]
    [InlineData("f1_score", typeof(F1Score), "f1_score")]
    [InlineData("fbeta_score", typeof(FBetaScore), "fbeta_score")]
    public void RegistryGetResolvesEveryAlias(string alias, Type expected, string defaultName)
    {
        var metric = KerasRegistry.Get<Metric>(alias);
        Assert.IsType(expected, metric);
        Assert.Equal(defaultName, metric.Name);
    }

    [Fact]
    public void UnknownMetricNameListsTheKnownOnes()
    {
        var e = Assert.Throws<ArgumentException>(() => KerasRegistry.Get<Metric>("acuracy"));
        Assert.Contains("acuracy", e.Message);
        Assert.Contains("sparse_categorical_accuracy", e.Message);
        Assert.Contains("auc", e.Message);
    }

    [Theory]
    [InlineData("accuracy", new[] { 8, 1 }, new[] { 8, 1 }, typeof(BinaryAccuracy))]
    [InlineData("acc", new[] { 8 }, new[] { 8, 1 }, typeof(BinaryAccuracy))]
    [InlineData("accuracy", new[] { 8 }, new[] { 8, 10 }, typeof(SparseCategoricalAccuracy))]
    [InlineData("accuracy", new[] { 8, 1 }, new[] { 8, 10 }, typeof(SparseCategoricalAccuracy))]
    [InlineData("Accuracy", new[] { 8, 10 }, new[] { 8, 10 }, typeof(CategoricalAccuracy))]
    [InlineData("ACC", new[] { 8, 5, 1 }, new[] { 8, 5, 10 }, typeof(SparseCategoricalAccuracy))]
    [InlineData("crossentropy", new[] { 8, 1 }, new[] { 8, 1 }, typeof(BinaryCrossentropy))]
    [InlineData("ce", new[] { 8 }, new[] { 8, 10 }, typeof(SparseCategoricalCrossentropy))]
    [InlineData("ce", new[] { 8, 10 }, new[] { 8, 10 }, typeof(CategoricalCrossentropy))]
    public void ResolverPicksTheVariantFromTheShapes(string name, int[] yTrue, int[] yPred, Type expected)
    {
        var metric = MetricResolver.Resolve(name, null, yTrue, yPred);
        Assert.IsType(expected, metric);
        Assert.Equal(name, metric.Name);
    }

    [Fact]
    public void ResolverUsesTheLossForBinaryAndForFromLogits()
    {
        // Multi-label outputs trained with binary cross-entropy get binary accuracy.
        var acc = MetricResolver.Resolve("accuracy", new LossBce(), new Shape(8, 5), new Shape(8, 5));
        Assert.IsType<BinaryAccuracy>(acc);
        Assert.IsType<CategoricalAccuracy>(MetricResolver.Resolve("accuracy", new LossCce(), new Shape(8, 5), new Shape(8, 5)));
        var ce = Assert.IsType<SparseCategoricalCrossentropy>(MetricResolver.Resolve("ce", new LossScce(fromLogits: true), new Shape(8), new Shape(8, 5)));
        Assert.True(ce.FromLogits);
        var bce = Assert.IsType<BinaryCrossentropy>(MetricResolver.Resolve("crossentropy", new LossBce(fromLogits: true), new Shape(8, 3), new Shape(8, 3)));
        Assert.True(bce.FromLogits);
    }

    [Fact]
    public void ResolverNamesRegistryMetricsAfterTheString()
    {
        var mse = MetricResolver.Resolve("mse", null, new Shape(4, 2), new Shape(4, 2));
        Assert.IsType<MeanSquaredError>(mse);
        Assert.Equal("mse", mse.Name);
        var e = Assert.Throws<ArgumentException>(() => MetricResolver.Resolve("accuracyy", null, new Shape(4), new Shape(4)));
        Assert.Contains("accuracy", e.Message);
        Assert.IsType<LossScce>(MetricResolver.ResolveLoss("ce", new Shape(8), new Shape(8, 3)));
        Assert.IsType<LossBce>(MetricResolver.ResolveLoss("crossentropy", new Shape(8, 1), new Shape(8, 1)));
        Assert.Equal("ce", MetricResolver.ResolveLoss("ce", new Shape(8, 3), new Shape(8, 3)).Name);
    }

    [Fact]
    public void ResolvedAccuracyComputes()
    {
        var m = MetricResolver.Resolve("accuracy", new LossScce(), new Shape(4), new Shape(4, 3));
        m.UpdateState(Tensor.FromArray(new[] { 0, 1, 2, 1 }), Tensor.FromArray(new float[,] { { 0.9f, 0.05f, 0.05f }, { 0.2f, 0.7f, 0.1f }, { 0.3f, 0.3f, 0.4f }, { 0.6f, 0.3f, 0.1f } }));
        Assert.Equal(0.75f, m.Result().ToScalar(), 6);
        m.ResetState();
        Assert.Equal(0f, m.Result().ToScalar());
    }

    [Fact]
    public void ConfigsUseKerasKeys()
    {
        Assert.Equal("""{"name":"binary_accuracy","dtype":"float32","threshold":0.7}""", new BinaryAccuracy(threshold: 0.7f).GetConfig().ToKerasJson());
        Assert.Equal("""{"name":"precision","dtype":"float32","thresholds":null,"top_k":2,"class_id":null}""", new Precision(topK: 2).GetConfig().ToKerasJson());
        Assert.Equal("""{"name":"recall","dtype":"float32","thresholds":0.3,"top_k":null,"class_id":1}""", new Recall(0.3f, classId: 1).GetConfig().ToKerasJson());
        Assert.Equal("""{"name":"recall","dtype":"float32","thresholds":[0.3,0.6],"top_k":null,"class_id":null}""", new Recall([0.3f, 0.6f]).GetConfig().ToKerasJson());
        var auc = new AUC(curve: "pr").GetConfig();
        Assert.Equal("PR", (string)auc["curve"]!);
        Assert.Equal(200, (int)auc["num_thresholds"]!);
        Assert.Equal("interpolation", (string)auc["summation_method"]!);
        Assert.False(new F1Score().GetConfig().ContainsKey("beta"));
        var restored = Assert.IsType<Recall>(KerasRegistry.Deserialize<Metric>(KerasRegistry.Serialize(new Recall(0.3f, classId: 1), "keras.metrics")));
        Assert.Equal([0.3f], restored.Thresholds);
        Assert.Equal(1, restored.ClassId);
    }

    [Fact]
    public void MismatchedShapesNameBothShapes()
    {
        var yTrue = Ops.Ones(new Shape(4, 3));
        var yPred = Ops.Ones(new Shape(2, 5));
        foreach (var metric in new Metric[] { new BinaryAccuracy(), new Accuracy(), new CategoricalAccuracy(), new MeanSquaredError(), new Precision(), new AUC(), new F1Score(), new BinaryCrossentropy() })
        {
            var e = Assert.Throws<ArgumentException>(() => metric.UpdateState(yTrue, yPred));
            Assert.Contains("(4, 3)", e.Message);
            Assert.Contains("(2, 5)", e.Message);
        }
        var sparse = Assert.Throws<ArgumentException>(() => new SparseCategoricalAccuracy().UpdateState(Tensor.FromArray(new[] { 1, 2, 0 }), yTrue));
        Assert.Contains("(3,)", sparse.Message);
        Assert.Contains("(4, 3)", sparse.Message);
    }

    [Fact]
    public void LabelOutOfRangeInTopKNamesTheLabel()
    {
        var e = Assert.Throws<ArgumentException>(() => new SparseTopKCategoricalAccuracy(k: 2).UpdateState(Tensor.FromArray(new[] { 1, 9 }), Ops.Ones(new Shape(2, 4))));
        Assert.Contains("9", e.Message);
        Assert.Contains("4 classes", e.Message);
    }

    [Fact]
    public void MeanTakesValuesNotLabels()
    {
        Metric mean = new Mean();
        var e = Assert.Throws<InvalidOperationException>(() => mean.UpdateState(Ops.Ones(new Shape(2)), Ops.Ones(new Shape(2))));
        Assert.Contains("UpdateState(values", e.Message);
    }

    [Fact]
    public void InvalidArgumentsAreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new BinaryAccuracy(threshold: 1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Precision([1.5f]));
        Assert.Throws<ArgumentException>(() => new AUC(curve: "ROCK"));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AUC(numThresholds: 1));
        var avg = Assert.Throws<ArgumentException>(() => new F1Score(average: "samples"));
        Assert.Contains("micro", avg.Message);
        var rank = Assert.Throws<ArgumentException>(() => new F1Score().UpdateState(Ops.Ones(new Shape(4)), Ops.Ones(new Shape(4))));
        Assert.Contains("2-D", rank.Message);
    }

    [Fact]
    public void UpdateStateUnderATapeRecordsNothingAndLeavesGradientsIntact()
    {
        var w = new Variable(Tensor.FromArray(new float[,] { { 0.5f, -0.2f, 0.1f }, { 0.3f, 0.4f, -0.6f } }), "w");
        var x = Tensor.FromArray(new float[,] { { 1, 2 }, { -1, 0.5f }, { 0.3f, -2 } });
        var y = Tensor.FromArray(new[] { 2, 0, 1 });
        var metrics = new Metric[] { new SparseCategoricalAccuracy(), new SparseTopKCategoricalAccuracy(2), new SparseCategoricalCrossentropy(fromLogits: true) };
        using var tape = new GradientTape();
        var logits = Ops.MatMul(x, w);
        var loss = new LossScce(fromLogits: true).Compute(y, logits);
        int recorded = tape.RecordedOps;
        foreach (var m in metrics) m.UpdateState(y, logits, Tensor.FromArray(new[] { 1f, 2f, 0.5f }));
        Assert.Equal(recorded, tape.RecordedOps);
        var g = tape.Gradient(loss, w);
        Assert.All(g.ToArray(), v => Assert.True(float.IsFinite(v)));
        var weighted = new LossScce(fromLogits: true, reduction: "mean_with_sample_weight").Compute(y, logits, Tensor.FromArray(new[] { 1f, 2f, 0.5f }));
        Assert.Equal(weighted.ToScalar(), metrics[2].Result().ToScalar(), 5);
    }

    [Fact]
    public void UpdateStateReleasesItsIntermediates()
    {
        var metrics = new Metric[] { new BinaryAccuracy(), new AUC(), new Precision(topK: 1), new F1Score("macro"), new RootMeanSquaredError() };
        var yTrue = Tensor.FromArray(new float[,] { { 1, 0 }, { 0, 1 }, { 1, 1 } });
        var yPred = Tensor.FromArray(new float[,] { { 0.8f, 0.3f }, { 0.4f, 0.9f }, { 0.6f, 0.2f } });
        using var scope = new TensorScope();
        foreach (var m in metrics) m.UpdateState(yTrue, yPred, Tensor.FromArray(new[] { 1f, 0.5f, 2f }));
        Assert.Equal(metrics.Length, scope.Count); // only the sample weights made here
    }

    /// <summary>The examples of Keras's metric docstrings.</summary>
    [Fact]
    public void KerasDocstringExamples()
    {
        var p = new Precision();
        p.UpdateState(Tensor.FromArray(new float[] { 0, 1, 1, 1 }), Tensor.FromArray(new float[] { 1, 0, 1, 1 }));
        Assert.Equal(0.6666667f, p.Result().ToScalar(), 6);
        var pk = new Precision(topK: 4);
        pk.UpdateState(Tensor.FromArray(new float[] { 0, 0, 1, 1 }), Tensor.FromArray(new float[] { 1, 1, 1, 1 }));
        Assert.Equal(0.5f, pk.Result().ToScalar(), 6);
        var auc = new AUC(numThresholds: 3);
        auc.UpdateState(Tensor.FromArray(new float[] { 0, 0, 1, 1 }), Tensor.FromArray(new float[] { 0, 0.5f, 0.3f, 0.9f }));
        Assert.Equal(0.75f, auc.Result().ToScalar(), 6);
        var f1 = new F1Score(threshold: 0.5f);
        f1.UpdateState(Tensor.FromArray(new float[,] { { 1, 1, 1 }, { 1, 0, 0 }, { 1, 1, 0 } }), Tensor.FromArray(new float[,] { { 0.2f, 0.6f, 0.7f }, { 0.2f, 0.6f, 0.6f }, { 0.6f, 0.8f, 0 } }));
        var f = f1.Result().ToArray();
        Assert.Equal(0.5f, f[0], 5);
        Assert.Equal(0.8f, f[1], 5);
        Assert.Equal(0.6666667f, f[2], 5);
        var fb = new FBetaScore(beta: 2f, threshold: 0.5f);
        fb.UpdateState(Tensor.FromArray(new float[,] { { 1, 1, 1 }, { 1, 0, 0 }, { 1, 1, 0 } }), Tensor.FromArray(new float[,] { { 0.2f, 0.6f, 0.7f }, { 0.2f, 0.6f, 0.6f }, { 0.6f, 0.8f, 0 } }));
        Assert.Equal([0.3846154f, 0.90909094f, 0.8333334f], fb.Result().ToArray().Select(v => MathF.Round(v, 5)).ToArray(), (a, b) => Math.Abs(a - b) < 1e-4);
        var rmse = new RootMeanSquaredError();
        rmse.UpdateState(Tensor.FromArray(new float[,] { { 0, 1 }, { 0, 0 } }), Tensor.FromArray(new float[,] { { 1, 1 }, { 0, 0 } }), Tensor.FromArray(new float[] { 1, 0 }));
        Assert.Equal(0.70710677f, rmse.Result().ToScalar(), 6);
        var top = new TopKCategoricalAccuracy(k: 1);
        top.UpdateState(Tensor.FromArray(new float[,] { { 0, 0, 1 }, { 0, 1, 0 } }), Tensor.FromArray(new float[,] { { 0.1f, 0.9f, 0.8f }, { 0.05f, 0.95f, 0 } }), Tensor.FromArray(new[] { 0.7f, 0.3f }));
        Assert.Equal(0.3f, top.Result().ToScalar(), 6);
        var mean = new Mean();
        mean.UpdateState(Tensor.FromArray(new float[] { 1, 3, 5, 7 }), Tensor.FromArray(new float[] { 1, 1, 0, 0 }));
        Assert.Equal(2f, mean.Result().ToScalar());
        var cos = new CosineSimilarity(axis: 1);
        cos.UpdateState(Tensor.FromArray(new float[,] { { 0, 1 }, { 1, 1 } }), Tensor.FromArray(new float[,] { { 1, 0 }, { 1, 1 } }), Tensor.FromArray(new[] { 0.3f, 0.7f }));
        Assert.Equal(0.7f, cos.Result().ToScalar(), 5);
        var mape = new MeanAbsolutePercentageError();
        mape.UpdateState(Tensor.FromArray(new float[,] { { 0, 1 }, { 0, 0 } }), Tensor.FromArray(new float[,] { { 1, 1 }, { 0, 0 } }));
        Assert.Equal(250000000f, mape.Result().ToScalar(), 1f);
    }
}
