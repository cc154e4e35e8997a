// Checks the native backend's CUDA device on a GPU machine (scripts/gpu-check.sh runs every mode):
//   probe                       what was found: libraries, device, NVRTC, compile target
//   kernels                     every kernel family on CUDA against the CPU device (exit code 1 on a mismatch)
//   train --model mlp|cnn --device cuda|cpu [--data DIR] [--epochs 1] [--limit N]
//                               Fashion-MNIST as samples/FashionMnist trains it; one JSON line
//   memory [--steps 1000] [--model mlp] [--data DIR]
//                               device memory (cuMemGetInfo) every 100 training steps; one JSON line
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using KerasNet;
using KerasNet.Backend;
using KerasNet.Backends.Native;
using KerasNet.Backends.Native.Cpu;
using KerasNet.Backends.Native.Cuda;
using KerasNet.Callbacks;
using KerasNet.Datasets;
using KerasNet.Layers;
using KerasNet.Losses;
using KerasNet.Models;
using KerasNet.Optimizers;

string mode = args.Length > 0 ? args[0] : "probe";
var opts = new Dictionary<string, string>();
for (int i = 1; i + 1 < args.Length; i += 2) opts[args[i].TrimStart('-')] = args[i + 1];
string Opt(string name, string fallback) => opts.GetValueOrDefault(name, fallback);

switch (mode)
{
    case "probe": return Probe();
    case "kernels": return KernelChecks.Run();
    case "train": return Train(Opt("model", "mlp"), Opt("device", "cuda"), opts.GetValueOrDefault("data"), int.Parse(Opt("epochs", "1"), CultureInfo.InvariantCulture),
        opts.TryGetValue("limit", out var l) ? int.Parse(l, CultureInfo.InvariantCulture) : null);
    case "memory": return Memory(Opt("model", "mlp"), opts.GetValueOrDefault("data"), int.Parse(Opt("steps", "1000"), CultureInfo.InvariantCulture));
    default:
        Console.Error.WriteLine($"Unknown mode '{mode}'. Modes: probe, kernels, train, memory.");
        return 2;
}

static int Probe()
{
    var r = CudaProbe.Result;
    Console.WriteLine($"available: {r.Available}");
    if (!r.Available) Console.WriteLine($"reason: {r.Reason}");
    foreach (var lib in r.Libraries) Console.WriteLine($"  {lib.Kind}: {(lib.Loaded ? lib.LoadedFrom : "not found")}");
    if (!r.Available) return 1;
    Console.WriteLine($"device: {r.DeviceName} (sm_{r.Architecture}), {r.DeviceCount} device(s), driver {r.DriverVersion}, NVRTC {r.NvrtcVersion}");
    var backend = (CudaBackend)new NativeBackendProvider().Create("cuda");
    var sw = Stopwatch.StartNew();
    backend.LoadAllModules();
    Console.WriteLine($"kernels: {backend.Target.Architecture} ({(backend.Target.Cubin ? "cubin" : "PTX")}), loaded in {sw.Elapsed.TotalSeconds:F2} s, cache {CudaDevice.CacheDirectory}");
    return 0;
}

static (Model Model, int BatchSize, bool Images) Build(string name)
{
    var logits = new SparseCategoricalCrossentropy(fromLogits: true);
    Sequential m = name switch
    {
        "mlp" => new Sequential([new InputLayer([28, 28]), new Flatten(), new Dense(128, activation: "relu"), new Dense(10)]),
        "cnn" => new Sequential([
            new InputLayer([28, 28, 1]),
            new Conv2D(32, [3, 3], activation: "relu"), new MaxPooling2D([2, 2]),
            new Conv2D(64, [3, 3], activation: "relu"), new MaxPooling2D([2, 2]),
            new Conv2D(64, [3, 3], activation: "relu"),
            new Flatten(), new Dense(64, activation: "relu"), new Dense(10),
        ]),
        _ => throw new ArgumentException($"Unknown model '{name}' (mlp or cnn)."),
    };
    m.Compile(new Adam(), logits, ["accuracy"]);
    return (m, 32, name == "cnn");
}

