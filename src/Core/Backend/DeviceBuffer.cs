namespace KerasNet.Backend;

/// <summary>An opaque block of device memory owned by a backend. Core never reads its contents directly:
/// data crosses to and from the host only through <see cref="IBackend.Upload"/> and
/// <see cref="IBackend.Download"/>. Buffers are shared between tensors (a reshape shares its source's
/// buffer); Core counts the sharers and hands the buffer back to its backend's pool when the last goes.</summary>
public abstract class DeviceBuffer
{
    private int _refCount;

    /// <summary>Size in bytes.</summary>
    public abstract long ByteLength { get; }

    /// <summary>The backend that owns this buffer.</summary>
    public abstract IBackend Owner { get; }

    internal int RefCount => Volatile.Read(ref _refCount);

    internal void AddRef() => Interlocked.Increment(ref _refCount);

    /// <summary>Drops one reference; recycles the buffer into its backend's pool at zero.</summary>
    internal void Release()
    {
        int n = Interlocked.Decrement(ref _refCount);
        if (n == 0) Owner.Recycle(this);
        else if (n < 0) throw new InvalidOperationException("A device buffer was released more times than it was referenced.");
    }
}
