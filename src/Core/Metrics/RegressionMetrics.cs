using System.Text.Json.Nodes;
using KerasNet.Losses;
using KerasNet.Saving;

namespace KerasNet.Metrics;

/// <summary>keras.metrics.MeanSquaredError: the running mean of mean(square(y_true − y_pred), axis=-1).</summary>
[KerasSerializable("MeanSquaredError", "mean_squared_error", "mse", "MSE")]
public sealed class MeanSquaredError(string name = "mean_squared_error") : MeanMetricWrapper(name)
{
    /// <inheritdoc/>
    protected override Tensor Values(Tensor yTrue, Tensor yPred) => LossFunctions.MeanSquaredError(yTrue, yPred);

    /// <summary>Rebuilds from a Keras config.</summary>
    public static MeanSquaredError FromConfig(JsonObject config) => new(MetricMath.Name(config, "mean_squared_error"));
}

/// <summary>keras.metrics.MeanAbsoluteError: the running mean of mean(abs(y_true − y_pred), axis=-1).</summary>
[KerasSerializable("MeanAbsoluteError", "mean_absolute_error", "mae", "MAE")]
public sealed class MeanAbsoluteError(string name = "mean_absolute_error") : MeanMetricWrapper(name)
{
    /// <inheritdoc/>
    protected override Tensor Values(Tensor yTrue, Tensor yPred) => LossFunctions.MeanAbsoluteError(yTrue, yPred);

    /// <summary>Rebuilds from a Keras config.</summary>
    public static MeanAbsoluteError FromConfig(JsonObject config) => new(MetricMath.Name(config, "mean_absolute_error"));
}

/// <summary>keras.metrics.MeanAbsolutePercentageError: the running mean of the MAPE loss function.</summary>
[KerasSerializable("MeanAbsolutePercentageError", "mean_absolute_percentage_error", "mape", "MAPE")]
public sealed class MeanAbsolutePercentageError(string name = "mean_absolute_percentage_error") : MeanMetricWrapper(name)
{
    /// <inheritdoc/>
    protected override Tensor Values(Tensor yTrue, Tensor yPred) => LossFunctions.MeanAbsolutePercentageError(yTrue, yPred);

    /// <summary>Rebuilds from a Keras config.</summary>
    public static MeanAbsolutePercentageError FromConfig(JsonObject config) => new(MetricMath.Name(config, "mean_absolute_percentage_error"));
}

/// <summary>keras.metrics.MeanSquaredLogarithmicError: the running mean of the MSLE loss function.</summary>
[KerasSerializable("MeanSquaredLogarithmicError", "mean_squared_logarithmic_error", "msle", "MSLE")]
public sealed class MeanSquaredLogarithmicError(string name = "mean_squared_logarithmic_error") : MeanMetricWrapper(name)
{
    /// <inheritdoc/>
    protected override Tensor Values(Tensor yTrue, Tensor yPred) => LossFunctions.MeanSquaredLogarithmicError(yTrue, yPred);

    /// <summary>Rebuilds from a Keras config.</summary>
    public static MeanSquaredLogarithmicError FromConfig(JsonObject config) => new(MetricMath.Name(config, "mean_squared_logarithmic_error"));
}

/// <summary>keras.metrics.RootMeanSquaredError: sqrt of the running (weighted) mean of the squared errors.</summary>
[KerasSerializable("RootMeanSquaredError", "root_mean_squared_error")]
public sealed class RootMeanSquaredError(string name = "root_mean_squared_error") : MeanMetricWrapper(name)
{
    /// <inheritdoc/>
    protected override Tensor Values(Tensor yTrue, Tensor yPred)
    {
        var (t, p) = LossUtils.PrepareElementwise(Name, yTrue, yPred);
        return Ops.Square(Ops.Subtract(p, t));
    }

    /// <inheritdoc/>
    public override Tensor Result()
    {
        var mean = base.Result();
        var root = Ops.Sqrt(mean);
        mean.Dispose();
        return root;
    }

    /// <summary>Rebuilds from a Keras config.</summary>
    public static RootMeanSquaredError FromConfig(JsonObject config) => new(MetricMath.Name(config, "root_mean_squared_error"));
}

/// <summary>keras.metrics.CosineSimilarity: the running mean of the cosine similarity along <see cref="Axis"/> (1 is best).</summary>
[KerasSerializable("CosineSimilarity", "cosine_similarity")]
public sealed class CosineSimilarity(string name = "cosine_similarity", int axis = -1) : MeanMetricWrapper(name)
{
    /// <summary>The feature axis.</summary>
    public int Axis { get; } = axis;

    /// <inheritdoc/>
    protected override Tensor Values(Tensor yTrue, Tensor yPred) => LossFunctions.CosineSimilarityCore(Name, yTrue, yPred, Axis);

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["axis"] = Axis;
        return c;
    }

    /// <summary>Rebuilds from a Keras config.</summary>
    public static CosineSimilarity FromConfig(JsonObject config) =>
        new(MetricMath.Name(config, "cosine_similarity"), config.GetInt("axis", -1));
}

/// <summary>keras.metrics.LogCoshError: the running mean of log(cosh(y_pred − y_true)).</summary>
[KerasSerializable("LogCoshError", "log_cosh_error", "logcosh")]
public sealed class LogCoshError(string name = "logcosh") : MeanMetricWrapper(name)
{
    /// <inheritdoc/>
    protected override Tensor Values(Tensor yTrue, Tensor yPred) => LossFunctions.LogCosh(yTrue, yPred);

    /// <summary>Rebuilds from a Keras config.</summary>
    public static LogCoshError FromConfig(JsonObject config) => new(MetricMath.Name(config, "logcosh"));
}
