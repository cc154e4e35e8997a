using System.Text.Json.Nodes;
using KerasNet.Saving;

namespace KerasNet.Layers;

/// <summary>Global average pooling over the spatial axes of (batch, steps, channels) inputs, as keras.layers.GlobalAveragePooling1D: output (batch, channels), or with keepdims (batch, 1, channels).</summary>
[KerasSerializable("GlobalAveragePooling1D", "GlobalAvgPool1D")]
public sealed class GlobalAveragePooling1D : BaseGlobalPooling
{
    /// <summary>A global average pooling with Keras's arguments and defaults.</summary>
    /// <param name="dataFormat">"channels_last" (the default and the only one supported).</param>
    /// <param name="keepdims">Keep the spatial axes with size 1.</param>
    /// <param name="name">Layer name (default global_average_pooling1d, ...).</param>
    /// <param name="trainable">Kept for Keras's config; the layer has no weights.</param>
    public GlobalAveragePooling1D(string? dataFormat = null, bool keepdims = false, string? name = null, bool trainable = true)
        : base(1, false, dataFormat, keepdims, name ?? UniqueName("global_average_pooling1d"), trainable)
    {
    }

    /// <summary>Rebuilds the layer from its Keras config.</summary>
    public static GlobalAveragePooling1D FromConfig(JsonObject config)
    {
        var c = ReadConfig(config);
        return new GlobalAveragePooling1D(c.DataFormat, c.Keepdims, c.Name, c.Trainable);
    }
}
