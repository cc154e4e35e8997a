using KerasNet.Models;

namespace KerasNet.Layers;

/// <summary>Base of the element-wise merge layers (Add, Subtract, Multiply, Average, Maximum, Minimum), as
/// Keras's Merge: it takes a list of tensors whose per-sample shapes broadcast together (NumPy rules, aligned
/// from the right; a lower-rank input gains size-1 axes right after its batch axis) and equal batch sizes.
/// Incompatible shapes fail with an error that names the layer and the shapes.</summary>
public abstract class Merge : Layer
{
    /// <summary>Stores the common configuration.</summary>
    protected Merge(string? name, bool trainable) : base(name, trainable) { }

    /// <summary>The exact number of inputs the layer takes, or null for any number (at least one).</summary>
    protected virtual int? RequiredInputCount => null;

    /// <summary>The merge itself, on inputs of equal rank (already expanded where needed).</summary>
    protected abstract Tensor MergeFunction(ReadOnlySpan<Tensor> inputs);

    /// <inheritdoc/>
    public override void Build(Shape inputShape) => Build([inputShape]);

    /// <inheritdoc/>
    public override void Build(IReadOnlyList<Shape> inputShapes)
    {
        ArgumentNullException.ThrowIfNull(inputShapes);
        ComputeOutputShapes(inputShapes);
        Built = true;
    }

    /// <inheritdoc/>
    public override Tensor Call(Tensor inputs, bool training = false) => Call([inputs], training);

    /// <inheritdoc/>
    public override Tensor Call(ReadOnlySpan<Tensor> inputs, bool training = false)
    {
        var shapes = new Shape[inputs.Length];
        int maxRank = 0;
        for (int i = 0; i < inputs.Length; i++)
        {
            shapes[i] = inputs[i].Shape;
            maxRank = Math.Max(maxRank, shapes[i].Rank);
        }
        ComputeOutputShapes(shapes);
        bool sameRank = true;
        foreach (var s in shapes) sameRank &= s.Rank == maxRank;
        if (sameRank) return MergeFunction(inputs);
        var expanded = new Tensor[inputs.Length];
        for (int i = 0; i < inputs.Length; i++)
        {
            var x = inputs[i];
            for (int r = shapes[i].Rank; r < maxRank; r++) x = Ops.ExpandDims(x, 1);
            expanded[i] = x;
        }
        return MergeFunction(expanded);
    }

    /// <summary>The broadcast output shape; checks the input count, the batch sizes and the per-sample shapes.</summary>
    public override Shape[] ComputeOutputShapes(IReadOnlyList<Shape> inputShapes)
    {
        ArgumentNullException.ThrowIfNull(inputShapes);
        CheckCount(inputShapes);
        int batch = -1;
        for (int i = 0; i < inputShapes.Count; i++)
        {
            var s = inputShapes[i];
            if (s.Rank == 0)
                throw new ArgumentException($"Layer '{Name}' ({ClassName}) needs inputs with a batch axis; input {i} is a scalar. Received shapes {AllShapes(inputShapes)}.");
            if (s[0] < 0) continue;
            if (batch >= 0 && s[0] != batch)
                throw new ArgumentException($"Layer '{Name}' ({ClassName}) cannot merge tensors with different batch sizes. Received tensors with shapes {AllShapes(inputShapes)}.");
            batch = s[0];
        }
        var output = Sample(inputShapes[0]);
        for (int i = 1; i < inputShapes.Count; i++)
            output = Broadcast(output, Sample(inputShapes[i]), inputShapes, i);
        return [new Shape([batch, .. output])];
    }

    /// <summary>Checks the number of inputs against <see cref="RequiredInputCount"/> (at least one in any case).</summary>
    protected void CheckCount(IReadOnlyList<Shape> inputShapes)
    {
        if (RequiredInputCount is int n && inputShapes.Count != n)
            throw new ArgumentException($"Layer '{Name}' ({ClassName}) should be called on exactly {n} inputs. Received {inputShapes.Count} inputs with shapes {AllShapes(inputShapes)}.");
        if (inputShapes.Count < 1)
            throw new ArgumentException($"Layer '{Name}' ({ClassName}) should be called on a list of at least 1 input.");
    }

    /// <summary>The shapes as Keras prints them: "[(None, 3), (None, 4)]".</summary>
    protected static string AllShapes(IReadOnlyList<Shape> shapes) => "[" + string.Join(", ", shapes.Select(LayerArgs.Text)) + "]";

    private static int[] Sample(Shape s) => s.Dims[1..].ToArray();

    private int[] Broadcast(int[] a, int[] b, IReadOnlyList<Shape> all, int index)
    {
        if (a.Length < b.Length) (a, b) = (b, a);
        var result = new int[a.Length];
        int lead = a.Length - b.Length;
        for (int i = 0; i < lead; i++) result[i] = a[i];
        for (int i = 0; i < b.Length; i++)
        {
            int x = a[lead + i], y = b[i];
            if (x < 0 || y < 0) result[lead + i] = -1;
            else if (x == 1) result[lead + i] = y;
            else if (y == 1 || x == y) result[lead + i] = x;
            else
                throw new ArgumentException($"Layer '{Name}' ({ClassName}): inputs have incompatible shapes. Input {index} has shape {LayerArgs.Text(all[index])}, " +
                    $"which does not broadcast with the shapes before it; received shapes {AllShapes(all)}.");
        }
        return result;
    }
}
