using System.Text.Json.Nodes;
using KerasNet.Models;
using KerasNet.Saving;

namespace KerasNet.Layers;

/// <summary>The shared part of the spatial dropouts (Keras's BaseSpatialDropout): in training, whole feature
/// maps are zeroed with probability <see cref="Rate"/> (one draw per sample and channel) and the kept ones are
/// scaled by 1 / (1 − rate); at inference the input passes through unchanged.</summary>
public abstract class SpatialDropoutBase : Layer
{
    /// <summary>Stores the rate (in [0, 1]) and the seed.</summary>
    /// <param name="rate">Fraction of the channels to drop.</param>
    /// <param name="seed">Seed of the layer's random stream; null draws one from the global stream.</param>
    /// <param name="name">The layer's name (unique by default).</param>
    /// <param name="trainable">Kept for symmetry with other layers; dropout has no weights.</param>
    protected SpatialDropoutBase(float rate, long? seed, string? name, bool trainable)
        : base(name, trainable)
    {
        Rate = NormalizationArgs.UnitInterval(rate, "rate");
        Seed = seed;
        SeedGenerator = NormalizationArgs.Generator(seed);
    }

    /// <summary>Fraction of the channels dropped in training.</summary>
    public float Rate { get; }

    /// <summary>The seed as given, or null.</summary>
    public long? Seed { get; }

    /// <summary>The layer's random stream: every training call draws fresh noise from it.</summary>
    public SeedGenerator SeedGenerator { get; }

    /// <inheritdoc/>
    public override bool HasTrainingBehaviour => true;

    /// <summary>The shape of the keep mask for an input of <paramref name="inputShape"/> (1 on the spatial axes).</summary>
    protected abstract Shape NoiseShape(Shape inputShape);

    /// <inheritdoc/>
    public override Tensor Call(Tensor inputs, bool training = false)
    {
        if (!training || Rate == 0) return inputs;
        var noiseShape = NoiseShape(inputs.Shape);
        if (Rate >= 1) return Ops.Multiply(inputs, Ops.Zeros(noiseShape));
        var keep = Ops.RandomBernoulli(noiseShape, 1 - Rate, SeedGenerator);
        var mask = Ops.Multiply(keep, Ops.ScalarLike(inputs, 1.0 / (1.0 - Rate)));
        return Ops.Multiply(inputs, mask);
    }

    /// <inheritdoc/>
    public override Shape ComputeOutputShape(Shape inputShape) => inputShape;

    /// <summary>Keras's BaseSpatialDropout config: rate, seed, name and dtype (no "trainable").</summary>
    public override JsonObject GetConfig() => new()
    {
        ["rate"] = Rate,
        ["seed"] = Seed,
        ["name"] = Name,
        ["dtype"] = "float32",
    };
}

/// <summary>Dropout of whole 1D feature maps, as keras.layers.SpatialDropout1D: for inputs
/// (batch, steps, channels) the mask has shape (batch, 1, channels).</summary>
[KerasSerializable("SpatialDropout1D")]
public sealed class SpatialDropout1D : SpatialDropoutBase
{
    /// <summary>Creates the layer.</summary>
    /// <param name="rate">Fraction of the channels to drop, in [0, 1].</param>
    /// <param name="seed">Seed of the layer's random stream; null draws one from the global stream.</param>
    /// <param name="name">The layer's name (unique by default).</param>
    /// <param name="trainable">Kept for symmetry with other layers.</param>
    public SpatialDropout1D(float rate, long? seed = null, string? name = null, bool trainable = true)
        : base(rate, seed, name, trainable)
    {
        InputSpec = new InputSpec { Ndim = 3, Description = "(batch, steps, channels)" };
    }

    /// <inheritdoc/>
    protected override Shape NoiseShape(Shape s) => new(s[0], 1, s[2]);

    /// <summary>Rebuilds the layer from a Keras config.</summary>
    public static SpatialDropout1D FromConfig(JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var (name, trainable) = BaseConfig(config);
        return new SpatialDropout1D(config.GetFloat("rate", 0f), config["seed"] is JsonNode seedNode ? LayerArgs.ToLong(seedNode, "seed") : null, name, trainable);
    }
}
