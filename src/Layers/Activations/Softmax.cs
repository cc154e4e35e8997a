using System.Text.Json.Nodes;
using KerasNet.Models;
using KerasNet.Saving;

namespace KerasNet.Layers;

/// <summary>Softmax layer, as keras.layers.Softmax: <c>exp(x) / sum(exp(x))</c> over one axis (or several).</summary>
/// <remarks>Keras's optional mask argument is not supported yet (masks are not propagated in KerasNet).</remarks>
[KerasSerializable("Softmax")]
public sealed class Softmax : Layer
{
    private readonly int[] _axes;

    /// <summary>Softmax over <paramref name="axis"/> (the last by default).</summary>
    public Softmax(int axis = -1, string? name = null, bool trainable = true) : this([axis], name, trainable) { }

    /// <summary>Softmax normalized jointly over several axes.</summary>
    public Softmax(int[] axes, string? name = null, bool trainable = true) : base(name, trainable)
    {
        ArgumentNullException.ThrowIfNull(axes);
        if (axes.Length == 0) throw new ArgumentException("Softmax needs at least one axis.", nameof(axes));
        _axes = [.. axes];
        Built = true;
    }

    /// <summary>The normalized axes.</summary>
    public IReadOnlyList<int> Axes => _axes;

    /// <inheritdoc/>
    public override Tensor Call(Tensor inputs, bool training = false)
    {
        if (_axes.Length == 1) return Ops.Softmax(inputs, _axes[0]);
        // exp(x - max) / sum(exp(x - max)) over all the axes together.
        var max = Ops.StopGradient(Ops.Max(inputs, _axes, keepDims: true));
        var e = Ops.Exp(Ops.Subtract(inputs, max));
        return Ops.Divide(e, Ops.Sum(e, _axes, keepDims: true));
    }

    /// <inheritdoc/>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        foreach (int a in _axes) inputShape.NormalizeAxis(a);
        return inputShape;
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["axis"] = _axes.Length == 1 ? JsonValue.Create(_axes[0]) : _axes.ToJsonArray();
        return c;
    }

    /// <summary>Rebuilds the layer from its Keras config.</summary>
    public static Softmax FromConfig(JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var (name, trainable) = BaseConfig(config);
        return new Softmax(config.GetInts("axis") ?? [-1], name, trainable);
    }
}
