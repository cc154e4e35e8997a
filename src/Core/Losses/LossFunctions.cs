namespace KerasNet.Losses;

/// <summary>The per-sample loss functions of <c>keras.losses</c> (<c>mean_squared_error</c>,
/// <c>binary_crossentropy</c>, ...), shared by the <see cref="Loss"/> classes and the metrics that wrap
/// them. Each casts its inputs to float32, aligns their ranks as Keras does (a trailing axis of 1 is
/// squeezed or added when the ranks differ by one) and reduces over the last axis unless said otherwise.</summary>
public static class LossFunctions
{
    private const float Eps = LossUtils.Epsilon;

    /// <summary>mean(square(y_true - y_pred), axis=-1).</summary>
    public static Tensor MeanSquaredError(Tensor yTrue, Tensor yPred)
    {
        var scope = LossUtils.OpenScratch(yTrue, yPred);
        try
        {
            var (t, p) = LossUtils.PrepareElementwise("mean_squared_error", yTrue, yPred);
            return LossUtils.Keep(scope, Ops.Mean(Ops.Square(Ops.Subtract(t, p)), -1));
        }
        finally { LossUtils.Close(scope); }
    }

    /// <summary>mean(abs(y_true - y_pred), axis=-1).</summary>
    public static Tensor MeanAbsoluteError(Tensor yTrue, Tensor yPred)
    {
        var scope = LossUtils.OpenScratch(yTrue, yPred);
        try
        {
            var (t, p) = LossUtils.PrepareElementwise("mean_absolute_error", yTrue, yPred);
            return LossUtils.Keep(scope, Ops.Mean(Ops.Abs(Ops.Subtract(t, p)), -1));
        }
        finally { LossUtils.Close(scope); }
    }

    /// <summary>100 · mean(abs((y_true - y_pred) / max(abs(y_true), ε)), axis=-1).</summary>
    public static Tensor MeanAbsolutePercentageError(Tensor yTrue, Tensor yPred)
    {
        var scope = LossUtils.OpenScratch(yTrue, yPred);
        try
        {
            var (t, p) = LossUtils.PrepareElementwise("mean_absolute_percentage_error", yTrue, yPred);
            var denom = Ops.Maximum(Ops.Abs(t), LossUtils.Scalar(t, Eps));
            var diff = Ops.Abs(Ops.Divide(Ops.Subtract(t, p), denom));
            return LossUtils.Keep(scope, Ops.Multiply(LossUtils.Scalar(t, 100), Ops.Mean(diff, -1)));
        }
        finally { LossUtils.Close(scope); }
    }

    /// <summary>mean(square(log(max(y_pred, ε) + 1) - log(max(y_true, ε) + 1)), axis=-1).</summary>
    public static Tensor MeanSquaredLogarithmicError(Tensor yTrue, Tensor yPred)
    {
        var scope = LossUtils.OpenScratch(yTrue, yPred);
        try
        {
            var (t, p) = LossUtils.PrepareElementwise("mean_squared_logarithmic_error", yTrue, yPred);
            var eps = LossUtils.Scalar(t, Eps);
            var one = LossUtils.Scalar(t, 1);
            var first = Ops.Log(Ops.Add(Ops.Maximum(p, eps), one));
            var second = Ops.Log(Ops.Add(Ops.Maximum(t, eps), one));
            return LossUtils.Keep(scope, Ops.Mean(Ops.Square(Ops.Subtract(first, second)), -1));
        }
        finally { LossUtils.Close(scope); }
    }

    /// <summary>Huber: 0.5·e² where |e| ≤ δ, else δ·|e| − 0.5·δ², with e = y_pred − y_true; mean over the last axis.</summary>
    public static Tensor Huber(Tensor yTrue, Tensor yPred, float delta = 1f)
    {
        var scope = LossUtils.OpenScratch(yTrue, yPred);
        try
        {
            var (t, p) = LossUtils.PrepareElementwise("huber", yTrue, yPred);
            var d = LossUtils.Scalar(t, delta);
            var half = LossUtils.Scalar(t, 0.5);
            var error = Ops.Subtract(p, t);
            var abs = Ops.Abs(error);
            var quadratic = Ops.Multiply(half, Ops.Square(error));
            var linear = Ops.Subtract(Ops.Multiply(d, abs), Ops.Multiply(half, Ops.Square(d)));
            return LossUtils.Keep(scope, Ops.Mean(Ops.Where(Ops.LessEqual(abs, d), quadratic, linear), -1));
        }
        finally { LossUtils.Close(scope); }
    }

