using System.Text.Json.Nodes;
using KerasNet.Saving;

namespace KerasNet.Optimizers;

/// <summary>Config reading shared by the built-in optimizers' <c>FromConfig</c> methods.</summary>
internal static class OptimizerConfig
{
    /// <summary>The base optimizer arguments of a Keras config, after rejecting the Keras features this
    /// port does not implement (EMA, loss scaling, gradient accumulation) so that a config using them
    /// fails loudly instead of training differently.</summary>
    public static (float? WeightDecay, float? Clipnorm, float? Clipvalue, float? GlobalClipnorm, string Name) Common(
        JsonObject config, string className, string defaultName)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.GetBool("use_ema", false))
            throw new NotSupportedException($"{className}: use_ema=true (exponential moving average of the weights) is not supported.");
        if (config.GetFloatOrNull("loss_scale_factor") is not null)
            throw new NotSupportedException($"{className}: loss_scale_factor is not supported; scale the loss yourself.");
        if (config.GetIntOrNull("gradient_accumulation_steps") is not null)
            throw new NotSupportedException($"{className}: gradient_accumulation_steps is not supported.");
        return (config.GetFloatOrNull("weight_decay"), config.GetFloatOrNull("clipnorm"), config.GetFloatOrNull("clipvalue"),
            config.GetFloatOrNull("global_clipnorm"), config.GetString("name", defaultName) ?? defaultName);
    }

    /// <summary>A float32 scalar on <paramref name="like"/>'s device.</summary>
    public static Tensor Scalar(Tensor like, double value) => Ops.ScalarLike(like, value);

    /// <summary>Throws unless <paramref name="value"/> is finite and within [<paramref name="low"/>, <paramref name="high"/>].</summary>
    public static void CheckRange(float value, float low, float high, string name, string className)
    {
        if (!(value >= low && value <= high))
            throw new ArgumentOutOfRangeException(name, value, $"{className}: {name} must be in [{low}, {high}].");
    }

    /// <summary>Throws unless <paramref name="value"/> is a finite non-negative number.</summary>
    public static void CheckNonNegative(float value, string name, string className)
    {
        if (!(value >= 0) || float.IsInfinity(value))
            throw new ArgumentOutOfRangeException(name, value, $"{className}: {name} must be a non-negative number.");
    }
}
