using System.Text.Json.Nodes;
using KerasNet.Saving;

namespace KerasNet.Regularizers;

/// <summary>Argument checks shared by the penalty regularizers.</summary>
internal static class PenaltyArgs
{
    /// <summary>Keras's validate_float_arg: a finite, non-negative factor.</summary>
    public static float Check(float value, string name)
    {
        if (!(value >= 0) || float.IsInfinity(value))
            throw new ArgumentOutOfRangeException(name, value, $"Invalid value for argument {name}: expected a non-negative float. Received: {name}={value}");
        return value;
    }

    /// <summary><c>factor · Σ f(x)</c> as a scalar tensor.</summary>
    public static Tensor Scaled(Tensor x, float factor, Func<Tensor, Tensor> elementwise)
    {
        bool taped = Taped(x);
        var e = elementwise(x);
        var s = Ops.Sum(e);
        var f = Ops.ScalarLike(s, factor);
        var result = Ops.Multiply(f, s);
        if (!taped)
        {
            e.Dispose();
            s.Dispose();
            f.Dispose();
        }
        return result;
    }

    /// <summary>Whether a recording tape tracks <paramref name="x"/>. Penalties are usually computed under the
    /// training step's tape, whose backward pass still reads every intermediate (including constants that
    /// were multiplied in); then they are left to the step's scope instead of being released at once.</summary>
    public static bool Taped(Tensor x) => GradientTape.ShouldRecord(x) is not null;
}

/// <summary>The L1 penalty <c>l1 · Σ|x|</c>, as keras.regularizers.L1 (default factor 0.01).</summary>
/// <param name="l1">The factor (non-negative).</param>
[KerasSerializable("L1", "l1")]
public sealed class L1(float l1 = 0.01f) : Regularizer
{
    /// <summary>The factor.</summary>
    public float Factor { get; } = PenaltyArgs.Check(l1, nameof(l1));

    /// <inheritdoc/>
    public override Tensor Call(Tensor x) => PenaltyArgs.Scaled(x, Factor, Ops.Abs);

    /// <inheritdoc/>
    public override JsonObject GetConfig() => new() { ["l1"] = Factor };

    /// <summary>Rebuilds the regularizer from its Keras config.</summary>
    public static L1 FromConfig(JsonObject config) => new(config.GetFloat("l1", 0.01f));
}

/// <summary>The L2 penalty <c>l2 · Σx²</c>, as keras.regularizers.L2 (default factor 0.01).</summary>
/// <param name="l2">The factor (non-negative).</param>
[KerasSerializable("L2", "l2")]
public sealed class L2(float l2 = 0.01f) : Regularizer
{
    /// <summary>The factor.</summary>
    public float Factor { get; } = PenaltyArgs.Check(l2, nameof(l2));

    /// <inheritdoc/>
    public override Tensor Call(Tensor x) => PenaltyArgs.Scaled(x, Factor, Ops.Square);

    /// <inheritdoc/>
    public override JsonObject GetConfig() => new() { ["l2"] = Factor };

    /// <summary>Rebuilds the regularizer from its Keras config.</summary>
    public static L2 FromConfig(JsonObject config) => new(config.GetFloat("l2", 0.01f));
}

/// <summary>Both penalties, <c>l1 · Σ|x| + l2 · Σx²</c>, as keras.regularizers.L1L2. The constructor's
/// factors default to 0 as Keras's class does; the string identifier "l1_l2" gives 0.01 for both, as Keras
/// documents for it.</summary>
/// <param name="l1">The L1 factor (non-negative).</param>
/// <param name="l2">The L2 factor (non-negative).</param>
[KerasSerializable("L1L2", "l1l2")]
public sealed class L1L2(float l1 = 0f, float l2 = 0f) : Regularizer
{
    /// <summary>The L1 factor.</summary>
    public float L1Factor { get; } = PenaltyArgs.Check(l1, nameof(l1));

    /// <summary>The L2 factor.</summary>
    public float L2Factor { get; } = PenaltyArgs.Check(l2, nameof(l2));

    /// <inheritdoc/>
    public override Tensor Call(Tensor x)
    {
        if (L1Factor != 0 && L2Factor != 0)
        {
            bool taped = PenaltyArgs.Taped(x);
            var a = PenaltyArgs.Scaled(x, L1Factor, Ops.Abs);
            var b = PenaltyArgs.Scaled(x, L2Factor, Ops.Square);
            var sum = Ops.Add(a, b);
            if (!taped)
            {
                a.Dispose();
                b.Dispose();
            }
            return sum;
        }
        if (L1Factor != 0) return PenaltyArgs.Scaled(x, L1Factor, Ops.Abs);
        if (L2Factor != 0) return PenaltyArgs.Scaled(x, L2Factor, Ops.Square);
        return Ops.ScalarLike(x, 0);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig() => new() { ["l1"] = L1Factor, ["l2"] = L2Factor };

    /// <summary>Rebuilds the regularizer from its Keras config (missing factors are 0).</summary>
    public static L1L2 FromConfig(JsonObject config) => new(config.GetFloat("l1", 0f), config.GetFloat("l2", 0f));
}

/// <summary>Registers the "l1_l2" identifier, which Keras documents as <c>L1L2(l1=0.01, l2=0.01)</c>
/// (unlike the class name, whose defaults are 0). Not instantiated; only its factory is used.</summary>
[KerasSerializable("l1_l2")]
internal abstract class L1L2Identifier : Regularizer
{
    /// <summary>An <see cref="L1L2"/> whose missing factors default to 0.01.</summary>
    public static Regularizer FromConfig(JsonObject config) => new L1L2(config.GetFloat("l1", 0.01f), config.GetFloat("l2", 0.01f));
}