    /// <summary>mean(log(cosh(y_pred − y_true)), axis=-1), computed stably as x + softplus(−2x) − log 2.</summary>
    public static Tensor LogCosh(Tensor yTrue, Tensor yPred)
    {
        var scope = LossUtils.OpenScratch(yTrue, yPred);
        try
        {
            var (t, p) = LossUtils.PrepareElementwise("log_cosh", yTrue, yPred);
            var x = Ops.Subtract(p, t);
            var sp = Ops.Softplus(Ops.Multiply(x, LossUtils.Scalar(x, -2)));
            var value = Ops.Subtract(Ops.Add(x, sp), LossUtils.Scalar(x, Math.Log(2.0)));
            return LossUtils.Keep(scope, Ops.Mean(value, -1));
        }
        finally { LossUtils.Close(scope); }
    }

    /// <summary>−sum(l2_normalize(y_true) · l2_normalize(y_pred), axis): between −1 (same direction) and 1;
    /// 0 when either is a zero vector.</summary>
    public static Tensor CosineSimilarity(Tensor yTrue, Tensor yPred, int axis = -1)
    {
        var scope = LossUtils.OpenScratch(yTrue, yPred);
        try
        {
            return LossUtils.Keep(scope, Ops.Negative(CosineSimilarityCore("cosine_similarity", yTrue, yPred, axis)));
        }
        finally { LossUtils.Close(scope); }
    }

    internal static Tensor CosineSimilarityCore(string fn, Tensor yTrue, Tensor yPred, int axis)
    {
        var (t, p) = LossUtils.PrepareElementwise(fn, yTrue, yPred);
        var pn = LossUtils.L2Normalize(p, axis);
        var tn = LossUtils.L2Normalize(t, axis);
        return Ops.Sum(Ops.Multiply(tn, pn), axis);
    }

    /// <summary>sum(y_true · log(y_true / y_pred), axis=-1) with both clipped to [ε, 1].</summary>
    public static Tensor KLDivergence(Tensor yTrue, Tensor yPred)
    {
        var scope = LossUtils.OpenScratch(yTrue, yPred);
        try
        {
            var (t, p) = LossUtils.PrepareElementwise("kl_divergence", yTrue, yPred);
            t = LossUtils.Clip(t, Eps, 1);
            p = LossUtils.Clip(p, Eps, 1);
            return LossUtils.Keep(scope, Ops.Sum(Ops.Multiply(t, Ops.Log(Ops.Divide(t, p))), -1));
        }
        finally { LossUtils.Close(scope); }
    }

    /// <summary>mean(y_pred − y_true · log(y_pred + ε), axis=-1).</summary>
    public static Tensor Poisson(Tensor yTrue, Tensor yPred)
    {
        var scope = LossUtils.OpenScratch(yTrue, yPred);
        try
        {
            var (t, p) = LossUtils.PrepareElementwise("poisson", yTrue, yPred);
            var log = Ops.Log(Ops.Add(p, LossUtils.Scalar(p, Eps)));
            return LossUtils.Keep(scope, Ops.Mean(Ops.Subtract(p, Ops.Multiply(t, log)), -1));
        }
        finally { LossUtils.Close(scope); }
    }

    /// <summary>mean(max(1 − y_true · y_pred, 0), axis=-1); labels that are all 0 or 1 become −1 or 1 first.</summary>
    public static Tensor Hinge(Tensor yTrue, Tensor yPred)
    {
        var scope = LossUtils.OpenScratch(yTrue, yPred);
        try
        {
            return LossUtils.Keep(scope, Ops.Mean(HingeMargin("hinge", yTrue, yPred), -1));
        }
        finally { LossUtils.Close(scope); }
    }

    /// <summary>mean(square(max(1 − y_true · y_pred, 0)), axis=-1); labels that are all 0 or 1 become −1 or 1 first.</summary>
    public static Tensor SquaredHinge(Tensor yTrue, Tensor yPred)
    {
        var scope = LossUtils.OpenScratch(yTrue, yPred);
        try
        {
            return LossUtils.Keep(scope, Ops.Mean(Ops.Square(HingeMargin("squared_hinge", yTrue, yPred)), -1));
        }
        finally { LossUtils.Close(scope); }
    }

    private static Tensor HingeMargin(string fn, Tensor yTrue, Tensor yPred)
    {
        var (t, p) = LossUtils.PrepareElementwise(fn, yTrue, yPred);
        t = ConvertBinaryLabelsToHinge(t);
        var margin = Ops.Subtract(LossUtils.Scalar(p, 1), Ops.Multiply(t, p));
        return Ops.Maximum(margin, LossUtils.Scalar(p, 0));
    }

