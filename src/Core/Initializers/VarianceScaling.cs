using System.Text.Json.Nodes;
using KerasNet.Saving;

namespace KerasNet.Initializers;

/// <summary>keras.initializers.VarianceScaling: samples whose variance is <c>scale / n</c>, where n is
/// fan_in, fan_out or their mean (<see cref="ComputeFans"/>). "truncated_normal" draws a normal truncated at
/// two standard deviations with stddev <c>√(scale/n) / 0.87962566103423978</c> (so the truncated samples have
/// the target variance); "untruncated_normal" draws N(0, scale/n); "uniform" draws on
/// <c>[−√(3·scale/n), √(3·scale/n))</c>.</summary>
[KerasSerializable("VarianceScaling", "variance_scaling")]
public class VarianceScaling : RandomInitializer
{
    /// <summary>Standard deviation of a unit normal truncated to [−2, 2].</summary>
    public const double TruncatedStddevFactor = 0.87962566103423978;

    private static readonly string[] Modes = ["fan_in", "fan_out", "fan_avg"];
    private static readonly string[] Distributions = ["uniform", "truncated_normal", "untruncated_normal"];

    /// <summary>Creates the initializer.</summary>
    /// <param name="scale">Scaling factor (positive).</param>
    /// <param name="mode">"fan_in", "fan_out" or "fan_avg".</param>
    /// <param name="distribution">"truncated_normal" ("normal" is accepted for it), "untruncated_normal" or "uniform".</param>
    /// <param name="seed">Fixed seed, or null to draw one.</param>
    public VarianceScaling(float scale = 1f, string mode = "fan_in", string distribution = "truncated_normal", long? seed = null) : base(seed)
    {
        ArgumentNullException.ThrowIfNull(mode);
        ArgumentNullException.ThrowIfNull(distribution);
        if (!(scale > 0)) throw new ArgumentOutOfRangeException(nameof(scale), scale, "VarianceScaling: scale must be a positive number.");
        if (!Modes.Contains(mode))
            throw new ArgumentException($"VarianceScaling: invalid mode '{mode}'. Use one of {string.Join(", ", Modes)}.", nameof(mode));
        distribution = distribution.ToLowerInvariant();
        if (distribution == "normal") distribution = "truncated_normal";
        if (!Distributions.Contains(distribution))
            throw new ArgumentException($"VarianceScaling: invalid distribution '{distribution}'. Use one of {string.Join(", ", Distributions)}.", nameof(distribution));
        Scale = scale;
        Mode = mode;
        Distribution = distribution;
    }

    /// <summary>The scaling factor.</summary>
    public float Scale { get; }

    /// <summary>"fan_in", "fan_out" or "fan_avg".</summary>
    public string Mode { get; }

    /// <summary>"truncated_normal", "untruncated_normal" or "uniform".</summary>
    public string Distribution { get; }

    /// <summary>Keras's compute_fans: a scalar has fans (1, 1); a vector (n) has (n, n); a matrix (in, out)
    /// has (in, out); a convolution kernel (..., in, out) multiplies both by the receptive field size (the
    /// product of the leading dimensions).</summary>
    public static (long FanIn, long FanOut) ComputeFans(Shape shape)
    {
        if (shape.Rank < 1) return (1, 1);
        if (shape.Rank == 1) return (shape[0], shape[0]);
        if (shape.Rank == 2) return (shape[0], shape[1]);
        long receptive = 1;
        for (int i = 0; i < shape.Rank - 2; i++) receptive *= shape[i];
        return (shape[-2] * receptive, shape[-1] * receptive);
    }

    /// <summary>The variance target <c>scale / n</c> for <paramref name="shape"/>.</summary>
    public double VarianceFor(Shape shape)
    {
        var (fanIn, fanOut) = ComputeFans(shape);
        double n = Mode switch
        {
            "fan_in" => Math.Max(1.0, fanIn),
            "fan_out" => Math.Max(1.0, fanOut),
            _ => Math.Max(1.0, (fanIn + fanOut) / 2.0),
        };
        return Scale / n;
    }

    /// <inheritdoc/>
    public override Tensor Call(Shape shape)
    {
        double variance = VarianceFor(shape);
        switch (Distribution)
        {
            case "truncated_normal":
                return Ops.TruncatedNormal(shape, 0f, (float)(Math.Sqrt(variance) / TruncatedStddevFactor), NewGenerator());
            case "untruncated_normal":
                return Ops.RandomNormal(shape, 0f, (float)Math.Sqrt(variance), NewGenerator());
            default:
                float limit = (float)Math.Sqrt(3.0 * variance);
                return Ops.RandomUniform(shape, -limit, limit, NewGenerator());
        }
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["scale"] = Scale;
        c["mode"] = Mode;
        c["distribution"] = Distribution;
        return c;
    }

