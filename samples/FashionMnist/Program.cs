// Trains a model on Fashion-MNIST with KerasNet, the way the Keras examples do, and prints one JSON line:
// {"model": ..., "epochs": ..., "sec_per_epoch": ..., "val_accuracy": ..., "test_accuracy": ...}
//
//   dotnet run -c Release --project samples/FashionMnist -- --model cnn --epochs 10 --threads 2 [--data DIR] [--limit N]
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using KerasNet;
using KerasNet.Backends.Native;
using KerasNet.Callbacks;
using KerasNet.Data;
using KerasNet.Datasets;
using KerasNet.Layers;
using KerasNet.Losses;
using KerasNet.Models;
using KerasNet.Optimizers;

var options = Options.Parse(args);
if (options is null) return 2;
NativeBackendProvider.SetThreads(options.Threads);
Keras.SetRandomSeed(options.Seed);

var ((xTrain, yTrain), (xTest, yTest)) = FashionMnist.LoadData(options.Data);
if (options.Limit is int limit)
{
    (xTrain, yTrain) = Take(xTrain, yTrain, limit);
    (xTest, yTest) = Take(xTest, yTest, Math.Max(limit / 6, 1));
}
Scale(xTrain);
Scale(xTest);

var (model, batchSize, images) = Build(options.Model);
model.Summary();
var timer = new EpochTimer();
var history = model.Fit(Shape(xTrain, images), Labels(options.Model, yTrain), batchSize: batchSize, epochs: options.Epochs,
    validationSplit: 0.1, callbacks: [timer], verbose: options.Verbose);
var xTestShaped = Shape(xTest, images);
var test = model.EvaluateToDictionary(xTestShaped, Labels(options.Model, yTest), batchSize: batchSize, verbose: 0);
// Inference throughput over the test set at Keras's default predict batch size (32), after one warm-up call.
model.Predict(xTestShaped, batchSize: 32);
var predictClock = Stopwatch.StartNew();
model.Predict(xTestShaped, batchSize: 32);
double predictSeconds = predictClock.Elapsed.TotalSeconds;

var result = new Dictionary<string, object>
{
    ["model"] = options.Model,
    ["epochs"] = options.Epochs,
    ["sec_per_epoch"] = Math.Round(timer.MeanSeconds, 3),
    ["val_accuracy"] = Math.Round(history["val_accuracy"][^1], 4),
    ["test_accuracy"] = Math.Round(test["accuracy"], 4),
    ["threads"] = options.Threads,
    ["predict_samples_per_sec"] = Math.Round(yTest.Length / predictSeconds, 1),
    ["peak_rss_mb"] = PeakRssMegabytes(),
};
Console.WriteLine(JsonSerializer.Serialize(result));
return 0;

static (Model Model, int BatchSize, bool Images) Build(string name)
{
    var logits = new SparseCategoricalCrossentropy(fromLogits: true);
    switch (name)
    {
        case "mlp":
        {
            // The Keras "basic classification" model: 784-128-10.
            var m = new Sequential([new InputLayer([28, 28]), new Flatten(), new Dense(128, activation: "relu"), new Dense(10)]);
            m.Compile(new Adam(), logits, ["accuracy"]);
            return (m, 32, false);
        }
        case "cnn":
        {
            var m = new Sequential([
                new InputLayer([28, 28, 1]),
                new Conv2D(32, [3, 3], activation: "relu"), new MaxPooling2D([2, 2]),
                new Conv2D(64, [3, 3], activation: "relu"), new MaxPooling2D([2, 2]),
                new Conv2D(64, [3, 3], activation: "relu"),
                new Flatten(), new Dense(64, activation: "relu"), new Dense(10),
            ]);
            m.Compile(new Adam(), logits, ["accuracy"]);
            return (m, 32, true);
        }
        case "convnet":
        {
            // Keras's "simple MNIST convnet" example (one-hot labels, categorical cross-entropy).
            var m = new Sequential([
                new InputLayer([28, 28, 1]),
                new Conv2D(32, [3, 3], activation: "relu"), new MaxPooling2D([2, 2]),
                new Conv2D(64, [3, 3], activation: "relu"), new MaxPooling2D([2, 2]),
                new Flatten(), new Dropout(0.5f), new Dense(10, activation: "softmax"),
            ]);
            m.Compile(new Adam(), "categorical_crossentropy", ["accuracy"]);
            return (m, 128, true);
        }
        case "lstm":
        {
            // Each image read row by row: 28 steps of 28 features.
            var m = new Sequential([new InputLayer([28, 28]), new LSTM(128), new Dense(10)]);
            m.Compile(new Adam(), logits, ["accuracy"]);
            return (m, 128, false);
        }
        case "transformer":
        {
            // A small transformer encoder over the 28 rows: projection, learned positions, self-attention,
            // feed-forward, each with a residual connection and layer normalization.
            var input = Keras.Input([28, 28]);
            var x = new Dense(64).Apply(input);
            var positions = new PositionEmbedding(28, 64).Apply(x);
            x = new Add().Apply(x, positions);
            var attention = new MultiHeadAttention(numHeads: 4, keyDim: 16).Apply(x, x);
            x = new LayerNormalization(epsilon: 1e-6).Apply(new Add().Apply(x, attention));
            var ff = new Dense(64).Apply(new Dense(128, activation: "relu").Apply(x));
            x = new LayerNormalization(epsilon: 1e-6).Apply(new Add().Apply(x, ff));
            x = new GlobalAveragePooling1D().Apply(x);
            var m = new Model(input, new Dense(10).Apply(x), name: "transformer");
            m.Compile(new Adam(), logits, ["accuracy"]);
            return (m, 128, false);
        }
        default:
            throw new ArgumentException($"Unknown model '{name}'. Choose mlp, cnn, convnet, lstm or transformer.");
    }
}

