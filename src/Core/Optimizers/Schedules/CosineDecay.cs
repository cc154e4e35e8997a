using System.Text.Json.Nodes;
using KerasNet.Saving;
using static KerasNet.Optimizers.Schedules.ScheduleConfig;

namespace KerasNet.Optimizers.Schedules;

/// <summary>keras.optimizers.schedules.CosineDecay with optional linear warmup. Without a warmup target:
/// <c>initial·((1 − α)·½(1 + cos(π·s/decay_steps)) + α)</c> with <c>s = min(step, decay_steps)</c>. With one,
/// the rate rises linearly from <c>initial</c> to <c>warmup_target</c> over <c>warmup_steps</c>, then decays
/// from <c>warmup_target</c> by the same cosine over <c>decay_steps</c> (step capped at their sum).</summary>
[KerasSerializable("CosineDecay")]
public sealed class CosineDecay : LearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="initialLearningRate">The rate at step 0.</param>
    /// <param name="decaySteps">Steps to decay over (positive).</param>
    /// <param name="alpha">The final rate as a fraction of the rate the decay starts from.</param>
    /// <param name="warmupTarget">The rate reached at the end of warmup, or null for no warmup.</param>
    /// <param name="warmupSteps">Steps of linear warmup.</param>
    /// <param name="name">The schedule's name.</param>
    public CosineDecay(double initialLearningRate, double decaySteps, double alpha = 0.0, double? warmupTarget = null,
        double warmupSteps = 0, string name = "CosineDecay")
    {
        CheckDecaySteps(decaySteps);
        if (!(warmupSteps >= 0)) throw new ArgumentOutOfRangeException(nameof(warmupSteps), warmupSteps, "warmupSteps must be >= 0.");
        InitialLearningRate = initialLearningRate;
        DecaySteps = decaySteps;
        Alpha = alpha;
        WarmupTarget = warmupTarget;
        WarmupSteps = warmupSteps;
        Name = name;
    }

    /// <summary>The rate at step 0.</summary>
    public double InitialLearningRate { get; }

    /// <summary>Steps to decay over.</summary>
    public double DecaySteps { get; }

    /// <summary>The final rate as a fraction of the decay's starting rate.</summary>
    public double Alpha { get; }

    /// <summary>The rate at the end of warmup, or null.</summary>
    public double? WarmupTarget { get; }

    /// <summary>Steps of warmup.</summary>
    public double WarmupSteps { get; }

    /// <summary>The schedule's name.</summary>
    public string Name { get; }

    private double Decayed(double step, double from)
    {
        double cosine = 0.5 * (1.0 + Math.Cos(Math.PI * (step / DecaySteps)));
        return from * ((1 - Alpha) * cosine + Alpha);
    }

    /// <inheritdoc/>
    public override float Call(long step)
    {
        double s = step;
        if (WarmupTarget is not double target)
            return (float)Decayed(Math.Min(s, DecaySteps), InitialLearningRate);
        s = Math.Min(s, DecaySteps + WarmupSteps);
        if (s < WarmupSteps)
            return (float)((target - InitialLearningRate) * (s / WarmupSteps) + InitialLearningRate);
        return (float)Decayed(s - WarmupSteps, target);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig() => new()
    {
        ["initial_learning_rate"] = InitialLearningRate,
        ["decay_steps"] = Number(DecaySteps),
        ["alpha"] = Alpha,
        ["name"] = Name,
        ["warmup_target"] = WarmupTarget,
        ["warmup_steps"] = Number(WarmupSteps),
    };

    /// <summary>Rebuilds the schedule from its Keras config.</summary>
    public static CosineDecay FromConfig(JsonObject config) => new(
        Required(config, "initial_learning_rate", "CosineDecay"), Required(config, "decay_steps", "CosineDecay"),
        Optional(config, "alpha", 0.0), OptionalOrNull(config, "warmup_target"), Optional(config, "warmup_steps", 0),
        config.GetString("name", "CosineDecay") ?? "CosineDecay");
}
