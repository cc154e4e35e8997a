using KerasNet.Layers;
using KerasNet.Models;
using Xunit;
using static KerasNet.Tests.Layers.Recurrent.FusedRecurrentKit;

namespace KerasNet.Tests.Layers.Recurrent;

/// <summary>The fused GRU op (Ops.GruSequence, taken by GRU layers with reset_after, the default activations and no
/// mask or recurrent dropout) against the step-by-step path (taken when the activations are custom functions
/// computing the same tanh and sigmoid): outputs, final states and the gradients of the inputs, the initial state,
/// the kernel, the recurrent kernel and the bias agree to 1e-5 relative (elements below a tenth of their tensor's
/// largest, where cancellation makes the summation order show, to 1e-6 of that largest).</summary>
public class FusedGruTests
{
    public static IEnumerable<object[]> Cases() => FusedRecurrentKit.Cases();

    [Theory]
    [MemberData(nameof(Cases))]
    public void FusedAndStepLoopGiveTheSameOutputsAndGradients(bool returnSequences, bool goBackwards, bool returnState, bool initialState)
    {
        const int batch = 3, steps = 5, features = 4, units = 10;
        var fused = new GRU(units, returnSequences: returnSequences, goBackwards: goBackwards, returnState: returnState);
        var loop = new GRU(units, activation: CustomTanh, recurrentActivation: CustomSigmoid, returnSequences: returnSequences,
            goBackwards: goBackwards, returnState: returnState);
        Assert.True(fused.Cell.CanFuse(training: true));
        Assert.False(loop.Cell.CanFuse(training: true));
        var x = Ops.RandomNormal(new Shape(batch, steps, features), seed: new SeedGenerator(11));
        var h0 = Ops.RandomNormal(new Shape(batch, units), seed: new SeedGenerator(12));
        fused.Run(x);
        loop.Run(x);
        // Random non-zero bias (both rows) so that every gate's gradient matters.
        var weights = fused.GetWeights();
        weights[2] = Ops.RandomNormal(weights[2].Shape, seed: new SeedGenerator(14));
        fused.SetWeights(weights);
        loop.SetWeights(fused.GetWeights());

        var (outA, gradA) = Run(fused, x, initialState ? [h0] : null);
        var (outB, gradB) = Run(loop, x, initialState ? [h0] : null);
        Assert.Equal(outB.Length, outA.Length);
        for (int i = 0; i < outA.Length; i++) AssertClose(outB[i], outA[i], $"output {i}");
        Assert.Equal(gradB.Length, gradA.Length);
        for (int i = 0; i < gradA.Length; i++) AssertClose(gradB[i], gradA[i], $"gradient {i}");
    }

    /// <summary>Runs the layer under a tape; the loss weighs every output element differently. Returns the outputs
    /// and the gradients of x, the kernel, recurrent kernel and bias, and h0 when given.</summary>
    private static (float[][] Outputs, float[][] Gradients) Run(GRU layer, Tensor x, Tensor[]? initial, bool persistentTwice = false)
    {
        using var tape = new GradientTape(persistent: persistentTwice);
        tape.Watch(x);
        if (initial is not null) foreach (var s in initial) tape.Watch(s);
        var outputs = layer.Run(x, initialState: initial);
        Tensor loss = Ops.Zeros(new Shape());
        for (int i = 0; i < outputs.Length; i++)
        {
            var w = Ops.RandomNormal(outputs[i].Shape, seed: new SeedGenerator(100 + i));
            loss = loss + Ops.Sum(outputs[i] * w);
        }
        var sources = new List<Tensor> { x };
        sources.AddRange(layer.Cell.Weights.Select(v => v.Value));
        if (initial is not null) sources.AddRange(initial);
        var grads = new Tensor[sources.Count];
        tape.Gradient(loss, sources.ToArray(), grads);
        if (persistentTwice)
        {
            var again = new Tensor[sources.Count];
            tape.Gradient(loss, sources.ToArray(), again);
            for (int i = 0; i < grads.Length; i++) Assert.Equal(grads[i].ToArray(), again[i].ToArray());
        }
        return (outputs.Select(o => o.ToArray()).ToArray(), grads.Select(g => g.ToArray()).ToArray());
    }

    [Fact]
    public void APersistentTapeGivesTheSameGradientsTwice()
    {
        var layer = new GRU(9, returnSequences: true);
        var x = Ops.RandomNormal(new Shape(2, 4, 3), seed: new SeedGenerator(21));
        var h0 = Ops.RandomNormal(new Shape(2, 9), seed: new SeedGenerator(22));
        layer.Run(x);
        Run(layer, x, [h0], persistentTwice: true);
    }

