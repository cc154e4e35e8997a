using KerasNet.Backend;
using KerasNet.Backends.Native.Cpu.Gemm;

namespace KerasNet.Backends.Native.Cpu;

internal sealed unsafe partial class CpuBackend
{
    public void MatMul(in MatMulParams p, DeviceBuffer a, long aOffset, DeviceBuffer b, long bOffset, DeviceBuffer c, long cOffset) =>
        Sgemm.Run(p, Cpu(a).F32 + aOffset, Cpu(b).F32 + bOffset, Cpu(c).F32 + cOffset);
}
