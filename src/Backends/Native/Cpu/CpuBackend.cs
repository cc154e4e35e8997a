using System.Runtime.CompilerServices;
using KerasNet.Backend;

namespace KerasNet.Backends.Native.Cpu;

/// <summary>The native backend's CPU device: aligned native buffers from a size-keyed pool, managed SIMD
/// kernels, and work split across <see cref="CpuThreads"/>. The kernels live in the partial files beside
/// this one, one family each.</summary>
internal sealed unsafe partial class CpuBackend : IBackend
{
    private readonly Dictionary<long, Stack<CpuBuffer>> _pool = new();
    private readonly object _poolGate = new();
    private long _pooledBytes;
    private long _liveBytes;

    public string Name => "native";

    public string Device => "cpu";

    /// <summary>Bytes held by buffers in use.</summary>
    public long LiveBytes => Interlocked.Read(ref _liveBytes);

    /// <summary>Bytes held by idle buffers in the pool.</summary>
    public long PooledBytes => Interlocked.Read(ref _pooledBytes);

    public DeviceBuffer Allocate(long byteLength)
    {
        if (byteLength < 0) throw new ArgumentOutOfRangeException(nameof(byteLength), byteLength, "A buffer size cannot be negative.");
        long size = (byteLength + 63) & ~63L;
        lock (_poolGate)
        {
            if (_pool.TryGetValue(size, out var stack) && stack.Count > 0)
            {
                _pooledBytes -= size;
                _liveBytes += size;
                return stack.Pop();
            }
        }
        var buffer = new CpuBuffer(this, size);
        Interlocked.Add(ref _liveBytes, size);
        return buffer;
    }

    public void Recycle(DeviceBuffer buffer)
    {
        var b = (CpuBuffer)buffer;
        lock (_poolGate)
        {
            if (!_pool.TryGetValue(b.ByteLength, out var stack))
            {
                stack = new Stack<CpuBuffer>();
                _pool.Add(b.ByteLength, stack);
            }
            stack.Push(b);
            _pooledBytes += b.ByteLength;
            _liveBytes -= b.ByteLength;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void ClearPool()
    {
        lock (_poolGate)
        {
            foreach (var stack in _pool.Values)
                while (stack.Count > 0) stack.Pop().Free();
            _pool.Clear();
            _pooledBytes = 0;
        }
    }

    public void Upload(ReadOnlySpan<byte> source, DeviceBuffer destination, long destinationByteOffset)
    {
        var d = Cpu(destination);
        CheckRange(d, destinationByteOffset, source.Length, nameof(destination));
        source.CopyTo(new Span<byte>(d.Pointer + destinationByteOffset, source.Length));
    }

    public void Download(DeviceBuffer source, long sourceByteOffset, Span<byte> destination)
    {
        var s = Cpu(source);
        CheckRange(s, sourceByteOffset, destination.Length, nameof(source));
        new ReadOnlySpan<byte>(s.Pointer + sourceByteOffset, destination.Length).CopyTo(destination);
    }

    public void Copy(DeviceBuffer source, long sourceByteOffset, DeviceBuffer destination, long destinationByteOffset, long byteCount)
    {
        var s = Cpu(source);
        var d = Cpu(destination);
        CheckRange(s, sourceByteOffset, byteCount, nameof(source));
        CheckRange(d, destinationByteOffset, byteCount, nameof(destination));
        Buffer.MemoryCopy(s.Pointer + sourceByteOffset, d.Pointer + destinationByteOffset, byteCount, byteCount);
    }

    public void Fill(DeviceBuffer destination, DType dtype, long count, double value)
    {
        var d = Cpu(destination);
        CheckRange(d, 0, count * dtype.SizeOf(), nameof(destination));
        switch (dtype)
        {
            case DType.Float32: new Span<float>(d.F32, checked((int)count)).Fill((float)value); break;
            case DType.Int32: new Span<int>(d.I32, checked((int)count)).Fill((int)value); break;
            case DType.Int64: new Span<long>(d.I64, checked((int)count)).Fill((long)value); break;
            case DType.Bool: new Span<byte>(d.Pointer, checked((int)count)).Fill(value != 0 ? (byte)1 : (byte)0); break;
            default: throw new NotSupportedException($"Fill does not support dtype {dtype}.");
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Cast(DeviceBuffer source, DType sourceType, DeviceBuffer destination, DType destinationType, long count)
    {
        var s = Cpu(source);
        var d = Cpu(destination);
        int n = checked((int)count);
        if (sourceType == destinationType)
        {
            long bytes = count * sourceType.SizeOf();
            Buffer.MemoryCopy(s.Pointer, d.Pointer, bytes, bytes);
            return;
        }
        switch (sourceType, destinationType)
        {
            case (DType.Float32, DType.Int32): for (int i = 0; i < n; i++) d.I32[i] = (int)s.F32[i]; break;
            case (DType.Float32, DType.Int64): for (int i = 0; i < n; i++) d.I64[i] = (long)s.F32[i]; break;
            case (DType.Float32, DType.Bool): for (int i = 0; i < n; i++) d.Pointer[i] = s.F32[i] != 0f ? (byte)1 : (byte)0; break;
            case (DType.Int32, DType.Float32): for (int i = 0; i < n; i++) d.F32[i] = s.I32[i]; break;
            case (DType.Int32, DType.Int64): for (int i = 0; i < n; i++) d.I64[i] = s.I32[i]; break;
            case (DType.Int32, DType.Bool): for (int i = 0; i < n; i++) d.Pointer[i] = s.I32[i] != 0 ? (byte)1 : (byte)0; break;
            case (DType.Int64, DType.Float32): for (int i = 0; i < n; i++) d.F32[i] = s.I64[i]; break;
            case (DType.Int64, DType.Int32): for (int i = 0; i < n; i++) d.I32[i] = (int)s.I64[i]; break;
            case (DType.Int64, DType.Bool): for (int i = 0; i < n; i++) d.Pointer[i] = s.I64[i] != 0 ? (byte)1 : (byte)0; break;
            case (DType.Bool, DType.Float32): for (int i = 0; i < n; i++) d.F32[i] = s.Pointer[i]; break;
            case (DType.Bool, DType.Int32): for (int i = 0; i < n; i++) d.I32[i] = s.Pointer[i]; break;
            case (DType.Bool, DType.Int64): for (int i = 0; i < n; i++) d.I64[i] = s.Pointer[i]; break;
            default: throw new NotSupportedException($"Cast from {sourceType} to {destinationType} is not supported.");
        }
    }

    public void Synchronize()
    {
        // CPU kernels complete before they return.
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static CpuBuffer Cpu(DeviceBuffer buffer) =>
        buffer as CpuBuffer ?? throw new ArgumentException(
            $"A buffer of the '{buffer.Owner.Name}' backend on device '{buffer.Owner.Device}' was passed to the native CPU device; move the tensor first.");

    private static void CheckRange(CpuBuffer b, long offset, long bytes, string name)
    {
        if (offset < 0 || bytes < 0 || offset + bytes > b.ByteLength)
            throw new ArgumentOutOfRangeException(name, $"The access of {bytes} bytes at offset {offset} exceeds the buffer's {b.ByteLength} bytes.");
    }
}
