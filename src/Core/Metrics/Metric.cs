using System.Text.Json.Nodes;
using KerasNet.Saving;

namespace KerasNet.Metrics;

/// <summary>Base of every metric, as keras.metrics.Metric: state lives in variables on the device,
/// <see cref="UpdateState"/> accumulates a batch, <see cref="Result"/> reads the value, and
/// <see cref="ResetState"/> zeroes it (the Trainer resets at each epoch start). Updating does not read
/// anything back to the host.</summary>
public abstract class Metric : IKerasObject
{
    private readonly List<Variable> _variables = [];

    /// <summary>Stores the name.</summary>
    protected Metric(string name) => Name = name;

    /// <summary>The metric's name as it appears in logs and History ("accuracy").</summary>
    public string Name { get; set; }

    /// <inheritdoc/>
    public virtual string ClassName => GetType().Name;

    /// <summary>The state variables.</summary>
    public IReadOnlyList<Variable> Variables => _variables;

    /// <summary>Creates a non-trainable state variable filled with <paramref name="initialValue"/>.</summary>
    protected Variable AddVariable(Shape shape, string name, float initialValue = 0f)
    {
        using var init = Ops.Full(shape, initialValue);
        var v = new Variable(init, name, trainable: false);
        _variables.Add(v);
        _initial.Add(initialValue);
        return v;
    }

    private readonly List<float> _initial = [];

    /// <summary>Accumulates one batch.</summary>
    public abstract void UpdateState(Tensor yTrue, Tensor yPred, Tensor sampleWeight = default);

    /// <summary>The current value (a scalar for most metrics).</summary>
    public abstract Tensor Result();

    /// <summary>Returns every variable to its initial value.</summary>
    public virtual void ResetState()
    {
        for (int i = 0; i < _variables.Count; i++)
        {
            using var t = Ops.Full(_variables[i].Shape, _initial[i]);
            _variables[i].Assign(t);
        }
    }

    /// <inheritdoc/>
    public virtual JsonObject GetConfig() => new() { ["name"] = Name, ["dtype"] = "float32" };
}
