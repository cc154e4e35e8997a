using System.Buffers;
using KerasNet.Backend;

namespace KerasNet;

public static partial class Ops
{
    /// <summary>The same data with a new shape of equal size; one dimension may be -1 (inferred). Shares
    /// the storage, copies nothing.</summary>
    public static Tensor Reshape(Tensor x, Shape shape)
    {
        var s = x.Shape;
        Span<int> d = stackalloc int[shape.Rank];
        shape.Dims.CopyTo(d);
        int infer = -1;
        long known = 1;
        for (int i = 0; i < d.Length; i++)
        {
            if (d[i] == -1)
            {
                if (infer >= 0) throw new ArgumentException($"Reshape: only one dimension may be -1; got {shape}.", nameof(shape));
                infer = i;
            }
            else if (d[i] < 0) throw new ArgumentException($"Reshape: dimensions must be positive or -1; got {shape}.", nameof(shape));
            else known *= d[i];
        }
        if (infer >= 0)
        {
            if (known == 0 || s.Size % known != 0)
                throw new ArgumentException($"Reshape: cannot reshape a tensor of shape {s} ({s.Size} elements) into {shape}.", nameof(shape));
            d[infer] = (int)(s.Size / known);
        }
        var target = new Shape(d);
        if (target.Size != s.Size)
            throw new ArgumentException($"Reshape: cannot reshape a tensor of shape {s} ({s.Size} elements) into {target} ({target.Size} elements).", nameof(shape));
        var y = x.ShareAs(target);
        if (GradientTape.ShouldRecord(x) is { } tape)
        {
            var node = new TapeNode { Op = OpCode.Reshape, A = x, Out = y };
            tape.Record(ref node);
        }
        return y;
    }

    /// <summary>Flattens all axes after the first: (N, ...) to (N, prod(...)).</summary>
    public static Tensor Flatten(Tensor x) => Reshape(x, new Shape(x.Shape[0], x.Shape.Rank == 1 ? 1 : (int)(x.Size / Math.Max(x.Shape[0], 1))));

    /// <summary>Inserts a size-1 axis at <paramref name="axis"/>.</summary>
    public static Tensor ExpandDims(Tensor x, int axis)
    {
        var s = x.Shape;
        int a = axis < 0 ? axis + s.Rank + 1 : axis;
        if ((uint)a > (uint)s.Rank) throw new ArgumentOutOfRangeException(nameof(axis), $"ExpandDims: axis {axis} is out of range for shape {s}.");
        Span<int> d = stackalloc int[s.Rank + 1];
        for (int i = 0, j = 0; i < d.Length; i++) d[i] = i == a ? 1 : s[j++];
        return Reshape(x, new Shape(d));
    }

    /// <summary>Removes size-1 axes (all of them, or just <paramref name="axis"/>).</summary>
    public static Tensor Squeeze(Tensor x, int? axis = null)
    {
        var s = x.Shape;
        Span<int> d = stackalloc int[s.Rank];
        int n = 0;
        int a = axis is int ax ? s.NormalizeAxis(ax) : -1;
        if (a >= 0 && s[a] != 1) throw new ArgumentException($"Squeeze: axis {axis} of shape {s} has size {s[a]}, not 1.", nameof(axis));
        for (int i = 0; i < s.Rank; i++)
            if (!(s[i] == 1 && (a < 0 || a == i))) d[n++] = s[i];
        return Reshape(x, new Shape(d[..n]));
    }

    /// <summary>Permutes the axes (reverses them when <paramref name="perm"/> is empty).</summary>
    public static Tensor Transpose(Tensor x, ReadOnlySpan<int> perm = default)
    {
        var s = x.Shape;
        Span<int> p = stackalloc int[s.Rank];
        if (perm.IsEmpty) for (int i = 0; i < s.Rank; i++) p[i] = s.Rank - 1 - i;
        else
        {
            if (perm.Length != s.Rank) throw new ArgumentException($"Transpose: perm has {perm.Length} axes; the tensor of shape {s} has {s.Rank}.", nameof(perm));
            Span<bool> seen = stackalloc bool[s.Rank];
            for (int i = 0; i < s.Rank; i++)
            {
                int v = perm[i] < 0 ? perm[i] + s.Rank : perm[i];
                if ((uint)v >= (uint)s.Rank || seen[v]) throw new ArgumentException($"Transpose: [{string.Join(", ", perm.ToArray())}] is not a permutation of the axes of a rank-{s.Rank} tensor.", nameof(perm));
                seen[v] = true;
                p[i] = v;
            }
        }
        var ps = new Shape(p);
        var y = TransposeNoRecord(x, ps);
        if (GradientTape.ShouldRecord(x) is { } tape)
        {
            var node = new TapeNode { Op = OpCode.Transpose, A = x, Out = y, S0 = ps };
            tape.Record(ref node);
        }
        return y;
    }

