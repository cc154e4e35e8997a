using System.Runtime.InteropServices;
using KerasNet.Backend;

namespace KerasNet.Backends.Native.Cpu;

/// <summary>Owns one block of 64-byte aligned native memory; the release path is safe on the finalizer
/// thread, so a buffer whose tensors were dropped without disposal is still freed.</summary>
internal sealed unsafe class NativeMemoryHandle : SafeHandle
{
    private readonly long _bytes;

    public NativeMemoryHandle(long bytes) : base(IntPtr.Zero, ownsHandle: true)
    {
        _bytes = bytes;
        void* p = NativeMemory.AlignedAlloc((nuint)Math.Max(bytes, 64), 64);
        if (p == null) throw new OutOfMemoryException($"Could not allocate {bytes} bytes of native memory for a tensor.");
        SetHandle((IntPtr)p);
        GC.AddMemoryPressure(Math.Max(bytes, 64));
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        NativeMemory.AlignedFree((void*)handle);
        GC.RemoveMemoryPressure(Math.Max(_bytes, 64));
        return true;
    }
}

/// <summary>A CPU device buffer: aligned native memory the kernels address by pointer.</summary>
internal sealed unsafe class CpuBuffer : DeviceBuffer
{
    private readonly NativeMemoryHandle _memory;
    private readonly CpuBackend _owner;

    public CpuBuffer(CpuBackend owner, long byteLength)
    {
        _owner = owner;
        ByteLength = byteLength;
        _memory = new NativeMemoryHandle(byteLength);
        Pointer = (byte*)_memory.DangerousGetHandle();
    }

    public override long ByteLength { get; }

    public override IBackend Owner => _owner;

    /// <summary>Start of the memory.</summary>
    public byte* Pointer { get; }

    public float* F32 => (float*)Pointer;

    public int* I32 => (int*)Pointer;

    public long* I64 => (long*)Pointer;

    internal void Free() => _memory.Dispose();
}
