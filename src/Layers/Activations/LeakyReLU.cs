using System.Text.Json.Nodes;
using KerasNet.Models;
using KerasNet.Saving;

namespace KerasNet.Layers;

/// <summary>Leaky rectified linear unit layer, as keras.layers.LeakyReLU: <c>x</c> for <c>x ≥ 0</c>,
/// <c>negative_slope * x</c> otherwise. Keras 3's layer default slope is 0.3 (the function's is 0.2).</summary>
[KerasSerializable("LeakyReLU")]
public sealed class LeakyReLU : Layer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="negativeSlope">Slope for negative inputs (≥ 0).</param>
    /// <param name="name">The layer's name (unique by default).</param>
    /// <param name="trainable">Kept for Keras compatibility (the layer has no weights).</param>
    public LeakyReLU(float negativeSlope = 0.3f, string? name = null, bool trainable = true) : base(name, trainable)
    {
        if (negativeSlope < 0f || float.IsNaN(negativeSlope))
            throw new ArgumentOutOfRangeException(nameof(negativeSlope), negativeSlope,
                $"The negative_slope value of a Leaky ReLU layer cannot be None or negative value. Expected a float. Received: negative_slope={negativeSlope}");
        NegativeSlope = negativeSlope;
        Built = true;
    }

    /// <summary>Slope for negative inputs.</summary>
    public float NegativeSlope { get; }

    /// <inheritdoc/>
    public override Tensor Call(Tensor inputs, bool training = false) => Activations.LeakyRelu(inputs, NegativeSlope);

    /// <inheritdoc/>
    public override Shape ComputeOutputShape(Shape inputShape) => inputShape;

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["negative_slope"] = NegativeSlope;
        return c;
    }

    /// <summary>Rebuilds the layer from its Keras config (the deprecated key "alpha" is read too).</summary>
    public static LeakyReLU FromConfig(JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var (name, trainable) = BaseConfig(config);
        return new LeakyReLU(config.GetFloat("negative_slope", config.GetFloat("alpha", 0.3f)), name, trainable);
    }
}