    [Fact]
    public void WithoutABiasTheFusedPathMatchesTheStepLoop()
    {
        var fused = new GRU(6, useBias: false, returnSequences: true);
        var loop = new GRU(6, activation: CustomTanh, recurrentActivation: CustomSigmoid, useBias: false, returnSequences: true);
        var x = Ops.RandomNormal(new Shape(3, 4, 5), seed: new SeedGenerator(31));
        fused.Run(x);
        loop.Run(x);
        loop.SetWeights(fused.GetWeights());
        var (outA, gradA) = Run(fused, x, null);
        var (outB, gradB) = Run(loop, x, null);
        AssertClose(outB[0], outA[0], "output without bias");
        for (int i = 0; i < gradA.Length; i++) AssertClose(gradB[i], gradA[i], $"gradient {i} without bias");
    }

    [Fact]
    public void InputDropoutInTrainingTakesTheFusedPathWithTheSameMasks()
    {
        var fused = new GRU(5, dropout: 0.3f, seed: 7, returnSequences: true);
        var loop = new GRU(5, activation: CustomTanh, recurrentActivation: CustomSigmoid, dropout: 0.3f, seed: 7, returnSequences: true);
        var x = Ops.RandomNormal(new Shape(4, 6, 3), seed: new SeedGenerator(3));
        fused.Run(x);
        loop.Run(x);
        loop.SetWeights(fused.GetWeights());
        var a = fused.Run(x, training: true)[0].ToArray();
        var b = loop.Run(x, training: true)[0].ToArray();
        AssertClose(b, a, "output with input dropout");
    }

    [Fact]
    public void ResetBeforeRecurrentDropoutInTrainingAndCustomActivationsUseTheStepLoop()
    {
        Assert.False(new GRU(4, resetAfter: false).Cell.CanFuse(training: false));
        Assert.False(new GRU(4, recurrentDropout: 0.2f).Cell.CanFuse(training: true));
        Assert.True(new GRU(4, recurrentDropout: 0.2f).Cell.CanFuse(training: false));
        Assert.False(new GRU(4, activation: "relu").Cell.CanFuse(training: false));
        Assert.False(new GRU(4, recurrentActivation: "hard_sigmoid").Cell.CanFuse(training: false));
    }

    [Fact]
    public void TheFusedOpRecordsFewTapeNodesForTheWholeSequence()
    {
        var layer = new GRU(8);
        var x = Ops.RandomNormal(new Shape(2, 30, 3), seed: new SeedGenerator(5));
        layer.Run(x);
        using var tape = new GradientTape();
        layer.Run(x);
        // The two bias rows (a slice and a reshape each), the projection and the recurrence: none per step.
        Assert.True(tape.RecordedOps <= 6, $"{tape.RecordedOps} ops recorded for a 30-step sequence.");
    }

    [Fact]
    public void TheOpRejectsMismatchedShapesNamingTheArgument()
    {
        var p = Ops.Zeros(new Shape(2, 3, 12));
        var k = Ops.Zeros(new Shape(4, 12));
        var e = Assert.Throws<ArgumentException>(() => Ops.GruSequence(p, Ops.Zeros(new Shape(4, 8)), default, default, false, false, false, out _));
        Assert.Equal("recurrentKernel", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => Ops.GruSequence(Ops.Zeros(new Shape(2, 3, 8)), k, default, default, false, false, false, out _));
        Assert.Equal("projected", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => Ops.GruSequence(p, k, Ops.Zeros(new Shape(8)), default, false, false, false, out _));
        Assert.Equal("recurrentBias", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => Ops.GruSequence(p, k, default, Ops.Zeros(new Shape(3, 4)), false, false, false, out _));
        Assert.Equal("initialH", e.ParamName);
    }
}

[Collection(SerialCollection.Name)]
public class FusedGruAllocationTests
{
    [Fact]
    public void AGruModelsTrainingStepAllocatesNothingOnTheManagedHeap()
    {
        var x = new float[256, 7, 5];
        var y = new int[256];
        var rnd = new Random(3);
        for (int i = 0; i < 256; i++)
        {
            y[i] = i % 3;
            for (int t = 0; t < 7; t++)
            for (int f = 0; f < 5; f++) x[i, t, f] = (float)rnd.NextDouble();
        }
        var model = new Sequential([new InputLayer([7, 5]), new GRU(16), new Dense(3)]);
        model.Compile("adam", new KerasNet.Losses.SparseCategoricalCrossentropy(fromLogits: true), ["accuracy"]);
        long start = 0;
        var perStep = new List<long>();
        var probe = new KerasNet.Callbacks.LambdaCallback(
            onTrainBatchBegin: (_, _) => start = GC.GetAllocatedBytesForCurrentThread(),
            onTrainBatchEnd: (_, _) => perStep.Add(GC.GetAllocatedBytesForCurrentThread() - start));
        AllocationAssert.StepsAllocateNothing(perStep, 10, () => model.Fit(x, y, batchSize: 32, epochs: 3, verbose: 0, callbacks: [probe]), expectedSteps: 24);
    }
}
