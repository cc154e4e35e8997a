using System.Text.Json.Nodes;
using KerasNet.Saving;

namespace KerasNet.Layers;

/// <summary>1-D average pooling over (batch, steps, channels) inputs, as keras.layers.AveragePooling1D. With padding "same" a window averages only its in-bounds elements.</summary>
[KerasSerializable("AveragePooling1D", "AvgPool1D")]
public sealed class AveragePooling1D : BasePooling
{
    /// <summary>A 1-D average pooling with Keras's arguments and defaults.</summary>
    /// <param name="poolSize">Window size: one value for every axis or one per axis (default [2]).</param>
    /// <param name="strides">Step per axis; null for the pool size.</param>
    /// <param name="padding">"valid" (windows inside the input) or "same" (output ceil(in / stride), TensorFlow's padding).</param>
    /// <param name="dataFormat">"channels_last" (the default and the only one supported).</param>
    /// <param name="name">Layer name (default average_pooling1d, ...).</param>
    /// <param name="trainable">Kept for Keras's config; the layer has no weights.</param>
    public AveragePooling1D(int[]? poolSize = null, int[]? strides = null, string padding = "valid", string? dataFormat = null, string? name = null, bool trainable = true)
        : base(1, false, poolSize, strides, padding, dataFormat, name ?? UniqueName("average_pooling1d"), trainable)
    {
    }

    /// <summary>Rebuilds the layer from its Keras config.</summary>
    public static AveragePooling1D FromConfig(JsonObject config)
    {
        var c = ReadConfig(config);
        return new AveragePooling1D(c.PoolSize, c.Strides, c.Padding, c.DataFormat, c.Name, c.Trainable);
    }
}