    /// <summary>Keras's convert_binary_labels_to_hinge: when every label is 0 or 1, returns 2·y − 1, else the
    /// labels unchanged. The test runs on the device (no read-back): y + all_binary · (y − 1).</summary>
    internal static Tensor ConvertBinaryLabelsToHinge(Tensor yTrue)
    {
        if (yTrue.Size == 0) return yTrue;
        var zero = LossUtils.Scalar(yTrue, 0);
        var one = LossUtils.Scalar(yTrue, 1);
        var binary = Ops.Cast(Ops.LogicalOr(Ops.Equal(yTrue, zero), Ops.Equal(yTrue, one)), DType.Float32);
        var allBinary = Ops.Min(binary);
        return Ops.Add(yTrue, Ops.Multiply(allBinary, Ops.Subtract(yTrue, one)));
    }

    /// <summary>max(max((1 − y_true) · y_pred) − sum(y_true · y_pred) + 1, 0) over the last axis.</summary>
    public static Tensor CategoricalHinge(Tensor yTrue, Tensor yPred)
    {
        var scope = LossUtils.OpenScratch(yTrue, yPred);
        try
        {
            var (t, p) = LossUtils.PrepareElementwise("categorical_hinge", yTrue, yPred);
            var one = LossUtils.Scalar(p, 1);
            var pos = Ops.Sum(Ops.Multiply(t, p), -1);
            var neg = Ops.Max(Ops.Multiply(Ops.Subtract(one, t), p), -1);
            var value = Ops.Add(Ops.Subtract(neg, pos), one);
            return LossUtils.Keep(scope, Ops.Maximum(value, LossUtils.Scalar(p, 0)));
        }
        finally { LossUtils.Close(scope); }
    }

    /// <summary>Binary cross-entropy, mean over <paramref name="axis"/>. Labels are smoothed towards 0.5 by
    /// <paramref name="labelSmoothing"/>; probabilities are clipped to [ε, 1 − ε]; logits use the stable
    /// max(x, 0) − x·z + log(1 + e^−|x|). y_true and y_pred must have the same shape.</summary>
    public static Tensor BinaryCrossentropy(Tensor yTrue, Tensor yPred, bool fromLogits = false, float labelSmoothing = 0f, int axis = -1)
    {
        var scope = LossUtils.OpenScratch(yTrue, yPred);
        try
        {
            var (t, p) = LossUtils.PrepareSameShape("binary_crossentropy", yTrue, yPred);
            if (labelSmoothing != 0)
                t = Ops.Add(Ops.Multiply(t, LossUtils.Scalar(t, 1.0 - labelSmoothing)), LossUtils.Scalar(t, 0.5 * labelSmoothing));
            Tensor bce;
            if (fromLogits)
            {
                var relu = Ops.Relu(p);
                var log1pExp = Ops.Softplus(Ops.Negative(Ops.Abs(p)));
                bce = Ops.Add(Ops.Subtract(relu, Ops.Multiply(p, t)), log1pExp);
            }
            else
            {
                var one = LossUtils.Scalar(p, 1);
                var pc = LossUtils.Clip(p, Eps, 1f - Eps);
                var pos = Ops.Multiply(t, Ops.Log(pc));
                var neg = Ops.Multiply(Ops.Subtract(one, t), Ops.Log(Ops.Subtract(one, pc)));
                bce = Ops.Negative(Ops.Add(pos, neg));
            }
            return LossUtils.Keep(scope, Ops.Mean(bce, axis));
        }
        finally { LossUtils.Close(scope); }
    }

    /// <summary>Categorical cross-entropy along <paramref name="axis"/> between one-hot (or probability)
    /// targets and predictions. Labels are smoothed to y·(1 − s) + s / num_classes. Probabilities are
    /// renormalised to sum to 1 and clipped to [ε, 1 − ε]; logits go through the fused softmax
    /// cross-entropy. y_true and y_pred must have the same shape.</summary>
    public static Tensor CategoricalCrossentropy(Tensor yTrue, Tensor yPred, bool fromLogits = false, float labelSmoothing = 0f, int axis = -1)
    {
        var scope = LossUtils.OpenScratch(yTrue, yPred);
        try
        {
            var (t, p) = LossUtils.PrepareSameShape("categorical_crossentropy", yTrue, yPred);
            if (t.Rank == 0)
                throw new ArgumentException($"categorical_crossentropy needs y_true and y_pred of rank 1 or more; got shapes {yTrue.Shape} and {yPred.Shape}.");
            int a = p.Shape.NormalizeAxis(axis);
            if (labelSmoothing != 0)
            {
                int numClasses = t.Shape[-1];
                t = Ops.Add(Ops.Multiply(t, LossUtils.Scalar(t, 1.0 - labelSmoothing)), LossUtils.Scalar(t, (double)labelSmoothing / numClasses));
            }
            Tensor result;
            if (fromLogits)
            {
                result = Ops.SoftmaxCrossEntropy(LossUtils.MoveAxisToEnd(t, a), LossUtils.MoveAxisToEnd(p, a));
            }
            else
            {
                var norm = Ops.Divide(p, Ops.Sum(p, a, keepDims: true));
                var clipped = LossUtils.Clip(norm, Eps, 1f - Eps);
                result = Ops.Negative(Ops.Sum(Ops.Multiply(t, Ops.Log(clipped)), a));
            }
            return LossUtils.Keep(scope, result);
        }
        finally { LossUtils.Close(scope); }
    }

