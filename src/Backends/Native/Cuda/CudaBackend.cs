using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using KerasNet.Backend;

namespace KerasNet.Backends.Native.Cuda;

/// <summary>The native backend's CUDA device. One non-blocking stream carries every kernel, copy and cuBLAS call
/// in order; the device's primary context is made current at every entry. Buffers come from a caching
/// allocator keyed by rounded size (sizes repeat every step, so the steady state allocates nothing); host data
/// crosses through pinned staging buffers; <see cref="Download"/> and <see cref="Synchronize"/> are the only
/// points that wait for the device, and there any error a kernel reported (an index out of range, an integer
/// division by zero) is thrown. Kernels are CUDA C compiled at run time by NVRTC (see <see cref="CudaKernels"/>),
/// GEMMs run on cuBLAS. Calls are serialized by one lock, so the device may be used from several threads.</summary>
internal sealed unsafe partial class CudaBackend : IBackend
{
    private const long Alignment = 256;
    private const int BlockSize = 256;
    private const long StagingLimit = 64L << 20;
    private const long CublasWorkspaceBytes = 32L << 20;

    private readonly CudaDriver _cu;
    private readonly Nvrtc _nvrtc;
    private readonly Cublas _cublas;
    private readonly Lock _gate = new();
    private readonly nint _context;
    private readonly nint _stream;
    private readonly nint _cublasHandle;
    private readonly int _multiprocessors;
    private readonly CompileTarget _target;
    private readonly string? _cacheDirectory;

    private readonly Dictionary<long, Stack<CudaBuffer>> _pool = new();
    private readonly ConcurrentQueue<(ulong Pointer, long Bytes)> _deferred = new();
    private int _deferredCount;
    private long _pooledBytes, _liveBytes;

    private readonly Dictionary<string, nint> _functions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, nint> _modules = new(StringComparer.Ordinal);

    private readonly Staging[] _staging = new Staging[2];
    private int _nextStaging;
    private readonly int* _errorHost;
    private readonly ulong _errorWord;

    public CudaBackend(CudaProbeResult probe, int ordinal)
    {
        if (!probe.Available) throw new NotSupportedException("The CUDA device is not available: " + probe.Reason);
        _cu = probe.Driver!;
        _nvrtc = probe.Nvrtc!;
        _cublas = probe.Cublas!;
        if (ordinal < 0 || ordinal >= probe.DeviceCount)
            throw new ArgumentOutOfRangeException(nameof(ordinal), ordinal, $"This machine has {probe.DeviceCount} CUDA device(s).");
        Ordinal = ordinal;
        int dev, major, minor, sms;
        nint ctx, stream;
        _cu.Check(_cu.cuDeviceGet(&dev, ordinal), "cuDeviceGet");
        _cu.Check(_cu.cuDeviceGetAttribute(&major, CudaDriver.AttributeComputeCapabilityMajor, dev), "cuDeviceGetAttribute");
        _cu.Check(_cu.cuDeviceGetAttribute(&minor, CudaDriver.AttributeComputeCapabilityMinor, dev), "cuDeviceGetAttribute");
        _cu.Check(_cu.cuDeviceGetAttribute(&sms, CudaDriver.AttributeMultiprocessorCount, dev), "cuDeviceGetAttribute");
        byte* name = stackalloc byte[256];
        _cu.Check(_cu.cuDeviceGetName(name, 256, dev), "cuDeviceGetName");
        DeviceName = Exports.Utf8(name) ?? "";
        Architecture = major * 10 + minor;
        _multiprocessors = Math.Max(sms, 1);
        _cu.Check(_cu.cuDevicePrimaryCtxRetain(&ctx, dev), "cuDevicePrimaryCtxRetain");
        _context = ctx;
        _cu.Check(_cu.cuCtxSetCurrent(ctx), "cuCtxSetCurrent");
        _cu.Check(_cu.cuStreamCreate(&stream, CudaDriver.StreamNonBlocking), "cuStreamCreate");
        _stream = stream;
        _cublasHandle = _cublas.Create(_stream);
        ulong ws = AllocRaw(CublasWorkspaceBytes);
        if (!_cublas.SetWorkspace(_cublasHandle, ws, CublasWorkspaceBytes)) FreeRaw(ws);
        _errorWord = AllocRaw(Alignment);
        _cu.Check(_cu.cuMemsetD8Async(_errorWord, 0, (nuint)Alignment, _stream), "cuMemsetD8Async");
        void* host;
        _cu.Check(_cu.cuMemAllocHost(&host, 64), "cuMemAllocHost_v2");
        _errorHost = (int*)host;
        for (int i = 0; i < _staging.Length; i++)
        {
            nint ev;
            _cu.Check(_cu.cuEventCreate(&ev, CudaDriver.EventDisableTiming), "cuEventCreate");
            _staging[i] = new Staging { Event = ev };
        }
        _target = CompileTarget.Choose(Architecture, _nvrtc.SupportedArchitectures(), _nvrtc.CanEmitCubin);
        _cacheDirectory = KernelCache.DefaultDirectory;
        _cu.Check(_cu.cuStreamSynchronize(_stream), "cuStreamSynchronize");
    }

