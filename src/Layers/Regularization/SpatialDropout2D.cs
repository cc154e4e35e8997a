using System.Text.Json.Nodes;
using KerasNet.Models;
using KerasNet.Saving;

namespace KerasNet.Layers;

/// <summary>Dropout of whole 2D feature maps, as keras.layers.SpatialDropout2D: for channels_last inputs
/// (batch, rows, cols, channels) the mask has shape (batch, 1, 1, channels); for channels_first
/// (batch, channels, rows, cols) it is (batch, channels, 1, 1).</summary>
[KerasSerializable("SpatialDropout2D")]
public sealed class SpatialDropout2D : SpatialDropoutBase
{
    /// <summary>Creates the layer.</summary>
    /// <param name="rate">Fraction of the channels to drop, in [0, 1].</param>
    /// <param name="dataFormat">"channels_last" (the default) or "channels_first".</param>
    /// <param name="seed">Seed of the layer's random stream; null draws one from the global stream.</param>
    /// <param name="name">The layer's name (unique by default).</param>
    /// <param name="trainable">Kept for symmetry with other layers.</param>
    public SpatialDropout2D(float rate, string? dataFormat = null, long? seed = null, string? name = null, bool trainable = true)
        : base(rate, seed, name, trainable)
    {
        DataFormat = (dataFormat ?? "channels_last").ToLowerInvariant() switch
        {
            "channels_last" => "channels_last",
            "channels_first" => "channels_first",
            _ => throw new ArgumentException($"The `data_format` argument must be one of {{'channels_first', 'channels_last'}}. Received: data_format={dataFormat}", nameof(dataFormat)),
        };
        InputSpec = new InputSpec
        {
            Ndim = 4,
            Description = DataFormat == "channels_last" ? "(batch, rows, cols, channels)" : "(batch, channels, rows, cols)",
        };
    }

    /// <summary>"channels_last" or "channels_first".</summary>
    public string DataFormat { get; }

    /// <inheritdoc/>
    protected override Shape NoiseShape(Shape s) => DataFormat == "channels_last" ? new(s[0], 1, 1, s[3]) : new(s[0], s[1], 1, 1);

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["data_format"] = DataFormat;
        return c;
    }

    /// <summary>Rebuilds the layer from a Keras config.</summary>
    public static SpatialDropout2D FromConfig(JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var (name, trainable) = BaseConfig(config);
        return new SpatialDropout2D(config.GetFloat("rate", 0f), config.GetString("data_format", null), config["seed"] is JsonNode seedNode ? LayerArgs.ToLong(seedNode, "seed") : null, name, trainable);
    }
}
