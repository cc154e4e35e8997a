using System.Text.Json.Nodes;
using KerasNet.Models;
using KerasNet.Saving;

namespace KerasNet.Layers;

/// <summary>Subtracts the second input from the first, as keras.layers.Subtract. It takes exactly two
/// inputs, whose shapes broadcast together (see <see cref="Merge"/>).</summary>
[KerasSerializable("Subtract")]
public sealed class Subtract : Merge
{
    /// <summary>Creates the layer.</summary>
    /// <param name="name">The layer's name (unique by default).</param>
    /// <param name="trainable">Kept for Keras compatibility (the layer has no weights).</param>
    public Subtract(string? name = null, bool trainable = true) : base(name, trainable) { }

    /// <inheritdoc/>
    protected override int? RequiredInputCount => 2;

    /// <inheritdoc/>
    protected override Tensor MergeFunction(ReadOnlySpan<Tensor> inputs) => Ops.Subtract(inputs[0], inputs[1]);

    /// <summary>Rebuilds the layer from its Keras config.</summary>
    public static Subtract FromConfig(JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var (name, trainable) = BaseConfig(config);
        return new Subtract(name, trainable);
    }
}
