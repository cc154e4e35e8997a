using System.Text.Json.Nodes;
using KerasNet.Saving;

namespace KerasNet.Metrics;

/// <summary>keras.metrics.Accuracy: how often predictions equal labels.</summary>
[KerasSerializable("Accuracy", "accuracy")]
public sealed class Accuracy(string name = "accuracy") : MeanMetricWrapper(name)
{
    /// <inheritdoc/>
    protected override Tensor Values(Tensor yTrue, Tensor yPred) => MetricFunctions.Accuracy(yTrue, yPred);

    /// <summary>Rebuilds from a Keras config.</summary>
    public static Accuracy FromConfig(JsonObject config) => new(MetricMath.Name(config, "accuracy"));
}

/// <summary>keras.metrics.BinaryAccuracy: how often (y_pred &gt; threshold) equals the 0/1 label.</summary>
[KerasSerializable("BinaryAccuracy", "binary_accuracy")]
public sealed class BinaryAccuracy : MeanMetricWrapper
{
    /// <summary>Creates the metric; <paramref name="threshold"/> must be in (0, 1).</summary>
    public BinaryAccuracy(string name = "binary_accuracy", float threshold = 0.5f) : base(name)
    {
        if (!(threshold > 0 && threshold < 1))
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "BinaryAccuracy: threshold must be in the interval (0, 1).");
        Threshold = threshold;
    }

    /// <summary>Predictions above it count as 1.</summary>
    public float Threshold { get; }

    /// <inheritdoc/>
    protected override Tensor Values(Tensor yTrue, Tensor yPred) => MetricFunctions.BinaryAccuracy(yTrue, yPred, Threshold);

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["threshold"] = Threshold;
        return c;
    }

    /// <summary>Rebuilds from a Keras config.</summary>
    public static BinaryAccuracy FromConfig(JsonObject config) =>
        new(MetricMath.Name(config, "binary_accuracy"), config.GetFloat("threshold", 0.5f));
}

/// <summary>keras.metrics.CategoricalAccuracy: how often argmax(y_pred) equals argmax of the one-hot label.</summary>
[KerasSerializable("CategoricalAccuracy", "categorical_accuracy")]
public sealed class CategoricalAccuracy(string name = "categorical_accuracy") : MeanMetricWrapper(name)
{
    /// <inheritdoc/>
    protected override Tensor Values(Tensor yTrue, Tensor yPred) => MetricFunctions.CategoricalAccuracy(yTrue, yPred);

    /// <summary>Rebuilds from a Keras config.</summary>
    public static CategoricalAccuracy FromConfig(JsonObject config) => new(MetricMath.Name(config, "categorical_accuracy"));
}

/// <summary>keras.metrics.SparseCategoricalAccuracy: how often argmax(y_pred) equals the integer label.</summary>
[KerasSerializable("SparseCategoricalAccuracy", "sparse_categorical_accuracy")]
public sealed class SparseCategoricalAccuracy(string name = "sparse_categorical_accuracy") : MeanMetricWrapper(name)
{
    /// <inheritdoc/>
    protected override Tensor Values(Tensor yTrue, Tensor yPred) => MetricFunctions.SparseCategoricalAccuracy(yTrue, yPred);

    /// <summary>Rebuilds from a Keras config.</summary>
    public static SparseCategoricalAccuracy FromConfig(JsonObject config) => new(MetricMath.Name(config, "sparse_categorical_accuracy"));
}

/// <summary>keras.metrics.TopKCategoricalAccuracy: how often the one-hot label is among the top <see cref="K"/> predictions.</summary>
[KerasSerializable("TopKCategoricalAccuracy", "top_k_categorical_accuracy")]
public sealed class TopKCategoricalAccuracy : MeanMetricWrapper
{
    /// <summary>Creates the metric.</summary>
    public TopKCategoricalAccuracy(int k = 5, string name = "top_k_categorical_accuracy") : base(name)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        K = k;
    }

    /// <summary>How many of the highest predictions count.</summary>
    public int K { get; }

    /// <inheritdoc/>
    protected override Tensor Values(Tensor yTrue, Tensor yPred) => MetricFunctions.TopKCategoricalAccuracy(yTrue, yPred, K);

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["k"] = K;
        return c;
    }

    /// <summary>Rebuilds from a Keras config.</summary>
    public static TopKCategoricalAccuracy FromConfig(JsonObject config) =>
        new(config.GetInt("k", 5), MetricMath.Name(config, "top_k_categorical_accuracy"));
}

/// <summary>keras.metrics.SparseTopKCategoricalAccuracy: how often the integer label is among the top <see cref="K"/> predictions.</summary>
[KerasSerializable("SparseTopKCategoricalAccuracy", "sparse_top_k_categorical_accuracy")]
public sealed class SparseTopKCategoricalAccuracy : MeanMetricWrapper
{
    /// <summary>Creates the metric.</summary>
    public SparseTopKCategoricalAccuracy(int k = 5, string name = "sparse_top_k_categorical_accuracy") : base(name)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        K = k;
    }

    /// <summary>How many of the highest predictions count.</summary>
    public int K { get; }

    /// <inheritdoc/>
    protected override Tensor Values(Tensor yTrue, Tensor yPred) => MetricFunctions.SparseTopKCategoricalAccuracy(yTrue, yPred, K);

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["k"] = K;
        return c;
    }

    /// <summary>Rebuilds from a Keras config.</summary>
    public static SparseTopKCategoricalAccuracy FromConfig(JsonObject config) =>
        new(config.GetInt("k", 5), MetricMath.Name(config, "sparse_top_k_categorical_accuracy"));
}
