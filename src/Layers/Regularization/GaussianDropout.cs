using System.Text.Json.Nodes;
using KerasNet.Models;
using KerasNet.Saving;

namespace KerasNet.Layers;

/// <summary>Multiplies by 1-centred Gaussian noise of standard deviation sqrt(rate / (1 − rate)) in training,
/// as keras.layers.GaussianDropout; at inference the input passes through unchanged.</summary>
[KerasSerializable("GaussianDropout")]
public sealed class GaussianDropout : Layer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="rate">Drop probability as for Dropout, in [0, 1).</param>
    /// <param name="seed">Seed of the layer's random stream; null draws one from the global stream.</param>
    /// <param name="name">The layer's name (unique by default).</param>
    /// <param name="trainable">Kept for symmetry with other layers; the layer has no weights.</param>
    public GaussianDropout(float rate, long? seed = null, string? name = null, bool trainable = true)
        : base(name, trainable)
    {
        Rate = NormalizationArgs.UnitInterval(rate, "rate");
        if (rate == 1)
            throw new ArgumentOutOfRangeException(nameof(rate), rate, "GaussianDropout with rate=1 would need noise of infinite standard deviation; use a rate in [0, 1).");
        Seed = seed;
        SeedGenerator = NormalizationArgs.Generator(seed);
        Built = true;
    }

    /// <summary>The drop probability.</summary>
    public float Rate { get; }

    /// <summary>The seed as given, or null.</summary>
    public long? Seed { get; }

    /// <summary>The layer's random stream: every training call draws fresh noise from it.</summary>
    public SeedGenerator SeedGenerator { get; }

    /// <inheritdoc/>
    public override bool HasTrainingBehaviour => true;

    /// <inheritdoc/>
    public override Tensor Call(Tensor inputs, bool training = false)
    {
        if (!training || Rate == 0) return inputs;
        float stddev = (float)Math.Sqrt(Rate / (1.0 - Rate));
        return Ops.Multiply(inputs, Ops.RandomNormal(inputs.Shape, 1f, stddev, SeedGenerator));
    }

    /// <inheritdoc/>
    public override Shape ComputeOutputShape(Shape inputShape) => inputShape;

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["rate"] = Rate;
        c["seed"] = Seed;
        return c;
    }

    /// <summary>Rebuilds the layer from a Keras config.</summary>
    public static GaussianDropout FromConfig(JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var (name, trainable) = BaseConfig(config);
        return new GaussianDropout(config.GetFloat("rate", 0f), config["seed"] is JsonNode seedNode ? LayerArgs.ToLong(seedNode, "seed") : null, name, trainable);
    }
}
