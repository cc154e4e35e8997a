using KerasNet.Backend;

namespace KerasNet.Backends.Native.Cpu;

internal sealed unsafe partial class CpuBackend
{
    public void Gather(DeviceBuffer x, DeviceBuffer indices, DType indexType, DeviceBuffer y, DType dtype, int outer, int axisSize, int inner, int count) => throw new NotImplementedException();
    public void ScatterAdd(DeviceBuffer updates, DeviceBuffer indices, DType indexType, DeviceBuffer y, int outer, int axisSize, int inner, int count) => throw new NotImplementedException();
    public void StridedCopy(in StridedCopyParams p, DeviceBuffer source, DeviceBuffer destination, DType dtype) => throw new NotImplementedException();
    public void Random(RandomDistribution distribution, DeviceBuffer y, long count, ulong seed, ulong offset, float a, float b) => throw new NotImplementedException();
}
