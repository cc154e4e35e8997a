using System.Text.Json.Nodes;
using KerasNet.Models;
using KerasNet.Saving;

namespace KerasNet.Layers;

/// <summary>Flattens every axis but the batch axis, as keras.layers.Flatten: (batch, d1, d2, ...) gives
/// (batch, d1*d2*...), and (batch,) gives (batch, 1). With "channels_first" the channel axis is moved last
/// first, so that the order of the features matches a channels_last model.</summary>
[KerasSerializable("Flatten")]
public sealed class Flatten : Layer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="dataFormat">"channels_last" (default) or "channels_first".</param>
    /// <param name="name">The layer's name (unique by default).</param>
    /// <param name="trainable">Kept for Keras compatibility (the layer has no weights).</param>
    public Flatten(string? dataFormat = null, string? name = null, bool trainable = true) : base(name, trainable)
    {
        DataFormat = dataFormat ?? "channels_last";
        if (DataFormat is not ("channels_last" or "channels_first"))
            throw new ArgumentException($"The `data_format` argument must be one of {{\"channels_first\", \"channels_last\"}}. Received: data_format={dataFormat}", nameof(dataFormat));
        InputSpec = new InputSpec { MinNdim = 1 };
        Built = true;
    }

    /// <summary>"channels_last" or "channels_first".</summary>
    public string DataFormat { get; }

    /// <inheritdoc/>
    public override Tensor Call(Tensor inputs, bool training = false)
    {
        var s = inputs.Shape;
        var x = inputs;
        if (DataFormat == "channels_first" && s.Rank > 2)
        {
            var perm = new int[s.Rank];
            perm[0] = 0;
            for (int i = 1; i < s.Rank - 1; i++) perm[i] = i + 1;
            perm[^1] = 1;
            x = Ops.Transpose(x, perm);
        }
        long features = 1;
        for (int i = 1; i < s.Rank; i++) features *= s[i];
        return Ops.Reshape(x, new Shape(s[0], checked((int)features)));
    }

    /// <inheritdoc/>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        if (inputShape.Rank < 1)
            throw new ArgumentException($"Layer '{Name}' (Flatten) expects inputs of rank >= 1; got a scalar.");
        long features = 1;
        for (int i = 1; i < inputShape.Rank; i++)
        {
            if (inputShape[i] < 0) return new Shape(inputShape[0], -1);
            features *= inputShape[i];
        }
        return new Shape(inputShape[0], checked((int)features));
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["data_format"] = DataFormat;
        return c;
    }

    /// <summary>Rebuilds the layer from its Keras config.</summary>
    public static Flatten FromConfig(JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var (name, trainable) = BaseConfig(config);
        return new Flatten(config.GetString("data_format", null), name, trainable);
    }
}
