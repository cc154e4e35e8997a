using System.Text.Json.Nodes;
using KerasNet.Losses;
using KerasNet.Saving;

namespace KerasNet.Metrics;

/// <summary>keras.metrics.AUC: the area under the ROC or precision-recall curve, approximated by a Riemann
/// sum over <see cref="NumThresholds"/> evenly spaced thresholds (with endpoints −ε and 1 + ε). As in
/// Keras, predictions are clipped to [0, 1] and bucketed by threshold, and the counts per threshold come
/// from a reversed cumulative sum, all on the device.</summary>
[KerasSerializable("AUC", "auc")]
public sealed class AUC : Metric
{
    private static readonly string[] Curves = ["ROC", "PR"];
    private static readonly string[] Summations = ["interpolation", "minoring", "majoring"];
    private readonly Variable _cumulative;
    private Variable? _tp, _fp, _tn, _fn;
    private Variable? _labelIndex;

    /// <summary>Creates the metric with Keras's arguments (explicit thresholds and label weights are not supported).</summary>
    public AUC(int numThresholds = 200, string curve = "ROC", string summationMethod = "interpolation", string name = "auc",
        bool multiLabel = false, int? numLabels = null, bool fromLogits = false) : base(name)
    {
        if (numThresholds <= 1)
            throw new ArgumentOutOfRangeException(nameof(numThresholds), numThresholds, "AUC: num_thresholds must be an integer > 1.");
        Curve = curve switch
        {
            "ROC" or "roc" => "ROC",
            "PR" or "pr" => "PR",
            _ => throw new ArgumentException($"AUC: invalid curve \"{curve}\". Expected one of: {string.Join(", ", Curves)}.", nameof(curve)),
        };
        SummationMethod = summationMethod switch
        {
            "interpolation" or "Interpolation" => "interpolation",
            "minoring" or "Minoring" => "minoring",
            "majoring" or "Majoring" => "majoring",
            _ => throw new ArgumentException($"AUC: invalid summation_method \"{summationMethod}\". Expected one of: {string.Join(", ", Summations)}.", nameof(summationMethod)),
        };
        if (!multiLabel && numLabels is not null)
            throw new ArgumentException("AUC: num_labels is needed only when multi_label is true.", nameof(numLabels));
        if (numLabels is < 1) throw new ArgumentOutOfRangeException(nameof(numLabels), numLabels, "AUC: num_labels must be positive.");
        NumThresholds = numThresholds;
        MultiLabel = multiLabel;
        NumLabels = numLabels;
        FromLogits = fromLogits;
        var t = new float[numThresholds];
        t[0] = 0f - LossUtils.Epsilon;
        for (int i = 0; i < numThresholds - 2; i++) t[i + 1] = (float)((i + 1) * 1.0 / (numThresholds - 1));
        t[^1] = 1f + LossUtils.Epsilon;
        Thresholds = t;
        _cumulative = MetricUtils.UpperTriangle(numThresholds);
        if (!multiLabel) Build(0);
        else if (numLabels is int n) Build(n);
    }

    /// <summary>The number of thresholds, endpoints included.</summary>
    public int NumThresholds { get; }

    /// <summary>"ROC" or "PR".</summary>
    public string Curve { get; }

    /// <summary>"interpolation", "minoring" or "majoring".</summary>
    public string SummationMethod { get; }

    /// <summary>Whether each label (column) gets its own curve, and the result is their mean.</summary>
    public bool MultiLabel { get; }

    /// <summary>The number of labels for <see cref="MultiLabel"/> (taken from the first batch when null).</summary>
    public int? NumLabels { get; }

    /// <summary>Whether y_pred holds logits (a sigmoid is applied first).</summary>
    public bool FromLogits { get; }

    /// <summary>The thresholds, as float32.</summary>
    public IReadOnlyList<float> Thresholds { get; }

    private void Build(int labels)
    {
        var shape = MultiLabel ? new Shape(NumThresholds, labels) : new Shape(NumThresholds);
        _tp = AddVariable(shape, "true_positives");
        _fp = AddVariable(shape, "false_positives");
        _tn = AddVariable(shape, "true_negatives");
        _fn = AddVariable(shape, "false_negatives");
        if (MultiLabel)
        {
            var idx = new float[labels];
            for (int i = 0; i < labels; i++) idx[i] = i;
            _labelIndex = MetricUtils.Constant(idx, new Shape(1, labels), "label_index");
        }
    }

