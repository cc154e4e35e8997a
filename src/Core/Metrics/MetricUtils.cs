using KerasNet.Losses;

namespace KerasNet.Metrics;

/// <summary>Device-side helpers shared by the metrics: Keras's reduce_to_samplewise_values, the
/// confusion-matrix accumulation of metrics_utils, and top-k filtering. Nothing here reads tensor data
/// back to the host.</summary>
internal static class MetricUtils
{
    /// <summary>Keras's NEG_INF, the threshold and fill value used with top_k.</summary>
    public const float NegInf = -1e10f;

    /// <summary>The tensor, or an untracked copy of it when a recording tape tracks it, so that metric ops are
    /// never recorded and their intermediates can be released at once.</summary>
    public static Tensor Detach(Tensor t) => !t.IsNull && GradientTape.ShouldRecord(t) is not null ? Ops.StopGradient(t) : t;

    /// <summary>A constant that outlives any scope: a non-trainable variable that is not part of a metric's state.</summary>
    public static Variable Constant(ReadOnlySpan<float> data, Shape shape, string name)
    {
        var t = Tensor.FromArray(data, shape);
        var v = new Variable(t, name, trainable: false);
        t.Dispose();
        return v;
    }

    /// <summary>Keras's reduce_to_samplewise_values: aligns the weights with the values, reduces the values
    /// to the weights' rank, weights them, and reduces both to one entry per sample.</summary>
    public static (Tensor Values, Tensor Weights) ReduceToSamplewise(string metric, Tensor values, Tensor sampleWeight, bool mean)
    {
        var v = LossUtils.ToFloat(values);
        Tensor w = default;
        if (!sampleWeight.IsNull)
        {
            w = LossUtils.ToFloat(sampleWeight);
            (v, w) = LossUtils.SqueezeOrExpand(v, w);
            int wn = w.Rank, vn = v.Rank;
            if (vn > wn) v = ReduceAxes(v, wn, vn, mean);
            if (!LossUtils.BroadcastsTo(w.Shape, v.Shape))
                throw new ArgumentException($"{metric}: sample_weight of shape {sampleWeight.Shape} cannot be broadcast to the per-sample values of shape {v.Shape}.", nameof(sampleWeight));
            w = Ops.BroadcastTo(w, v.Shape);
            v = Ops.Multiply(v, w);
            if (wn > 1) w = ReduceAxes(w, 1, wn, mean);
        }
        if (v.Rank > 1) v = ReduceAxes(v, 1, v.Rank, mean);
        return (v, w);
    }

    private static Tensor ReduceAxes(Tensor x, int from, int to, bool mean)
    {
        Span<int> axes = stackalloc int[to - from];
        for (int i = 0; i < axes.Length; i++) axes[i] = from + i;
        return mean ? Ops.Mean(x, axes) : Ops.Sum(x, axes);
    }

    /// <summary>Keras's Mean.update_state: total += Σ values, count += Σ weights (or the number of samples).</summary>
    public static void AccumulateMean(string metric, Variable total, Variable count, Tensor values, Tensor sampleWeight)
    {
        var (v, w) = ReduceToSamplewise(metric, values, sampleWeight, mean: true);
        total.AssignAdd(Ops.Sum(v));
        count.AssignAdd(w.IsNull ? LossUtils.Scalar(v, v.Rank >= 1 ? v.Shape[0] : 1) : Ops.Sum(w));
    }

    /// <summary>Rank-aligns y_true and y_pred (float32) and checks that they have the same shape.</summary>
    public static (Tensor YTrue, Tensor YPred) AlignSameShape(string metric, Tensor yTrue, Tensor yPred)
    {
        LossUtils.CheckNotNull(metric, yTrue, yPred);
        var (p, t) = LossUtils.SqueezeOrExpand(LossUtils.ToFloat(Detach(yPred)), LossUtils.ToFloat(Detach(yTrue)));
        if (t.Shape != p.Shape)
            throw new ArgumentException($"{metric}: y_true and y_pred must have the same shape; got y_true of shape {yTrue.Shape} and y_pred of shape {yPred.Shape}.");
        return (t, p);
    }

    /// <summary>The sample weight expanded and aligned with y_true as metrics_utils does, or default.</summary>
    public static Tensor AlignConfusionWeight(Tensor yTrue, Tensor sampleWeight)
    {
        if (sampleWeight.IsNull) return default;
        var w = Ops.ExpandDims(LossUtils.ToFloat(Detach(sampleWeight)), -1);
        (_, w) = LossUtils.SqueezeOrExpand(yTrue, w, expandRank1: false);
        return w;
    }

