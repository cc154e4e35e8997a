using KerasNet.Backend;

namespace KerasNet.Backends.Native.Cpu;

internal sealed unsafe partial class CpuBackend
{
    public void Unary(UnaryOp op, DeviceBuffer x, DeviceBuffer y, DType dtype, long count, float alpha) => throw new NotImplementedException();
    public void Binary(BinaryOp op, DeviceBuffer a, DeviceBuffer b, DeviceBuffer y, DType dtype, in BroadcastPlan plan) => throw new NotImplementedException();
    public void Compare(CompareOp op, DeviceBuffer a, DeviceBuffer b, DeviceBuffer y, DType dtype, in BroadcastPlan plan) => throw new NotImplementedException();
    public void Where(DeviceBuffer condition, DeviceBuffer a, DeviceBuffer b, DeviceBuffer y, DType dtype, in BroadcastPlan plan) => throw new NotImplementedException();
}
