using Xunit;

namespace KerasNet.Tests.Core;

[Collection(SerialCollection.Name)]
public class SteadyStateAllocationTests
{
    [Fact]
    public void RepeatedTrainingStepAllocatesNothingOnTheManagedHeap()
    {
        var x = Ops.RandomNormal(new Shape(32, 64), seed: new SeedGenerator(1));
        var w = new Variable(Ops.RandomNormal(new Shape(64, 16), stddev: 0.1f, seed: new SeedGenerator(2)), "w");
        var b = new Variable(Ops.Zeros(new Shape(16)), "b");
        var variables = new[] { w, b };
        var grads = new Tensor[2];
        var scope = new TensorScope();
        scope.End();
        var tape = new GradientTape();
        tape.Dispose();
        var lr = Tensor.Scalar(0.01f);

        void Step()
        {
            scope.Begin();
            tape.Reset();
            var loss = Ops.Sum(Ops.Relu(Ops.MatMul(x, w) + b));
            tape.Gradient(loss, variables, grads);
            w.AssignSub(grads[0] * lr);
            b.AssignSub(grads[1] * lr);
            scope.End();
        }

        for (int i = 0; i < 20; i++) Step();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 200; i++) Step();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
    }
}