    public string Name => "native";

    public string Device => $"cuda:{Ordinal}";

    public int Ordinal { get; }

    public string DeviceName { get; }

    /// <summary>Compute capability, major·10 + minor.</summary>
    public int Architecture { get; }

    /// <summary>What NVRTC compiles the kernels to on this device.</summary>
    public CompileTarget Target => _target;

    /// <summary>Bytes held by buffers in use.</summary>
    public long LiveBytes => Interlocked.Read(ref _liveBytes);

    /// <summary>Bytes held by idle buffers in the pool.</summary>
    public long PooledBytes => Interlocked.Read(ref _pooledBytes);

    /// <summary>Free and total device memory (cuMemGetInfo).</summary>
    public (long Free, long Total) MemoryInfo()
    {
        using var scope = Enter();
        nuint free, total;
        _cu.Check(_cu.cuMemGetInfo(&free, &total), "cuMemGetInfo_v2");
        return ((long)free, (long)total);
    }

    // ----- entry, context, deferred frees -----

    /// <summary>Takes the device lock, makes the context current on this thread and takes back the blocks of
    /// buffers that were finalized since the last entry.</summary>
    private Lock.Scope Enter()
    {
        var scope = _gate.EnterScope();
        try
        {
            _cu.Check(_cu.cuCtxSetCurrent(_context), "cuCtxSetCurrent");
            if (Volatile.Read(ref _deferredCount) > 0) DrainDeferred();
        }
        catch
        {
            scope.Dispose();
            throw;
        }
        return scope;
    }

    /// <summary>Called from a finalizer: only queues the block.</summary>
    internal void DeferFree(ulong pointer, long bytes)
    {
        _deferred.Enqueue((pointer, bytes));
        Interlocked.Increment(ref _deferredCount);
    }

    private void DrainDeferred()
    {
        while (_deferred.TryDequeue(out var block))
        {
            Interlocked.Decrement(ref _deferredCount);
            Interlocked.Add(ref _liveBytes, -block.Bytes);
            PushPool(new CudaBuffer(this, block.Pointer, block.Bytes));
        }
    }

    // ----- the caching allocator -----

    public DeviceBuffer Allocate(long byteLength)
    {
        if (byteLength < 0) throw new ArgumentOutOfRangeException(nameof(byteLength), byteLength, "A buffer size cannot be negative.");
        long size = Math.Max(Alignment, (byteLength + Alignment - 1) & ~(Alignment - 1));
        using var scope = Enter();
        CudaBuffer buffer;
        if (_pool.TryGetValue(size, out var stack) && stack.Count > 0)
        {
            buffer = stack.Pop();
            _pooledBytes -= size;
        }
        else
        {
            buffer = new CudaBuffer(this, AllocRaw(size), size);
        }
        _liveBytes += size;
        _capture?.Touch(buffer);
        return buffer;
    }

    public void Recycle(DeviceBuffer buffer)
    {
        var b = Cuda(buffer, nameof(buffer));
        using var scope = Enter();
        _liveBytes -= b.ByteLength;
        if (b.ReservedBy is { } graph && !graph.IsDisposed)
        {
            graph.Park(b);
            return;
        }
        b.ReservedBy = null;
        PushPool(b);
    }

    private void PushPool(CudaBuffer b)
    {
        if (!_pool.TryGetValue(b.ByteLength, out var stack))
        {
            stack = new Stack<CudaBuffer>();
            _pool.Add(b.ByteLength, stack);
        }
        stack.Push(b);
        _pooledBytes += b.ByteLength;
    }

    public void ClearPool()
    {
        using var scope = Enter();
        NotCapturing("ClearPool");
        _cu.Check(_cu.cuStreamSynchronize(_stream), "cuStreamSynchronize");
        FreePooled();
        ReleaseScratch();
    }

