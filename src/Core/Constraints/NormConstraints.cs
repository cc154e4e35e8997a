using System.Text.Json.Nodes;
using KerasNet.Saving;

namespace KerasNet.Constraints;

/// <summary>Axis handling for the norm constraints: Keras accepts one axis or a list and writes back the
/// form it was given.</summary>
public abstract class AxisNormConstraint : Constraint
{
    private readonly int[] _axes;
    private readonly bool _single;

    /// <summary>Stores the axes (one, or several when <paramref name="single"/> is false).</summary>
    private protected AxisNormConstraint(int[] axes, bool single)
    {
        ArgumentNullException.ThrowIfNull(axes);
        if (axes.Length == 0) throw new ArgumentException("At least one axis is needed.", nameof(axes));
        _axes = [.. axes];
        _single = single && axes.Length == 1;
    }

    /// <summary>The axes the norms are taken over.</summary>
    public IReadOnlyList<int> Axis => _axes;

    /// <summary>The L2 norms of <paramref name="w"/> over <see cref="Axis"/>, with those axes kept as size 1.</summary>
    protected Tensor Norms(Tensor w)
    {
        using var sq = Ops.Square(w);
        using var sum = Ops.Sum(sq, _axes, keepDims: true);
        return Ops.Sqrt(sum);
    }

    /// <summary><c>w · desired / (ε + norms)</c> with Keras's ε = 1e-7.</summary>
    protected static Tensor Rescale(Tensor w, Tensor desired, Tensor norms)
    {
        using var eps = Ops.ScalarLike(norms, 1e-7);
        using var den = Ops.Add(norms, eps);
        using var ratio = Ops.Divide(desired, den);
        return Ops.Multiply(w, ratio);
    }

    /// <summary>The axis as Keras writes it: a number, or a list.</summary>
    protected JsonNode AxisNode() => _single ? JsonValue.Create(_axes[0]) : _axes.ToJsonArray();

    /// <summary>Reads "axis" (a number or a list) from a config.</summary>
    protected static (int[] Axes, bool Single) ReadAxis(JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return config["axis"] switch
        {
            null => ([0], true),
            JsonArray => (config.GetInts("axis")!, false),
            _ => (config.GetInts("axis")!, true),
        };
    }
}

/// <summary>Caps the norm of each slice along <see cref="AxisNormConstraint.Axis"/> at
/// <see cref="MaxValue"/>: <c>w · clip(n, 0, max) / (ε + n)</c>, as keras.constraints.MaxNorm.</summary>
[KerasSerializable("MaxNorm", "max_norm")]
public sealed class MaxNorm : AxisNormConstraint
{
    /// <summary>Creates the constraint over one axis.</summary>
    /// <param name="maxValue">The largest norm allowed.</param>
    /// <param name="axis">The axis the norms are taken over (0: each column of a Dense kernel).</param>
    public MaxNorm(float maxValue = 2f, int axis = 0) : base([axis], true) => MaxValue = maxValue;

    /// <summary>Creates the constraint over several axes (e.g. [0, 1, 2] for a Conv2D kernel).</summary>
    /// <param name="maxValue">The largest norm allowed.</param>
    /// <param name="axis">The axes the norms are taken over.</param>
    public MaxNorm(float maxValue, int[] axis) : base(axis, false) => MaxValue = maxValue;

    private MaxNorm(float maxValue, (int[] Axes, bool Single) axis) : base(axis.Axes, axis.Single) => MaxValue = maxValue;

    /// <summary>The largest norm allowed.</summary>
    public float MaxValue { get; }

    /// <inheritdoc/>
    public override Tensor Call(Tensor w)
    {
        using var norms = Norms(w);
        using var desired = Ops.Clip(norms, 0f, MaxValue);
        return Rescale(w, desired, norms);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig() => new() { ["max_value"] = MaxValue, ["axis"] = AxisNode() };

    /// <summary>Rebuilds the constraint from its Keras config.</summary>
    public static MaxNorm FromConfig(JsonObject config) => new(config.GetFloat("max_value", 2f), ReadAxis(config));
}

/// <summary>Rescales each slice along <see cref="AxisNormConstraint.Axis"/> to unit norm:
/// <c>w / (ε + n)</c>, as keras.constraints.UnitNorm.</summary>
[KerasSerializable("UnitNorm", "unit_norm")]
public sealed class UnitNorm : AxisNormConstraint
{
    /// <summary>Creates the constraint over one axis.</summary>
    /// <param name="axis">The axis the norms are taken over.</param>
    public UnitNorm(int axis = 0) : base([axis], true) { }

