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
        if (!Reductions.Contains(reduction))
            throw new ArgumentException($"Unknown reduction '{reduction}'. Known reductions: {string.Join(", ", Reductions)}.", nameof(reduction));
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

    /// <summary>The reduced loss (Keras's <c>loss(y_true, y_pred, sample_weight)</c>).</summary>
    public Tensor Compute(Tensor yTrue, Tensor yPred, Tensor sampleWeight = default)
    {
        using var losses = Call(yTrue, yPred);
        return Reduce(losses, sampleWeight, Reduction);
    }

    /// <summary>Applies sample weights (broadcast from the batch axis) and a reduction to per-sample losses.</summary>
    public static Tensor Reduce(Tensor losses, Tensor sampleWeight, string reduction)
    {
        Tensor weighted = losses;
        bool own = false;
        if (!sampleWeight.IsNull)
        {
            var sw = sampleWeight.DType == DType.Float32 ? sampleWeight : Ops.Cast(sampleWeight, DType.Float32);
            // Align a (batch,) weight with (batch, d1, ...) losses, or squeeze a trailing 1.
            var swShaped = sw;
            if (sw.Rank < losses.Rank)
            {
                Span<int> dims = stackalloc int[losses.Rank];
                for (int i = 0; i < dims.Length; i++) dims[i] = i < sw.Rank ? sw.Shape[i] : 1;
                swShaped = Ops.Reshape(sw, new Shape(dims));
            }
            else if (sw.Rank == losses.Rank + 1 && sw.Shape[-1] == 1)
            {
                swShaped = Ops.Squeeze(sw, -1);
            }
            weighted = Ops.Multiply(losses, swShaped);
            own = true;
            if (!swShaped.Equals(sw)) swShaped.Dispose();
            if (!sw.Equals(sampleWeight)) sw.Dispose();
        }
        try
        {
            switch (reduction)
            {
                case "none":
                    return own ? Ops.Identity(weighted) : Ops.Identity(losses);
                case "sum":
                    return Ops.Sum(weighted);
                case "mean_with_sample_weight" when !sampleWeight.IsNull:
                {
                    using var s = Ops.Sum(weighted);
                    using var swf = sampleWeight.DType == DType.Float32 ? Ops.Identity(sampleWeight) : Ops.Cast(sampleWeight, DType.Float32);
                    using var b = Ops.BroadcastTo(swf.Rank <= losses.Rank ? swf : Ops.Squeeze(swf, -1), Ops.BroadcastShapes(swf.Shape, losses.Shape));
                    using var d = Ops.Sum(b);
                    return Ops.Divide(s, d);
                }
                default: // sum_over_batch_size, mean
                    return Ops.Mean(weighted);
            }
        }
        finally
        {
            if (own) weighted.Dispose();
        }
    }

    /// <inheritdoc/>
    public virtual JsonObject GetConfig() => new() { ["name"] = Name, ["reduction"] = Reduction };
}
