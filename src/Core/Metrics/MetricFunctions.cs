using KerasNet.Losses;

namespace KerasNet.Metrics;

/// <summary>The per-sample accuracy functions of <c>keras.metrics</c> (<c>binary_accuracy</c>,
/// <c>sparse_categorical_accuracy</c>, ...): each returns 1 where a prediction is right and 0 where it is
/// wrong (averaged over the last axis for the elementwise ones), as float32.</summary>
public static class MetricFunctions
{
    /// <summary>mean(y_true == y_pred, axis=-1), y_true cast to y_pred's dtype after rank alignment.</summary>
    public static Tensor Accuracy(Tensor yTrue, Tensor yPred)
    {
        LossUtils.CheckNotNull("accuracy", yTrue, yPred);
        var scope = LossUtils.OpenAlways();
        try
        {
            var p = yPred.DType == DType.Bool ? Ops.Cast(yPred, DType.Float32) : yPred;
            var t = yTrue.DType == p.DType ? yTrue : Ops.Cast(yTrue, p.DType);
            (t, p) = LossUtils.SqueezeOrExpand(t, p);
            CheckBroadcast("accuracy", yTrue, yPred, t, p);
            var matches = Ops.Cast(Ops.Equal(t, p), DType.Float32);
            return scope.Keep(Ops.Mean(matches, -1));
        }
        finally { LossUtils.Close(scope); }
    }

    /// <summary>mean(y_true == (y_pred &gt; threshold), axis=-1).</summary>
    public static Tensor BinaryAccuracy(Tensor yTrue, Tensor yPred, float threshold = 0.5f)
    {
        LossUtils.CheckNotNull("binary_accuracy", yTrue, yPred);
        var scope = LossUtils.OpenAlways();
        try
        {
            var t = yTrue.DType == DType.Bool ? Ops.Cast(yTrue, DType.Float32) : yTrue;
            var p = LossUtils.ToFloat(yPred);
            (t, p) = LossUtils.SqueezeOrExpand(t, p);
            CheckBroadcast("binary_accuracy", yTrue, yPred, t, p);
            var predicted = Ops.Cast(Ops.Greater(p, LossUtils.Scalar(p, threshold)), t.DType);
            var matches = Ops.Cast(Ops.Equal(t, predicted), DType.Float32);
            return scope.Keep(Ops.Mean(matches, -1));
        }
        finally { LossUtils.Close(scope); }
    }

    /// <summary>argmax(y_true, -1) == argmax(y_pred, -1) for one-hot labels.</summary>
    public static Tensor CategoricalAccuracy(Tensor yTrue, Tensor yPred)
    {
        LossUtils.CheckNotNull("categorical_accuracy", yTrue, yPred);
        var scope = LossUtils.OpenAlways();
        try
        {
            var t = Ops.Argmax(LossUtils.ToFloat(yTrue), -1);
            var shape = t.Shape;
            bool reshape = false;
            if (t.Rank == yPred.Rank && t.Rank > 0 && t.Shape[-1] == 1)
            {
                t = Ops.Squeeze(t, -1);
                reshape = true;
            }
            var p = Ops.Argmax(LossUtils.ToFloat(yPred), -1);
            if (t.Shape != p.Shape)
                throw new ArgumentException($"categorical_accuracy: y_true of shape {yTrue.Shape} and y_pred of shape {yPred.Shape} do not match.");
            var matches = Ops.Cast(Ops.Equal(t, p), DType.Float32);
            if (reshape) matches = Ops.Reshape(matches, shape);
            return scope.Keep(matches);
        }
        finally { LossUtils.Close(scope); }
    }

    /// <summary>y_true == argmax(y_pred, -1) for integer labels of shape (batch,) or (batch, 1).</summary>
    public static Tensor SparseCategoricalAccuracy(Tensor yTrue, Tensor yPred)
    {
        LossUtils.CheckNotNull("sparse_categorical_accuracy", yTrue, yPred);
        var scope = LossUtils.OpenAlways();
        try
        {
            var t = yTrue.DType == DType.Bool ? Ops.Cast(yTrue, DType.Int32) : yTrue;
            var shape = t.Shape;
            bool reshape = false;
            if (t.Rank == yPred.Rank && t.Rank > 0 && t.Shape[-1] == 1)
            {
                t = Ops.Squeeze(t, -1);
                reshape = true;
            }
            var p = Ops.Argmax(LossUtils.ToFloat(yPred), -1);
            if (t.Shape != p.Shape)
                throw new ArgumentException($"sparse_categorical_accuracy: y_true of shape {yTrue.Shape} does not match y_pred of shape {yPred.Shape}; expected labels of shape {p.Shape} (or {p.Shape} + (1,)).");
            if (p.DType != t.DType) p = Ops.Cast(p, t.DType);
            var matches = Ops.Cast(Ops.Equal(t, p), DType.Float32);
            if (reshape) matches = Ops.Reshape(matches, shape);
            if (matches.Rank > 1 && matches.Shape[-1] == 1) matches = Ops.Squeeze(matches, -1);
            return scope.Keep(matches);
        }
        finally { LossUtils.Close(scope); }
    }

