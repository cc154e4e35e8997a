using KerasNet.Callbacks;
using KerasNet.Data;
using KerasNet.Layers;
using KerasNet.Models;
using KerasNet.Optimizers;

namespace KerasNet.Tests.Callbacks;

/// <summary>Small models whose training the callback tests can follow by hand, and scripted logs.</summary>
internal static class CallbackKit
{
    /// <summary>y = w·x with one weight and no bias, trained by plain SGD on mse with x = [1, 2], y = [0, 0] in
    /// one batch: the epoch's loss is (w² + 4w²)/2 = 2.5w² (computed before the update), the gradient is 5w,
    /// so an epoch maps w to w·(1 − 5·lr).</summary>
    public static Sequential Scalar(float w, float learningRate)
    {
        var model = new Sequential([new InputLayer([1]), new Dense(1, useBias: false)]);
        model.SetWeights(new float[] { w });
        model.Compile(new SGD(learningRate), "mse");
        return model;
    }

    public static ArrayData ScalarX => ArrayData.From(new float[] { 1, 2 }, 2, 1);
    public static ArrayData ScalarY => ArrayData.From(new float[] { 0, 0 }, 2, 1);

    /// <summary>Fits <see cref="Scalar"/>'s data in one batch per epoch, silently, without shuffling.</summary>
    public static History FitScalar(Model model, int epochs, IEnumerable<Callback> callbacks, int initialEpoch = 0) =>
        model.Fit(ScalarX, ScalarY, batchSize: 2, epochs: epochs, verbose: 0, callbacks: callbacks, shuffle: false, initialEpoch: initialEpoch);

    /// <summary>The single weight of a <see cref="Scalar"/> model.</summary>
    public static float Weight(Model model) => Flat(model)[0];

    /// <summary>Every weight of the model, flattened, in GetWeights order.</summary>
    public static float[] Flat(Model model)
    {
        var ws = model.GetWeights();
        try
        {
            return ws.SelectMany(t => t.ToArray()).ToArray();
        }
        finally
        {
            foreach (var t in ws) t.Dispose();
        }
    }

    /// <summary>A 3 → 4 → 1 regression MLP with seeded weights and 16 seeded samples.</summary>
    public static (Sequential Model, ArrayData X, ArrayData Y) Mlp(int seed, string optimizer = "adam")
    {
        var rng = new Random(seed);
        var model = new Sequential([new InputLayer([3]), new Dense(4, activation: "tanh"), new Dense(1)]);
        model.SetWeights(model.Weights.Select(w => (Array)Enumerable.Range(0, (int)w.Shape.Size).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray()).ToArray());
        model.Compile(optimizer, "mse", ["mae"]);
        var x = Enumerable.Range(0, 16 * 3).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        var y = Enumerable.Range(0, 16).Select(i => x[3 * i] - 0.5f * x[3 * i + 1] + 0.25f * x[3 * i + 2]).ToArray();
        return (model, ArrayData.From(x, 16, 3), ArrayData.From(y, 16, 1));
    }

    /// <summary>Overwrites <paramref name="key"/> in each epoch's logs with the scripted value, so the callbacks
    /// after it see it (place it first in the list).</summary>
    public static LambdaCallback Script(string key, params float[] values) =>
        new(onEpochEnd: (epoch, logs) => ((IDictionary<string, float>)logs)[key] = values[epoch]);

    /// <summary>Runs the epoch-end hooks of <paramref name="callback"/> over scripted values of
    /// <paramref name="key"/>, as Fit would, stopping when the model asks to; returns the epochs run.</summary>
    public static int Drive(Callback callback, Model model, string key, params float[] values)
    {
        callback.Model = model;
        model.StopTraining = false;
        callback.OnTrainBegin(new Dictionary<string, float>());
        int epochs = 0;
        for (int e = 0; e < values.Length; e++)
        {
            callback.OnEpochBegin(e, new Dictionary<string, float>());
            callback.OnEpochEnd(e, new Dictionary<string, float> { ["loss"] = 1f, [key] = values[e] });
            epochs++;
            if (model.StopTraining) break;
        }
        callback.OnTrainEnd(new Dictionary<string, float>());
        return epochs;
    }

    /// <summary>A fresh empty directory under the temp folder.</summary>
    public static string TempDir()
    {
        string dir = Path.Combine(Path.GetTempPath(), "kerasnet-callbacks-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }
}
