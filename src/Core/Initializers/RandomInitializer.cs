using System.Text.Json.Nodes;
using KerasNet.Saving;

namespace KerasNet.Initializers;

/// <summary>Base of the random initializers, as Keras's RandomInitializer. A fixed <see cref="Seed"/> makes
/// every call return the same tensor; with no seed, one is drawn from <see cref="SeedGenerator.Global"/> when
/// the initializer is created, so that instance too repeats itself across calls (as Keras does with
/// <c>seed=None</c>), while two unseeded instances differ.</summary>
public abstract class RandomInitializer : Initializer
{
    /// <summary>Stores the seed, or draws one from the global stream when it is null.</summary>
    protected RandomInitializer(long? seed)
    {
        Seed = seed;
        EffectiveSeed = seed ?? SeedGenerator.Global.NextSeed();
    }

    /// <summary>The seed given at construction (null: unseeded); what the config records.</summary>
    public long? Seed { get; }

    /// <summary>The seed actually used for every call.</summary>
    public long EffectiveSeed { get; }

    /// <summary>A fresh stream at <see cref="EffectiveSeed"/> (so each call replays the same numbers).</summary>
    protected SeedGenerator NewGenerator() => new(EffectiveSeed);

    /// <inheritdoc/>
    public override JsonObject GetConfig() => new() { ["seed"] = Seed };

    /// <summary>Reads "seed" from a Keras config: an integer, null, or a serialized SeedGenerator.</summary>
    protected static long? ReadSeed(JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return config["seed"] switch
        {
            null => null,
            JsonObject o when o["config"] is JsonObject inner && inner["seed"] is JsonValue s => s.GetValue<long>(),
            JsonValue v when v.TryGetValue(out long l) => l,
            JsonValue v when v.TryGetValue(out double d) && d == Math.Floor(d) => (long)d,
            var other => throw new ArgumentException($"An initializer's seed must be an integer or null; got {other.ToJsonString()}.", nameof(config)),
        };
    }
}

/// <summary>Uniform on [minval, maxval), as keras.initializers.RandomUniform.</summary>
[KerasSerializable("RandomUniform", "random_uniform", "uniform")]
public sealed class RandomUniform : RandomInitializer
{
    /// <summary>Creates the initializer.</summary>
    /// <param name="minval">Lower bound (inclusive).</param>
    /// <param name="maxval">Upper bound (exclusive).</param>
    /// <param name="seed">Fixed seed, or null to draw one.</param>
    public RandomUniform(float minval = -0.05f, float maxval = 0.05f, long? seed = null) : base(seed)
    {
        if (!(maxval > minval)) throw new ArgumentException($"RandomUniform needs maxval > minval; got [{minval}, {maxval}).", nameof(maxval));
        Minval = minval;
        Maxval = maxval;
    }

    /// <summary>Lower bound.</summary>
    public float Minval { get; }

    /// <summary>Upper bound.</summary>
    public float Maxval { get; }

    /// <inheritdoc/>
    public override Tensor Call(Shape shape) => Ops.RandomUniform(shape, Minval, Maxval, NewGenerator());

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["minval"] = Minval;
        c["maxval"] = Maxval;
        return c;
    }

    /// <summary>Rebuilds the initializer from its Keras config.</summary>
    public static RandomUniform FromConfig(JsonObject config) =>
        new(config.GetFloat("minval", -0.05f), config.GetFloat("maxval", 0.05f), ReadSeed(config));
}

/// <summary>Normal with the given mean and standard deviation, as keras.initializers.RandomNormal.</summary>
[KerasSerializable("RandomNormal", "random_normal", "normal")]
public sealed class RandomNormal : RandomInitializer
{
    /// <summary>Creates the initializer.</summary>
    /// <param name="mean">The mean.</param>
    /// <param name="stddev">The standard deviation.</param>
    /// <param name="seed">Fixed seed, or null to draw one.</param>
    public RandomNormal(float mean = 0f, float stddev = 0.05f, long? seed = null) : base(seed)
    {
        Mean = mean;
        Stddev = stddev;
    }

    /// <summary>The mean.</summary>
    public float Mean { get; }

    /// <summary>The standard deviation.</summary>
    public float Stddev { get; }

    /// <inheritdoc/>
    public override Tensor Call(Shape shape) => Ops.RandomNormal(shape, Mean, Stddev, NewGenerator());

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["mean"] = Mean;
        c["stddev"] = Stddev;
        return c;
    }

    /// <summary>Rebuilds the initializer from its Keras config.</summary>
    public static RandomNormal FromConfig(JsonObject config) =>
        new(config.GetFloat("mean", 0f), config.GetFloat("stddev", 0.05f), ReadSeed(config));
}

/// <summary>Normal with values beyond two standard deviations redrawn, as keras.initializers.TruncatedNormal
/// (so the samples' actual standard deviation is about 0.88·stddev).</summary>
[KerasSerializable("TruncatedNormal", "truncated_normal")]
public sealed class TruncatedNormal : RandomInitializer
{
    /// <summary>Creates the initializer.</summary>
    /// <param name="mean">The mean.</param>
    /// <param name="stddev">The standard deviation before truncation.</param>
    /// <param name="seed">Fixed seed, or null to draw one.</param>
    public TruncatedNormal(float mean = 0f, float stddev = 0.05f, long? seed = null) : base(seed)
    {
        Mean = mean;
        Stddev = stddev;
    }

    /// <summary>The mean.</summary>
    public float Mean { get; }

    /// <summary>The standard deviation before truncation.</summary>
    public float Stddev { get; }

    /// <inheritdoc/>
    public override Tensor Call(Shape shape) => Ops.TruncatedNormal(shape, Mean, Stddev, NewGenerator());

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["mean"] = Mean;
        c["stddev"] = Stddev;
        return c;
    }

    /// <summary>Rebuilds the initializer from its Keras config.</summary>
    public static TruncatedNormal FromConfig(JsonObject config) =>
        new(config.GetFloat("mean", 0f), config.GetFloat("stddev", 0.05f), ReadSeed(config));
}
