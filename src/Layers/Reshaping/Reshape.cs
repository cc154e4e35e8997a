using System.Text.Json.Nodes;
using KerasNet.Models;
using KerasNet.Saving;

namespace KerasNet.Layers;

/// <summary>Reshapes each sample to <c>target_shape</c> (batch axis excluded; one entry may be -1, inferred),
/// as keras.layers.Reshape.</summary>
[KerasSerializable("Reshape")]
public sealed class Reshape : Layer
{
    private readonly int[] _target;

    /// <summary>Creates the layer.</summary>
    /// <param name="targetShape">The per-sample output shape; at most one entry may be -1.</param>
    /// <param name="name">The layer's name (unique by default).</param>
    /// <param name="trainable">Kept for Keras compatibility (the layer has no weights).</param>
    public Reshape(int[] targetShape, string? name = null, bool trainable = true) : base(name, trainable)
    {
        ArgumentNullException.ThrowIfNull(targetShape);
        int unknown = 0;
        foreach (int d in targetShape)
        {
            if (d == -1) unknown++;
            else if (d < 0) throw new ArgumentException($"Reshape's target_shape entries must be positive or -1; got {LayerArgs.Text(new Shape(targetShape))}.", nameof(targetShape));
        }
        if (unknown > 1)
            throw new ArgumentException($"Reshape's target_shape may contain at most one -1 (unknown) entry; got {LayerArgs.Text(new Shape(targetShape))}.", nameof(targetShape));
        _target = [.. targetShape];
        Built = true;
    }

    /// <summary>The per-sample output shape (-1 marks the inferred entry).</summary>
    public IReadOnlyList<int> TargetShape => _target;

    /// <inheritdoc/>
    public override Tensor Call(Tensor inputs, bool training = false)
    {
        var outShape = ComputeOutputShape(inputs.Shape);
        return Ops.Reshape(inputs, outShape);
    }

    /// <inheritdoc/>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        if (inputShape.Rank < 1)
            throw new ArgumentException($"Layer '{Name}' (Reshape) expects inputs with a batch axis; got a scalar.");
        var dims = new int[_target.Length + 1];
        dims[0] = inputShape[0];
        _target.CopyTo(dims, 1);
        long known = 1;
        bool inputKnown = true;
        long inputSize = 1;
        for (int i = 1; i < inputShape.Rank; i++)
        {
            if (inputShape[i] < 0) inputKnown = false;
            else inputSize *= inputShape[i];
        }
        int unknownAt = -1;
        for (int i = 0; i < _target.Length; i++)
        {
            if (_target[i] == -1) unknownAt = i + 1;
            else known *= _target[i];
        }
        if (!inputKnown) return new Shape(dims);
        if (unknownAt >= 0)
        {
            if (known == 0 || inputSize % known != 0)
                throw Incompatible(inputShape);
            dims[unknownAt] = (int)(inputSize / known);
        }
        else if (known != inputSize) throw Incompatible(inputShape);
        return new Shape(dims);
    }

    private ArgumentException Incompatible(Shape inputShape) => new(
        $"Layer '{Name}' (Reshape): the total size of each sample must be unchanged; the input of shape {LayerArgs.Text(inputShape)} " +
        $"cannot be reshaped to target_shape {LayerArgs.Text(new Shape(_target))}.");

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["target_shape"] = _target.ToJsonArray();
        return c;
    }

    /// <summary>Rebuilds the layer from its Keras config.</summary>
    public static Reshape FromConfig(JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var (name, trainable) = BaseConfig(config);
        var target = LayerArgs.ShapeFromList(config, "target_shape") ?? throw new ArgumentException($"A Reshape config needs \"target_shape\"; got {config.ToJsonString()}.", nameof(config));
        return new Reshape(target, name, trainable);
    }
}
