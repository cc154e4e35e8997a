using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace KerasNet.Data;

/// <summary>Host data handed to Fit, Evaluate and Predict: the .NET counterpart of the numpy array Keras
/// takes. Wraps, without copying, a multidimensional array (<c>float[,]</c>, <c>float[,,,]</c>,
/// <c>int[]</c>, ...) or a flat array with a shape; the first axis is the sample axis. Batches are
/// gathered from it into one reused staging buffer and copied to the device once.</summary>
public sealed class ArrayData
{
    private readonly Array _array;
    private readonly int _firstRow;

    private ArrayData(Array array, Shape shape, DType dtype, int firstRow)
    {
        _array = array;
        Shape = shape;
        DType = dtype;
        _firstRow = firstRow;
    }

    /// <summary>Wraps a multidimensional (or 1-D) array; its shape is the data's shape.</summary>
    public static ArrayData From(Array array)
    {
        ArgumentNullException.ThrowIfNull(array);
        Span<int> dims = stackalloc int[array.Rank];
        for (int i = 0; i < dims.Length; i++) dims[i] = array.GetLength(i);
        return new ArrayData(array, new Shape(dims), DTypeOf(array), 0);
    }

    /// <summary>Wraps an array of any rank as data of <paramref name="shape"/> (first axis = samples), without a
    /// copy: the elements are read in the array's row-major order, so a float[60000, 28, 28] can be trained on as
    /// (60000, 28, 28, 1) images.</summary>
    public static ArrayData From(Array flat, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(flat);
        ArgumentNullException.ThrowIfNull(shape);
        var s = new Shape(shape);
        if (s.Size != flat.Length)
            throw new ArgumentException($"The array has {flat.Length} elements but shape {s} needs {s.Size}.", nameof(shape));
        return new ArrayData(flat, s, DTypeOf(flat), 0);
    }

    /// <summary>Copies a tensor's values to the host.</summary>
    public static ArrayData From(Tensor tensor)
    {
        Array data = tensor.DType switch
        {
            DType.Float32 => tensor.ToArray<float>(),
            DType.Int32 => tensor.ToArray<int>(),
            DType.Int64 => tensor.ToArray<long>(),
            _ => tensor.ToArray<bool>(),
        };
        return new ArrayData(data, tensor.Shape, tensor.DType, 0);
    }

    /// <summary>Wraps any .NET array.</summary>
    public static implicit operator ArrayData(Array array) => From(array);

    /// <summary>Copies a tensor to the host.</summary>
    public static implicit operator ArrayData(Tensor tensor) => From(tensor);

    /// <summary>Shape; the first axis counts samples.</summary>
    public Shape Shape { get; }

    /// <summary>Element type.</summary>
    public DType DType { get; }

    /// <summary>Number of samples.</summary>
    public int Length => Shape.Rank == 0 ? 1 : Shape[0];

    /// <summary>Elements per sample.</summary>
    public int RowSize => Shape.Rank == 0 ? 1 : (int)(Shape.Size / Math.Max(Shape[0], 1));

    /// <summary>Samples [start, start+count) as a view (no copy).</summary>
    public ArrayData Slice(int start, int count)
    {
        if (start < 0 || count < 0 || start + count > Length)
            throw new ArgumentOutOfRangeException(nameof(start), $"Samples [{start}, {start + count}) are outside the data's {Length}.");
        return new ArrayData(_array, Shape.With(0, count), DType, _firstRow + start);
    }

    /// <summary>The raw bytes of the whole underlying array.</summary>
    private Span<byte> Bytes
    {
        get
        {
            ref byte start = ref MemoryMarshal.GetArrayDataReference(_array);
            return MemoryMarshal.CreateSpan(ref start, checked(_array.Length * DType.SizeOf()));
        }
    }

    /// <summary>Copies the samples at <paramref name="rows"/> (indices into this view) into <paramref name="destination"/>.</summary>
    public void GatherRows(ReadOnlySpan<int> rows, Span<byte> destination)
    {
        int rowBytes = RowSize * DType.SizeOf();
        var src = Bytes;
        for (int i = 0; i < rows.Length; i++)
        {
            int r = rows[i];
            if ((uint)r >= (uint)Length) throw new ArgumentOutOfRangeException(nameof(rows), $"Sample {r} is outside [0, {Length}).");
            src.Slice((_firstRow + r) * rowBytes, rowBytes).CopyTo(destination.Slice(i * rowBytes, rowBytes));
        }
    }

    /// <summary>Reads one element of one sample as a double (labels for class weights).</summary>
    internal double ReadScalar(int row, int offset)
    {
        int index = (_firstRow + row) * RowSize + offset;
        var b = Bytes;
        return DType switch
        {
            DType.Float32 => MemoryMarshal.Cast<byte, float>(b)[index],
            DType.Int32 => MemoryMarshal.Cast<byte, int>(b)[index],
            DType.Int64 => MemoryMarshal.Cast<byte, long>(b)[index],
            _ => b[index],
        };
    }

    private static DType DTypeOf(Array a)
    {
        var t = a.GetType().GetElementType();
        if (t == typeof(float)) return DType.Float32;
        if (t == typeof(int)) return DType.Int32;
        if (t == typeof(long)) return DType.Int64;
        if (t == typeof(bool)) return DType.Bool;
        if (t == typeof(double))
            throw new ArgumentException("double arrays are not taken as model data: KerasNet trains in float32. Convert with Array.ConvertAll or build a float[] (e.g. data.Select(v => (float)v)).");
        throw new ArgumentException($"Arrays of {t?.Name} cannot be model data; use float, int, long or bool.");
    }

    /// <summary>"ArrayData(shape=(60000, 28, 28), dtype=float32)"</summary>
    public override string ToString() => $"ArrayData(shape={Shape}, dtype={DType.KerasName()})";
}

/// <summary>Turns batches of host samples into device tensors through one reused staging buffer.</summary>
internal sealed class BatchLoader
{
    private byte[] _staging = [];

    public Tensor Load(ArrayData data, ReadOnlySpan<int> rows)
    {
        int bytes = rows.Length * data.RowSize * data.DType.SizeOf();
        if (_staging.Length < bytes) _staging = GC.AllocateUninitializedArray<byte>(bytes, pinned: true);
        var span = _staging.AsSpan(0, bytes);
        data.GatherRows(rows, span);
        var shape = data.Shape.With(0, rows.Length);
        var t = Tensor.Empty(shape, data.DType);
        t.Backend.Upload(span, t.Buffer, 0);
        return t;
    }

    public Tensor LoadFloats(ReadOnlySpan<float> values, Shape shape)
    {
        int bytes = values.Length * 4;
        if (_staging.Length < bytes) _staging = GC.AllocateUninitializedArray<byte>(bytes, pinned: true);
        MemoryMarshal.AsBytes(values).CopyTo(_staging);
        var t = Tensor.Empty(shape, DType.Float32);
        t.Backend.Upload(_staging.AsSpan(0, bytes), t.Buffer, 0);
        return t;
    }
}