    private void FreePooled()
    {
        foreach (var stack in _pool.Values)
            while (stack.Count > 0)
            {
                var b = stack.Pop();
                if (b.MarkFreed()) FreeRaw(b.Pointer);
            }
        _pool.Clear();
        _pooledBytes = 0;
    }

    /// <summary>cuMemAlloc; on out-of-memory, waits for the stream, frees the pool and tries once more.</summary>
    private ulong AllocRaw(long bytes)
    {
        ulong p;
        int r = _cu.cuMemAlloc(&p, (nuint)bytes);
        if (r == CudaDriver.ErrorOutOfMemory && _capture is null)
        {
            _cu.Check(_cu.cuStreamSynchronize(_stream), "cuStreamSynchronize");
            FreePooled();
            r = _cu.cuMemAlloc(&p, (nuint)bytes);
        }
        if (r != CudaDriver.Success)
        {
            var e = _cu.Error(r, "cuMemAlloc_v2");
            throw new CudaException(e.Call, e.ErrorName, $"{e.Message} Allocating {bytes} bytes with {LiveBytes} in use and {PooledBytes} pooled.");
        }
        return p;
    }

    private void FreeRaw(ulong pointer) => _cu.Check(_cu.cuMemFree(pointer), "cuMemFree_v2");

    // ----- host <-> device through pinned staging -----

    private sealed class Staging
    {
        public nint Event;
        public byte* Host;
        public long Capacity;
        public bool Pending;
    }

    /// <summary>The next staging buffer with at least <paramref name="bytes"/> (capped) capacity, once its
    /// previous copy has finished.</summary>
    private Staging TakeStaging(long bytes)
    {
        var s = _staging[_nextStaging];
        _nextStaging = (_nextStaging + 1) % _staging.Length;
        if (s.Pending)
        {
            _cu.Check(_cu.cuEventSynchronize(s.Event), "cuEventSynchronize");
            s.Pending = false;
        }
        long want = Math.Min(Math.Max(bytes, 1L << 20), StagingLimit);
        if (s.Capacity < want)
        {
            if (s.Host != null) _cu.Check(_cu.cuMemFreeHost(s.Host), "cuMemFreeHost");
            s.Host = null;
            s.Capacity = 0;
            void* p;
            _cu.Check(_cu.cuMemAllocHost(&p, (nuint)want), "cuMemAllocHost_v2");
            s.Host = (byte*)p;
            s.Capacity = want;
        }
        return s;
    }

    public void Upload(ReadOnlySpan<byte> source, DeviceBuffer destination, long destinationByteOffset)
    {
        var d = Cuda(destination, nameof(destination));
        CheckRange(d, destinationByteOffset, source.Length, nameof(destination));
        if (source.Length == 0) return;
        using var scope = Enter();
        NotCapturing("Upload");
        long done = 0;
        while (done < source.Length)
        {
            long chunk = Math.Min(source.Length - done, StagingLimit);
            var s = TakeStaging(chunk);
            chunk = Math.Min(chunk, s.Capacity);
            source.Slice((int)done, (int)chunk).CopyTo(new Span<byte>(s.Host, (int)chunk));
            _cu.Check(_cu.cuMemcpyHtoDAsync(d.Pointer + (ulong)(destinationByteOffset + done), s.Host, (nuint)chunk, _stream), "cuMemcpyHtoDAsync_v2");
            _cu.Check(_cu.cuEventRecord(s.Event, _stream), "cuEventRecord");
            s.Pending = true;
            done += chunk;
        }
    }

    public void Download(DeviceBuffer source, long sourceByteOffset, Span<byte> destination)
    {
        var s = Cuda(source, nameof(source));
        CheckRange(s, sourceByteOffset, destination.Length, nameof(source));
        using var scope = Enter();
        NotCapturing("Download");
        if (destination.Length == 0)
        {
            SyncAndCheck();
            return;
        }
        long done = 0;
        while (done < destination.Length)
        {
            long chunk = Math.Min(destination.Length - done, StagingLimit);
            var st = TakeStaging(chunk);
            chunk = Math.Min(chunk, st.Capacity);
            _cu.Check(_cu.cuMemcpyDtoHAsync(st.Host, s.Pointer + (ulong)(sourceByteOffset + done), (nuint)chunk, _stream), "cuMemcpyDtoHAsync_v2");
            SyncAndCheck();
            new ReadOnlySpan<byte>(st.Host, (int)chunk).CopyTo(destination.Slice((int)done, (int)chunk));
            done += chunk;
        }
    }

