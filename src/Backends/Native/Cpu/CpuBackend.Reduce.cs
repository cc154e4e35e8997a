using KerasNet.Backend;

namespace KerasNet.Backends.Native.Cpu;

internal sealed unsafe partial class CpuBackend
{
    public void Reduce(ReduceOp op, DeviceBuffer x, DeviceBuffer y, DType dtype, int outer, int reduce, int inner) => throw new NotImplementedException();
    public void ArgReduce(bool max, DeviceBuffer x, DeviceBuffer y, int outer, int reduce, int inner) => throw new NotImplementedException();
    public void Softmax(DeviceBuffer x, DeviceBuffer y, int rows, int cols, bool log) => throw new NotImplementedException();
    public void SoftmaxCrossEntropy(DeviceBuffer logits, DeviceBuffer labels, DType labelType, DeviceBuffer loss, DeviceBuffer? gradient, int rows, int cols) => throw new NotImplementedException();
}
