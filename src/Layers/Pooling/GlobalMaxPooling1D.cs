using System.Text.Json.Nodes;
using KerasNet.Saving;

namespace KerasNet.Layers;

/// <summary>Global maximum pooling over the spatial axes of (batch, steps, channels) inputs, as keras.layers.GlobalMaxPooling1D: output (batch, channels), or with keepdims (batch, 1, channels).</summary>
[KerasSerializable("GlobalMaxPooling1D", "GlobalMaxPool1D")]
public sealed class GlobalMaxPooling1D : BaseGlobalPooling
{
    /// <summary>A global maximum pooling with Keras's arguments and defaults.</summary>
    /// <param name="dataFormat">"channels_last" (the default and the only one supported).</param>
    /// <param name="keepdims">Keep the spatial axes with size 1.</param>
    /// <param name="name">Layer name (default global_max_pooling1d, ...).</param>
    /// <param name="trainable">Kept for Keras's config; the layer has no weights.</param>
    public GlobalMaxPooling1D(string? dataFormat = null, bool keepdims = false, string? name = null, bool trainable = true)
        : base(1, true, dataFormat, keepdims, name ?? UniqueName("global_max_pooling1d"), trainable)
    {
    }

    /// <summary>Rebuilds the layer from its Keras config.</summary>
    public static GlobalMaxPooling1D FromConfig(JsonObject config)
    {
        var c = ReadConfig(config);
        return new GlobalMaxPooling1D(c.DataFormat, c.Keepdims, c.Name, c.Trainable);
    }
}
