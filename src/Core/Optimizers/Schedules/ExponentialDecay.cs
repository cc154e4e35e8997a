using System.Text.Json.Nodes;
using KerasNet.Saving;
using static KerasNet.Optimizers.Schedules.ScheduleConfig;

namespace KerasNet.Optimizers.Schedules;

/// <summary>keras.optimizers.schedules.ExponentialDecay: <c>initial · rate^(step / decay_steps)</c>, the
/// exponent floored when <see cref="Staircase"/> is set.</summary>
[KerasSerializable("ExponentialDecay")]
public sealed class ExponentialDecay : LearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="initialLearningRate">The rate at step 0.</param>
    /// <param name="decaySteps">Steps per factor of <paramref name="decayRate"/> (positive).</param>
    /// <param name="decayRate">The decay factor.</param>
    /// <param name="staircase">Whether to decay at whole multiples of <paramref name="decaySteps"/> only.</param>
    /// <param name="name">The schedule's name.</param>
    public ExponentialDecay(double initialLearningRate, double decaySteps, double decayRate, bool staircase = false, string name = "ExponentialDecay")
    {
        CheckDecaySteps(decaySteps);
        InitialLearningRate = initialLearningRate;
        DecaySteps = decaySteps;
        DecayRate = decayRate;
        Staircase = staircase;
        Name = name;
    }

    /// <summary>The rate at step 0.</summary>
    public double InitialLearningRate { get; }

    /// <summary>Steps per factor of <see cref="DecayRate"/>.</summary>
    public double DecaySteps { get; }

    /// <summary>The decay factor.</summary>
    public double DecayRate { get; }

    /// <summary>Whether the exponent is floored.</summary>
    public bool Staircase { get; }

    /// <summary>The schedule's name.</summary>
    public string Name { get; }

    /// <inheritdoc/>
    public override float Call(long step)
    {
        double p = step / DecaySteps;
        if (Staircase) p = Math.Floor(p);
        return (float)(InitialLearningRate * Math.Pow(DecayRate, p));
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig() => new()
    {
        ["initial_learning_rate"] = InitialLearningRate,
        ["decay_steps"] = Number(DecaySteps),
        ["decay_rate"] = DecayRate,
        ["staircase"] = Staircase,
        ["name"] = Name,
    };

    /// <summary>Rebuilds the schedule from its Keras config.</summary>
    public static ExponentialDecay FromConfig(JsonObject config) => new(
        Required(config, "initial_learning_rate", "ExponentialDecay"), Required(config, "decay_steps", "ExponentialDecay"),
        Required(config, "decay_rate", "ExponentialDecay"), config.GetBool("staircase", false),
        config.GetString("name", "ExponentialDecay") ?? "ExponentialDecay");
}
