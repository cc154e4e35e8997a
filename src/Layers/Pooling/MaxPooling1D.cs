using System.Text.Json.Nodes;
using KerasNet.Saving;

namespace KerasNet.Layers;

/// <summary>1-D maximum pooling over (batch, steps, channels) inputs, as keras.layers.MaxPooling1D.</summary>
[KerasSerializable("MaxPooling1D", "MaxPool1D")]
public sealed class MaxPooling1D : BasePooling
{
    /// <summary>A 1-D maximum pooling with Keras's arguments and defaults.</summary>
    /// <param name="poolSize">Window size: one value for every axis or one per axis (default [2]).</param>
    /// <param name="strides">Step per axis; null for the pool size.</param>
    /// <param name="padding">"valid" (windows inside the input) or "same" (output ceil(in / stride), TensorFlow's padding).</param>
    /// <param name="dataFormat">"channels_last" (the default and the only one supported).</param>
    /// <param name="name">Layer name (default max_pooling1d, ...).</param>
    /// <param name="trainable">Kept for Keras's config; the layer has no weights.</param>
    public MaxPooling1D(int[]? poolSize = null, int[]? strides = null, string padding = "valid", string? dataFormat = null, string? name = null, bool trainable = true)
        : base(1, true, poolSize, strides, padding, dataFormat, name ?? UniqueName("max_pooling1d"), trainable)
    {
    }

    /// <summary>Rebuilds the layer from its Keras config.</summary>
    public static MaxPooling1D FromConfig(JsonObject config)
    {
        var c = ReadConfig(config);
        return new MaxPooling1D(c.PoolSize, c.Strides, c.Padding, c.DataFormat, c.Name, c.Trainable);
    }
}
