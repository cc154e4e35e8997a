using System.Runtime.InteropServices;
using KerasNet.Backend;

namespace KerasNet.Tests.Reference;

/// <summary>Device buffers for kernel-level tests: uploads host arrays, downloads results, and hands every
/// buffer it made back to the backend when disposed.</summary>
public sealed class DeviceArrays(IBackend backend) : IDisposable
{
    private readonly List<DeviceBuffer> _buffers = [];

    /// <summary>The backend under test.</summary>
    public IBackend Backend { get; } = backend;

    /// <summary>An uninitialized buffer of <paramref name="count"/> elements of <typeparamref name="T"/>.</summary>
    public unsafe DeviceBuffer Alloc<T>(long count) where T : unmanaged
    {
        var b = Backend.Allocate(count * sizeof(T));
        _buffers.Add(b);
        return b;
    }

    /// <summary>A buffer holding a copy of <paramref name="data"/>.</summary>
    public DeviceBuffer Up<T>(T[] data) where T : unmanaged
    {
        var b = Alloc<T>(data.Length);
        Backend.Upload(MemoryMarshal.AsBytes(data.AsSpan()), b, 0);
        return b;
    }

    /// <summary>The first <paramref name="count"/> elements of <paramref name="buffer"/>.</summary>
    public T[] Down<T>(DeviceBuffer buffer, long count) where T : unmanaged
    {
        var r = new T[count];
        Backend.Download(buffer, 0, MemoryMarshal.AsBytes(r.AsSpan()));
        return r;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var b in _buffers) Backend.Recycle(b);
        _buffers.Clear();
    }
}
