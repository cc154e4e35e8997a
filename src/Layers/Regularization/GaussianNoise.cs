using System.Text.Json.Nodes;
using KerasNet.Models;
using KerasNet.Saving;

namespace KerasNet.Layers;

/// <summary>Adds zero-centred Gaussian noise of standard deviation <see cref="Stddev"/> in training, as
/// keras.layers.GaussianNoise; at inference the input passes through unchanged.</summary>
[KerasSerializable("GaussianNoise")]
public sealed class GaussianNoise : Layer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="stddev">Standard deviation of the noise, in [0, 1] as Keras requires.</param>
    /// <param name="seed">Seed of the layer's random stream; null draws one from the global stream.</param>
    /// <param name="name">The layer's name (unique by default).</param>
    /// <param name="trainable">Kept for symmetry with other layers; the layer has no weights.</param>
    public GaussianNoise(float stddev, long? seed = null, string? name = null, bool trainable = true)
        : base(name, trainable)
    {
        Stddev = NormalizationArgs.UnitInterval(stddev, "stddev");
        Seed = seed;
        SeedGenerator = NormalizationArgs.Generator(seed);
        Built = true;
    }

    /// <summary>Standard deviation of the noise.</summary>
    public float Stddev { get; }

    /// <summary>The seed as given, or null.</summary>
    public long? Seed { get; }

    /// <summary>The layer's random stream: every training call draws fresh noise from it.</summary>
    public SeedGenerator SeedGenerator { get; }

    /// <inheritdoc/>
    public override bool HasTrainingBehaviour => true;

    /// <inheritdoc/>
    public override Tensor Call(Tensor inputs, bool training = false)
    {
        if (!training || Stddev == 0) return inputs;
        return Ops.Add(inputs, Ops.RandomNormal(inputs.Shape, 0f, Stddev, SeedGenerator));
    }

    /// <inheritdoc/>
    public override Shape ComputeOutputShape(Shape inputShape) => inputShape;

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["stddev"] = Stddev;
        c["seed"] = Seed;
        return c;
    }

    /// <summary>Rebuilds the layer from a Keras config.</summary>
    public static GaussianNoise FromConfig(JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var (name, trainable) = BaseConfig(config);
        return new GaussianNoise(config.GetFloat("stddev", 0f), config["seed"] is JsonNode seedNode ? LayerArgs.ToLong(seedNode, "seed") : null, name, trainable);
    }
}
