using System.Text.Json.Nodes;
using KerasNet.Saving;

namespace KerasNet.Losses;

/// <summary>keras.losses.MeanSquaredError: mean(square(y_true − y_pred)) over the last axis.</summary>
[KerasSerializable("MeanSquaredError", "mean_squared_error", "mse", "MSE")]
public sealed class MeanSquaredError(string? reduction = "sum_over_batch_size", string name = "mean_squared_error") : Loss(name, reduction)
{
    /// <inheritdoc/>
    public override Tensor Call(Tensor yTrue, Tensor yPred) => LossFunctions.MeanSquaredError(yTrue, yPred);

    /// <summary>Rebuilds from a Keras config.</summary>
    public static MeanSquaredError FromConfig(JsonObject config) =>
        new(LossUtils.ReadReduction(config), config.GetString("name", "mean_squared_error")!);
}

/// <summary>keras.losses.MeanAbsoluteError: mean(abs(y_true − y_pred)) over the last axis.</summary>
[KerasSerializable("MeanAbsoluteError", "mean_absolute_error", "mae", "MAE")]
public sealed class MeanAbsoluteError(string? reduction = "sum_over_batch_size", string name = "mean_absolute_error") : Loss(name, reduction)
{
    /// <inheritdoc/>
    public override Tensor Call(Tensor yTrue, Tensor yPred) => LossFunctions.MeanAbsoluteError(yTrue, yPred);

    /// <summary>Rebuilds from a Keras config.</summary>
    public static MeanAbsoluteError FromConfig(JsonObject config) =>
        new(LossUtils.ReadReduction(config), config.GetString("name", "mean_absolute_error")!);
}

/// <summary>keras.losses.MeanAbsolutePercentageError: 100 · mean(abs((y_true − y_pred) / max(abs(y_true), ε))).</summary>
[KerasSerializable("MeanAbsolutePercentageError", "mean_absolute_percentage_error", "mape", "MAPE")]
public sealed class MeanAbsolutePercentageError(string? reduction = "sum_over_batch_size", string name = "mean_absolute_percentage_error") : Loss(name, reduction)
{
    /// <inheritdoc/>
    public override Tensor Call(Tensor yTrue, Tensor yPred) => LossFunctions.MeanAbsolutePercentageError(yTrue, yPred);

    /// <summary>Rebuilds from a Keras config.</summary>
    public static MeanAbsolutePercentageError FromConfig(JsonObject config) =>
        new(LossUtils.ReadReduction(config), config.GetString("name", "mean_absolute_percentage_error")!);
}

/// <summary>keras.losses.MeanSquaredLogarithmicError: mean(square(log(y_pred + 1) − log(y_true + 1))), inputs floored at ε.</summary>
[KerasSerializable("MeanSquaredLogarithmicError", "mean_squared_logarithmic_error", "msle", "MSLE")]
public sealed class MeanSquaredLogarithmicError(string? reduction = "sum_over_batch_size", string name = "mean_squared_logarithmic_error") : Loss(name, reduction)
{
    /// <inheritdoc/>
    public override Tensor Call(Tensor yTrue, Tensor yPred) => LossFunctions.MeanSquaredLogarithmicError(yTrue, yPred);

    /// <summary>Rebuilds from a Keras config.</summary>
    public static MeanSquaredLogarithmicError FromConfig(JsonObject config) =>
        new(LossUtils.ReadReduction(config), config.GetString("name", "mean_squared_logarithmic_error")!);
}

/// <summary>keras.losses.Huber: quadratic for errors up to <see cref="Delta"/>, linear beyond.</summary>
[KerasSerializable("Huber", "huber")]
public sealed class Huber(float delta = 1f, string? reduction = "sum_over_batch_size", string name = "huber_loss") : Loss(name, reduction)
{
    /// <summary>Where the loss turns from quadratic to linear.</summary>
    public float Delta { get; } = delta;

    /// <inheritdoc/>
    public override Tensor Call(Tensor yTrue, Tensor yPred) => LossFunctions.Huber(yTrue, yPred, Delta);

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["delta"] = Delta;
        return c;
    }

    /// <summary>Rebuilds from a Keras config.</summary>
    public static Huber FromConfig(JsonObject config) =>
        new(config.GetFloat("delta", 1f), LossUtils.ReadReduction(config), config.GetString("name", "huber_loss")!);
}

/// <summary>keras.losses.LogCosh: mean(log(cosh(y_pred − y_true))) over the last axis.</summary>
[KerasSerializable("LogCosh", "log_cosh", "logcosh")]
public sealed class LogCosh(string? reduction = "sum_over_batch_size", string name = "log_cosh") : Loss(name, reduction)
{
    /// <inheritdoc/>
    public override Tensor Call(Tensor yTrue, Tensor yPred) => LossFunctions.LogCosh(yTrue, yPred);

    /// <summary>Rebuilds from a Keras config.</summary>
    public static LogCosh FromConfig(JsonObject config) =>
        new(LossUtils.ReadReduction(config), config.GetString("name", "log_cosh")!);
}

/// <summary>keras.losses.CosineSimilarity: −cosine similarity along <see cref="Axis"/> (−1 is best).</summary>
[KerasSerializable("CosineSimilarity", "cosine_similarity")]
public sealed class CosineSimilarity(int axis = -1, string? reduction = "sum_over_batch_size", string name = "cosine_similarity") : Loss(name, reduction)
{
    /// <summary>The feature axis.</summary>
    public int Axis { get; } = axis;

    /// <inheritdoc/>
    public override Tensor Call(Tensor yTrue, Tensor yPred) => LossFunctions.CosineSimilarity(yTrue, yPred, Axis);

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["axis"] = Axis;
        return c;
    }

    /// <summary>Rebuilds from a Keras config.</summary>
    public static CosineSimilarity FromConfig(JsonObject config) =>
        new(config.GetInt("axis", -1), LossUtils.ReadReduction(config), config.GetString("name", "cosine_similarity")!);
}