    /// <inheritdoc/>
    public override void UpdateState(Tensor yTrue, Tensor yPred, Tensor sampleWeight = default)
    {
        LossUtils.CheckNotNull(Name, yTrue, yPred);
        if (_tp is null)
        {
            if (yPred.Rank != 2)
                throw new ArgumentException($"AUC: y_pred must have rank 2 when multi_label is true; got shape {yPred.Shape}.", nameof(yPred));
            Build(yPred.Shape[1]);
        }
        var scope = LossUtils.OpenAlways();
        try
        {
            var (t, p) = MetricUtils.AlignSameShape(Name, yTrue, yPred);
            var w = MetricUtils.AlignConfusionWeight(t, sampleWeight);
            if (FromLogits) p = Ops.Sigmoid(p);
            int labels = 0;
            if (MultiLabel)
            {
                labels = _tp!.Shape[1];
                if (p.Rank != 2 || p.Shape[1] != labels)
                    throw new ArgumentException($"AUC: y_pred must have shape (batch, {labels}) with multi_label; got {yPred.Shape}.", nameof(yPred));
            }
            var one = LossUtils.Scalar(p, 1);
            var label = Ops.Cast(Ops.Cast(t, DType.Bool), DType.Float32);
            var trueLabels = label;
            var falseLabels = Ops.Subtract(one, label);
            if (!w.IsNull)
            {
                var wb = MetricUtils.BroadcastWeight(Name, w, sampleWeight, p.Shape);
                trueLabels = Ops.Multiply(trueLabels, wb);
                falseLabels = Ops.Multiply(falseLabels, wb);
            }
            // Bucket i holds predictions in (t_i, t_{i+1}]: ceil(p·(T−1)) − 1, with 0 for p = 0 (above t_0 = −ε).
            p = LossUtils.Clip(p, 0, 1);
            var scaled = Ops.Multiply(p, LossUtils.Scalar(p, NumThresholds - 1));
            var bucket = Ops.Cast(Ops.Relu(Ops.Subtract(Ops.Ceil(scaled), one)), DType.Int32);
            int segments = NumThresholds;
            if (MultiLabel)
            {
                // Segment id of (sample, label) = bucket · L + label.
                var ids = Ops.Add(Ops.Multiply(Ops.Cast(bucket, DType.Float32), LossUtils.Scalar(p, labels)), _labelIndex!);
                bucket = Ops.Cast(ids, DType.Int32);
                segments = NumThresholds * labels;
            }
            var flatBucket = Ops.Reshape(bucket, new Shape(-1));
            var tpBuckets = SegmentSum(Ops.Reshape(trueLabels, new Shape(-1)), flatBucket, segments);
            var fpBuckets = SegmentSum(Ops.Reshape(falseLabels, new Shape(-1)), flatBucket, segments);
            var colShape = MultiLabel ? new Shape(NumThresholds, labels) : new Shape(NumThresholds, 1);
            var tp = Ops.Reshape(Ops.MatMul(_cumulative, Ops.Reshape(tpBuckets, colShape)), _tp!.Shape);
            var fp = Ops.Reshape(Ops.MatMul(_cumulative, Ops.Reshape(fpBuckets, colShape)), _fp!.Shape);
            var totalTrue = MultiLabel ? Ops.Sum(trueLabels, 0) : Ops.Sum(trueLabels);
            var totalFalse = MultiLabel ? Ops.Sum(falseLabels, 0) : Ops.Sum(falseLabels);
            _tp.AssignAdd(tp);
            _fp.AssignAdd(fp);
            _tn!.AssignAdd(Ops.Subtract(totalFalse, fp));
            _fn!.AssignAdd(Ops.Subtract(totalTrue, tp));
        }
        finally { LossUtils.Close(scope); }
    }

    private static Tensor SegmentSum(Tensor data, Tensor ids, int segments) =>
        Ops.ScatterAdd(Ops.FullOn(data.Backend, new Shape(segments), 0), ids, data, 0);

