using System.Text.Json.Nodes;
using KerasNet.Models;
using KerasNet.Saving;

namespace KerasNet.Layers;

/// <summary>Takes the element-wise maximum of the inputs, as keras.layers.Maximum. The inputs' shapes broadcast together (see <see cref="Merge"/>).</summary>
[KerasSerializable("Maximum")]
public sealed class Maximum : Merge
{
    /// <summary>Creates the layer.</summary>
    /// <param name="name">The layer's name (unique by default).</param>
    /// <param name="trainable">Kept for Keras compatibility (the layer has no weights).</param>
    public Maximum(string? name = null, bool trainable = true) : base(name, trainable) { }

    /// <inheritdoc/>
    protected override Tensor MergeFunction(ReadOnlySpan<Tensor> inputs)
    {
        var output = inputs[0];
        for (int i = 1; i < inputs.Length; i++) output = Ops.Maximum(output, inputs[i]);
        return output;
    }

    /// <summary>Rebuilds the layer from its Keras config.</summary>
    public static Maximum FromConfig(JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var (name, trainable) = BaseConfig(config);
        return new Maximum(name, trainable);
    }
}
