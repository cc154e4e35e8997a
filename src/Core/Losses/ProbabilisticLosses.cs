using System.Text.Json.Nodes;
using KerasNet.Saving;

namespace KerasNet.Losses;

/// <summary>keras.losses.BinaryCrossentropy for 0/1 labels against probabilities (clipped to [ε, 1 − ε]) or
/// logits, averaged over <see cref="Axis"/>.</summary>
[KerasSerializable("BinaryCrossentropy", "binary_crossentropy", "bce", "BCE")]
public sealed class BinaryCrossentropy : Loss
{
    /// <summary>Creates the loss with Keras's arguments.</summary>
    public BinaryCrossentropy(bool fromLogits = false, float labelSmoothing = 0f, int axis = -1,
        string? reduction = "sum_over_batch_size", string name = "binary_crossentropy") : base(name, reduction)
    {
        if (labelSmoothing < 0 || labelSmoothing > 1)
            throw new ArgumentOutOfRangeException(nameof(labelSmoothing), labelSmoothing, "label_smoothing must be in [0, 1].");
        FromLogits = fromLogits;
        LabelSmoothing = labelSmoothing;
        Axis = axis;
    }

    /// <summary>Whether y_pred holds logits rather than probabilities.</summary>
    public bool FromLogits { get; }

    /// <summary>Labels become y·(1 − s) + 0.5·s.</summary>
    public float LabelSmoothing { get; }

    /// <summary>The axis the mean is taken over.</summary>
    public int Axis { get; }

    /// <inheritdoc/>
    public override Tensor Call(Tensor yTrue, Tensor yPred) => LossFunctions.BinaryCrossentropy(yTrue, yPred, FromLogits, LabelSmoothing, Axis);

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
    public static BinaryCrossentropy FromConfig(JsonObject config) =>
        new(config.GetBool("from_logits", false), config.GetFloat("label_smoothing", 0f), config.GetInt("axis", -1),
            LossUtils.ReadReduction(config), config.GetString("name", "binary_crossentropy")!);
}

/// <summary>keras.losses.CategoricalCrossentropy for one-hot labels against probabilities (renormalised,
/// clipped to [ε, 1 − ε]) or logits (fused softmax cross-entropy) along <see cref="Axis"/>.</summary>
[KerasSerializable("CategoricalCrossentropy", "categorical_crossentropy")]
public sealed class CategoricalCrossentropy : Loss
{
    /// <summary>Creates the loss with Keras's arguments.</summary>
    public CategoricalCrossentropy(bool fromLogits = false, float labelSmoothing = 0f, int axis = -1,
        string? reduction = "sum_over_batch_size", string name = "categorical_crossentropy") : base(name, reduction)
    {
        if (labelSmoothing < 0 || labelSmoothing > 1)
            throw new ArgumentOutOfRangeException(nameof(labelSmoothing), labelSmoothing, "label_smoothing must be in [0, 1].");
        FromLogits = fromLogits;
        LabelSmoothing = labelSmoothing;
        Axis = axis;
    }

    /// <summary>Whether y_pred holds logits rather than probabilities.</summary>
    public bool FromLogits { get; }

    /// <summary>Labels become y·(1 − s) + s / num_classes.</summary>
    public float LabelSmoothing { get; }

    /// <summary>The class axis.</summary>
    public int Axis { get; }

    /// <inheritdoc/>
    public override Tensor Call(Tensor yTrue, Tensor yPred) => LossFunctions.CategoricalCrossentropy(yTrue, yPred, FromLogits, LabelSmoothing, Axis);

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
        new(config.GetBool("from_logits", false), config.GetFloat("label_smoothing", 0f), config.GetInt("axis", -1),
            LossUtils.ReadReduction(config), config.GetString("name", "categorical_crossentropy")!);
}

/// <summary>keras.losses.SparseCategoricalCrossentropy for integer labels (int or float tensors of shape
/// (batch,) or (batch, 1)) against probabilities or logits over the last axis. With
/// <see cref="IgnoreClass"/>, entries of that label contribute nothing and are left out of the mean.</summary>
[KerasSerializable("SparseCategoricalCrossentropy", "sparse_categorical_crossentropy")]
public sealed class SparseCategoricalCrossentropy(bool fromLogits = false, int? ignoreClass = null,
    string? reduction = "sum_over_batch_size", string name = "sparse_categorical_crossentropy") : Loss(name, reduction)
{
    /// <summary>Whether y_pred holds logits rather than probabilities.</summary>
    public bool FromLogits { get; } = fromLogits;

    /// <summary>A label whose entries are ignored (e.g. a "void" class such as −1 or 255), or null.</summary>
    public int? IgnoreClass { get; } = ignoreClass;

    /// <inheritdoc/>
    public override Tensor Call(Tensor yTrue, Tensor yPred) =>
        LossFunctions.SparseCategoricalCrossentropy(yTrue, yPred, FromLogits, IgnoreClass, -1, out _);

    /// <inheritdoc/>
    protected override Tensor CallWithMask(Tensor yTrue, Tensor yPred, out Tensor mask) =>
        LossFunctions.SparseCategoricalCrossentropy(yTrue, yPred, FromLogits, IgnoreClass, -1, out mask);

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["from_logits"] = FromLogits;
        c["ignore_class"] = IgnoreClass;
        return c;
    }

    /// <summary>Rebuilds from a Keras config.</summary>
    public static SparseCategoricalCrossentropy FromConfig(JsonObject config) =>
        new(config.GetBool("from_logits", false), config.GetIntOrNull("ignore_class"),
            LossUtils.ReadReduction(config), config.GetString("name", "sparse_categorical_crossentropy")!);
}

/// <summary>keras.losses.KLDivergence: sum(y_true · log(y_true / y_pred)) with both clipped to [ε, 1].</summary>
[KerasSerializable("KLDivergence", "kl_divergence", "kld", "KLD", "kullback_leibler_divergence")]
public sealed class KLDivergence(string? reduction = "sum_over_batch_size", string name = "kl_divergence") : Loss(name, reduction)
{
    /// <inheritdoc/>
    public override Tensor Call(Tensor yTrue, Tensor yPred) => LossFunctions.KLDivergence(yTrue, yPred);

    /// <summary>Rebuilds from a Keras config.</summary>
    public static KLDivergence FromConfig(JsonObject config) =>
        new(LossUtils.ReadReduction(config), config.GetString("name", "kl_divergence")!);
}

/// <summary>keras.losses.Poisson: mean(y_pred − y_true · log(y_pred + ε)).</summary>
[KerasSerializable("Poisson", "poisson")]
public sealed class Poisson(string? reduction = "sum_over_batch_size", string name = "poisson") : Loss(name, reduction)
{
    /// <inheritdoc/>
    public override Tensor Call(Tensor yTrue, Tensor yPred) => LossFunctions.Poisson(yTrue, yPred);

    /// <summary>Rebuilds from a Keras config.</summary>
    public static Poisson FromConfig(JsonObject config) =>
        new(LossUtils.ReadReduction(config), config.GetString("name", "poisson")!);
}
