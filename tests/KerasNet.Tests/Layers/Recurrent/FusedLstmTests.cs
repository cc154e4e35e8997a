using KerasNet.Layers;
using KerasNet.Models;
using Xunit;
using static KerasNet.Tests.Layers.Recurrent.FusedRecurrentKit;

namespace KerasNet.Tests.Layers.Recurrent;

/// <summary>The fused LSTM op (Ops.LstmSequence, taken by LSTM layers with the default activations and no mask or
/// recurrent dropout) against the step-by-step path (taken when the activations are custom functions computing
/// the same tanh and sigmoid): outputs, final states and the gradients of the inputs, the initial states, the
/// kernel, the recurrent kernel and the bias agree to 1e-5 relative (elements below a tenth of their tensor's
/// largest, where cancellation makes the summation order show, to 1e-6 of that largest).</summary>
public class FusedLstmTests
{
    public static IEnumerable<object[]> Cases() => FusedRecurrentKit.Cases();

    [Theory]
    [MemberData(nameof(Cases))]
    public void FusedAndStepLoopGiveTheSameOutputsAndGradients(bool returnSequences, bool goBackwards, bool returnState, bool initialState)
    {
        const int batch = 3, steps = 5, features = 4, units = 6;
        var fused = new LSTM(units, returnSequences: returnSequences, goBackwards: goBackwards, returnState: returnState);
        var loop = new LSTM(units, activation: CustomTanh, recurrentActivation: CustomSigmoid, returnSequences: returnSequences,
            goBackwards: goBackwards, returnState: returnState);
        Assert.True(fused.Cell.CanFuse(training: true));
        Assert.False(loop.Cell.CanFuse(training: true));
        var x = Ops.RandomNormal(new Shape(batch, steps, features), seed: new SeedGenerator(11));
        var h0 = Ops.RandomNormal(new Shape(batch, units), seed: new SeedGenerator(12));
        var c0 = Ops.RandomNormal(new Shape(batch, units), seed: new SeedGenerator(13));
        fused.Run(x);
        loop.Run(x);
        // Random non-zero bias so that every gate's gradient matters.
        var weights = fused.GetWeights();
        weights[2] = Ops.RandomNormal(weights[2].Shape, seed: new SeedGenerator(14));
        fused.SetWeights(weights);
        loop.SetWeights(fused.GetWeights());

        var (outA, gradA) = Run(fused, x, initialState ? [h0, c0] : null);
        var (outB, gradB) = Run(loop, x, initialState ? [h0, c0] : null);
        Assert.Equal(outB.Length, outA.Length);
        for (int i = 0; i < outA.Length; i++) AssertClose(outB[i], outA[i], $"output {i}");
        Assert.Equal(gradB.Length, gradA.Length);
        for (int i = 0; i < gradA.Length; i++) AssertClose(gradB[i], gradA[i], $"gradient {i}");
    }

    /// <summary>Runs the layer under a tape; the loss weighs every output element differently. Returns the outputs
    /// and the gradients of x, the kernel, recurrent kernel and bias, and h0 and c0 when given.</summary>
    private static (float[][] Outputs, float[][] Gradients) Run(LSTM layer, Tensor x, Tensor[]? initial)
    {
        using var tape = new GradientTape();
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
        return (outputs.Select(o => o.ToArray()).ToArray(), grads.Select(g => g.ToArray()).ToArray());
    }

    [Fact]
    public void InputDropoutInTrainingTakesTheFusedPathWithTheSameMasks()
    {
        var fused = new LSTM(5, dropout: 0.3f, seed: 7, returnSequences: true);
        var loop = new LSTM(5, activation: CustomTanh, recurrentActivation: CustomSigmoid, dropout: 0.3f, seed: 7, returnSequences: true);
        var x = Ops.RandomNormal(new Shape(4, 6, 3), seed: new SeedGenerator(3));
        fused.Run(x);
        loop.Run(x);
        loop.SetWeights(fused.GetWeights());
        var a = fused.Run(x, training: true)[0].ToArray();
        var b = loop.Run(x, training: true)[0].ToArray();
        AssertClose(b, a, "output with input dropout");
    }

    [Fact]
    public void RecurrentDropoutInTrainingAndCustomActivationsUseTheStepLoop()
    {
        Assert.False(new LSTM(4, recurrentDropout: 0.2f).Cell.CanFuse(training: true));
        Assert.True(new LSTM(4, recurrentDropout: 0.2f).Cell.CanFuse(training: false));
        Assert.False(new LSTM(4, activation: "relu").Cell.CanFuse(training: false));
        Assert.False(new LSTM(4, recurrentActivation: "hard_sigmoid").Cell.CanFuse(training: false));
    }

    [Fact]
    public void TheFusedOpRecordsOneTapeNodeForTheWholeSequence()
    {
        var layer = new LSTM(8);
        var x = Ops.RandomNormal(new Shape(2, 30, 3), seed: new SeedGenerator(5));
        layer.Run(x);
        using var tape = new GradientTape();
        layer.Run(x);
        // The projection and the recurrence.
        Assert.Equal(2, tape.RecordedOps);
    }
}

[Collection(SerialCollection.Name)]
public class FusedLstmAllocationTests
{
    [Fact]
    public void AnLstmModelsTrainingStepAllocatesNothingOnTheManagedHeap()
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
        var model = new Sequential([new InputLayer([7, 5]), new LSTM(16), new Dense(3)]);
        model.Compile("adam", new KerasNet.Losses.SparseCategoricalCrossentropy(fromLogits: true), ["accuracy"]);
        long start = 0;
        var perStep = new List<long>();
        var probe = new KerasNet.Callbacks.LambdaCallback(
            onTrainBatchBegin: (_, _) => start = GC.GetAllocatedBytesForCurrentThread(),
            onTrainBatchEnd: (_, _) => perStep.Add(GC.GetAllocatedBytesForCurrentThread() - start));
        AllocationAssert.StepsAllocateNothing(perStep, 10, () => model.Fit(x, y, batchSize: 32, epochs: 3, verbose: 0, callbacks: [probe]), expectedSteps: 24);
    }
}
