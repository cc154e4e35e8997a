using System.Text.Json.Nodes;
using KerasNet.Losses;
using KerasNet.Saving;

namespace KerasNet.Metrics;

/// <summary>keras.metrics.Mean: the (weighted) mean of the values given to
/// <see cref="UpdateState(Tensor, Tensor)"/>, kept in two variables, <c>total</c> and <c>count</c>.</summary>
[KerasSerializable("Mean", "mean")]
public sealed class Mean : Metric
{
    private readonly Variable _total;
    private readonly Variable _count;

    /// <summary>Creates the metric.</summary>
    public Mean(string name = "mean") : base(name)
    {
        _total = AddVariable(Shape.Scalar, "total");
        _count = AddVariable(Shape.Scalar, "count");
    }

    /// <summary>Adds values (reduced to one per sample: the mean over the non-batch axes), weighted by
    /// <paramref name="sampleWeight"/> (aligned with the values as Keras does).</summary>
    public void UpdateState(Tensor values, Tensor sampleWeight = default)
    {
        if (values.IsNull) throw new ArgumentException("Mean.UpdateState: values is an uninitialized tensor.", nameof(values));
        var scope = LossUtils.OpenAlways();
        try
        {
            MetricUtils.AccumulateMean(Name, _total, _count, MetricUtils.Detach(values), MetricUtils.Detach(sampleWeight));
        }
        finally { LossUtils.Close(scope); }
    }

    /// <summary>Not meaningful for Mean, which takes values rather than labels and predictions; use
    /// <see cref="UpdateState(Tensor, Tensor)"/>.</summary>
    public override void UpdateState(Tensor yTrue, Tensor yPred, Tensor sampleWeight = default) =>
        throw new InvalidOperationException($"Metric '{Name}' (Mean) accumulates values: call UpdateState(values, sampleWeight), not UpdateState(yTrue, yPred, sampleWeight). To average a function of y_true and y_pred, use MeanMetricWrapper.");

    /// <inheritdoc/>
    public override Tensor Result() => MetricMath.SafeRatio(_total, _count);

    /// <summary>Rebuilds from a Keras config.</summary>
    public static Mean FromConfig(JsonObject config) => new(config.GetString("name", "mean")!);
}

/// <summary>keras.metrics.Sum: the (weighted) sum of the values given to <see cref="UpdateState(Tensor, Tensor)"/>.</summary>
[KerasSerializable("Sum", "sum")]
public sealed class Sum : Metric
{
    private readonly Variable _total;

    /// <summary>Creates the metric.</summary>
    public Sum(string name = "sum") : base(name) => _total = AddVariable(Shape.Scalar, "total");

    /// <summary>Adds the (weighted) sum of <paramref name="values"/>.</summary>
    public void UpdateState(Tensor values, Tensor sampleWeight = default)
    {
        if (values.IsNull) throw new ArgumentException("Sum.UpdateState: values is an uninitialized tensor.", nameof(values));
        var scope = LossUtils.OpenAlways();
        try
        {
            var (v, _) = MetricUtils.ReduceToSamplewise(Name, MetricUtils.Detach(values), MetricUtils.Detach(sampleWeight), mean: false);
            _total.AssignAdd(Ops.Sum(v));
        }
        finally { LossUtils.Close(scope); }
    }

    /// <summary>Not meaningful for Sum; use <see cref="UpdateState(Tensor, Tensor)"/>.</summary>
    public override void UpdateState(Tensor yTrue, Tensor yPred, Tensor sampleWeight = default) =>
        throw new InvalidOperationException($"Metric '{Name}' (Sum) accumulates values: call UpdateState(values, sampleWeight).");

    /// <inheritdoc/>
    public override Tensor Result() => Ops.Identity(_total);

    /// <summary>Rebuilds from a Keras config.</summary>
    public static Sum FromConfig(JsonObject config) => new(config.GetString("name", "sum")!);
}

/// <summary>keras.metrics.MeanMetricWrapper: the running (sample-weighted) mean of a per-sample function of
/// y_true and y_pred, in two variables <c>total</c> and <c>count</c>. The functional metrics (accuracies,
/// errors, cross-entropies) derive from it.</summary>
public class MeanMetricWrapper : Metric
{
    private readonly Func<Tensor, Tensor, Tensor>? _fn;

    /// <summary>Wraps <paramref name="fn"/>, which maps (y_true, y_pred) to per-sample values.</summary>
    public MeanMetricWrapper(Func<Tensor, Tensor, Tensor> fn, string name = "mean_metric_wrapper") : this(name)
    {
        ArgumentNullException.ThrowIfNull(fn);
        _fn = fn;
    }

    /// <summary>For subclasses that override <see cref="Values"/>.</summary>
    protected MeanMetricWrapper(string name) : base(name)
    {
        Total = AddVariable(Shape.Scalar, "total");
        Count = AddVariable(Shape.Scalar, "count");
    }

    /// <summary>The weighted sum of the per-sample values seen so far.</summary>
    public Variable Total { get; }

    /// <summary>The sum of the weights (or the number of samples) seen so far.</summary>
    public Variable Count { get; }

    /// <summary>The per-sample values of one batch.</summary>
    protected virtual Tensor Values(Tensor yTrue, Tensor yPred) =>
        _fn is null ? throw new InvalidOperationException($"{GetType().Name} must override Values.") : _fn(yTrue, yPred);

    /// <inheritdoc/>
    public override void UpdateState(Tensor yTrue, Tensor yPred, Tensor sampleWeight = default)
    {
        LossUtils.CheckNotNull(Name, yTrue, yPred);
        var scope = LossUtils.OpenAlways();
        try
        {
            var values = Values(MetricUtils.Detach(yTrue), MetricUtils.Detach(yPred));
            MetricUtils.AccumulateMean(Name, Total, Count, values, MetricUtils.Detach(sampleWeight));
        }
        finally { LossUtils.Close(scope); }
    }

    /// <inheritdoc/>
    public override Tensor Result() => MetricMath.SafeRatio(Total, Count);
}

/// <summary>Result arithmetic shared by the metrics.</summary>
internal static class MetricMath
{
    /// <summary>a / b with 0 where b is 0, computed in a scratch scope.</summary>
    public static Tensor SafeRatio(Tensor a, Tensor b)
    {
        var scope = LossUtils.OpenAlways();
        try { return scope.Keep(LossUtils.DivideNoNan(a, b)); }
        finally { LossUtils.Close(scope); }
    }

    /// <summary>The name from a metric config.</summary>
    public static string Name(JsonObject config, string fallback) => config.GetString("name", fallback) ?? fallback;
}
