using System.Text.Json.Nodes;
using KerasNet.Losses;
using KerasNet.Saving;

namespace KerasNet.Metrics;

/// <summary>keras.metrics.FBetaScore: (1 + β²)·precision·recall / (β²·precision + recall) for 2-D
/// (batch, classes) inputs, per class or averaged ("micro", "macro", "weighted"). Without a threshold the
/// largest prediction of each row counts as positive.</summary>
[KerasSerializable("FBetaScore", "fbeta_score")]
public class FBetaScore : Metric
{
    private static readonly string?[] Averages = [null, "micro", "macro", "weighted"];
    private Variable? _tp, _fp, _fn, _weights;
    private int _classes;

    /// <summary>Creates the metric with Keras's arguments.</summary>
    public FBetaScore(string? average = null, float beta = 1f, float? threshold = null, string name = "fbeta_score") : base(name)
    {
        if (!Averages.Contains(average))
            throw new ArgumentException($"{GetType().Name}: invalid average \"{average}\". Expected one of: None, micro, macro, weighted.", nameof(average));
        if (!(beta > 0)) throw new ArgumentOutOfRangeException(nameof(beta), beta, $"{GetType().Name}: beta must be > 0.");
        if (threshold is float t && !(t > 0 && t <= 1))
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, $"{GetType().Name}: threshold must satisfy 0 < threshold <= 1.");
        Average = average;
        Beta = beta;
        Threshold = threshold;
    }

    /// <summary>null (per class), "micro", "macro" or "weighted".</summary>
    public string? Average { get; }

    /// <summary>The weight of recall relative to precision.</summary>
    public float Beta { get; }

    /// <summary>Predictions above it are positive; null: the row's largest prediction is.</summary>
    public float? Threshold { get; }

    private void Build(Shape yTrue, Shape yPred)
    {
        if (yPred.Rank != 2 || yTrue.Rank != 2)
            throw new ArgumentException($"{GetType().Name} expects 2-D inputs of shape (batch_size, output_dim); got y_true of shape {yTrue} and y_pred of shape {yPred}.");
        _classes = yPred[-1];
        var shape = Average == "micro" ? Shape.Scalar : new Shape(_classes);
        _tp = AddVariable(shape, "true_positives");
        _fp = AddVariable(shape, "false_positives");
        _fn = AddVariable(shape, "false_negatives");
        _weights = AddVariable(shape, "intermediate_weights");
    }

    /// <inheritdoc/>
    public override void UpdateState(Tensor yTrue, Tensor yPred, Tensor sampleWeight = default)
    {
        LossUtils.CheckNotNull(Name, yTrue, yPred);
        if (yPred.Rank != 2 || yTrue.Shape != yPred.Shape)
            throw new ArgumentException($"{GetType().Name} expects y_true and y_pred of the same 2-D shape (batch_size, output_dim); got y_true of shape {yTrue.Shape} and y_pred of shape {yPred.Shape}.");
        if (_tp is null) Build(yTrue.Shape, yPred.Shape);
        if (yPred.Shape[1] != _classes)
            throw new ArgumentException($"{GetType().Name}: y_pred of shape {yPred.Shape} does not have the {_classes} classes seen before.");
        var scope = LossUtils.OpenAlways();
        try
        {
            var t = LossUtils.ToFloat(MetricUtils.Detach(yTrue));
            var p = LossUtils.ToFloat(MetricUtils.Detach(yPred));
            Tensor predicted;
            if (Threshold is float th)
            {
                predicted = Ops.Greater(p, LossUtils.Scalar(p, th));
            }
            else
            {
                var max = Ops.Max(p, -1, keepDims: true);
                predicted = Ops.LogicalAnd(Ops.GreaterEqual(p, max), Ops.Greater(Ops.Abs(p), LossUtils.Scalar(p, 1e-9)));
            }
            var pf = Ops.Cast(predicted, DType.Float32);
            var one = LossUtils.Scalar(p, 1);
            Tensor w = default;
            if (!sampleWeight.IsNull) w = Ops.ExpandDims(LossUtils.ToFloat(MetricUtils.Detach(sampleWeight)), 1);
            _tp!.AssignAdd(WeightedSum(Ops.Multiply(pf, t), w));
            _fp!.AssignAdd(WeightedSum(Ops.Multiply(pf, Ops.Subtract(one, t)), w));
            _fn!.AssignAdd(WeightedSum(Ops.Multiply(Ops.Subtract(one, pf), t), w));
            _weights!.AssignAdd(WeightedSum(t, w));
        }
        finally { LossUtils.Close(scope); }
    }

    private Tensor WeightedSum(Tensor value, Tensor weight)
    {
        if (!weight.IsNull)
        {
            if (!LossUtils.Broadcastable(value.Shape, weight.Shape))
                throw new ArgumentException($"{GetType().Name}: sample_weight (expanded to {weight.Shape}) cannot be broadcast to y_pred of shape {value.Shape}.");
            value = Ops.Multiply(value, weight);
        }
        return Average == "micro" ? Ops.Sum(value) : Ops.Sum(value, 0);
    }

    /// <inheritdoc/>
    public override Tensor Result()
    {
        if (_tp is null) return Ops.Full(Shape.Scalar, 0);
        var scope = LossUtils.OpenAlways();
        try
        {
            Tensor tp = _tp, fp = _fp!, fn = _fn!;
            var eps = LossUtils.Scalar(tp, LossUtils.Epsilon);
            var precision = Ops.Divide(tp, Ops.Add(Ops.Add(tp, fp), eps));
            var recall = Ops.Divide(tp, Ops.Add(Ops.Add(tp, fn), eps));
            double b2 = (double)Beta * Beta;
            var mul = Ops.Multiply(precision, recall);
            var add = Ops.Add(Ops.Multiply(LossUtils.Scalar(tp, b2), precision), recall);
            var f = Ops.Multiply(Ops.Divide(mul, Ops.Add(add, eps)), LossUtils.Scalar(tp, 1 + b2));
            if (Average == "weighted")
            {
                Tensor weights = _weights!;
                var norm = Ops.Divide(weights, Ops.Add(Ops.Sum(weights), eps));
                f = Ops.Sum(Ops.Multiply(f, norm));
            }
            else if (Average is not null)
            {
                f = Ops.Mean(f);
            }
            return scope.Keep(f);
        }
        finally { LossUtils.Close(scope); }
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["average"] = Average;
        c["beta"] = Beta;
        c["threshold"] = Threshold;
        return c;
    }

    /// <summary>Rebuilds from a Keras config.</summary>
    public static FBetaScore FromConfig(JsonObject config) =>
        new(config.GetString("average", null), config.GetFloat("beta", 1f), config.GetFloatOrNull("threshold"), MetricMath.Name(config, "fbeta_score"));
}

/// <summary>keras.metrics.F1Score: the harmonic mean of precision and recall (<see cref="FBetaScore"/> with β = 1).</summary>
[KerasSerializable("F1Score", "f1_score")]
public sealed class F1Score(string? average = null, float? threshold = null, string name = "f1_score") : FBetaScore(average, 1f, threshold, name)
{
    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c.Remove("beta");
        return c;
    }

    /// <summary>Rebuilds from a Keras config.</summary>
    public static new F1Score FromConfig(JsonObject config) =>
        new(config.GetString("average", null), config.GetFloatOrNull("threshold"), MetricMath.Name(config, "f1_score"));
}
