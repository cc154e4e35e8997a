using System.Text.Json.Nodes;
using KerasNet.Models;
using KerasNet.Saving;

namespace KerasNet.Layers;

/// <summary>Applies an activation function, as keras.layers.Activation.</summary>
[KerasSerializable("Activation")]
public sealed class Activation : Layer
{
    private readonly Func<Tensor, Tensor> _activation;

    /// <summary>Creates the layer.</summary>
    /// <param name="activation">A name from <see cref="Activations.KnownNames"/> ("relu") or a <c>Func&lt;Tensor, Tensor&gt;</c>.</param>
    /// <param name="name">The layer's name (unique by default).</param>
    /// <param name="trainable">Kept for Keras compatibility (the layer has no weights).</param>
    public Activation(object activation, string? name = null, bool trainable = true) : base(name, trainable)
    {
        ArgumentNullException.ThrowIfNull(activation);
        _activation = Activations.Get(activation);
    }

    /// <summary>The activation function.</summary>
    public Func<Tensor, Tensor> Function => _activation;

    /// <inheritdoc/>
    public override Tensor Call(Tensor inputs, bool training = false) => _activation(inputs);

    /// <inheritdoc/>
    public override Shape ComputeOutputShape(Shape inputShape) => Activations.OutputShape(_activation, inputShape);

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["activation"] = Activations.Serialize(_activation);
        return c;
    }

    /// <summary>Rebuilds the layer from its Keras config.</summary>
    public static Activation FromConfig(JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var (name, trainable) = BaseConfig(config);
        var node = config["activation"] ?? throw new ArgumentException($"An Activation config needs \"activation\"; got {config.ToJsonString()}.", nameof(config));
        return new Activation(Activations.Deserialize(node), name, trainable);
    }
}
