using System.Text.Json.Nodes;
using KerasNet.Models;
using KerasNet.Saving;

namespace KerasNet.Layers;

/// <summary>Inverted dropout, as keras.layers.Dropout: in training, each element is zeroed with probability
/// <c>rate</c> and the rest are scaled by <c>1 / (1 - rate)</c>; in inference the input passes unchanged.
/// <c>noise_shape</c> shares one keep/drop decision along its size-1 axes (null entries take the input's size).</summary>
[KerasSerializable("Dropout")]
public sealed class Dropout : Layer
{
    private readonly int[]? _noiseShape;

    /// <summary>Creates the layer.</summary>
    /// <param name="rate">Fraction of the inputs to drop, in [0, 1].</param>
    /// <param name="noiseShape">Shape of the keep/drop mask (batch axis included; -1 for "the input's size"),
    /// broadcast over the input, or null for an independent decision per element.</param>
    /// <param name="seed">Seed of the layer's random stream; null draws one from <see cref="SeedGenerator.Global"/>.</param>
    /// <param name="name">The layer's name (unique by default).</param>
    /// <param name="trainable">Kept for Keras compatibility (the layer has no weights).</param>
    public Dropout(float rate, int[]? noiseShape = null, long? seed = null, string? name = null, bool trainable = true) : base(name, trainable)
    {
        if (!(rate >= 0f && rate <= 1f))
            throw new ArgumentOutOfRangeException(nameof(rate), rate, $"Invalid value received for argument `rate`. Expected a float value between 0 and 1. Received: rate={rate}");
        Rate = rate;
        _noiseShape = noiseShape is null ? null : [.. noiseShape];
        Seed = seed;
        SeedGenerator = new SeedGenerator(seed ?? SeedGenerator.Global.NextSeed());
        Built = true;
    }

    /// <summary>The drop probability.</summary>
    public float Rate { get; }

    /// <summary>The mask's shape (-1 entries take the input's size), or null.</summary>
    public IReadOnlyList<int>? NoiseShape => _noiseShape;

    /// <summary>The seed given at construction (null: drawn from the global stream).</summary>
    public long? Seed { get; }

    /// <summary>The layer's random stream: every training call draws fresh masks from it.</summary>
    public SeedGenerator SeedGenerator { get; }

    /// <inheritdoc/>
    public override bool HasTrainingBehaviour => true;

    /// <inheritdoc/>
    public override Tensor Call(Tensor inputs, bool training = false)
    {
        if (!training || Rate == 0f) return inputs;
        var maskShape = _noiseShape is null ? inputs.Shape : ConcreteNoiseShape(inputs.Shape);
        if (Rate == 1f) return Ops.Multiply(inputs, Ops.ScalarLike(inputs, 0));
        // The same draws and arithmetic as Ops.Dropout (which takes no noise shape), written out so that the
        // mask stays alive for the backward pass.
        var keep = Ops.RandomBernoulli(maskShape, 1f - Rate, SeedGenerator);
        var mask = Ops.Multiply(keep, Ops.ScalarLike(keep, 1.0 / (1.0 - Rate)));
        return Ops.Multiply(inputs, mask);
    }

    private Shape ConcreteNoiseShape(Shape input)
    {
        var ns = _noiseShape!;
        if (ns.Length != input.Rank)
            throw new ArgumentException($"Layer '{Name}' (Dropout) has noise_shape {LayerArgs.Text(new Shape(ns))} of rank {ns.Length}, but its input has shape {input} (rank {input.Rank}).");
        var d = new int[ns.Length];
        for (int i = 0; i < ns.Length; i++)
        {
            d[i] = ns[i] < 0 ? input[i] : ns[i];
            if (d[i] != 1 && d[i] != input[i])
                throw new ArgumentException($"Layer '{Name}' (Dropout): noise_shape {LayerArgs.Text(new Shape(ns))} does not broadcast to the input shape {input} (axis {i}).");
        }
        return new Shape(d);
    }

    /// <inheritdoc/>
    public override Shape ComputeOutputShape(Shape inputShape) => inputShape;

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["rate"] = Rate;
        c["seed"] = Seed;
        c["noise_shape"] = _noiseShape is null ? null : LayerArgs.ShapeList(_noiseShape);
        return c;
    }

    /// <summary>Rebuilds the layer from its Keras config.</summary>
    public static Dropout FromConfig(JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var (name, trainable) = BaseConfig(config);
        float rate = config.GetFloatOrNull("rate") ?? throw new ArgumentException($"A Dropout config needs \"rate\"; got {config.ToJsonString()}.", nameof(config));
        long? seed = config["seed"] is JsonNode s ? LayerArgs.ToLong(s, "seed") : null;
        return new Dropout(rate, LayerArgs.ShapeFromList(config, "noise_shape"), seed, name, trainable);
    }
}
