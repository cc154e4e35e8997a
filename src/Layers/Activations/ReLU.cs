using System.Text.Json.Nodes;
using KerasNet.Models;
using KerasNet.Saving;

namespace KerasNet.Layers;

/// <summary>Rectified linear unit layer, as keras.layers.ReLU: <c>max_value</c> if <c>x ≥ max_value</c>,
/// <c>x</c> if <c>threshold ≤ x &lt; max_value</c>, <c>negative_slope * (x - threshold)</c> otherwise.</summary>
[KerasSerializable("ReLU")]
public sealed class ReLU : Layer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="maxValue">Largest output (≥ 0), or null for none.</param>
    /// <param name="negativeSlope">Slope below the threshold (≥ 0).</param>
    /// <param name="threshold">Where the linear part starts (≥ 0).</param>
    /// <param name="name">The layer's name (unique by default).</param>
    /// <param name="trainable">Kept for Keras compatibility (the layer has no weights).</param>
    public ReLU(float? maxValue = null, float negativeSlope = 0f, float threshold = 0f, string? name = null, bool trainable = true)
        : base(name, trainable)
    {
        if (maxValue is < 0f)
            throw new ArgumentOutOfRangeException(nameof(maxValue), maxValue, $"max_value of a ReLU layer cannot be a negative value. Received: max_value={maxValue}");
        if (negativeSlope < 0f || float.IsNaN(negativeSlope))
            throw new ArgumentOutOfRangeException(nameof(negativeSlope), negativeSlope, $"negative_slope of a ReLU layer cannot be a negative value. Received: negative_slope={negativeSlope}");
        if (threshold < 0f || float.IsNaN(threshold))
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, $"threshold of a ReLU layer cannot be a negative value. Received: threshold={threshold}");
        MaxValue = maxValue;
        NegativeSlope = negativeSlope;
        Threshold = threshold;
        Built = true;
    }

    /// <summary>Largest output, or null.</summary>
    public float? MaxValue { get; }

    /// <summary>Slope below the threshold.</summary>
    public float NegativeSlope { get; }

    /// <summary>Where the linear part starts.</summary>
    public float Threshold { get; }

    /// <inheritdoc/>
    public override Tensor Call(Tensor inputs, bool training = false) => Activations.Relu(inputs, NegativeSlope, MaxValue, Threshold);

    /// <inheritdoc/>
    public override Shape ComputeOutputShape(Shape inputShape) => inputShape;

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["max_value"] = MaxValue;
        c["negative_slope"] = NegativeSlope;
        c["threshold"] = Threshold;
        return c;
    }

    /// <summary>Rebuilds the layer from its Keras config.</summary>
    public static ReLU FromConfig(JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var (name, trainable) = BaseConfig(config);
        return new ReLU(config.GetFloatOrNull("max_value"), config.GetFloat("negative_slope", 0f), config.GetFloat("threshold", 0f), name, trainable);
    }
}
