using KerasNet.Backend;

namespace KerasNet.Backends.Native.Cpu;

internal sealed unsafe partial class CpuBackend
{
    public void Conv2D(in ConvParams p, DeviceBuffer x, DeviceBuffer w, DeviceBuffer y) => throw new NotImplementedException();
    public void Conv2DBackwardInput(in ConvParams p, DeviceBuffer dy, DeviceBuffer w, DeviceBuffer dx) => throw new NotImplementedException();
    public void Conv2DBackwardFilter(in ConvParams p, DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dw) => throw new NotImplementedException();
}