    /// <summary>Whether argmax(y_true) is among the k highest entries of y_pred (ties at the boundary count as in).</summary>
    public static Tensor TopKCategoricalAccuracy(Tensor yTrue, Tensor yPred, int k = 5)
    {
        LossUtils.CheckNotNull("top_k_categorical_accuracy", yTrue, yPred);
        var scope = LossUtils.OpenAlways();
        try
        {
            var labels = Ops.Argmax(LossUtils.ToFloat(yTrue), -1);
            return scope.Keep(InTopK("top_k_categorical_accuracy", labels, yTrue, yPred, k));
        }
        finally { LossUtils.Close(scope); }
    }

    /// <summary>Whether the integer label is among the k highest entries of y_pred (ties at the boundary count as in).</summary>
    public static Tensor SparseTopKCategoricalAccuracy(Tensor yTrue, Tensor yPred, int k = 5)
    {
        LossUtils.CheckNotNull("sparse_top_k_categorical_accuracy", yTrue, yPred);
        var scope = LossUtils.OpenAlways();
        try
        {
            return scope.Keep(InTopK("sparse_top_k_categorical_accuracy", yTrue, yTrue, yPred, k));
        }
        finally { LossUtils.Close(scope); }
    }

    /// <summary>Keras's in_top_k over rows of y_pred: the label is in the top k when fewer than k entries are
    /// strictly greater than its own. The result has the labels' shape.</summary>
    private static Tensor InTopK(string fn, Tensor labels, Tensor yTrue, Tensor yPred, int k)
    {
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), k, $"{fn}: k must be at least 1.");
        var p = LossUtils.ToFloat(yPred);
        if (p.Rank < 1) throw new ArgumentException($"{fn}: y_pred must have a class axis; got shape {yPred.Shape}.");
        int classes = p.Shape[-1];
        var labelShape = labels.Shape;
        if (p.Rank > 2) p = Ops.Reshape(p, new Shape(-1, classes));
        var flat = labels.Rank == 1 ? labels : Ops.Reshape(labels, new Shape(-1));
        if (p.Rank == 1) p = Ops.Reshape(p, new Shape(1, classes));
        if (flat.Shape[0] != p.Shape[0])
            throw new ArgumentException($"{fn}: y_true of shape {yTrue.Shape} does not match y_pred of shape {yPred.Shape}.");
        var ints = flat.DType == DType.Int32 || flat.DType == DType.Int64 ? flat : Ops.Cast(flat, DType.Int32);
        Tensor oneHot;
        try { oneHot = Ops.OneHot(ints, classes); }
        catch (ArgumentOutOfRangeException e)
        {
            throw new ArgumentException($"{fn}: y_true holds a label outside [0, {classes}); y_pred of shape {yPred.Shape} has {classes} classes. {LossUtils.InnerMessage(e)}", nameof(yTrue), e);
        }
        var target = Ops.Sum(Ops.Multiply(oneHot, p), -1, keepDims: true);
        var above = Ops.Sum(Ops.Cast(Ops.Greater(p, target), DType.Float32), -1);
        var matches = Ops.Cast(Ops.Less(above, LossUtils.Scalar(above, k)), DType.Float32);
        return matches.Shape == labelShape ? matches : Ops.Reshape(matches, labelShape);
    }

    private static void CheckBroadcast(string fn, Tensor yTrue, Tensor yPred, Tensor t, Tensor p)
    {
        if (!LossUtils.Broadcastable(t.Shape, p.Shape))
            throw new ArgumentException($"{fn}: y_true of shape {yTrue.Shape} and y_pred of shape {yPred.Shape} are incompatible (they cannot be broadcast together).");
    }
}