    /// <summary>Sparse categorical cross-entropy: integer class labels (int or float, shape y_pred.shape[:-1]
    /// or with a trailing 1) against probabilities (renormalised and clipped to [ε, 1 − ε]) or logits
    /// (fused softmax cross-entropy) over the last axis. Entries whose label is
    /// <paramref name="ignoreClass"/> get loss 0. A label outside [0, num_classes) is an error.</summary>
    public static Tensor SparseCategoricalCrossentropy(Tensor yTrue, Tensor yPred, bool fromLogits = false, int? ignoreClass = null, int axis = -1) =>
        SparseCategoricalCrossentropy(yTrue, yPred, fromLogits, ignoreClass, axis, out _);

    internal static Tensor SparseCategoricalCrossentropy(Tensor yTrue, Tensor yPred, bool fromLogits, int? ignoreClass, int axis, out Tensor validMask)
    {
        const string fn = "sparse_categorical_crossentropy";
        LossUtils.CheckNotNull(fn, yTrue, yPred);
        validMask = default;
        var scope = LossUtils.OpenScratch(yTrue, yPred);
        try
        {
            var p = LossUtils.ToFloat(yPred);
            if (p.Rank < 1)
                throw new ArgumentException($"{fn}: y_pred must have rank 1 or more (..., num_classes); got shape {yPred.Shape}.", nameof(yPred));
            if (axis != -1 && axis != p.Rank - 1)
                throw new ArgumentException($"{fn}: only the last axis is supported as the class axis; got axis={axis} for y_pred of shape {yPred.Shape}.", nameof(axis));
            var t = yTrue;
            if (t.Rank == p.Rank && t.Rank > 0 && t.Shape[-1] == 1) t = Ops.Squeeze(t, -1);
            var batch = new Shape(p.Shape.Dims[..^1]);
            if (t.Shape != batch)
                throw new ArgumentException($"{fn}: y_true of shape {yTrue.Shape} does not match y_pred of shape {yPred.Shape}; expected labels of shape {batch} (or {batch} + (1,)).");
            int numClasses = p.Shape[-1];
            Tensor valid = default;
            Tensor labels;
            if (ignoreClass is int ignore)
            {
                var tf = LossUtils.ToFloat(t);
                valid = Ops.NotEqual(tf, LossUtils.Scalar(tf, ignore));
                labels = Ops.Cast(Ops.Multiply(tf, Ops.Cast(valid, DType.Float32)), DType.Int32);
            }
            else
            {
                labels = t.DType == DType.Int32 || t.DType == DType.Int64 ? t : Ops.Cast(t, DType.Int32);
            }
            Tensor result;
            try
            {
                if (fromLogits)
                {
                    result = Ops.SparseSoftmaxCrossEntropy(labels, p);
                }
                else
                {
                    var norm = Ops.Divide(p, Ops.Sum(p, -1, keepDims: true));
                    var logp = Ops.Log(LossUtils.Clip(norm, Eps, 1f - Eps));
                    var oneHot = Ops.OneHot(labels, numClasses);
                    result = Ops.Negative(Ops.Sum(Ops.Multiply(oneHot, logp), -1));
                }
            }
            catch (ArgumentOutOfRangeException e)
            {
                throw new ArgumentException($"{fn}: y_true holds a label outside [0, {numClasses}); y_pred of shape {yPred.Shape} has {numClasses} classes. {LossUtils.InnerMessage(e)}", nameof(yTrue), e);
            }
            if (!valid.IsNull)
            {
                result = Ops.Where(valid, result, LossUtils.Scalar(result, 0));
                validMask = LossUtils.Keep(scope, valid);
            }
            return LossUtils.Keep(scope, result);
        }
        finally { LossUtils.Close(scope); }
    }
}