// The process's peak resident set (VmHWM), in MiB, or -1 where /proc is missing.
static double PeakRssMegabytes()
{
    const string status = "/proc/self/status";
    if (!File.Exists(status)) return -1;
    foreach (var line in File.ReadLines(status))
    {
        if (!line.StartsWith("VmHWM:", StringComparison.Ordinal)) continue;
        var kb = line["VmHWM:".Length..].Trim().Split(' ')[0];
        return Math.Round(double.Parse(kb, CultureInfo.InvariantCulture) / 1024, 1);
    }
    return -1;
}

// Images are the same row-major floats viewed as (n, 28, 28, 1): no copy.
static ArrayData Shape(float[,,] x, bool images) => images ? ArrayData.From(x, x.GetLength(0), 28, 28, 1) : x;

static Array Labels(string model, int[] y)
{
    if (model != "convnet") return y;
    var oneHot = new float[y.Length, 10];
    for (int i = 0; i < y.Length; i++) oneHot[i, y[i]] = 1f;
    return oneHot;
}

static void Scale(float[,,] x)
{
    var span = System.Runtime.InteropServices.MemoryMarshal.CreateSpan(
        ref System.Runtime.CompilerServices.Unsafe.As<byte, float>(ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(x)), x.Length);
    for (int i = 0; i < span.Length; i++) span[i] *= 1f / 255f;
}

static (float[,,], int[]) Take(float[,,] x, int[] y, int n)
{
    n = Math.Min(n, y.Length);
    var xs = new float[n, 28, 28];
    Buffer.BlockCopy(x, 0, xs, 0, n * 28 * 28 * sizeof(float));
    return (xs, y[..n]);
}

/// <summary>Training time per epoch, validation excluded.</summary>
internal sealed class EpochTimer : Callback
{
    private readonly Stopwatch _clock = new();
    private readonly List<double> _seconds = [];

    public double MeanSeconds => _seconds.Count == 0 ? 0 : _seconds.Average();

    public override void OnEpochBegin(int epoch, IReadOnlyDictionary<string, float> logs) => _clock.Restart();

    public override void OnTestBegin(IReadOnlyDictionary<string, float> logs)
    {
        if (_clock.IsRunning) { _clock.Stop(); _seconds.Add(_clock.Elapsed.TotalSeconds); }
    }

    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, float> logs)
    {
        if (_clock.IsRunning) { _clock.Stop(); _seconds.Add(_clock.Elapsed.TotalSeconds); }
    }
}

/// <summary>Learned position embeddings added to a sequence (the Keras transformer examples' PositionEmbedding).</summary>
internal sealed class PositionEmbedding(int sequenceLength, int dim) : Layer
{
    private Variable? _positions;

    public override void Build(Shape inputShape)
    {
        _positions = AddWeight("embeddings", new Shape(sequenceLength, dim), KerasNet.Saving.KerasRegistry.Get<KerasNet.Initializers.Initializer>("glorot_uniform"));
        base.Build(inputShape);
    }

    public override Tensor Call(Tensor inputs, bool training = false) => Ops.BroadcastTo(_positions!, inputs.Shape);

    public override Shape ComputeOutputShape(Shape inputShape) => inputShape;
}

internal sealed record Options(string Model, int Epochs, int Threads, string? Data, int? Limit, int Seed, int Verbose)
{
    public static Options? Parse(string[] args)
    {
        string model = "cnn";
        int epochs = 10, threads = Environment.ProcessorCount, seed = 1, verbose = 1;
        string? data = null;
        int? limit = null;
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--model": model = Next(); break;
                case "--epochs": epochs = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--threads": threads = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--data": data = Next(); break;
                case "--limit": limit = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--seed": seed = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--verbose": verbose = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                default:
                    Console.Error.WriteLine($"Unknown argument '{args[i]}'.\nUsage: FashionMnist --model mlp|cnn|convnet|lstm|transformer --epochs N --threads N [--data DIR] [--limit N] [--seed N] [--verbose 0|1|2]");
                    return null;
            }
        }
        return new Options(model, epochs, threads, data, limit, seed, verbose);
    }
}
