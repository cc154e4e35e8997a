using System.Runtime.InteropServices;

namespace KerasNet.Backends.Native.Cpu.Gemm;

/// <summary>A growable block of 64-byte aligned native memory owned by one thread and reused across GEMM
/// calls, so packing allocates nothing on the managed heap in steady state. The memory is released by the
/// finalizer once the owning thread (and with it the thread-static reference) is gone.</summary>
internal sealed unsafe class GemmScratch
{
    [ThreadStatic] private static GemmScratch? t_a;
    [ThreadStatic] private static GemmScratch? t_b;
    [ThreadStatic] private static GemmScratch? t_shared;

    private float* _data;
    private nint _floats;

    /// <summary>This thread's buffer for packed blocks of A.</summary>
    public static GemmScratch A => t_a ??= new GemmScratch();

    /// <summary>This thread's buffer for single B slivers (the unpacked path).</summary>
    public static GemmScratch B => t_b ??= new GemmScratch();

    /// <summary>This calling thread's buffer for the packed B panel that all workers read.</summary>
    public static GemmScratch Shared => t_shared ??= new GemmScratch();

    /// <summary>Returns at least <paramref name="floats"/> floats of 64-byte aligned memory (the contents are
    /// undefined).</summary>
    public float* Get(nint floats)
    {
        if (floats > _floats) Grow(floats);
        return _data;
    }

    private void Grow(nint floats)
    {
        nint n = (floats + 1023) & ~(nint)1023;
        if (_data != null)
        {
            NativeMemory.AlignedFree(_data);
            _data = null;
            _floats = 0;
        }
        _data = (float*)NativeMemory.AlignedAlloc((nuint)n * sizeof(float), 64);
        if (_data == null) throw new OutOfMemoryException($"Could not allocate {n * sizeof(float)} bytes of GEMM packing memory.");
        _floats = n;
    }

    /// <summary>Frees the native memory.</summary>
    ~GemmScratch()
    {
        if (_data != null) NativeMemory.AlignedFree(_data);
    }
}
