using System.Text.Json.Nodes;
using KerasNet.Models;
using KerasNet.Saving;

namespace KerasNet.Layers;

/// <summary>Concatenates a list of inputs along <c>axis</c>, as keras.layers.Concatenate. All inputs have the
/// same rank and the same sizes except along the concatenation axis.</summary>
[KerasSerializable("Concatenate")]
public sealed class Concatenate : Merge
{
    /// <summary>Creates the layer.</summary>
    /// <param name="axis">The concatenation axis (negative counts from the end; the last by default).</param>
    /// <param name="name">The layer's name (unique by default).</param>
    /// <param name="trainable">Kept for Keras compatibility (the layer has no weights).</param>
    public Concatenate(int axis = -1, string? name = null, bool trainable = true) : base(name, trainable) => Axis = axis;

    /// <summary>The concatenation axis.</summary>
    public int Axis { get; }

    /// <inheritdoc/>
    public override Tensor Call(ReadOnlySpan<Tensor> inputs, bool training = false)
    {
        var shapes = new Shape[inputs.Length];
        for (int i = 0; i < inputs.Length; i++) shapes[i] = inputs[i].Shape;
        ComputeOutputShapes(shapes);
        return MergeFunction(inputs);
    }

    /// <inheritdoc/>
    protected override Tensor MergeFunction(ReadOnlySpan<Tensor> inputs) => Ops.Concatenate(inputs, Axis);

    /// <inheritdoc/>
    public override Shape[] ComputeOutputShapes(IReadOnlyList<Shape> inputShapes)
    {
        ArgumentNullException.ThrowIfNull(inputShapes);
        CheckCount(inputShapes);
        var first = inputShapes[0];
        int rank = first.Rank;
        int axis = Axis < 0 ? Axis + rank : Axis;
        if (rank == 0 || axis < 0 || axis >= rank)
            throw new ArgumentException($"Layer '{Name}' (Concatenate): axis {Axis} is out of range for inputs of shape {LayerArgs.Text(first)}. Received: input_shape={AllShapes(inputShapes)}");
        var output = first.ToArray();
        for (int i = 1; i < inputShapes.Count; i++)
        {
            var s = inputShapes[i];
            if (s.Rank != rank)
                throw Mismatch(inputShapes);
            for (int d = 0; d < rank; d++)
            {
                if (d == axis) continue;
                if (s[d] >= 0 && output[d] >= 0 && s[d] != output[d]) throw Mismatch(inputShapes);
                if (output[d] < 0) output[d] = s[d];
            }
            output[axis] = output[axis] < 0 || s[axis] < 0 ? -1 : output[axis] + s[axis];
        }
        return [new Shape(output)];
    }

    private ArgumentException Mismatch(IReadOnlyList<Shape> shapes) => new(
        $"Layer '{Name}' (Concatenate) requires inputs with matching shapes except for the concatenation axis {Axis}. Received: input_shape={AllShapes(shapes)}");

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["axis"] = Axis;
        return c;
    }

    /// <summary>Rebuilds the layer from its Keras config.</summary>
    public static Concatenate FromConfig(JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var (name, trainable) = BaseConfig(config);
        return new Concatenate(config.GetInt("axis", -1), name, trainable);
    }
}
