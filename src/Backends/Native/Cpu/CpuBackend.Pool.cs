using KerasNet.Backend;

namespace KerasNet.Backends.Native.Cpu;

internal sealed unsafe partial class CpuBackend
{
    public void Pool2D(in PoolParams p, DeviceBuffer x, DeviceBuffer y) => throw new NotImplementedException();
    public void Pool2DBackward(in PoolParams p, DeviceBuffer x, DeviceBuffer y, DeviceBuffer dy, DeviceBuffer dx) => throw new NotImplementedException();
}
