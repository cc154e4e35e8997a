using System.Text.Json.Nodes;
using KerasNet.Saving;

namespace KerasNet.Losses;

/// <summary>Base of every loss, as keras.losses.Loss: <see cref="Call"/> gives per-sample losses and
/// <see cref="Compute"/> applies sample weights and the reduction ("sum_over_batch_size" by default:
/// the weighted sum divided by the number of loss elements; "sum"; "mean"; "mean_with_sample_weight":
/// divided by the sum of the weights; "none").</summary>
public abstract class Loss : IKerasObject
{
    private static readonly string[] Reductions = ["sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none"];

    /// <summary>Stores the name and reduction.</summary>
    protected Loss(string name, string? reduction = "sum_over_batch_size")
    {
        reduction ??= "none";
        CheckReduction(reduction);
        Name = name;
        Reduction = reduction;
    }

    /// <summary>The loss's name (its snake_case Keras name by default).</summary>
    public string Name { get; }

    /// <summary>How per-sample losses become one number.</summary>
    public string Reduction { get; }

    /// <inheritdoc/>
    public virtual string ClassName => GetType().Name;

    /// <summary>Per-sample losses: the batch shape of <paramref name="yPred"/> without its last axis
    /// (for elementwise losses, the mean over the last axis).</summary>
    public abstract Tensor Call(Tensor yTrue, Tensor yPred);

    /// <summary>Per-sample losses and, for losses that ignore some entries (Keras's mask on the loss
    /// values, e.g. <c>ignore_class</c>), a bool or float mask of the valid ones; <c>default</c> when none.</summary>
    protected virtual Tensor CallWithMask(Tensor yTrue, Tensor yPred, out Tensor mask)
    {
        mask = default;
        return Call(yTrue, yPred);
    }

    /// <summary>The reduced loss (Keras's <c>loss(y_true, y_pred, sample_weight)</c>).</summary>
    public Tensor Compute(Tensor yTrue, Tensor yPred, Tensor sampleWeight = default)
    {
        var scope = LossUtils.OpenScratch(yTrue, yPred, sampleWeight);
        try
        {
            var losses = CallWithMask(yTrue, yPred, out var mask);
            return LossUtils.Keep(scope, Reduce(losses, sampleWeight, Reduction, mask));
        }
        finally
        {
            LossUtils.Close(scope);
        }
    }

    /// <summary>Applies sample weights and a reduction to per-sample losses, as Keras 3's
    /// <c>reduce_weighted_values</c>: the weights are aligned with <c>squeeze_or_expand_to_same_rank</c>
    /// (a trailing axis of 1 is squeezed or added when the ranks differ by one) and then broadcast as in
    /// NumPy; "sum_over_batch_size" and "mean" divide the weighted sum by the number of elements,
    /// "mean_with_sample_weight" by the sum of the weights (0 when that sum is 0).</summary>
    public static Tensor Reduce(Tensor losses, Tensor sampleWeight, string reduction) => Reduce(losses, sampleWeight, reduction, default);

    /// <summary>As <see cref="Reduce(Tensor, Tensor, string)"/>, with Keras's mask of valid loss entries: for
    /// "sum_over_batch_size" and "mean" the masked entries count neither in the sum nor in the divisor.</summary>
    public static Tensor Reduce(Tensor losses, Tensor sampleWeight, string reduction, Tensor mask)
    {
        ArgumentNullException.ThrowIfNull(reduction);
        CheckReduction(reduction);
        if (losses.IsNull) throw new ArgumentException("Reduce: the losses are an uninitialized tensor.", nameof(losses));
        var scope = LossUtils.OpenScratch(losses, sampleWeight, mask);
        try
        {
            var values = LossUtils.ToFloat(losses);
            var sw = sampleWeight.IsNull ? default : LossUtils.ToFloat(sampleWeight);
            if (!mask.IsNull)
            {
                var m = LossUtils.ToFloat(mask);
                if (reduction is "mean" or "sum_over_batch_size")
                {
                    // Valid entries get weight total/valid, so that the mean is over the valid ones only.
                    var total = LossUtils.Scalar(m, m.Size);
                    m = Ops.Multiply(m, LossUtils.DivideNoNan(total, Ops.Sum(m)));
                }
                if (sw.IsNull) sw = m;
                else
                {
                    (m, sw) = LossUtils.SqueezeOrExpand(m, sw);
                    sw = Ops.Multiply(sw, m);
                }
            }
            if (!sw.IsNull)
            {
                (values, sw) = LossUtils.SqueezeOrExpand(values, sw);
                if (!LossUtils.Broadcastable(values.Shape, sw.Shape))
                    throw new ArgumentException($"sample_weight of shape {sampleWeight.Shape} cannot be applied to losses of shape {losses.Shape} (after aligning ranks: {sw.Shape} vs {values.Shape}).", nameof(sampleWeight));
                values = Ops.Multiply(values, sw);
            }
            Tensor result;
            if (reduction == "none" || values.Rank == 0 || (values.Rank == 1 && values.Shape[0] == 0))
            {
                result = values.Equals(losses) ? Ops.Identity(values) : values;
            }
            else
            {
                var sum = Ops.Sum(values);
                if (reduction == "sum") result = sum;
                else if (reduction == "mean_with_sample_weight" && !sw.IsNull) result = LossUtils.DivideNoNan(sum, Ops.Sum(sw));
                else result = values.Size > 0 ? Ops.Divide(sum, LossUtils.Scalar(sum, values.Size)) : Ops.ZerosLike(sum);
            }
            return LossUtils.Keep(scope, result);
        }
        finally
        {
            LossUtils.Close(scope);
        }
    }

    private static void CheckReduction(string reduction)
    {
        if (!Reductions.Contains(reduction))
            throw new ArgumentException($"Unknown reduction '{reduction}'. Known reductions: {string.Join(", ", Reductions)}.", nameof(reduction));
    }

    /// <inheritdoc/>
    public virtual JsonObject GetConfig() => new() { ["name"] = Name, ["reduction"] = Reduction };
}