    internal static Tensor TransposeNoRecord(Tensor x, Shape perm)
    {
        var s = x.Shape;
        var inStrides = ContiguousStrides(s);
        Span<int> od = stackalloc int[s.Rank];
        Span<int> ss = stackalloc int[s.Rank];
        for (int i = 0; i < s.Rank; i++)
        {
            od[i] = s[perm[i]];
            ss[i] = inStrides[perm[i]];
        }
        var outShape = new Shape(od);
        var y = Tensor.Empty(outShape, x.DType, x.Backend);
        x.Backend.StridedCopy(new StridedCopyParams
        {
            Shape = outShape, SrcStrides = new Shape(ss), DstStrides = ContiguousStrides(outShape),
        }, x.Buffer, y.Buffer, x.DType);
        return y;
    }

    /// <summary>Broadcasts to <paramref name="shape"/> (materialized).</summary>
    public static Tensor BroadcastTo(Tensor x, Shape shape)
    {
        var y = BroadcastToNoRecord(x, shape);
        if (GradientTape.ShouldRecord(x) is { } tape)
        {
            var node = new TapeNode { Op = OpCode.BroadcastTo, A = x, Out = y };
            tape.Record(ref node);
        }
        return y;
    }

    internal static Tensor BroadcastToNoRecord(Tensor x, Shape shape)
    {
        var target = BroadcastShapes(x.Shape, shape, "BroadcastTo");
        if (target != shape)
            throw new ArgumentException($"BroadcastTo: a tensor of shape {x.Shape} cannot be broadcast to {shape}.", nameof(shape));
        var plan = BroadcastPlan.Create(shape, x.Shape, shape);
        var y = Tensor.Empty(shape, x.DType, x.Backend);
        x.Backend.StridedCopy(new StridedCopyParams
        {
            Shape = plan.OutShape, SrcStrides = plan.AStrides, DstStrides = ContiguousStrides(plan.OutShape),
        }, x.Buffer, y.Buffer, x.DType);
        return y;
    }

    /// <summary>The block starting at <paramref name="begin"/> of size <paramref name="size"/> (-1 = to the end).</summary>
    public static Tensor Slice(Tensor x, ReadOnlySpan<int> begin, ReadOnlySpan<int> size)
    {
        var s = x.Shape;
        if (begin.Length != s.Rank || size.Length != s.Rank)
            throw new ArgumentException($"Slice: begin and size need {s.Rank} entries for shape {s}; got {begin.Length} and {size.Length}.");
        Span<int> sz = stackalloc int[s.Rank];
        long offset = 0;
        var strides = ContiguousStrides(s);
        for (int i = 0; i < s.Rank; i++)
        {
            int b = begin[i];
            int n = size[i] == -1 ? s[i] - b : size[i];
            if (b < 0 || n < 0 || b + n > s[i])
                throw new ArgumentOutOfRangeException(nameof(begin), $"Slice: [{b}, {b + n}) is outside axis {i} of shape {s}.");
            sz[i] = n;
            offset += (long)b * strides[i];
        }
        var outShape = new Shape(sz);
        var y = Tensor.Empty(outShape, x.DType, x.Backend);
        x.Backend.StridedCopy(new StridedCopyParams
        {
            Shape = outShape, SrcStrides = strides, SrcOffset = offset, DstStrides = ContiguousStrides(outShape),
        }, x.Buffer, y.Buffer, x.DType);
        if (GradientTape.ShouldRecord(x) is { } tape)
        {
            var node = new TapeNode { Op = OpCode.Slice, A = x, Out = y, S0 = new Shape(begin) };
            tape.Record(ref node);
        }
        return y;
    }

    /// <summary>Elements [start, start+length) of one axis.</summary>
    public static Tensor SliceAxis(Tensor x, int axis, int start, int length)
    {
        var s = x.Shape;
        int a = s.NormalizeAxis(axis);
        Span<int> b = stackalloc int[s.Rank];
        Span<int> n = stackalloc int[s.Rank];
        for (int i = 0; i < s.Rank; i++) { b[i] = 0; n[i] = s[i]; }
        b[a] = start;
        n[a] = length;
        return Slice(x, b, n);
    }

