using System.Text.Json.Nodes;
using KerasNet.Models;
using KerasNet.Saving;

namespace KerasNet.Layers;

/// <summary>Applies a layer to every time step of inputs of shape (batch, timesteps, ...), as
/// keras.layers.TimeDistributed, with the same weights at every step. The time axis is folded into the batch:
/// (batch, timesteps, ...) is reshaped to (batch·timesteps, ...), the layer runs once, and its output is
/// reshaped back to (batch, timesteps, ...).</summary>
/// <remarks>Folding gives Keras's results for layers that treat batch rows independently (Dense, convolutions,
/// activations, Dropout in inference). A layer that mixes the batch in training (BatchNormalization's batch
/// statistics) sees the statistics of all steps together, where Keras's per-step loop uses one step's. The input
/// mask passes through to the output; the wrapped layer does not receive it.</remarks>
[KerasSerializable("TimeDistributed")]
public sealed class TimeDistributed : Layer
{
    /// <summary>Wraps <paramref name="layer"/>.</summary>
    /// <param name="layer">The layer applied to each time step (it receives inputs of shape (batch, ...)).</param>
    /// <param name="name">The layer's name (unique by default).</param>
    /// <param name="trainable">Whether the weights are trained.</param>
    public TimeDistributed(Layer layer, string? name = null, bool trainable = true) : base(name, trainable)
    {
        ArgumentNullException.ThrowIfNull(layer);
        Layer = TrackLayer(layer);
        InputSpec = new InputSpec { MinNdim = 3, Description = "(batch, timesteps, ...)" };
    }

    /// <summary>The wrapped layer.</summary>
    public Layer Layer { get; }

    /// <inheritdoc/>
    public override bool SupportsMasking => true;

    /// <inheritdoc/>
    public override bool HasTrainingBehaviour => Layer.HasTrainingBehaviour;

    private static Shape ChildShape(Shape s)
    {
        var d = new int[s.Rank - 1];
        d[0] = s[0] < 0 || s[1] < 0 ? -1 : s[0] * s[1];
        for (int i = 2; i < s.Rank; i++) d[i - 1] = s[i];
        return new Shape(d);
    }

    /// <summary>Builds the wrapped layer for inputs of shape (batch, ...).</summary>
    public override void Build(Shape inputShape)
    {
        var child = ChildShape(inputShape).With(0, inputShape[0]);
        Layer.EnsureBuilt([child]);
        Built = true;
    }

    /// <inheritdoc/>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        if (inputShape.Rank < 3)
            throw new ArgumentException($"Layer '{Name}' (TimeDistributed) should be passed an input shape with at least 3 dimensions, (batch, timesteps, ...); received {LayerArgs.Text(inputShape)}.");
        var child = Layer.ComputeOutputShape(ChildShape(inputShape).With(0, inputShape[0]));
        var d = new int[child.Rank + 1];
        d[0] = inputShape[0];
        d[1] = inputShape[1];
        for (int i = 1; i < child.Rank; i++) d[i + 1] = child[i];
        return new Shape(d);
    }

    /// <inheritdoc/>
    public override Tensor Call(Tensor inputs, bool training = false)
    {
        var s = inputs.Shape;
        var folded = Ops.Reshape(inputs, ChildShape(s));
        var y = Layer.Call(folded, training);
        var ys = y.Shape;
        var d = new int[ys.Rank + 1];
        d[0] = s[0];
        d[1] = s[1];
        for (int i = 1; i < ys.Rank; i++) d[i + 1] = ys[i];
        return Ops.Reshape(y, new Shape(d));
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["layer"] = KerasRegistry.Serialize(Layer, "keras.layers");
        return c;
    }

    /// <summary>Rebuilds the wrapper (and the wrapped layer) from a Keras config.</summary>
    public static TimeDistributed FromConfig(JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var (name, trainable) = BaseConfig(config);
        var layerNode = config["layer"] ?? throw new ArgumentException($"A TimeDistributed config needs \"layer\"; got {config.ToJsonString()}.", nameof(config));
        return new TimeDistributed(KerasRegistry.Deserialize<Layer>(layerNode), name, trainable);
    }
}
