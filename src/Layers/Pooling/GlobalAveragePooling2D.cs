using System.Text.Json.Nodes;
using KerasNet.Saving;

namespace KerasNet.Layers;

/// <summary>Global average pooling over the spatial axes of (batch, height, width, channels) inputs, as keras.layers.GlobalAveragePooling2D: output (batch, channels), or with keepdims (batch, 1, 1, channels).</summary>
[KerasSerializable("GlobalAveragePooling2D", "GlobalAvgPool2D")]
public sealed class GlobalAveragePooling2D : BaseGlobalPooling
{
    /// <summary>A global average pooling with Keras's arguments and defaults.</summary>
    /// <param name="dataFormat">"channels_last" (the default and the only one supported).</param>
    /// <param name="keepdims">Keep the spatial axes with size 1.</param>
    /// <param name="name">Layer name (default global_average_pooling2d, ...).</param>
    /// <param name="trainable">Kept for Keras's config; the layer has no weights.</param>
    public GlobalAveragePooling2D(string? dataFormat = null, bool keepdims = false, string? name = null, bool trainable = true)
        : base(2, false, dataFormat, keepdims, name ?? UniqueName("global_average_pooling2d"), trainable)
    {
    }

    /// <summary>Rebuilds the layer from its Keras config.</summary>
    public static GlobalAveragePooling2D FromConfig(JsonObject config)
    {
        var c = ReadConfig(config);
        return new GlobalAveragePooling2D(c.DataFormat, c.Keepdims, c.Name, c.Trainable);
    }
}