    /// <summary>The weight broadcast to <paramref name="shape"/>; the error names both shapes.</summary>
    public static Tensor BroadcastWeight(string metric, Tensor weight, Tensor originalWeight, Shape shape)
    {
        if (!LossUtils.BroadcastsTo(weight.Shape, shape))
            throw new ArgumentException($"{metric}: sample_weight of shape {originalWeight.Shape} cannot be broadcast to y_pred of shape {shape}.");
        return Ops.BroadcastTo(weight, shape);
    }

    /// <summary>Keras's update_confusion_matrix_variables (the general path): for every threshold t, a
    /// prediction is positive when y_pred &gt; t; the weighted counts are added to the given variables.</summary>
    public static void UpdateConfusion(string metric, Variable? tp, Variable? fp, Variable? tn, Variable? fn,
        Tensor yTrue, Tensor yPred, Variable thresholds, int? topK, Variable? lowerTriangle, int? classId, Tensor sampleWeight)
    {
        var (t, p) = AlignSameShape(metric, yTrue, yPred);
        var w = AlignConfusionWeight(t, sampleWeight);
        if (topK is int k) p = FilterTopK(p, k, lowerTriangle ?? throw new ArgumentNullException(nameof(lowerTriangle)));
        if (classId is int c)
        {
            if (p.Rank < 2)
                throw new ArgumentException($"{metric}: with class_id, y_pred must have shape (num_samples, num_classes); got shape {yPred.Shape}.");
            if (c < 0 || c >= p.Shape[-1])
                throw new ArgumentException($"{metric}: class_id {c} is outside [0, {p.Shape[-1]}) for y_pred of shape {yPred.Shape}.");
            t = Ops.SliceAxis(t, -1, c, 1);
            p = Ops.SliceAxis(p, -1, c, 1);
        }
        int n = thresholds.Shape[0];
        var pred = Ops.Reshape(p, new Shape(1, -1));
        var label = Ops.Reshape(Ops.Cast(Ops.Cast(t, DType.Bool), DType.Float32), new Shape(1, -1));
        var thr = Ops.Reshape(thresholds, new Shape(n, 1));
        var predPos = Ops.Cast(Ops.Greater(pred, thr), DType.Float32);
        var one = LossUtils.Scalar(pred, 1);
        var pos = label;
        var neg = Ops.Subtract(one, label);
        if (!w.IsNull)
        {
            var wf = Ops.Reshape(BroadcastWeight(metric, w, sampleWeight, p.Shape), new Shape(1, -1));
            pos = Ops.Multiply(pos, wf);
            neg = Ops.Multiply(neg, wf);
        }
        if (tp is not null) tp.AssignAdd(Ops.Sum(Ops.Multiply(predPos, pos), 1));
        if (fp is not null) fp.AssignAdd(Ops.Sum(Ops.Multiply(predPos, neg), 1));
        if (tn is null && fn is null) return;
        var predNeg = Ops.Subtract(one, predPos);
        if (fn is not null) fn.AssignAdd(Ops.Sum(Ops.Multiply(predNeg, pos), 1));
        if (tn is not null) tn.AssignAdd(Ops.Sum(Ops.Multiply(predNeg, neg), 1));
    }

    /// <summary>Keras's _filter_top_k: keeps the k largest entries of the last axis (lower index first on
    /// ties, as top_k) and sets the others to NEG_INF. Built from pairwise comparisons on the device;
    /// <paramref name="lowerTriangle"/> is the (C, C) constant from <see cref="LowerTriangle"/>.</summary>
    public static Tensor FilterTopK(Tensor x, int k, Variable lowerTriangle)
    {
        var xi = Ops.ExpandDims(x, -1);   // (..., C, 1): x_i
        var xj = Ops.ExpandDims(x, -2);   // (..., 1, C): x_j
        var greater = Ops.Cast(Ops.Greater(xj, xi), DType.Float32);
        var tiedBefore = Ops.Multiply(Ops.Cast(Ops.Equal(xj, xi), DType.Float32), lowerTriangle);
        var rank = Ops.Sum(Ops.Add(greater, tiedBefore), -1);
        var keep = Ops.Less(rank, LossUtils.Scalar(rank, k));
        return Ops.Where(keep, x, LossUtils.Scalar(x, NegInf));
    }

    /// <summary>A (C, C) float constant with 1 at [i, j] where j &lt; i.</summary>
    public static Variable LowerTriangle(int c)
    {
        var data = new float[c * c];
        for (int i = 0; i < c; i++)
            for (int j = 0; j < i; j++) data[i * c + j] = 1f;
        return Constant(data, new Shape(c, c), "lower_triangle");
    }

    /// <summary>A (T, T) float constant with 1 at [i, j] where j &gt;= i: multiplying by it is a reversed cumulative sum.</summary>
    public static Variable UpperTriangle(int t)
    {
        var data = new float[t * t];
        for (int i = 0; i < t; i++)
            for (int j = i; j < t; j++) data[i * t + j] = 1f;
        return Constant(data, new Shape(t, t), "upper_triangle");
    }
}
