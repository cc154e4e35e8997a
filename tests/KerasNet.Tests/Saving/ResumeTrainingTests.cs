using KerasNet.Callbacks;
using KerasNet.Layers;
using KerasNet.Models;
using KerasNet.Optimizers;
using KerasNet.Optimizers.Schedules;
using Xunit;
using static KerasNet.Tests.Saving.SavingTestUtil;

namespace KerasNet.Tests.Saving;

/// <summary>A model saved mid-training and loaded goes on exactly as the uninterrupted run: the weights, the
/// Adam slots and the iteration count (which drives the learning-rate schedule) are all restored.</summary>
public class ResumeTrainingTests
{
    private static Sequential Build() => new(
    [
        new InputLayer([5]),
        new Dense(12, activation: "tanh"),
        new BatchNormalization(),
        new Dense(6, activation: "relu"),
        new Dense(2),
    ]);

    private static Optimizer MakeOptimizer() => new Adam(new ExponentialDecay(0.02, decaySteps: 3, decayRate: 0.7), beta1: 0.8f);

    private static readonly float[,] X = Matrix(21, 40, 5);
    private static readonly float[,] Y = Matrix(22, 40, 2);

    private static History Train(Model model, int epochs, int initialEpoch = 0) =>
        model.Fit(X, Y, batchSize: 8, epochs: epochs, initialEpoch: initialEpoch, verbose: 0, shuffle: false);

    /// <summary>Bit-identical, not merely close: the resumed run performs the same float operations in the
    /// same order as the uninterrupted one.</summary>
    [Fact]
    public void TrainingResumedFromASavedModelMatchesTheUninterruptedRunExactly()
    {
        using var dir = new TempDir();
        var a = Build();
        var c = Build();
        c.SetWeights(a.GetWeights()); // C starts where A starts
        a.Compile(MakeOptimizer(), "mse", ["mae"]);
        c.Compile(MakeOptimizer(), "mse", ["mae"]);

        var historyA = Train(a, epochs: 2);
        string path = dir.File("checkpoint.keras");
        a.Save(path);
        var b = Keras.LoadModel(path);
        Assert.Equal(10, b.Optimizer!.IterationCount);
        Assert.Equal(a.Optimizer!.LearningRate, b.Optimizer.LearningRate);
        var historyB = Train(b, epochs: 4, initialEpoch: 2);

        var historyC = Train(c, epochs: 4);

        Assert.Equal([2, 3], historyB.Epoch);
        foreach (var key in new[] { "loss", "mae" })
        {
            AssertBitIdentical(historyC[key].Take(2).ToArray(), historyA[key].ToArray(), $"{key}, epochs 1-2");
            AssertBitIdentical(historyC[key].Skip(2).ToArray(), historyB[key].ToArray(), $"{key}, epochs 3-4");
        }
        Assert.Equal(20, b.Optimizer.IterationCount);
        for (int i = 0; i < c.Weights.Count; i++)
            AssertBitIdentical(c.Weights[i].Value.ToArray(), b.Weights[i].Value.ToArray(), c.Weights[i].Path);
        var slotsB = b.Optimizer.Variables;
        var slotsC = c.Optimizer!.Variables;
        Assert.Equal(slotsC.Count, slotsB.Count);
        for (int i = 1; i < slotsC.Count; i++)
            AssertBitIdentical(slotsC[i].Value.ToArray(), slotsB[i].Value.ToArray(), slotsC[i].Path);
    }

    /// <summary>The control: without the optimizer state (a fresh Adam, iteration 0) the resumed run differs,
    /// so the test above does measure the restored state.</summary>
    [Fact]
    public void WithoutTheOptimizerStateTheResumedRunDiffers()
    {
        using var dir = new TempDir();
        var a = Build();
        var c = Build();
        c.SetWeights(a.GetWeights());
        a.Compile(MakeOptimizer(), "mse");
        c.Compile(MakeOptimizer(), "mse");
        Train(a, epochs: 2);
        string path = dir.File("checkpoint.keras");
        a.Save(path);
        var b = Keras.LoadModel(path, compile: false);
        Assert.False(b.Compiled);
        b.Compile(MakeOptimizer(), "mse");
        var historyB = Train(b, epochs: 4, initialEpoch: 2);
        var historyC = Train(c, epochs: 4);
        Assert.NotEqual(historyC["loss"][2], historyB["loss"][0]);
    }

    /// <summary>SaveWeights/LoadWeights into a compiled model of the same architecture also carries the
    /// optimizer state, so that resuming from a weights file matches too.</summary>
    [Fact]
    public void TrainingResumedFromAWeightsFileMatchesTheUninterruptedRunExactly()
    {
        using var dir = new TempDir();
        var a = Build();
        var c = Build();
        c.SetWeights(a.GetWeights());
        a.Compile(MakeOptimizer(), "mse");
        c.Compile(MakeOptimizer(), "mse");
        Train(a, epochs: 2);
        string path = dir.File("checkpoint.weights.safetensors");
        a.SaveWeights(path);
        var b = Build();
        b.Compile(MakeOptimizer(), "mse");
        b.LoadWeights(path);
        var historyB = Train(b, epochs: 4, initialEpoch: 2);
        var historyC = Train(c, epochs: 4);
        AssertBitIdentical(historyC["loss"].Skip(2).ToArray(), historyB["loss"].ToArray(), "loss, epochs 3-4");
    }
}
