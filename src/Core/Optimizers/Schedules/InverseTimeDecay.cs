using System.Text.Json.Nodes;
using KerasNet.Saving;
using static KerasNet.Optimizers.Schedules.ScheduleConfig;

namespace KerasNet.Optimizers.Schedules;

/// <summary>keras.optimizers.schedules.InverseTimeDecay: <c>initial / (1 + rate · step / decay_steps)</c>,
/// the quotient floored when <see cref="Staircase"/> is set.</summary>
[KerasSerializable("InverseTimeDecay")]
public sealed class InverseTimeDecay : LearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="initialLearningRate">The rate at step 0.</param>
    /// <param name="decaySteps">How often to apply the decay (positive).</param>
    /// <param name="decayRate">The decay rate.</param>
    /// <param name="staircase">Whether to decay at whole multiples of <paramref name="decaySteps"/> only.</param>
    /// <param name="name">The schedule's name.</param>
    public InverseTimeDecay(double initialLearningRate, double decaySteps, double decayRate, bool staircase = false, string name = "InverseTimeDecay")
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

    /// <summary>How often the decay is applied.</summary>
    public double DecaySteps { get; }

    /// <summary>The decay rate.</summary>
    public double DecayRate { get; }

    /// <summary>Whether the quotient is floored.</summary>
    public bool Staircase { get; }

    /// <summary>The schedule's name.</summary>
    public string Name { get; }

    /// <inheritdoc/>
    public override float Call(long step)
    {
        double p = step / DecaySteps;
        if (Staircase) p = Math.Floor(p);
        return (float)(InitialLearningRate / (1 + DecayRate * p));
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
    public static InverseTimeDecay FromConfig(JsonObject config) => new(
        Required(config, "initial_learning_rate", "InverseTimeDecay"), Required(config, "decay_steps", "InverseTimeDecay"),
        Required(config, "decay_rate", "InverseTimeDecay"), config.GetBool("staircase", false),
        config.GetString("name", "InverseTimeDecay") ?? "InverseTimeDecay");
}
