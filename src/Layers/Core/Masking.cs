using System.Text.Json.Nodes;
using KerasNet.Models;
using KerasNet.Saving;

namespace KerasNet.Layers;

/// <summary>Masks time steps whose features all equal <see cref="MaskValue"/>, as keras.layers.Masking: for
/// inputs of shape (batch, timesteps, features) the output mask is <c>any(inputs != mask_value, axis=-1)</c>,
/// (batch, timesteps), and the output is the input with the masked steps set to zero. Layers downstream that use
/// masks (recurrent layers, attention) skip the masked steps.</summary>
[KerasSerializable("Masking")]
public sealed class Masking : Layer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="maskValue">The value that marks padding (0 by default).</param>
    /// <param name="name">The layer's name (unique by default).</param>
    /// <param name="trainable">Kept for Keras compatibility (the layer has no weights).</param>
    public Masking(float maskValue = 0f, string? name = null, bool trainable = true) : base(name, trainable)
    {
        MaskValue = maskValue;
        Built = true;
    }

    /// <summary>The padding value.</summary>
    public float MaskValue { get; }

    /// <inheritdoc/>
    public override bool SupportsMasking => true;

    /// <summary>(..., features) to a (...) bool tensor: whether any feature differs from the mask value.</summary>
    private Tensor KeepSteps(Tensor inputs, bool keepDims)
    {
        var differs = Ops.Cast(Ops.NotEqual(inputs, Ops.ScalarLike(inputs, MaskValue)), DType.Float32);
        var any = Ops.Max(differs, -1, keepDims);
        return Ops.Greater(any, Ops.ScalarLike(any, 0));
    }

    /// <inheritdoc/>
    public override Tensor Call(Tensor inputs, bool training = false)
    {
        var keep = KeepSteps(inputs, keepDims: true);
        return Ops.Multiply(inputs, Ops.Cast(keep, DType.Float32));
    }

    /// <summary>The steps that are not all <see cref="MaskValue"/> (the incoming mask is replaced, as in Keras).</summary>
    public override Tensor ComputeMask(Tensor inputs, Tensor mask) => KeepSteps(inputs, keepDims: false);

    /// <inheritdoc/>
    public override Shape ComputeOutputShape(Shape inputShape) => inputShape;

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["mask_value"] = MaskValue;
        return c;
    }

    /// <summary>Rebuilds the layer from its Keras config.</summary>
    public static Masking FromConfig(JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var (name, trainable) = BaseConfig(config);
        return new Masking(config.GetFloat("mask_value", 0f), name, trainable);
    }
}
