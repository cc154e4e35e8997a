using KerasNet.Backend;

namespace KerasNet.Backends.Native.Cuda;

/// <summary>A block of device memory from the CUDA device's caching allocator. Device memory is never freed
/// from a finalizer: a buffer dropped without being released only queues its block, and the backend takes it
/// back into its pool at its next entry (the GC does not feel device memory pressure, so the pool, not the
/// finalizer, is what keeps memory flat).</summary>
internal sealed class CudaBuffer : DeviceBuffer
{
    private readonly CudaBackend _owner;
    private int _state; // 0 live or pooled, 1 freed

    public CudaBuffer(CudaBackend owner, ulong pointer, long byteLength)
    {
        _owner = owner;
        Pointer = pointer;
        ByteLength = byteLength;
    }

    ~CudaBuffer()
    {
        if (Interlocked.Exchange(ref _state, 1) == 0) _owner.DeferFree(Pointer, ByteLength);
    }

    public override long ByteLength { get; }

    public override IBackend Owner => _owner;

    /// <summary>The CUdeviceptr.</summary>
    public ulong Pointer { get; }

    /// <summary>The CUDA graph (if any) whose replays read or write this buffer; it keeps the memory reserved.</summary>
    internal CudaGraphStep? ReservedBy { get; set; }

    /// <summary>Marks the block freed (by the backend, which then frees it) so the finalizer leaves it alone.</summary>
    internal bool MarkFreed()
    {
        if (Interlocked.Exchange(ref _state, 1) != 0) return false;
        GC.SuppressFinalize(this);
        return true;
    }
}
