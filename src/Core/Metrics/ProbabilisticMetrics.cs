using System.Text.Json.Nodes;
using KerasNet.Losses;
using KerasNet.Saving;

namespace KerasNet.Metrics;

/// <summary>keras.metrics.BinaryCrossentropy: the running mean of the binary cross-entropy.</summary>
[KerasSerializable("BinaryCrossentropy", "binary_crossentropy", "bce", "BCE")]
public sealed class BinaryCrossentropy(string name = "binary_crossentropy", bool fromLogits = false, float labelSmoothing = 0f) : MeanMetricWrapper(name)
{
    /// <summary>Whether y_pred holds logits.</summary>
    public bool FromLogits { get; } = fromLogits;

    /// <summary>Labels become y·(1 − s) + 0.5·s.</summary>
    public float LabelSmoothing { get; } = labelSmoothing;

    /// <inheritdoc/>
    protected override Tensor Values(Tensor yTrue, Tensor yPred) => LossFunctions.BinaryCrossentropy(yTrue, yPred, FromLogits, LabelSmoothing);

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["from_logits"] = FromLogits;
        c["label_smoothing"] = LabelSmoothing;
        return c;
    }

    /// <summary>Rebuilds from a Keras config.</summary>
    public static BinaryCrossentropy FromConfig(JsonObject config) =>
        new(MetricMath.Name(config, "binary_crossentropy"), config.GetBool("from_logits", false), config.GetFloat("label_smoothing", 0f));
}

/// <summary>keras.metrics.CategoricalCrossentropy: the running mean of the categorical cross-entropy.</summary>
[KerasSerializable("CategoricalCrossentropy", "categorical_crossentropy")]
public sealed class CategoricalCrossentropy(string name = "categorical_crossentropy", bool fromLogits = false, float labelSmoothing = 0f, int axis = -1) : MeanMetricWrapper(name)
{
    /// <summary>Whether y_pred holds logits.</summary>
    public bool FromLogits { get; } = fromLogits;

    /// <summary>Labels become y·(1 − s) + s / num_classes.</summary>
    public float LabelSmoothing { get; } = labelSmoothing;

    /// <summary>The class axis.</summary>
    public int Axis { get; } = axis;

    /// <inheritdoc/>
    protected override Tensor Values(Tensor yTrue, Tensor yPred) => LossFunctions.CategoricalCrossentropy(yTrue, yPred, FromLogits, LabelSmoothing, Axis);

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["from_logits"] = FromLogits;
        c["label_smoothing"] = LabelSmoothing;
        c["axis"] = Axis;
        return c;
    }

    /// <summary>Rebuilds from a Keras config.</summary>
    public static CategoricalCrossentropy FromConfig(JsonObject config) =>
        new(MetricMath.Name(config, "categorical_crossentropy"), config.GetBool("from_logits", false), config.GetFloat("label_smoothing", 0f), config.GetInt("axis", -1));
}

/// <summary>keras.metrics.SparseCategoricalCrossentropy: the running mean of the sparse categorical cross-entropy.</summary>
[KerasSerializable("SparseCategoricalCrossentropy", "sparse_categorical_crossentropy")]
public sealed class SparseCategoricalCrossentropy(string name = "sparse_categorical_crossentropy", bool fromLogits = false, int axis = -1) : MeanMetricWrapper(name)
{
    /// <summary>Whether y_pred holds logits.</summary>
    public bool FromLogits { get; } = fromLogits;

    /// <summary>The class axis (only the last is supported).</summary>
    public int Axis { get; } = axis;

    /// <inheritdoc/>
    protected override Tensor Values(Tensor yTrue, Tensor yPred) => LossFunctions.SparseCategoricalCrossentropy(yTrue, yPred, FromLogits, null, Axis);

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["from_logits"] = FromLogits;
        c["axis"] = Axis;
        return c;
    }

    /// <summary>Rebuilds from a Keras config.</summary>
    public static SparseCategoricalCrossentropy FromConfig(JsonObject config) =>
        new(MetricMath.Name(config, "sparse_categorical_crossentropy"), config.GetBool("from_logits", false), config.GetInt("axis", -1));
}

/// <summary>keras.metrics.KLDivergence: the running mean of the Kullback-Leibler divergence.</summary>
[KerasSerializable("KLDivergence", "kl_divergence")]
public sealed class KLDivergence(string name = "kl_divergence") : MeanMetricWrapper(name)
{
    /// <inheritdoc/>
    protected override Tensor Values(Tensor yTrue, Tensor yPred) => LossFunctions.KLDivergence(yTrue, yPred);

    /// <summary>Rebuilds from a Keras config.</summary>
    public static KLDivergence FromConfig(JsonObject config) => new(MetricMath.Name(config, "kl_divergence"));
}

/// <summary>keras.metrics.Poisson: the running mean of the Poisson loss.</summary>
[KerasSerializable("Poisson", "poisson")]
public sealed class Poisson(string name = "poisson") : MeanMetricWrapper(name)
{
    /// <inheritdoc/>
    protected override Tensor Values(Tensor yTrue, Tensor yPred) => LossFunctions.Poisson(yTrue, yPred);

    /// <summary>Rebuilds from a Keras config.</summary>
    public static Poisson FromConfig(JsonObject config) => new(MetricMath.Name(config, "poisson"));
}

/// <summary>keras.metrics.Hinge: the running mean of the hinge loss.</summary>
[KerasSerializable("Hinge", "hinge")]
public sealed class Hinge(string name = "hinge") : MeanMetricWrapper(name)
{
    /// <inheritdoc/>
    protected override Tensor Values(Tensor yTrue, Tensor yPred) => LossFunctions.Hinge(yTrue, yPred);

    /// <summary>Rebuilds from a Keras config.</summary>
    public static Hinge FromConfig(JsonObject config) => new(MetricMath.Name(config, "hinge"));
}

/// <summary>keras.metrics.SquaredHinge: the running mean of the squared hinge loss.</summary>
[KerasSerializable("SquaredHinge", "squared_hinge")]
public sealed class SquaredHinge(string name = "squared_hinge") : MeanMetricWrapper(name)
{
    /// <inheritdoc/>
    protected override Tensor Values(Tensor yTrue, Tensor yPred) => LossFunctions.SquaredHinge(yTrue, yPred);

    /// <summary>Rebuilds from a Keras config.</summary>
    public static SquaredHinge FromConfig(JsonObject config) => new(MetricMath.Name(config, "squared_hinge"));
}

/// <summary>keras.metrics.CategoricalHinge: the running mean of the categorical hinge loss.</summary>
[KerasSerializable("CategoricalHinge", "categorical_hinge")]
public sealed class CategoricalHinge(string name = "categorical_hinge") : MeanMetricWrapper(name)
{
    /// <inheritdoc/>
    protected override Tensor Values(Tensor yTrue, Tensor yPred) => LossFunctions.CategoricalHinge(yTrue, yPred);

    /// <summary>Rebuilds from a Keras config.</summary>
    public static CategoricalHinge FromConfig(JsonObject config) => new(MetricMath.Name(config, "categorical_hinge"));
}
