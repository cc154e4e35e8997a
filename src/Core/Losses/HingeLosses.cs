using System.Text.Json.Nodes;
using KerasNet.Saving;

namespace KerasNet.Losses;

/// <summary>keras.losses.Hinge: mean(max(1 − y_true · y_pred, 0)); {0, 1} labels are converted to {−1, 1}.</summary>
[KerasSerializable("Hinge", "hinge")]
public sealed class Hinge(string? reduction = "sum_over_batch_size", string name = "hinge") : Loss(name, reduction)
{
    /// <inheritdoc/>
    public override Tensor Call(Tensor yTrue, Tensor yPred) => LossFunctions.Hinge(yTrue, yPred);

    /// <summary>Rebuilds from a Keras config.</summary>
    public static Hinge FromConfig(JsonObject config) =>
        new(LossUtils.ReadReduction(config), config.GetString("name", "hinge")!);
}

/// <summary>keras.losses.SquaredHinge: mean(square(max(1 − y_true · y_pred, 0))); {0, 1} labels become {−1, 1}.</summary>
[KerasSerializable("SquaredHinge", "squared_hinge")]
public sealed class SquaredHinge(string? reduction = "sum_over_batch_size", string name = "squared_hinge") : Loss(name, reduction)
{
    /// <inheritdoc/>
    public override Tensor Call(Tensor yTrue, Tensor yPred) => LossFunctions.SquaredHinge(yTrue, yPred);

    /// <summary>Rebuilds from a Keras config.</summary>
    public static SquaredHinge FromConfig(JsonObject config) =>
        new(LossUtils.ReadReduction(config), config.GetString("name", "squared_hinge")!);
}

/// <summary>keras.losses.CategoricalHinge: max(max((1 − y_true) · y_pred) − sum(y_true · y_pred) + 1, 0).</summary>
[KerasSerializable("CategoricalHinge", "categorical_hinge")]
public sealed class CategoricalHinge(string? reduction = "sum_over_batch_size", string name = "categorical_hinge") : Loss(name, reduction)
{
    /// <inheritdoc/>
    public override Tensor Call(Tensor yTrue, Tensor yPred) => LossFunctions.CategoricalHinge(yTrue, yPred);

    /// <summary>Rebuilds from a Keras config.</summary>
    public static CategoricalHinge FromConfig(JsonObject config) =>
        new(LossUtils.ReadReduction(config), config.GetString("name", "categorical_hinge")!);
}
