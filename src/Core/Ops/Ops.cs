using KerasNet.Backend;

namespace KerasNet;

/// <summary>The public math API, the <c>keras.ops</c> of .NET: what layers, losses, metrics and optimizers
/// are written with. Every differentiable op records itself on the active <see cref="GradientTape"/>.
/// Axes may be negative (counted from the end); shapes broadcast as in NumPy.</summary>
public static partial class Ops
{
    // ----- shared validation and helpers -----

    internal static void CheckSameBackend(Tensor a, Tensor b, string op)
    {
        if (!ReferenceEquals(a.Backend, b.Backend))
            throw new ArgumentException($"{op}: the operands live on different devices ({a.Backend.Name}/{a.Backend.Device} and {b.Backend.Name}/{b.Backend.Device}).");
    }

    internal static void CheckDType(Tensor x, DType expected, string op, string argument)
    {
        if (x.DType != expected)
            throw new ArgumentException($"{op} expects {argument} to be {expected.KerasName()}; got {x.DType.KerasName()} with shape {x.Shape}.", argument);
    }

    internal static void CheckFloat(Tensor x, string op, string argument = "x") => CheckDType(x, DType.Float32, op, argument);

    /// <summary>The NumPy broadcast of two shapes; the error names the op and both shapes.</summary>
    public static Shape BroadcastShapes(Shape a, Shape b, string op = "broadcast")
    {
        int rank = Math.Max(a.Rank, b.Rank);
        Span<int> dims = stackalloc int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i < rank - a.Rank ? 1 : a[i - (rank - a.Rank)];
            int db = i < rank - b.Rank ? 1 : b[i - (rank - b.Rank)];
            if (da != db && da != 1 && db != 1)
                throw new ArgumentException($"{op}: shapes {a} and {b} cannot be broadcast together (dimension {i} of the result: {da} vs {db}).");
            dims[i] = da == 1 ? db : da;
        }
        return new Shape(dims);
    }

    internal static Shape ContiguousStrides(Shape shape)
    {
        Span<int> s = stackalloc int[shape.Rank];
        int stride = 1;
        for (int i = shape.Rank - 1; i >= 0; i--)
        {
            s[i] = stride;
            stride *= shape[i];
        }
        return new Shape(s);
    }

    /// <summary>Normalizes, sorts and de-duplicates axes; an empty span means all axes.</summary>
    internal static Shape NormalizeAxes(Shape shape, ReadOnlySpan<int> axes, string op)
    {
        if (axes.IsEmpty)
        {
            Span<int> all = stackalloc int[shape.Rank];
            for (int i = 0; i < all.Length; i++) all[i] = i;
            return new Shape(all);
        }
        Span<bool> seen = stackalloc bool[Math.Max(shape.Rank, 1)];
        seen.Clear();
        int n = 0;
        foreach (int ax in axes)
        {
            int a = ax < 0 ? ax + shape.Rank : ax;
            if ((uint)a >= (uint)shape.Rank)
                throw new ArgumentOutOfRangeException(nameof(axes), $"{op}: axis {ax} is out of range for a tensor of shape {shape} (rank {shape.Rank}).");
            if (!seen[a]) { seen[a] = true; n++; }
        }
        Span<int> result = stackalloc int[n];
        int k = 0;
        for (int i = 0; i < shape.Rank; i++) if (seen[i]) result[k++] = i;
        return new Shape(result);
    }

    /// <summary>Sums <paramref name="g"/> down to <paramref name="shape"/> (undoing a broadcast).</summary>
    internal static Tensor SumTo(Tensor g, Shape shape)
    {
        var gs = g.Shape;
        if (gs == shape) return Identity(g);
        int lead = gs.Rank - shape.Rank;
        Span<int> axes = stackalloc int[gs.Rank];
        int n = 0;
        for (int i = 0; i < gs.Rank; i++)
        {
            if (i < lead) axes[n++] = i;
            else if (shape[i - lead] == 1 && gs[i] != 1) axes[n++] = i;
        }
        var summed = n == 0 ? Identity(g) : Sum(g, axes[..n], keepDims: true);
        if (summed.Shape == shape) return summed;
        var r = Reshape(summed, shape);
        summed.Dispose();
        return r;
    }

    /// <summary>A new tensor with the same data (a copy that the tape sees as identity).</summary>
    public static Tensor Identity(Tensor x)
    {
        var y = Tensor.Empty(x.Shape, x.DType, x.Backend);
        x.Backend.Copy(x.Buffer, 0, y.Buffer, 0, x.Size * x.DType.SizeOf());
        if (GradientTape.ShouldRecord(x) is { } tape)
        {
            var node = new TapeNode { Op = OpCode.Copy, A = x, Out = y };
            tape.Record(ref node);
        }
        return y;
    }

    /// <summary>The same values with no gradient flowing back through them.</summary>
    public static Tensor StopGradient(Tensor x)
    {
        var y = Tensor.Empty(x.Shape, x.DType, x.Backend);
        x.Backend.Copy(x.Buffer, 0, y.Buffer, 0, x.Size * x.DType.SizeOf());
        return y;
    }
}
