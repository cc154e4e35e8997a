using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using KerasNet.Backend;

namespace KerasNet;

/// <summary>An n-dimensional array on a backend's device. <c>Tensor</c> is a small handle: copying it
/// copies the reference, not the data. Tensors made inside a <see cref="TensorScope"/> (the Trainer opens
/// one per step) are released when it ends; others are freed by the garbage collector, or at once by
/// <see cref="Dispose"/>. Using a released tensor throws <see cref="ObjectDisposedException"/>.</summary>
public readonly partial struct Tensor : IDisposable, IEquatable<Tensor>
{
    private readonly TensorImpl? _impl;
    private readonly int _generation;

    internal Tensor(TensorImpl impl)
    {
        _impl = impl;
        _generation = impl.Generation;
    }

    internal TensorImpl Impl
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            var impl = _impl;
            if (impl is null || impl.Generation != _generation) ThrowInvalid();
            return impl!;
        }
    }

    /// <summary>The record of a tensor the tape pinned: valid even when a release was deferred.</summary>
    internal TensorImpl PinnedImpl => _impl!;

    private void ThrowInvalid()
    {
        if (_impl is null)
            throw new InvalidOperationException("This Tensor is uninitialized (default(Tensor)); create tensors with Tensor.FromArray, Ops or a layer.");
        throw new ObjectDisposedException(nameof(Tensor),
            "This tensor was disposed, or released when the TensorScope it was created in ended. " +
            "Pass it to TensorScope.Keep to use it after its scope, or create it outside any scope.");
    }

    /// <summary>True for a handle that was never assigned (default(Tensor)).</summary>
    public bool IsNull => _impl is null;

    /// <summary>True once the tensor was disposed or its scope ended.</summary>
    public bool IsDisposed => _impl is not null && _impl.Generation != _generation;

    /// <summary>The shape.</summary>
    public Shape Shape => Impl.Shape;

    /// <summary>The element type.</summary>
    public DType DType => Impl.DType;

    /// <summary>Number of dimensions.</summary>
    public int Rank => Impl.Shape.Rank;

    /// <summary>Number of elements.</summary>
    public long Size => Impl.Shape.Size;

    /// <summary>The backend (and device) holding the data.</summary>
    public IBackend Backend => Impl.Backend;

    internal DeviceBuffer Buffer => Impl.Buffer;

    /// <summary>Creates an uninitialized tensor on <paramref name="backend"/> (the current backend by
    /// default), tracked by the current scope.</summary>
    internal static Tensor Empty(Shape shape, DType dtype = DType.Float32, IBackend? backend = null)
    {
        backend ??= BackendRegistry.Current;
        var impl = TensorImpl.Rent();
        impl.Backend = backend;
        impl.Shape = shape;
        impl.DType = dtype;
        impl.Buffer = backend.Allocate(shape.Size * dtype.SizeOf());
        impl.Buffer.AddRef();
        TensorScope.Current?.Track(impl);
        return new Tensor(impl);
    }

    /// <summary>A new tensor header over this tensor's buffer with another shape of the same size.</summary>
    internal Tensor ShareAs(Shape shape)
    {
        var src = Impl;
        var impl = TensorImpl.Rent();
        impl.Backend = src.Backend;
        impl.Shape = shape;
        impl.DType = src.DType;
        impl.Buffer = src.Buffer;
        impl.Buffer.AddRef();
        TensorScope.Current?.Track(impl);
        return new Tensor(impl);
    }

    // ----- creation from host data -----

    /// <summary>Creates a tensor from host elements (float, int, long or bool) with the given shape.</summary>
    public static Tensor FromArray<T>(ReadOnlySpan<T> data, Shape shape) where T : unmanaged
    {
        var dtype = DTypeOf<T>();
        if (data.Length != shape.Size)
            throw new ArgumentException($"The data has {data.Length} elements but shape {shape} needs {shape.Size}.", nameof(data));
        var t = Empty(shape, dtype);
        t.Backend.Upload(MemoryMarshal.AsBytes(data), t.Buffer, 0);
        return t;
    }

    /// <summary>Creates a tensor from a float array with the given shape (a 1-D tensor when no shape is given).</summary>
    public static Tensor FromArray(float[] data, params int[] shape) =>
        FromArray<float>(data, shape.Length == 0 ? new Shape(data.Length) : new Shape(shape));

    /// <summary>Creates a tensor from an int array with the given shape (1-D when no shape is given).</summary>
    public static Tensor FromArray(int[] data, params int[] shape) =>
        FromArray<int>(data, shape.Length == 0 ? new Shape(data.Length) : new Shape(shape));

    /// <summary>Creates a tensor from a long array with the given shape (1-D when no shape is given).</summary>
    public static Tensor FromArray(long[] data, params int[] shape) =>
        FromArray<long>(data, shape.Length == 0 ? new Shape(data.Length) : new Shape(shape));

    /// <summary>Creates a tensor from a bool array with the given shape (1-D when no shape is given).</summary>
    public static Tensor FromArray(bool[] data, params int[] shape) =>
        FromArray<bool>(data, shape.Length == 0 ? new Shape(data.Length) : new Shape(shape));

    /// <summary>Creates a tensor from a multidimensional array such as <c>float[,]</c> or <c>int[,,,]</c>;
    /// the shape is the array's.</summary>
    public static Tensor FromArray(Array array)
    {
        ArgumentNullException.ThrowIfNull(array);
        Span<int> dims = stackalloc int[array.Rank];
        for (int i = 0; i < dims.Length; i++) dims[i] = array.GetLength(i);
        var shape = new Shape(dims);
        ref byte start = ref MemoryMarshal.GetArrayDataReference(array);
        int n = checked((int)shape.Size);
        return array.GetType().GetElementType() switch
        {
            Type t when t == typeof(float) => FromArray<float>(MemoryMarshal.CreateReadOnlySpan(ref Unsafe.As<byte, float>(ref start), n), shape),
            Type t when t == typeof(int) => FromArray<int>(MemoryMarshal.CreateReadOnlySpan(ref Unsafe.As<byte, int>(ref start), n), shape),
            Type t when t == typeof(long) => FromArray<long>(MemoryMarshal.CreateReadOnlySpan(ref Unsafe.As<byte, long>(ref start), n), shape),
            Type t when t == typeof(bool) => FromArray<bool>(MemoryMarshal.CreateReadOnlySpan(ref Unsafe.As<byte, bool>(ref start), n), shape),
            null => throw new ArgumentException("The array has no element type.", nameof(array)),
            Type t => throw new ArgumentException($"Arrays of {t.Name} cannot become tensors; use float, int, long or bool.", nameof(array)),
        };
    }

    /// <summary>A scalar float32 tensor.</summary>
    public static Tensor Scalar(float value) => FromArray<float>([value], Shape.Scalar);

    /// <summary>Wraps a scalar as a float32 tensor.</summary>
    public static implicit operator Tensor(float value) => Scalar(value);

    internal static DType DTypeOf<T>() where T : unmanaged
    {
        if (typeof(T) == typeof(float)) return DType.Float32;
        if (typeof(T) == typeof(int)) return DType.Int32;
        if (typeof(T) == typeof(long)) return DType.Int64;
        if (typeof(T) == typeof(bool) || typeof(T) == typeof(byte)) return DType.Bool;
        throw new NotSupportedException($"Element type {typeof(T).Name} has no tensor dtype; use float, int, long or bool.");
    }

    // ----- reading back -----

    /// <summary>Copies the elements to <paramref name="destination"/>, which must match the dtype and size.</summary>
    public void CopyTo<T>(Span<T> destination) where T : unmanaged
    {
        var impl = Impl;
        var dtype = DTypeOf<T>();
        if (dtype != impl.DType)
            throw new InvalidOperationException($"This tensor is {impl.DType.KerasName()}; it cannot be read as {typeof(T).Name}. Use Ops.Cast first.");
        if (destination.Length != impl.Shape.Size)
            throw new ArgumentException($"The destination has {destination.Length} elements; the tensor of shape {impl.Shape} has {impl.Shape.Size}.", nameof(destination));
        impl.Backend.Download(impl.Buffer, 0, MemoryMarshal.AsBytes(destination));
    }

    /// <summary>The elements in row-major order as a new array of <typeparamref name="T"/> (which must match the dtype).</summary>
    public T[] ToArray<T>() where T : unmanaged
    {
        var result = new T[checked((int)Size)];
        CopyTo<T>(result);
        return result;
    }

    /// <summary>The elements of a float32 tensor as a new array, in row-major order.</summary>
    public float[] ToArray() => ToArray<float>();

    /// <summary>The elements as a multidimensional array whose shape is the tensor's (e.g. <c>float[,]</c>
    /// for a matrix).</summary>
    public Array ToMultidimensionalArray()
    {
        var impl = Impl;
        var type = impl.DType switch
        {
            DType.Float32 => typeof(float),
            DType.Int32 => typeof(int),
            DType.Int64 => typeof(long),
            _ => typeof(bool),
        };
        var array = impl.Shape.Rank == 0 ? Array.CreateInstance(type, 1) : Array.CreateInstance(type, impl.Shape.ToArray());
        ref byte start = ref MemoryMarshal.GetArrayDataReference(array);
        int bytes = checked((int)(impl.Shape.Size * impl.DType.SizeOf()));
        impl.Backend.Download(impl.Buffer, 0, MemoryMarshal.CreateSpan(ref start, bytes));
        return array;
    }

    /// <summary>The single element of a tensor of size 1, as float (integers and bools are converted).</summary>
    public float ToScalar()
    {
        var impl = Impl;
        if (impl.Shape.Size != 1)
            throw new InvalidOperationException($"ToScalar needs a tensor of exactly one element; this one has shape {impl.Shape}.");
        Span<byte> b = stackalloc byte[8];
        impl.Backend.Download(impl.Buffer, 0, b[..impl.DType.SizeOf()]);
        return impl.DType switch
        {
            DType.Float32 => MemoryMarshal.Read<float>(b),
            DType.Int32 => MemoryMarshal.Read<int>(b),
            DType.Int64 => MemoryMarshal.Read<long>(b),
            _ => b[0],
        };
    }

    /// <summary>Releases the data now. Disposing twice, or a tensor whose scope already ended, is harmless.
    /// A variable's value cannot be disposed this way.</summary>
    public void Dispose()
    {
        var impl = _impl;
        if (impl is null || impl.Generation != _generation) return;
        if (impl.Variable is not null)
            throw new InvalidOperationException($"This tensor is the value of variable '{impl.Variable.Name}'; it lives as long as the variable.");
        impl.Release();
    }

    /// <inheritdoc/>
    public bool Equals(Tensor other) => ReferenceEquals(_impl, other._impl) && _generation == other._generation;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Tensor t && Equals(t);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(_impl, _generation);

    /// <summary>Shape, dtype and a preview of the values, like <c>tf.Tensor(..., shape=(2, 3), dtype=float32)</c>.</summary>
    public override string ToString()
    {
        if (_impl is null) return "Tensor(null)";
        if (IsDisposed) return "Tensor(disposed)";
        var impl = Impl;
        var sb = new StringBuilder("Tensor(");
        AppendPreview(sb, 6);
        sb.Append(", shape=").Append(impl.Shape).Append(", dtype=").Append(impl.DType.KerasName()).Append(')');
        return sb.ToString();
    }

    /// <summary>Appends "[a, b, c, ...]" with at most <paramref name="maxElements"/> values, flattened.</summary>
    public void AppendPreview(StringBuilder sb, int maxElements)
    {
        var impl = Impl;
        long n = impl.Shape.Size;
        int take = (int)Math.Min(n, maxElements);
        int size = impl.DType.SizeOf();
        var bytes = new byte[take * size];
        if (take > 0) impl.Backend.Download(impl.Buffer, 0, bytes);
        sb.Append('[');
        for (int i = 0; i < take; i++)
        {
            if (i > 0) sb.Append(", ");
            var s = bytes.AsSpan(i * size);
            sb.Append(impl.DType switch
            {
                DType.Float32 => MemoryMarshal.Read<float>(s).ToString("G6", System.Globalization.CultureInfo.InvariantCulture),
                DType.Int32 => MemoryMarshal.Read<int>(s).ToString(System.Globalization.CultureInfo.InvariantCulture),
                DType.Int64 => MemoryMarshal.Read<long>(s).ToString(System.Globalization.CultureInfo.InvariantCulture),
                _ => s[0] != 0 ? "True" : "False",
            });
        }
        if (n > take) sb.Append(", ...");
        sb.Append(']');
    }
}