    /// <summary>Rebuilds the initializer from its Keras config.</summary>
    public static VarianceScaling FromConfig(JsonObject config) => new(
        config.GetFloat("scale", 1f), config.GetString("mode", "fan_in") ?? "fan_in",
        config.GetString("distribution", "truncated_normal") ?? "truncated_normal", ReadSeed(config));

    /// <summary>The config of the fixed-argument subclasses, which record only the seed (as Keras).</summary>
    private protected JsonObject SeedOnlyConfig() => new() { ["seed"] = Seed };
}

/// <summary>Glorot (Xavier) uniform: uniform on ±√(6/(fan_in + fan_out)), as keras.initializers.GlorotUniform.</summary>
[KerasSerializable("GlorotUniform", "glorot_uniform")]
public sealed class GlorotUniform(long? seed = null) : VarianceScaling(1f, "fan_avg", "uniform", seed)
{
    /// <inheritdoc/>
    public override JsonObject GetConfig() => SeedOnlyConfig();

    /// <summary>Rebuilds the initializer from its Keras config.</summary>
    public static new GlorotUniform FromConfig(JsonObject config) => new(ReadSeed(config));
}

/// <summary>Glorot (Xavier) normal: truncated normal with variance 2/(fan_in + fan_out), as keras.initializers.GlorotNormal.</summary>
[KerasSerializable("GlorotNormal", "glorot_normal")]
public sealed class GlorotNormal(long? seed = null) : VarianceScaling(1f, "fan_avg", "truncated_normal", seed)
{
    /// <inheritdoc/>
    public override JsonObject GetConfig() => SeedOnlyConfig();

    /// <summary>Rebuilds the initializer from its Keras config.</summary>
    public static new GlorotNormal FromConfig(JsonObject config) => new(ReadSeed(config));
}

/// <summary>He uniform: uniform on ±√(6/fan_in), as keras.initializers.HeUniform.</summary>
[KerasSerializable("HeUniform", "he_uniform")]
public sealed class HeUniform(long? seed = null) : VarianceScaling(2f, "fan_in", "uniform", seed)
{
    /// <inheritdoc/>
    public override JsonObject GetConfig() => SeedOnlyConfig();

    /// <summary>Rebuilds the initializer from its Keras config.</summary>
    public static new HeUniform FromConfig(JsonObject config) => new(ReadSeed(config));
}

/// <summary>He normal: truncated normal with variance 2/fan_in, as keras.initializers.HeNormal.</summary>
[KerasSerializable("HeNormal", "he_normal")]
public sealed class HeNormal(long? seed = null) : VarianceScaling(2f, "fan_in", "truncated_normal", seed)
{
    /// <inheritdoc/>
    public override JsonObject GetConfig() => SeedOnlyConfig();

    /// <summary>Rebuilds the initializer from its Keras config.</summary>
    public static new HeNormal FromConfig(JsonObject config) => new(ReadSeed(config));
}

/// <summary>LeCun uniform: uniform on ±√(3/fan_in), as keras.initializers.LecunUniform.</summary>
[KerasSerializable("LecunUniform", "lecun_uniform")]
public sealed class LecunUniform(long? seed = null) : VarianceScaling(1f, "fan_in", "uniform", seed)
{
    /// <inheritdoc/>
    public override JsonObject GetConfig() => SeedOnlyConfig();

    /// <summary>Rebuilds the initializer from its Keras config.</summary>
    public static new LecunUniform FromConfig(JsonObject config) => new(ReadSeed(config));
}

/// <summary>LeCun normal: truncated normal with variance 1/fan_in, as keras.initializers.LecunNormal.</summary>
[KerasSerializable("LecunNormal", "lecun_normal")]
public sealed class LecunNormal(long? seed = null) : VarianceScaling(1f, "fan_in", "truncated_normal", seed)
{
    /// <inheritdoc/>
    public override JsonObject GetConfig() => SeedOnlyConfig();

    /// <summary>Rebuilds the initializer from its Keras config.</summary>
    public static new LecunNormal FromConfig(JsonObject config) => new(ReadSeed(config));
}
