using System.Text.Json.Nodes;
using KerasNet.Models;
using KerasNet.Saving;

namespace KerasNet.Layers;

/// <summary>Passes its input through and adds the activity penalty
/// <c>(l1 · Σ|x| + l2 · Σx²) / batch_size</c> to <see cref="Layer.Losses"/>, as keras.layers.ActivityRegularization
/// (Keras 3 divides an activity penalty by the batch size). Each call replaces the penalty of the previous one.</summary>
[KerasSerializable("ActivityRegularization")]
public sealed class ActivityRegularization : Layer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="l1">The L1 factor (non-negative).</param>
    /// <param name="l2">The L2 factor (non-negative).</param>
    /// <param name="name">The layer's name (unique by default).</param>
    /// <param name="trainable">Kept for symmetry with other layers; the layer has no weights.</param>
    public ActivityRegularization(float l1 = 0f, float l2 = 0f, string? name = null, bool trainable = true)
        : base(name, trainable)
    {
        if (!(l1 >= 0) || float.IsInfinity(l1)) throw new ArgumentOutOfRangeException(nameof(l1), l1, $"Invalid value for argument l1: expected a non-negative float. Received: l1={l1}");
        if (!(l2 >= 0) || float.IsInfinity(l2)) throw new ArgumentOutOfRangeException(nameof(l2), l2, $"Invalid value for argument l2: expected a non-negative float. Received: l2={l2}");
        L1 = l1;
        L2 = l2;
        Built = true;
    }

    /// <summary>The L1 factor.</summary>
    public float L1 { get; }

    /// <summary>The L2 factor.</summary>
    public float L2 { get; }

    /// <inheritdoc/>
    public override Tensor Call(Tensor inputs, bool training = false)
    {
        ClearActivityLosses();
        Tensor penalty = Ops.ScalarLike(inputs, 0);
        if (L1 != 0) penalty = Ops.Add(penalty, Ops.Multiply(Ops.ScalarLike(inputs, L1), Ops.Sum(Ops.Abs(inputs))));
        if (L2 != 0) penalty = Ops.Add(penalty, Ops.Multiply(Ops.ScalarLike(inputs, L2), Ops.Sum(Ops.Square(inputs))));
        if (inputs.Rank > 0 && inputs.Shape[0] > 0) penalty = Ops.Divide(penalty, Ops.ScalarLike(inputs, inputs.Shape[0]));
        AddLoss(penalty);
        return inputs;
    }

    /// <inheritdoc/>
    public override Shape ComputeOutputShape(Shape inputShape) => inputShape;

    /// <summary>The base config with "l1" and "l2".</summary>
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["l1"] = L1;
        c["l2"] = L2;
        return c;
    }

    /// <summary>Rebuilds the layer from a Keras config.</summary>
    public static ActivityRegularization FromConfig(JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var (name, trainable) = BaseConfig(config);
        return new ActivityRegularization(config.GetFloat("l1", 0f), config.GetFloat("l2", 0f), name, trainable);
    }
}
