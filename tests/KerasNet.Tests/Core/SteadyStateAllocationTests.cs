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

    [Fact]
    public void FitsOwnTrainingStepAllocatesNothingOnTheManagedHeap()
    {
        var x = new float[1024, 20];
        var y = new int[1024];
        for (int i = 0; i < 1024; i++) { y[i] = i % 3; x[i, i % 20] = 1; }
        var model = new KerasNet.Models.Sequential([new KerasNet.Models.InputLayer([20]), new KerasNet.Layers.Dense(32, activation: "relu"), new KerasNet.Layers.Dense(3)]);
        model.Compile("adam", new KerasNet.Losses.SparseCategoricalCrossentropy(fromLogits: true), ["accuracy"]);
        long start = 0;
        var perStep = new List<long>();
        // Measured between the batch hooks: the batch upload, forward, loss, backward, update and metric update.
        var probe = new KerasNet.Callbacks.LambdaCallback(
            onTrainBatchBegin: (_, _) => start = GC.GetAllocatedBytesForCurrentThread(),
            onTrainBatchEnd: (_, _) => perStep.Add(GC.GetAllocatedBytesForCurrentThread() - start));
        model.Fit(x, y, batchSize: 32, epochs: 3, verbose: 0, callbacks: [probe]);
        Assert.Equal(96, perStep.Count);
        Assert.All(perStep.Skip(40), bytes => Assert.Equal(0, bytes));
    }
}
