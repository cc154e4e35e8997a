using System.Text.Json.Nodes;
using KerasNet.Saving;

namespace KerasNet.Layers;

/// <summary>2-D average pooling over (batch, height, width, channels) inputs, as keras.layers.AveragePooling2D. With padding "same" a window averages only its in-bounds elements.</summary>
[KerasSerializable("AveragePooling2D", "AvgPool2D")]
public sealed class AveragePooling2D : BasePooling
{
    /// <summary>A 2-D average pooling with Keras's arguments and defaults.</summary>
    /// <param name="poolSize">Window size: one value for every axis or one per axis (default [2, 2]).</param>
    /// <param name="strides">Step per axis; null for the pool size.</param>
    /// <param name="padding">"valid" (windows inside the input) or "same" (output ceil(in / stride), TensorFlow's padding).</param>
    /// <param name="dataFormat">"channels_last" (the default and the only one supported).</param>
    /// <param name="name">Layer name (default average_pooling2d, ...).</param>
    /// <param name="trainable">Kept for Keras's config; the layer has no weights.</param>
    public AveragePooling2D(int[]? poolSize = null, int[]? strides = null, string padding = "valid", string? dataFormat = null, string? name = null, bool trainable = true)
        : base(2, false, poolSize, strides, padding, dataFormat, name ?? UniqueName("average_pooling2d"), trainable)
    {
    }

    /// <summary>Rebuilds the layer from its Keras config.</summary>
    public static AveragePooling2D FromConfig(JsonObject config)
    {
        var c = ReadConfig(config);
        return new AveragePooling2D(c.PoolSize, c.Strides, c.Padding, c.DataFormat, c.Name, c.Trainable);
    }
}