    public void Synchronize()
    {
        using var scope = Enter();
        NotCapturing("Synchronize");
        SyncAndCheck();
    }

    /// <summary>Waits for the stream and throws the first error a kernel reported since the last sync point.</summary>
    private void SyncAndCheck()
    {
        _cu.Check(_cu.cuMemcpyDtoHAsync(_errorHost, _errorWord, 24, _stream), "cuMemcpyDtoHAsync_v2");
        _cu.Check(_cu.cuStreamSynchronize(_stream), "cuStreamSynchronize");
        foreach (var st in _staging) st.Pending = false;
        int code = _errorHost[0];
        if (code == 0) return;
        long a = *(long*)(_errorHost + 2), b = *(long*)(_errorHost + 4);
        _cu.Check(_cu.cuMemsetD8Async(_errorWord, 0, 24, _stream), "cuMemsetD8Async");
        _cu.Check(_cu.cuStreamSynchronize(_stream), "cuStreamSynchronize");
        throw code switch
        {
            CudaKernels.ErrorIntegerDivideByZero => new CudaException("binary kernel", "DivideByZero",
                $"Integer division by zero in a tensor op on {Device} (output element {a}); the result there is 0."),
            CudaKernels.ErrorIndexOutOfRange => new CudaException("gather/scatter kernel", "IndexOutOfRange",
                $"Index {b} at position {a} is outside the gathered axis on {Device}; it was clamped (gather) or skipped (scatter)."),
            CudaKernels.ErrorLabelOutOfRange => new CudaException("softmax_xent_f32", "LabelOutOfRange",
                $"Label {b} at row {a} is outside the valid class range; its loss is NaN."),
            _ => new CudaException("kernel", $"code {code}", $"A kernel reported error code {code} ({a}, {b})."),
        };
    }

    public void Copy(DeviceBuffer source, long sourceByteOffset, DeviceBuffer destination, long destinationByteOffset, long byteCount)
    {
        var s = Cuda(source, nameof(source));
        var d = Cuda(destination, nameof(destination));
        CheckRange(s, sourceByteOffset, byteCount, nameof(source));
        CheckRange(d, destinationByteOffset, byteCount, nameof(destination));
        if (byteCount == 0) return;
        using var scope = Enter();
        Touch(s, d);
        _cu.Check(_cu.cuMemcpyDtoDAsync(d.Pointer + (ulong)destinationByteOffset, s.Pointer + (ulong)sourceByteOffset, (nuint)byteCount, _stream), "cuMemcpyDtoDAsync_v2");
    }

    public void Fill(DeviceBuffer destination, DType dtype, long count, double value)
    {
        var d = Cuda(destination, nameof(destination));
        CheckRange(d, 0, count * dtype.SizeOf(), nameof(destination));
        if (count == 0) return;
        using var scope = Enter();
        Touch(d);
        switch (dtype)
        {
            case DType.Float32:
                _cu.Check(_cu.cuMemsetD32Async(d.Pointer, BitConverter.SingleToUInt32Bits((float)value), (nuint)count, _stream), "cuMemsetD32Async");
                break;
            case DType.Int32:
                _cu.Check(_cu.cuMemsetD32Async(d.Pointer, (uint)(int)value, (nuint)count, _stream), "cuMemsetD32Async");
                break;
            case DType.Bool:
                _cu.Check(_cu.cuMemsetD8Async(d.Pointer, value != 0 ? (byte)1 : (byte)0, (nuint)count, _stream), "cuMemsetD8Async");
                break;
            case DType.Int64:
            {
                ulong y = d.Pointer, v = (ulong)(long)value;
                long n = count;
                void** args = stackalloc void*[] { &y, &n, &v };
                Launch("fill_u64", n, args);
                break;
            }
            default:
                throw new NotSupportedException($"Fill does not support dtype {dtype}.");
        }
    }