    /// <inheritdoc/>
    public override Tensor Result()
    {
        if (_tp is null) return Ops.Full(Shape.Scalar, 0);
        var scope = LossUtils.OpenAlways();
        try
        {
            return scope.Keep(Curve == "PR" && SummationMethod == "interpolation" ? InterpolatePrAuc() : RiemannAuc());
        }
        finally { LossUtils.Close(scope); }
    }

    private Tensor Head(Tensor x) => Ops.SliceAxis(x, 0, 0, NumThresholds - 1);

    private Tensor Tail(Tensor x) => Ops.SliceAxis(x, 0, 1, NumThresholds - 1);

    private Tensor RiemannAuc()
    {
        Tensor tp = _tp!, fp = _fp!, tn = _tn!, fn = _fn!;
        var recall = LossUtils.DivideNoNan(tp, Ops.Add(tp, fn));
        Tensor x, y;
        if (Curve == "ROC")
        {
            x = LossUtils.DivideNoNan(fp, Ops.Add(fp, tn));
            y = recall;
        }
        else
        {
            x = recall;
            y = LossUtils.DivideNoNan(tp, Ops.Add(tp, fp));
        }
        var heights = SummationMethod switch
        {
            "interpolation" => Ops.Divide(Ops.Add(Head(y), Tail(y)), LossUtils.Scalar(y, 2)),
            "minoring" => Ops.Minimum(Head(y), Tail(y)),
            _ => Ops.Maximum(Head(y), Tail(y)),
        };
        var terms = Ops.Multiply(Ops.Subtract(Head(x), Tail(x)), heights);
        return MultiLabel ? Ops.Mean(Ops.Sum(terms, 0)) : Ops.Sum(terms);
    }

    /// <summary>Davis &amp; Goadrich interpolation of the PR curve, as Keras's interpolate_pr_auc.</summary>
    private Tensor InterpolatePrAuc()
    {
        Tensor tp = _tp!, fp = _fp!, fn = _fn!;
        var zero = LossUtils.Scalar(tp, 0);
        var dtp = Ops.Subtract(Head(tp), Tail(tp));
        var p = Ops.Add(tp, fp);
        var dp = Ops.Subtract(Head(p), Tail(p));
        var slope = LossUtils.DivideNoNan(dtp, Ops.Maximum(dp, zero));
        var intercept = Ops.Subtract(Tail(tp), Ops.Multiply(slope, Tail(p)));
        var bothPositive = Ops.LogicalAnd(Ops.Greater(Head(p), zero), Ops.Greater(Tail(p), zero));
        var ratio = Ops.Where(bothPositive, LossUtils.DivideNoNan(Head(p), Ops.Maximum(Tail(p), zero)), LossUtils.Scalar(tp, 1));
        var numerator = Ops.Multiply(slope, Ops.Add(dtp, Ops.Multiply(intercept, Ops.Log(ratio))));
        var increments = LossUtils.DivideNoNan(numerator, Ops.Maximum(Ops.Add(Tail(tp), Tail(fn)), zero));
        return MultiLabel ? Ops.Mean(Ops.Sum(increments, 0)) : Ops.Sum(increments);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["num_thresholds"] = NumThresholds;
        c["curve"] = Curve;
        c["summation_method"] = SummationMethod;
        c["multi_label"] = MultiLabel;
        c["num_labels"] = NumLabels;
        c["label_weights"] = null;
        c["from_logits"] = FromLogits;
        return c;
    }

    /// <summary>Rebuilds from a Keras config.</summary>
    public static AUC FromConfig(JsonObject config)
    {
        if (config["thresholds"] is not null)
            throw new NotSupportedException("AUC: explicit thresholds are not supported; use num_thresholds.");
        if (config["label_weights"] is not null)
            throw new NotSupportedException("AUC: label_weights are not supported.");
        return new AUC(config.GetInt("num_thresholds", 200), config.GetString("curve", "ROC")!, config.GetString("summation_method", "interpolation")!,
            MetricMath.Name(config, "auc"), config.GetBool("multi_label", false), config.GetIntOrNull("num_labels"), config.GetBool("from_logits", false));
    }
}
