using KerasNet.Backend;

namespace KerasNet;

public static partial class Ops
{
    /// <summary>Sum over all elements.</summary>
    public static Tensor Sum(Tensor x) => Reduce(ReduceOp.Sum, x, default, false, "Sum");
    /// <summary>Sum over one axis.</summary>
    public static Tensor Sum(Tensor x, int axis, bool keepDims = false) => Reduce(ReduceOp.Sum, x, [axis], keepDims, "Sum");
    /// <summary>Sum over several axes (empty: all).</summary>
    public static Tensor Sum(Tensor x, ReadOnlySpan<int> axes, bool keepDims = false) => Reduce(ReduceOp.Sum, x, axes, keepDims, "Sum");
    /// <summary>Mean over all elements.</summary>
    public static Tensor Mean(Tensor x) => Reduce(ReduceOp.Mean, x, default, false, "Mean");
    /// <summary>Mean over one axis.</summary>
    public static Tensor Mean(Tensor x, int axis, bool keepDims = false) => Reduce(ReduceOp.Mean, x, [axis], keepDims, "Mean");
    /// <summary>Mean over several axes (empty: all).</summary>
    public static Tensor Mean(Tensor x, ReadOnlySpan<int> axes, bool keepDims = false) => Reduce(ReduceOp.Mean, x, axes, keepDims, "Mean");
    /// <summary>Maximum over all elements.</summary>
    public static Tensor Max(Tensor x) => Reduce(ReduceOp.Max, x, default, false, "Max");
    /// <summary>Maximum over one axis.</summary>
    public static Tensor Max(Tensor x, int axis, bool keepDims = false) => Reduce(ReduceOp.Max, x, [axis], keepDims, "Max");
    /// <summary>Maximum over several axes (empty: all).</summary>
    public static Tensor Max(Tensor x, ReadOnlySpan<int> axes, bool keepDims = false) => Reduce(ReduceOp.Max, x, axes, keepDims, "Max");
    /// <summary>Minimum over all elements.</summary>
    public static Tensor Min(Tensor x) => Reduce(ReduceOp.Min, x, default, false, "Min");
    /// <summary>Minimum over one axis.</summary>
    public static Tensor Min(Tensor x, int axis, bool keepDims = false) => Reduce(ReduceOp.Min, x, [axis], keepDims, "Min");
    /// <summary>Minimum over several axes (empty: all).</summary>
    public static Tensor Min(Tensor x, ReadOnlySpan<int> axes, bool keepDims = false) => Reduce(ReduceOp.Min, x, axes, keepDims, "Min");
    /// <summary>Product over all elements.</summary>
    public static Tensor Prod(Tensor x) => Reduce(ReduceOp.Prod, x, default, false, "Prod");
    /// <summary>Product over several axes (empty: all).</summary>
    public static Tensor Prod(Tensor x, ReadOnlySpan<int> axes, bool keepDims = false) => Reduce(ReduceOp.Prod, x, axes, keepDims, "Prod");

    /// <summary>Population variance (biased, as Keras's ops.var).</summary>
    public static Tensor Var(Tensor x, ReadOnlySpan<int> axes, bool keepDims = false)
    {
        var mean = Mean(x, axes, keepDims: true);
        var sq = SquaredDifference(x, mean);
        var y = Mean(sq, axes, keepDims);
        // A recording tape's nodes read mean and sq in the backward pass; the scope frees them then.
        if (GradientTape.ShouldRecord(x) is null)
        {
            mean.Dispose();
            sq.Dispose();
        }
        return y;
    }

    /// <summary>Index of the largest element along <paramref name="axis"/> (int32; first on ties).</summary>
    public static Tensor Argmax(Tensor x, int axis = -1, bool keepDims = false) => ArgReduce(true, x, axis, keepDims);

    /// <summary>Index of the smallest element along <paramref name="axis"/> (int32; first on ties).</summary>
    public static Tensor Argmin(Tensor x, int axis = -1, bool keepDims = false) => ArgReduce(false, x, axis, keepDims);