    /// <summary>Pads with a constant: <paramref name="before"/>[i] and <paramref name="after"/>[i] elements on axis i.</summary>
    public static Tensor Pad(Tensor x, ReadOnlySpan<int> before, ReadOnlySpan<int> after, float constant = 0f)
    {
        var s = x.Shape;
        if (before.Length != s.Rank || after.Length != s.Rank)
            throw new ArgumentException($"Pad: padding needs {s.Rank} entries per side for shape {s}; got {before.Length} and {after.Length}.");
        Span<int> od = stackalloc int[s.Rank];
        for (int i = 0; i < s.Rank; i++)
        {
            if (before[i] < 0 || after[i] < 0) throw new ArgumentException($"Pad: padding must not be negative; got {before[i]} and {after[i]} on axis {i}.");
            od[i] = s[i] + before[i] + after[i];
        }
        var outShape = new Shape(od);
        var y = FullOn(x.Backend, outShape, constant, x.DType);
        var dstStrides = ContiguousStrides(outShape);
        long offset = 0;
        for (int i = 0; i < s.Rank; i++) offset += (long)before[i] * dstStrides[i];
        x.Backend.StridedCopy(new StridedCopyParams
        {
            Shape = s, SrcStrides = ContiguousStrides(s), DstStrides = dstStrides, DstOffset = offset,
        }, x.Buffer, y.Buffer, x.DType);
        if (GradientTape.ShouldRecord(x) is { } tape)
        {
            var node = new TapeNode { Op = OpCode.Pad, A = x, Out = y, S0 = new Shape(before) };
            tape.Record(ref node);
        }
        return y;
    }

    /// <summary>Joins tensors along an existing axis.</summary>
    public static Tensor Concatenate(ReadOnlySpan<Tensor> tensors, int axis = 0)
    {
        if (tensors.Length == 0) throw new ArgumentException("Concatenate needs at least one tensor.", nameof(tensors));
        var first = tensors[0].Shape;
        int a = first.NormalizeAxis(axis);
        int total = 0;
        var dtype = tensors[0].DType;
        for (int t = 0; t < tensors.Length; t++)
        {
            var s = tensors[t].Shape;
            if (s.Rank != first.Rank || tensors[t].DType != dtype)
                throw new ArgumentException($"Concatenate: input {t} has shape {s} and dtype {tensors[t].DType.KerasName()}; input 0 has {first} and {dtype.KerasName()}.");
            for (int i = 0; i < s.Rank; i++)
                if (i != a && s[i] != first[i])
                    throw new ArgumentException($"Concatenate along axis {axis}: input {t} has shape {s}, input 0 has {first}; all axes but {axis} must match.");
            CheckSameBackend(tensors[0], tensors[t], "Concatenate");
            total += s[a];
        }
        var outShape = first.With(a, total);
        var y = Tensor.Empty(outShape, dtype, tensors[0].Backend);
        var dstStrides = ContiguousStrides(outShape);
        long offset = 0;
        foreach (var t in tensors)
        {
            var s = t.Shape;
            if (s.Size > 0)
                t.Backend.StridedCopy(new StridedCopyParams
                {
                    Shape = s, SrcStrides = ContiguousStrides(s), DstStrides = dstStrides, DstOffset = offset,
                }, t.Buffer, y.Buffer, dtype);
            offset += (long)s[a] * dstStrides[a];
        }
        if (dtype == DType.Float32 && GradientTape.ShouldRecord(tensors) is { } tape)
        {
            var many = ArrayPool<Tensor>.Shared.Rent(tensors.Length);
            tensors.CopyTo(many);
            var node = new TapeNode { Op = OpCode.Concat, Many = many, ManyCount = tensors.Length, Out = y, I0 = a };
            tape.Record(ref node);
        }
        return y;
    }

    /// <summary>Stacks same-shaped tensors along a new axis.</summary>
    public static Tensor Stack(ReadOnlySpan<Tensor> tensors, int axis = 0)
    {
        if (tensors.Length == 0) throw new ArgumentException("Stack needs at least one tensor.", nameof(tensors));
        var expanded = ArrayPool<Tensor>.Shared.Rent(tensors.Length);
        // A recording tape's Concat node reads the expanded inputs in the backward pass; the scope frees them then.
        bool recording = GradientTape.ShouldRecord(tensors) is not null;
        try
        {
            for (int i = 0; i < tensors.Length; i++)
            {
                if (tensors[i].Shape != tensors[0].Shape)
                    throw new ArgumentException($"Stack: input {i} has shape {tensors[i].Shape}, input 0 has {tensors[0].Shape}; all must match.");
                expanded[i] = ExpandDims(tensors[i], axis);
            }
            return Concatenate(expanded.AsSpan(0, tensors.Length), axis);
        }
        finally
        {
            if (!recording) for (int i = 0; i < tensors.Length; i++) if (!expanded[i].IsNull) expanded[i].Dispose();
            ArrayPool<Tensor>.Shared.Return(expanded, clearArray: true);
        }
    }