    public void Cast(DeviceBuffer source, DType sourceType, DeviceBuffer destination, DType destinationType, long count)
    {
        var s = Cuda(source, nameof(source));
        var d = Cuda(destination, nameof(destination));
        CheckRange(s, 0, count * sourceType.SizeOf(), nameof(source));
        CheckRange(d, 0, count * destinationType.SizeOf(), nameof(destination));
        if (sourceType == destinationType)
        {
            Copy(source, 0, destination, 0, count * sourceType.SizeOf());
            return;
        }
        string kernel = $"cast_{Suffix(sourceType)}_{Suffix(destinationType)}";
        if (count == 0) return;
        using var scope = Enter();
        Touch(s, d);
        ulong x = s.Pointer, y = d.Pointer;
        long n = count;
        void** args = stackalloc void*[] { &x, &y, &n };
        Launch(kernel, n, args);
    }

    private static string Suffix(DType t) => t switch
    {
        DType.Float32 => "f32",
        DType.Int32 => "i32",
        DType.Int64 => "i64",
        DType.Bool => "b8",
        _ => throw new NotSupportedException($"The CUDA device has no kernels for dtype {t}."),
    };

    // ----- kernels -----

    /// <summary>The function <paramref name="kernel"/>, loading (and if need be compiling) its module first.</summary>
    private nint Function(string kernel)
    {
        if (_functions.TryGetValue(kernel, out nint f)) return f;
        CudaModule? module = null;
        foreach (var m in CudaKernels.Modules)
            if (m.Kernels.Contains(kernel)) { module = m; break; }
        if (module is null) throw new InvalidOperationException($"No CUDA module exports the kernel '{kernel}'.");
        if (!_modules.TryGetValue(module.Name, out nint mod))
        {
            var image = CudaCompiler.Compile(_nvrtc, module, _target, _cacheDirectory, out _);
            fixed (byte* p = image) _cu.Check(_cu.cuModuleLoadData(&mod, p), $"cuModuleLoadData({module.Name}, {_target.Architecture})");
            _modules[module.Name] = mod;
        }
        byte[] name = System.Text.Encoding.ASCII.GetBytes(kernel + "\0");
        fixed (byte* n = name) _cu.Check(_cu.cuModuleGetFunction(&f, mod, n), $"cuModuleGetFunction({kernel})");
        _functions[kernel] = f;
        return f;
    }

    /// <summary>Compiles and loads every module now (otherwise each is compiled on first use).</summary>
    public void LoadAllModules()
    {
        using var scope = Enter();
        foreach (var m in CudaKernels.Modules) Function(m.Kernels[0]);
    }

    /// <summary>Launches a grid-stride kernel over <paramref name="n"/> elements (a no-op for none).</summary>
    private void Launch(string kernel, long n, void** args)
    {
        if (n <= 0) return;
        long blocks = Math.Min((n + BlockSize - 1) / BlockSize, (long)_multiprocessors * 32);
        LaunchGrid(kernel, (uint)blocks, BlockSize, 1, 0, args);
    }

    private void LaunchGrid(string kernel, uint blocks, uint blockX, uint blockY, uint sharedBytes, void** args)
    {
        nint f = Function(kernel);
        _cu.Check(_cu.cuLaunchKernel(f, Math.Max(blocks, 1), 1, 1, blockX, blockY, 1, sharedBytes, _stream, args, null), $"cuLaunchKernel({kernel})");
    }

    /// <summary>Grid size for kernels that loop over rows with one block each.</summary>
    private uint RowBlocks(long rows) => (uint)Math.Clamp(rows, 1, (long)_multiprocessors * 64);

    // ----- argument checks -----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal CudaBuffer Cuda(DeviceBuffer buffer, string name)
    {
        ArgumentNullException.ThrowIfNull(buffer, name);
        if (buffer is CudaBuffer c && ReferenceEquals(c.Owner, this)) return c;
        throw new ArgumentException(
            $"A buffer of the '{buffer.Owner.Name}' backend on device '{buffer.Owner.Device}' was passed to the native backend's {Device}; move the tensor first.", name);
    }

    private static void CheckRange(CudaBuffer b, long offset, long bytes, string name)
    {
        if (offset < 0 || bytes < 0 || offset + bytes > b.ByteLength)
            throw new ArgumentOutOfRangeException(name, $"The access of {bytes} bytes at offset {offset} exceeds the buffer's {b.ByteLength} bytes.");
    }

    private static void CheckBytes(DeviceBuffer buffer, long bytes, string name)
    {
        if (buffer.ByteLength < bytes)
            throw new ArgumentException($"The buffer holds {buffer.ByteLength} bytes but {bytes} are needed.", name);
    }

    private static void CheckFloats(DeviceBuffer buffer, long floats, string name) => CheckBytes(buffer, floats * sizeof(float), name);
}