    private static Tensor ArgReduce(bool max, Tensor x, int axis, bool keepDims)
    {
        CheckFloat(x, max ? "Argmax" : "Argmin");
        var s = x.Shape;
        int a = s.NormalizeAxis(axis);
        (int outer, int r, int inner) = Split(s, a, a);
        var y = Tensor.Empty(ReducedShape(s, new Shape(a), keepDims), DType.Int32, x.Backend);
        x.Backend.ArgReduce(max, x.Buffer, y.Buffer, outer, r, inner);
        return y;
    }

    private static (int Outer, int Reduce, int Inner) Split(Shape s, int first, int last)
    {
        int outer = 1, r = 1, inner = 1;
        for (int i = 0; i < s.Rank; i++)
        {
            if (i < first) outer *= s[i];
            else if (i <= last) r *= s[i];
            else inner *= s[i];
        }
        return (outer, r, inner);
    }

    internal static Shape ReducedShape(Shape s, Shape axes, bool keepDims)
    {
        Span<int> dims = stackalloc int[s.Rank];
        int n = 0, k = 0;
        for (int i = 0; i < s.Rank; i++)
        {
            bool reduced = k < axes.Rank && axes[k] == i;
            if (reduced) k++;
            if (!reduced) dims[n++] = s[i];
            else if (keepDims) dims[n++] = 1;
        }
        return new Shape(dims[..n]);
    }

    internal static Tensor Reduce(ReduceOp op, Tensor x, ReadOnlySpan<int> axesIn, bool keepDims, string name)
    {
        if (!(x.DType == DType.Float32 || (x.DType.IsInteger() && op is ReduceOp.Sum or ReduceOp.Max or ReduceOp.Min)))
            throw new ArgumentException($"{name} expects a float32 tensor{(op is ReduceOp.Sum or ReduceOp.Max or ReduceOp.Min ? " or an integer one" : "")}; got {x.DType.KerasName()} with shape {x.Shape}.", nameof(x));
        var s = x.Shape;
        var axes = NormalizeAxes(s, axesIn, name);
        var outShape = ReducedShape(s, axes, keepDims);
        if (s.Size == 0 && op is ReduceOp.Max or ReduceOp.Min)
            throw new ArgumentException($"{name} of an empty tensor (shape {s}) has no identity.");
        var y = Tensor.Empty(outShape, x.DType, x.Backend);
        bool contiguous = axes.Rank == 0 || axes[axes.Rank - 1] - axes[0] == axes.Rank - 1;
        if (axes.Rank == 0)
        {
            x.Backend.Copy(x.Buffer, 0, y.Buffer, 0, x.Size * x.DType.SizeOf());
        }
        else if (contiguous)
        {
            (int outer, int r, int inner) = Split(s, axes[0], axes[axes.Rank - 1]);
            x.Backend.Reduce(op, x.Buffer, y.Buffer, x.DType, outer, r, inner);
        }
        else
        {
            // Move the reduced axes to the end, then reduce one contiguous block.
            Span<int> perm = stackalloc int[s.Rank];
            int n = 0, k = 0;
            for (int i = 0; i < s.Rank; i++)
            {
                if (k < axes.Rank && axes[k] == i) { k++; continue; }
                perm[n++] = i;
            }
            for (int i = 0; i < axes.Rank; i++) perm[n++] = axes[i];
            using var t = TransposeNoRecord(x, new Shape(perm));
            long r = 1;
            for (int i = 0; i < axes.Rank; i++) r *= s[axes[i]];
            x.Backend.Reduce(op, t.Buffer, y.Buffer, x.DType, checked((int)(s.Size / Math.Max(r, 1))), checked((int)r), 1);
        }
        if (x.DType == DType.Float32 && GradientTape.ShouldRecord(x) is { } tape)
        {
            var node = new TapeNode { Op = OpCode.Reduce, A = x, Out = y, I0 = (int)op, S0 = axes, Flag0 = keepDims };
            tape.Record(ref node);
        }
        return y;
    }
}
