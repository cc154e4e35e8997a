using System.Text.Json.Nodes;
using KerasNet.Saving;
using static KerasNet.Optimizers.Schedules.ScheduleConfig;

namespace KerasNet.Optimizers.Schedules;

/// <summary>keras.optimizers.schedules.PiecewiseConstantDecay: <c>values[0]</c> while
/// <c>step ≤ boundaries[0]</c>, <c>values[i]</c> while <c>boundaries[i−1] &lt; step ≤ boundaries[i]</c>, and
/// <c>values[^1]</c> after the last boundary.</summary>
[KerasSerializable("PiecewiseConstantDecay")]
public sealed class PiecewiseConstantDecay : LearningRateSchedule
{
    private readonly double[] _boundaries;
    private readonly double[] _values;

    /// <summary>Creates the schedule.</summary>
    /// <param name="boundaries">Strictly increasing step boundaries.</param>
    /// <param name="values">One more value than boundaries: the rate in each interval.</param>
    /// <param name="name">The schedule's name.</param>
    public PiecewiseConstantDecay(IReadOnlyList<double> boundaries, IReadOnlyList<double> values, string name = "PiecewiseConstant")
    {
        ArgumentNullException.ThrowIfNull(boundaries);
        ArgumentNullException.ThrowIfNull(values);
        if (boundaries.Count != values.Count - 1)
            throw new ArgumentException(
                $"The length of boundaries should be 1 less than the length of values. Received: {boundaries.Count} boundaries and {values.Count} values.",
                nameof(values));
        for (int i = 1; i < boundaries.Count; i++)
            if (!(boundaries[i] > boundaries[i - 1]))
                throw new ArgumentException($"The boundaries must increase strictly; got [{string.Join(", ", boundaries)}].", nameof(boundaries));
        _boundaries = [.. boundaries];
        _values = [.. values];
        Name = name;
    }

    /// <summary>The step boundaries.</summary>
    public IReadOnlyList<double> Boundaries => _boundaries;

    /// <summary>The rate in each interval.</summary>
    public IReadOnlyList<double> Values => _values;

    /// <summary>The schedule's name.</summary>
    public string Name { get; }

    /// <inheritdoc/>
    public override float Call(long step)
    {
        for (int i = 0; i < _boundaries.Length; i++)
            if (step <= _boundaries[i]) return (float)_values[i];
        return (float)_values[^1];
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig() => new()
    {
        ["boundaries"] = new JsonArray(_boundaries.Select(b => (JsonNode?)Number(b)).ToArray()),
        ["values"] = new JsonArray(_values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray()),
        ["name"] = Name,
    };

    /// <summary>Rebuilds the schedule from its Keras config.</summary>
    public static PiecewiseConstantDecay FromConfig(JsonObject config) => new(
        List(config, "boundaries", "PiecewiseConstantDecay"), List(config, "values", "PiecewiseConstantDecay"),
        config.GetString("name", "PiecewiseConstant") ?? "PiecewiseConstant");
}
