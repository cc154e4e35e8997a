using System.Text.Json.Nodes;
using KerasNet.Saving;
using static KerasNet.Optimizers.Schedules.ScheduleConfig;

namespace KerasNet.Optimizers.Schedules;

/// <summary>keras.optimizers.schedules.PolynomialDecay:
/// <c>(initial − end)·(1 − step/decay_steps)^power + end</c> with the step capped at decay_steps; with
/// <see cref="Cycle"/>, decay_steps is instead stretched to the first multiple of itself at or above the step
/// (1× at step 0).</summary>
[KerasSerializable("PolynomialDecay")]
public sealed class PolynomialDecay : LearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="initialLearningRate">The rate at step 0.</param>
    /// <param name="decaySteps">Steps to reach <paramref name="endLearningRate"/> (positive).</param>
    /// <param name="endLearningRate">The final rate.</param>
    /// <param name="power">The polynomial's power.</param>
    /// <param name="cycle">Whether to restart the decay after each <paramref name="decaySteps"/>.</param>
    /// <param name="name">The schedule's name.</param>
    public PolynomialDecay(double initialLearningRate, double decaySteps, double endLearningRate = 0.0001, double power = 1.0,
        bool cycle = false, string name = "PolynomialDecay")
    {
        CheckDecaySteps(decaySteps);
        InitialLearningRate = initialLearningRate;
        DecaySteps = decaySteps;
        EndLearningRate = endLearningRate;
        Power = power;
        Cycle = cycle;
        Name = name;
    }

    /// <summary>The rate at step 0.</summary>
    public double InitialLearningRate { get; }

    /// <summary>Steps to reach <see cref="EndLearningRate"/>.</summary>
    public double DecaySteps { get; }

    /// <summary>The final rate.</summary>
    public double EndLearningRate { get; }

    /// <summary>The polynomial's power.</summary>
    public double Power { get; }

    /// <summary>Whether the decay restarts.</summary>
    public bool Cycle { get; }

    /// <summary>The schedule's name.</summary>
    public string Name { get; }

    /// <inheritdoc/>
    public override float Call(long step)
    {
        double s = step, decay = DecaySteps;
        if (Cycle) decay *= s == 0 ? 1.0 : Math.Ceiling(s / DecaySteps);
        else s = Math.Min(s, decay);
        double p = s / decay;
        return (float)((InitialLearningRate - EndLearningRate) * Math.Pow(1 - p, Power) + EndLearningRate);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig() => new()
    {
        ["initial_learning_rate"] = InitialLearningRate,
        ["decay_steps"] = Number(DecaySteps),
        ["end_learning_rate"] = EndLearningRate,
        ["power"] = Power,
        ["cycle"] = Cycle,
        ["name"] = Name,
    };

    /// <summary>Rebuilds the schedule from its Keras config.</summary>
    public static PolynomialDecay FromConfig(JsonObject config) => new(
        Required(config, "initial_learning_rate", "PolynomialDecay"), Required(config, "decay_steps", "PolynomialDecay"),
        Optional(config, "end_learning_rate", 0.0001), Optional(config, "power", 1.0), config.GetBool("cycle", false),
        config.GetString("name", "PolynomialDecay") ?? "PolynomialDecay");
}
