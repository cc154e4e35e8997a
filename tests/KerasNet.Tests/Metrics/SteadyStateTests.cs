using KerasNet.Metrics;
using Xunit;
using LossBce = KerasNet.Losses.BinaryCrossentropy;
using LossScce = KerasNet.Losses.SparseCategoricalCrossentropy;

namespace KerasNet.Tests.Metrics;

[Collection(SerialCollection.Name)]
public class SteadyStateTests
{
    private static bool JitOptimized =>
        typeof(Ops).Assembly.GetCustomAttributes(typeof(System.Diagnostics.DebuggableAttribute), false) is not [System.Diagnostics.DebuggableAttribute { IsJITOptimizerDisabled: true }];

    /// <summary>A training step with a loss, its gradient and several metrics, in one TensorScope, allocates
    /// nothing on the managed heap once warm (as the Core step does). Debug builds of KerasNet.Core allocate
    /// small arrays for span arguments (e.g. Ops.Sum(x, axis), new Shape(1, -1)); there only a bound is checked.</summary>
    [Fact]
    public void RepeatedLossAndMetricStepsAllocateNothingOnTheManagedHeap()
    {
        var x = Ops.RandomNormal(new Shape(32, 16), seed: new SeedGenerator(1));
        var w = new Variable(Ops.RandomNormal(new Shape(16, 4), stddev: 0.1f, seed: new SeedGenerator(2)), "w");
        var labels = Tensor.FromArray(Enumerable.Range(0, 32).Select(i => i % 4).ToArray());
        var multiHot = Ops.Cast(Ops.Greater(Ops.RandomUniform(new Shape(32, 4), seed: new SeedGenerator(3)), Ops.Full(Shape.Scalar, 0.5)), DType.Float32);
        var sw = Ops.RandomUniform(new Shape(32), seed: new SeedGenerator(4));
        var scce = new LossScce(fromLogits: true);
        var bce = new LossBce(fromLogits: true, labelSmoothing: 0.1f);
        var sparseMetrics = new Metric[] { new SparseCategoricalAccuracy(), new SparseTopKCategoricalAccuracy(2), new SparseCategoricalCrossentropy(fromLogits: true) };
        var binaryMetrics = new Metric[] { new BinaryAccuracy(), new AUC(numThresholds: 20), new AUC(curve: "PR", multiLabel: true, numThresholds: 20), new Precision(topK: 2), new Recall(classId: 1), new F1Score("macro", 0.5f) };
        var grads = new Tensor[1];
        var vars = new[] { w };
        var scope = new TensorScope();
        scope.End();
        var tape = new GradientTape();
        tape.Dispose();
        var lr = Tensor.Scalar(0.01f);

        void Step()
        {
            scope.Begin();
            tape.Reset();
            var logits = Ops.MatMul(x, w);
            var loss = Ops.Add(scce.Compute(labels, logits, sw), bce.Compute(multiHot, logits));
            tape.Gradient(loss, vars, grads);
            w.AssignSub(grads[0] * lr);
            foreach (var m in sparseMetrics) m.UpdateState(labels, logits, sw);
            var probs = Ops.Sigmoid(logits);
            foreach (var m in binaryMetrics) m.UpdateState(multiHot, probs, sw);
            scope.End();
        }

        // Tiered JIT and first-use pools allocate during the warm-up.
        for (int i = 0; i < 200; i++) Step();
        if (JitOptimized)
        {
            AllocationAssert.NoneInOneOfThreeWindows(() => { for (int i = 0; i < 100; i++) Step(); }, "100 steps with 2 losses and 9 metrics");
        }
        else
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 100; i++) Step();
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.InRange(allocated / 100, 0, 4096);
        }
        foreach (var m in sparseMetrics.Concat(binaryMetrics))
            Assert.All(m.Result().ToArray(), v => Assert.True(float.IsFinite(v), $"{m.Name} gave {v}"));
    }
}
