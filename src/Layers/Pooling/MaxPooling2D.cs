using System.Text.Json.Nodes;
using KerasNet.Saving;

namespace KerasNet.Layers;

/// <summary>2-D maximum pooling over (batch, height, width, channels) inputs, as keras.layers.MaxPooling2D.</summary>
[KerasSerializable("MaxPooling2D", "MaxPool2D")]
public sealed class MaxPooling2D : BasePooling
{
    /// <summary>A 2-D maximum pooling with Keras's arguments and defaults.</summary>
    /// <param name="poolSize">Window size: one value for every axis or one per axis (default [2, 2]).</param>
    /// <param name="strides">Step per axis; null for the pool size.</param>
    /// <param name="padding">"valid" (windows inside the input) or "same" (output ceil(in / stride), TensorFlow's padding).</param>
    /// <param name="dataFormat">"channels_last" (the default and the only one supported).</param>
    /// <param name="name">Layer name (default max_pooling2d, ...).</param>
    /// <param name="trainable">Kept for Keras's config; the layer has no weights.</param>
    public MaxPooling2D(int[]? poolSize = null, int[]? strides = null, string padding = "valid", string? dataFormat = null, string? name = null, bool trainable = true)
        : base(2, true, poolSize, strides, padding, dataFormat, name ?? UniqueName("max_pooling2d"), trainable)
    {
    }

    /// <summary>Rebuilds the layer from its Keras config.</summary>
    public static MaxPooling2D FromConfig(JsonObject config)
    {
        var c = ReadConfig(config);
        return new MaxPooling2D(c.PoolSize, c.Strides, c.Padding, c.DataFormat, c.Name, c.Trainable);
    }
}