    /// <summary>Creates the constraint over several axes.</summary>
    /// <param name="axis">The axes the norms are taken over.</param>
    public UnitNorm(int[] axis) : base(axis, false) { }

    private UnitNorm((int[] Axes, bool Single) axis) : base(axis.Axes, axis.Single) { }

    /// <inheritdoc/>
    public override Tensor Call(Tensor w)
    {
        using var norms = Norms(w);
        using var eps = Ops.ScalarLike(norms, 1e-7);
        using var den = Ops.Add(norms, eps);
        return Ops.Divide(w, den);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig() => new() { ["axis"] = AxisNode() };

    /// <summary>Rebuilds the constraint from its Keras config.</summary>
    public static UnitNorm FromConfig(JsonObject config) => new(ReadAxis(config));
}

/// <summary>Moves each slice's norm n toward [min, max]: <c>w · (rate·clip(n, min, max) + (1 − rate)·n) / (ε + n)</c>,
/// as keras.constraints.MinMaxNorm (rate 1 enforces the bounds strictly).</summary>
[KerasSerializable("MinMaxNorm", "min_max_norm")]
public sealed class MinMaxNorm : AxisNormConstraint
{
    /// <summary>Creates the constraint over one axis.</summary>
    /// <param name="minValue">The smallest norm.</param>
    /// <param name="maxValue">The largest norm.</param>
    /// <param name="rate">How far to move toward the bounds at each application (1: all the way).</param>
    /// <param name="axis">The axis the norms are taken over.</param>
    public MinMaxNorm(float minValue = 0f, float maxValue = 1f, float rate = 1f, int axis = 0) : base([axis], true) =>
        (MinValue, MaxValue, Rate) = (minValue, maxValue, rate);

    /// <summary>Creates the constraint over several axes.</summary>
    /// <param name="minValue">The smallest norm.</param>
    /// <param name="maxValue">The largest norm.</param>
    /// <param name="rate">How far to move toward the bounds at each application (1: all the way).</param>
    /// <param name="axis">The axes the norms are taken over.</param>
    public MinMaxNorm(float minValue, float maxValue, float rate, int[] axis) : base(axis, false) =>
        (MinValue, MaxValue, Rate) = (minValue, maxValue, rate);

    private MinMaxNorm(float minValue, float maxValue, float rate, (int[] Axes, bool Single) axis) : base(axis.Axes, axis.Single) =>
        (MinValue, MaxValue, Rate) = (minValue, maxValue, rate);

    /// <summary>The smallest norm.</summary>
    public float MinValue { get; }

    /// <summary>The largest norm.</summary>
    public float MaxValue { get; }

    /// <summary>The enforcement rate.</summary>
    public float Rate { get; }

    /// <inheritdoc/>
    public override Tensor Call(Tensor w)
    {
        using var norms = Norms(w);
        using var clipped = Ops.Clip(norms, MinValue, MaxValue);
        using var rate = Ops.ScalarLike(norms, Rate);
        using var keep = Ops.ScalarLike(norms, 1.0 - Rate);
        using var a = Ops.Multiply(rate, clipped);
        using var b = Ops.Multiply(keep, norms);
        using var desired = Ops.Add(a, b);
        return Rescale(w, desired, norms);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig() => new()
    {
        ["min_value"] = MinValue,
        ["max_value"] = MaxValue,
        ["rate"] = Rate,
        ["axis"] = AxisNode(),
    };

    /// <summary>Rebuilds the constraint from its Keras config.</summary>
    public static MinMaxNorm FromConfig(JsonObject config) => new(config.GetFloat("min_value", 0f), config.GetFloat("max_value", 1f),
        config.GetFloat("rate", 1f), ReadAxis(config));
}

/// <summary>Clamps negative weights to zero, as keras.constraints.NonNeg.</summary>
[KerasSerializable("NonNeg", "non_neg")]
public sealed class NonNeg : Constraint
{
    /// <inheritdoc/>
    public override Tensor Call(Tensor w)
    {
        using var zero = Ops.ScalarLike(w, 0);
        return Ops.Maximum(w, zero);
    }

    /// <summary>Rebuilds the constraint from its (empty) Keras config.</summary>
    public static NonNeg FromConfig(JsonObject config) => new();
}
