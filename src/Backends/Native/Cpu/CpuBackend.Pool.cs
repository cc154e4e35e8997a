using KerasNet.Backend;
using KerasNet.Backends.Native.Cpu.Conv;

namespace KerasNet.Backends.Native.Cpu;

internal sealed unsafe partial class CpuBackend
{
    public void Pool2D(in PoolParams p, DeviceBuffer x, DeviceBuffer y)
    {
        CheckPool(p, x, y, null);
        var runner = PoolRunner.Rent();
        try { runner.Forward(p, Cpu(x).F32, Cpu(y).F32); }
        finally { PoolRunner.Return(runner); }
    }

    public void Pool2DBackward(in PoolParams p, DeviceBuffer x, DeviceBuffer y, DeviceBuffer dy, DeviceBuffer dx)
    {
        // y is not needed: the max pass recomputes each window's first maximum from x.
        CheckPool(p, x, dy, dx);
        var runner = PoolRunner.Rent();
        try { runner.Backward(p, Cpu(x).F32, Cpu(dy).F32, Cpu(dx).F32); }
        finally { PoolRunner.Return(runner); }
    }

    private static void CheckPool(in PoolParams p, DeviceBuffer x, DeviceBuffer outputShaped, DeviceBuffer? dx)
    {
        if (p.Kind != PoolKind.Max && p.Kind != PoolKind.Average)
            throw new ArgumentException($"Unknown pooling kind {p.Kind}.", nameof(p));
        if (p.N < 0 || p.H < 1 || p.W < 1 || p.C < 1 || p.OutH < 1 || p.OutW < 1 || p.PoolH < 1 || p.PoolW < 1)
            throw new ArgumentException($"Pooling sizes must be positive (N {p.N}, H {p.H}, W {p.W}, C {p.C}, OutH {p.OutH}, OutW {p.OutW}, PoolH {p.PoolH}, PoolW {p.PoolW}).", nameof(p));
        if (p.StrideH < 1 || p.StrideW < 1 || p.PadTop < 0 || p.PadLeft < 0)
            throw new ArgumentException($"Pooling strides ({p.StrideH}, {p.StrideW}) must be at least 1 and padding ({p.PadTop}, {p.PadLeft}) non-negative.", nameof(p));
        long input = (long)p.N * p.H * p.W * p.C, output = (long)p.N * p.OutH * p.OutW * p.C;
        CheckFloats(x, input, nameof(x));
        if (dx != null) CheckFloats(dx, input, nameof(dx));
        CheckFloats(outputShaped, output, "y");
    }
}
