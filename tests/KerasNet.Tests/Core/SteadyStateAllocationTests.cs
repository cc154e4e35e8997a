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
        AllocationAssert.NoneInOneOfThreeWindows(() => { for (int i = 0; i < 200; i++) Step(); }, "200 hand-written training steps");
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
        AllocationAssert.StepsAllocateNothing(perStep, 40, () => model.Fit(x, y, batchSize: 32, epochs: 3, verbose: 0, callbacks: [probe]), expectedSteps: 96);
    }

    /// <summary>The four Fashion-MNIST benchmark models of samples/FashionMnist (same layers, batch sizes,
    /// optimizer and loss), on small random data: once warm, every training step Fit runs allocates 0 bytes.</summary>
    [Theory]
    [InlineData("mlp")]
    [InlineData("convnet")]
    [InlineData("cnn")]
    [InlineData("lstm")]
    public void BenchmarkModelsTrainWithoutManagedAllocations(string name)
    {
        var (model, batch, images) = BenchmarkModel(name);
        int n = batch * 12;
        var rng = new Random(3);
        var x = new float[n, 28, 28];
        var labels = new int[n];
        for (int i = 0; i < n; i++)
        {
            labels[i] = rng.Next(10);
            for (int r = 0; r < 28; r++) for (int c = 0; c < 28; c++) x[i, r, c] = (float)rng.NextDouble();
        }
        KerasNet.Data.ArrayData xs = images ? KerasNet.Data.ArrayData.From(x, n, 28, 28, 1) : x;
        KerasNet.Data.ArrayData ys = labels;
        if (name == "convnet")
        {
            var oneHot = new float[n, 10];
            for (int i = 0; i < n; i++) oneHot[i, labels[i]] = 1;
            ys = oneHot;
        }
        long start = 0;
        var perStep = new List<long>();
        var probe = new KerasNet.Callbacks.LambdaCallback(
            onTrainBatchBegin: (_, _) => start = GC.GetAllocatedBytesForCurrentThread(),
            onTrainBatchEnd: (_, _) => perStep.Add(GC.GetAllocatedBytesForCurrentThread() - start));
        // The second epoch is steady state.
        AllocationAssert.StepsAllocateNothing(perStep, 12, () => model.Fit(xs, ys, batchSize: batch, epochs: 2, verbose: 0, callbacks: [probe]), expectedSteps: 24);
    }

    private static (KerasNet.Models.Model Model, int Batch, bool Images) BenchmarkModel(string name)
    {
        var logits = new KerasNet.Losses.SparseCategoricalCrossentropy(fromLogits: true);
        switch (name)
        {
            case "mlp":
            {
                var m = new KerasNet.Models.Sequential([new KerasNet.Models.InputLayer([28, 28]), new KerasNet.Layers.Flatten(),
                    new KerasNet.Layers.Dense(128, activation: "relu"), new KerasNet.Layers.Dense(10)]);
                m.Compile(new KerasNet.Optimizers.Adam(), logits, ["accuracy"]);
                return (m, 32, false);
            }
            case "cnn":
            {
                var m = new KerasNet.Models.Sequential([new KerasNet.Models.InputLayer([28, 28, 1]),
                    new KerasNet.Layers.Conv2D(32, [3, 3], activation: "relu"), new KerasNet.Layers.MaxPooling2D([2, 2]),
                    new KerasNet.Layers.Conv2D(64, [3, 3], activation: "relu"), new KerasNet.Layers.MaxPooling2D([2, 2]),
                    new KerasNet.Layers.Conv2D(64, [3, 3], activation: "relu"),
                    new KerasNet.Layers.Flatten(), new KerasNet.Layers.Dense(64, activation: "relu"), new KerasNet.Layers.Dense(10)]);
                m.Compile(new KerasNet.Optimizers.Adam(), logits, ["accuracy"]);
                return (m, 32, true);
            }
            case "convnet":
            {
                var m = new KerasNet.Models.Sequential([new KerasNet.Models.InputLayer([28, 28, 1]),
                    new KerasNet.Layers.Conv2D(32, [3, 3], activation: "relu"), new KerasNet.Layers.MaxPooling2D([2, 2]),
                    new KerasNet.Layers.Conv2D(64, [3, 3], activation: "relu"), new KerasNet.Layers.MaxPooling2D([2, 2]),
                    new KerasNet.Layers.Flatten(), new KerasNet.Layers.Dropout(0.5f), new KerasNet.Layers.Dense(10, activation: "softmax")]);
                m.Compile(new KerasNet.Optimizers.Adam(), "categorical_crossentropy", ["accuracy"]);
                return (m, 128, true);
            }
            default:
            {
                var m = new KerasNet.Models.Sequential([new KerasNet.Models.InputLayer([28, 28]), new KerasNet.Layers.LSTM(128), new KerasNet.Layers.Dense(10)]);
                m.Compile(new KerasNet.Optimizers.Adam(), logits, ["accuracy"]);
                return (m, 128, false);
            }
        }
    }
}
