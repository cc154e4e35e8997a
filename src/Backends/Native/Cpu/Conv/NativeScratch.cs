using System.Runtime.InteropServices;

namespace KerasNet.Backends.Native.Cpu.Conv;

/// <summary>A growable block of 64-byte aligned native floats used as kernel scratch (im2col columns,
/// per-worker gradient partials). It only grows, so a steady training loop reuses it without allocating;
/// the finalizer frees it if the owner is dropped without disposal.</summary>
internal sealed unsafe class NativeScratch : IDisposable
{
    private float* _data;
    private long _capacity;

    /// <summary>Floats currently held.</summary>
    public long Capacity => _capacity;

    /// <summary>Returns a block of at least <paramref name="floats"/> floats; the contents are undefined.</summary>
    public float* Ensure(long floats)
    {
        if (floats > _capacity)
        {
            Free();
            long capacity = Math.Max(floats, 64);
            _data = (float*)NativeMemory.AlignedAlloc((nuint)(capacity * sizeof(float)), 64);
            _capacity = capacity;
        }
        return _data;
    }

    private void Free()
    {
        if (_data == null) return;
        NativeMemory.AlignedFree(_data);
        _data = null;
        _capacity = 0;
    }

    public void Dispose()
    {
        Free();
        GC.SuppressFinalize(this);
    }

    ~NativeScratch() => Free();
}