    /// <summary>Splits into <paramref name="sections"/> equal parts along <paramref name="axis"/>.</summary>
    public static Tensor[] Split(Tensor x, int sections, int axis = 0)
    {
        var s = x.Shape;
        int a = s.NormalizeAxis(axis);
        if (sections <= 0 || s[a] % sections != 0)
            throw new ArgumentException($"Split: axis {axis} of shape {s} (size {s[a]}) does not split into {sections} equal parts.", nameof(sections));
        int part = s[a] / sections;
        var result = new Tensor[sections];
        for (int i = 0; i < sections; i++) result[i] = SliceAxis(x, a, i * part, part);
        return result;
    }

    /// <summary>Gathers slices of <paramref name="x"/> along <paramref name="axis"/> at integer
    /// <paramref name="indices"/>: the result's shape is x.shape[:axis] + indices.shape + x.shape[axis+1:].</summary>
    public static Tensor Take(Tensor x, Tensor indices, int axis = 0)
    {
        if (!indices.DType.IsInteger())
            throw new ArgumentException($"Take expects int32 or int64 indices; got {indices.DType.KerasName()}.", nameof(indices));
        CheckSameBackend(x, indices, "Take");
        var s = x.Shape;
        int a = s.NormalizeAxis(axis);
        var ishape = indices.Shape;
        Span<int> od = stackalloc int[s.Rank - 1 + ishape.Rank];
        int n = 0;
        for (int i = 0; i < a; i++) od[n++] = s[i];
        for (int i = 0; i < ishape.Rank; i++) od[n++] = ishape[i];
        for (int i = a + 1; i < s.Rank; i++) od[n++] = s[i];
        (int outer, int axisSize, int inner) = Split(s, a, a);
        var y = Tensor.Empty(new Shape(od), x.DType, x.Backend);
        x.Backend.Gather(x.Buffer, indices.Buffer, indices.DType, y.Buffer, x.DType, outer, axisSize, inner, checked((int)indices.Size));
        if (x.DType == DType.Float32 && GradientTape.ShouldRecord(x) is { } tape)
        {
            var node = new TapeNode { Op = OpCode.Take, A = x, B = indices, Out = y, I0 = a };
            tape.Record(ref node);
        }
        return y;
    }

    /// <summary>A copy of <paramref name="target"/> with <paramref name="updates"/> added at
    /// <paramref name="indices"/> along <paramref name="axis"/> (repeated indices accumulate); the inverse
    /// of <see cref="Take"/>. updates has shape target.shape[:axis] + indices.shape + target.shape[axis+1:].</summary>
    public static Tensor ScatterAdd(Tensor target, Tensor indices, Tensor updates, int axis = 0)
    {
        CheckFloat(target, "ScatterAdd", nameof(target));
        CheckFloat(updates, "ScatterAdd", nameof(updates));
        if (!indices.DType.IsInteger())
            throw new ArgumentException($"ScatterAdd expects int32 or int64 indices; got {indices.DType.KerasName()}.", nameof(indices));
        var s = target.Shape;
        int a = s.NormalizeAxis(axis);
        (int outer, int axisSize, int inner) = Split(s, a, a);
        long expected = (long)outer * inner * indices.Size;
        if (updates.Size != expected)
            throw new ArgumentException($"ScatterAdd: updates of shape {updates.Shape} do not match target {s} with indices {indices.Shape} along axis {axis}.", nameof(updates));
        var y = Identity(target);
        target.Backend.ScatterAdd(updates.Buffer, indices.Buffer, indices.DType, y.Buffer, outer, axisSize, inner, checked((int)indices.Size));
        if (GradientTape.ShouldRecord(target, updates) is { } tape)
        {
            var node = new TapeNode { Op = OpCode.ScatterAdd, A = target, B = updates, C = indices, Out = y, I0 = a };
            tape.Record(ref node);
        }
        return y;
    }

    /// <summary>One-hot float32 encoding of integer labels: shape labels.shape + (numClasses,). An index
    /// outside [0, numClasses) is an error.</summary>
    public static Tensor OneHot(Tensor labels, int numClasses)
    {
        if (numClasses <= 0) throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses, "OneHot needs at least one class.");
        using var eye = FullOn(labels.Backend, new Shape(numClasses, numClasses), 0);
        // Fill the diagonal through a strided copy of ones.
        using var ones = FullOn(labels.Backend, new Shape(numClasses), 1);
        labels.Backend.StridedCopy(new StridedCopyParams
        {
            Shape = new Shape(numClasses), SrcStrides = new Shape(1), DstStrides = new Shape(numClasses + 1),
        }, ones.Buffer, eye.Buffer, DType.Float32);
        return Take(eye, labels, 0);
    }
}
