using System.Text.Json.Nodes;
using KerasNet.Models;
using KerasNet.Saving;

namespace KerasNet.Layers;

/// <summary>Exponential linear unit layer, as keras.layers.ELU: <c>x</c> for <c>x &gt; 0</c>,
/// <c>alpha * (exp(x) - 1)</c> otherwise.</summary>
[KerasSerializable("ELU")]
public sealed class ELU : Layer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="alpha">Scale of the negative part.</param>
    /// <param name="name">The layer's name (unique by default).</param>
    /// <param name="trainable">Kept for Keras compatibility (the layer has no weights).</param>
    public ELU(float alpha = 1f, string? name = null, bool trainable = true) : base(name, trainable)
    {
        Alpha = alpha;
        Built = true;
    }

    /// <summary>Scale of the negative part.</summary>
    public float Alpha { get; }

    /// <inheritdoc/>
    public override Tensor Call(Tensor inputs, bool training = false) => Activations.Elu(inputs, Alpha);

    /// <inheritdoc/>
    public override Shape ComputeOutputShape(Shape inputShape) => inputShape;

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["alpha"] = Alpha;
        return c;
    }

    /// <summary>Rebuilds the layer from its Keras config.</summary>
    public static ELU FromConfig(JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var (name, trainable) = BaseConfig(config);
        return new ELU(config.GetFloat("alpha", 1f), name, trainable);
    }
}