static ((Array X, int[] Y) Train, (Array X, int[] Y) Test) Data(string? dir, bool images, int? limit)
{
    var ((xTrain, yTrain), (xTest, yTest)) = FashionMnist.LoadData(dir);
    if (limit is int n)
    {
        (xTrain, yTrain) = Take(xTrain, yTrain, n);
        (xTest, yTest) = Take(xTest, yTest, Math.Max(n / 6, 1));
    }
    return ((Prepare(xTrain, images), yTrain), (Prepare(xTest, images), yTest));

    static Array Prepare(float[,,] x, bool images)
    {
        var span = MemoryMarshal.CreateSpan(ref Unsafe(x), x.Length);
        for (int i = 0; i < span.Length; i++) span[i] *= 1f / 255f;
        if (!images) return x;
        var shaped = new float[x.GetLength(0), 28, 28, 1];
        Buffer.BlockCopy(x, 0, shaped, 0, x.Length * sizeof(float));
        return shaped;
    }

    static ref float Unsafe(float[,,] x) =>
        ref System.Runtime.CompilerServices.Unsafe.As<byte, float>(ref MemoryMarshal.GetArrayDataReference(x));

    static (float[,,], int[]) Take(float[,,] x, int[] y, int n)
    {
        n = Math.Min(n, y.Length);
        var xs = new float[n, 28, 28];
        Buffer.BlockCopy(x, 0, xs, 0, n * 28 * 28 * sizeof(float));
        return (xs, y[..n]);
    }
}

static int Train(string model, string device, string? data, int epochs, int? limit)
{
    var backend = BackendRegistry.Set("native", device);
    NativeBackendProvider.SetThreads(Environment.ProcessorCount);
    Keras.SetRandomSeed(1);
    var (m, batch, images) = Build(model);
    var ((x, y), (xt, yt)) = Data(data, images, limit);
    var timer = new EpochTimer();
    var history = m.Fit(x, y, batchSize: batch, epochs: epochs, validationSplit: 0.1, callbacks: [timer], verbose: 0);
    var test = m.EvaluateToDictionary(xt, yt, batchSize: batch, verbose: 0);
    Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["model"] = model, ["device"] = backend.Device, ["epochs"] = epochs,
        ["sec_per_epoch"] = Math.Round(timer.MeanSeconds, 3),
        ["val_accuracy"] = Math.Round(history["val_accuracy"][^1], 4),
        ["test_accuracy"] = Math.Round(test["accuracy"], 4),
    }));
    return 0;
}

static int Memory(string model, string? data, int steps)
{
    var backend = BackendRegistry.Set("native", "cuda");
    Keras.SetRandomSeed(1);
    var (m, batch, images) = Build(model);
    var ((x, y), _) = Data(data, images, steps * batch);
    var probe = new MemoryProbe(backend);
    m.Fit(x, y, batchSize: batch, epochs: 1, callbacks: [probe], verbose: 0);
    // Flat: after the first 100 steps (pool warm-up) the used device memory does not grow.
    long warm = probe.UsedBytes.Count > 1 ? probe.UsedBytes[1] : probe.UsedBytes[0];
    long growth = probe.UsedBytes.Skip(1).Max() - warm;
    Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["model"] = model, ["steps"] = probe.Steps, ["used_bytes_every_100_steps"] = probe.UsedBytes,
        ["growth_after_warmup_bytes"] = growth, ["flat"] = growth <= 0,
    }));
    return growth <= 0 ? 0 : 1;
}

/// <summary>Training time per epoch, validation excluded.</summary>
internal sealed class EpochTimer : Callback
{
    private readonly Stopwatch _clock = new();
    private readonly List<double> _seconds = [];

    public double MeanSeconds => _seconds.Count == 0 ? 0 : _seconds.Average();

    public override void OnEpochBegin(int epoch, IReadOnlyDictionary<string, float> logs) => _clock.Restart();

    public override void OnTestBegin(IReadOnlyDictionary<string, float> logs) => Stop();

    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, float> logs) => Stop();

    private void Stop()
    {
        if (!_clock.IsRunning) return;
        _clock.Stop();
        _seconds.Add(_clock.Elapsed.TotalSeconds);
    }
}

/// <summary>Used device memory (total − free, cuMemGetInfo) every 100 training steps.</summary>
internal sealed class MemoryProbe(IBackend backend) : Callback
{
    public List<long> UsedBytes { get; } = [];

    public int Steps { get; private set; }

    public override void OnTrainBatchEnd(int batch, IReadOnlyDictionary<string, float> logs)
    {
        Steps++;
        if (Steps % 100 != 0) return;
        backend.Synchronize();
        var (free, total) = CudaDevice.GetMemoryInfo(backend);
        UsedBytes.Add(total - free);
    }
}
