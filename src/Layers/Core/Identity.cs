using System.Text.Json.Nodes;
using KerasNet.Models;
using KerasNet.Saving;

namespace KerasNet.Layers;

/// <summary>Returns its input unchanged, as keras.layers.Identity (a placeholder, e.g. for a skipped block).</summary>
[KerasSerializable("Identity")]
public sealed class Identity : Layer
{
    /// <summary>Creates the layer.</summary>
    public Identity(string? name = null, bool trainable = true) : base(name, trainable) { }

    /// <inheritdoc/>
    public override Tensor Call(Tensor inputs, bool training = false) => inputs;

    /// <inheritdoc/>
    public override Shape ComputeOutputShape(Shape inputShape) => inputShape;

    /// <summary>Rebuilds the layer from its Keras config.</summary>
    public static Identity FromConfig(JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var (name, trainable) = BaseConfig(config);
        return new Identity(name, trainable);
    }
}
