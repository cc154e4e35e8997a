using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using KerasNet.Data;
using KerasNet.Models;
using KerasNet.Onnx;
using Xunit;

namespace KerasNet.Tests.Onnx;

/// <summary>A test that runs exported models through the ONNX checker (python3-onnx) and ONNX Runtime
/// (onnxruntime-node, tests/onnx-runner). It is skipped, saying why, only when Node.js/npm or the Python ONNX
/// package are not there at all; scripts/onnx-deps.sh installs them (CI runs it first).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class OnnxFactAttribute : FactAttribute
{
    public OnnxFactAttribute()
    {
        if (OnnxTools.Unavailable is { } why) Skip = why;
    }
}

/// <summary>Finds and runs the external ONNX tools.</summary>
public static class OnnxTools
{
    private static readonly Lazy<Tools> Found = new(Find, LazyThreadSafetyMode.ExecutionAndPublication);

    private sealed record Tools(string? Node, string? Python, int CheckerMaxOpset, string RunnerDir, string? Problem);

    /// <summary>Null when the tools are there, else why the ONNX runtime tests are skipped.</summary>
    public static string? Unavailable => Found.Value.Problem;

    /// <summary>The repository root (the directory holding KerasNet.sln).</summary>
    public static string RepoRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "KerasNet.sln"))) return dir.FullName;
            throw new InvalidOperationException($"No KerasNet.sln above {AppContext.BaseDirectory}.");
        }
    }

    private static Tools Find()
    {
        string runnerDir = Path.Combine(RepoRoot, "tests", "onnx-runner");
        string? node = OnPath("node");
        string? npm = OnPath("npm");
        string? python = null;
        int maxOpset = 0;
        foreach (var candidate in new[] { "/usr/bin/python3", OnPath("python3") })
        {
            if (candidate is null || !File.Exists(candidate)) continue;
            var r = Run(candidate, ["-c", "import onnx, onnx.defs; print(onnx.defs.onnx_opset_version())"], null, TimeSpan.FromSeconds(60));
            if (r.ExitCode == 0 && int.TryParse(r.Stdout.Trim(), out maxOpset))
            {
                python = candidate;
                break;
            }
        }
        var missing = new List<string>();
        if (node is null) missing.Add("Node.js (node)");
        if (npm is null) missing.Add("npm");
        if (python is null) missing.Add("the Python ONNX package (apt-get install python3-onnx)");
        if (missing.Count > 0)
            return new Tools(node, python, maxOpset, runnerDir, $"ONNX tools unavailable: no {string.Join(", no ", missing)}. Run scripts/onnx-deps.sh to install them.");
        // Node and npm are there: make sure the runner's onnxruntime-node is installed (what onnx-deps.sh does).
        if (!File.Exists(Path.Combine(runnerDir, "node_modules", "onnxruntime-node", "package.json")))
        {
            var r = Run(npm!, ["install", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"], runnerDir, TimeSpan.FromMinutes(5));
            if (r.ExitCode != 0)
                return new Tools(node, python, maxOpset, runnerDir,
                    $"onnxruntime-node could not be installed in tests/onnx-runner (npm install failed: {r.Stderr.Trim()}). Run scripts/onnx-deps.sh.");
        }
        return new Tools(node, python, maxOpset, runnerDir, null);
    }

    private static string? OnPath(string exe)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string p = Path.Combine(dir, exe);
            if (File.Exists(p)) return p;
        }
        return null;
    }

    private sealed record ProcessResult(int ExitCode, string Stdout, string Stderr);

    private static ProcessResult Run(string exe, IEnumerable<string> args, string? workingDir, TimeSpan timeout)
    {
        var psi = new ProcessStartInfo(exe)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDir ?? Environment.CurrentDirectory,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"Could not start {exe}.");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{exe} {string.Join(" ", args)} did not finish in {timeout}.");
        }
        return new ProcessResult(p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Runs onnx.checker.check_model(full_check=True) on the file; fails the test with the checker's
    /// message. Opsets newer than the installed checker knows are left to ONNX Runtime alone.</summary>
    public static void Check(string path, int opset)
    {
        var t = Found.Value;
        if (opset > t.CheckerMaxOpset) return;
        var r = Run(t.Python!, ["-c", "import sys, onnx; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)", path], null, TimeSpan.FromSeconds(60));
        Assert.True(r.ExitCode == 0, $"The ONNX checker rejected {Path.GetFileName(path)}:\n{r.Stderr}");
    }

    /// <summary>Runs the model in ONNX Runtime (CPU) and returns its outputs by name, in the graph's output
    /// order, with the session's input and output names.</summary>
    public static OrtResult RunOrt(string modelPath, IReadOnlyDictionary<string, Tensor> inputs)
    {
        var t = Found.Value;
        string dir = Path.GetDirectoryName(modelPath)!;
        string job = Path.Combine(dir, Path.GetFileNameWithoutExtension(modelPath) + ".job.json");
        string result = Path.Combine(dir, Path.GetFileNameWithoutExtension(modelPath) + ".result.json");
        using (var stream = File.Create(job))
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteString("model", modelPath);
            w.WriteStartObject("inputs");
            foreach (var (name, tensor) in inputs)
            {
                w.WriteStartObject(name);
                w.WriteString("type", tensor.DType switch
                {
                    DType.Float32 => "float32",
                    DType.Int32 => "int32",
                    DType.Int64 => "int64",
                    _ => "bool",
                });
                w.WriteStartArray("dims");
                foreach (int d in tensor.Shape.Dims) w.WriteNumberValue(d);
                w.WriteEndArray();
                w.WriteStartArray("data");
                switch (tensor.DType)
                {
                    case DType.Float32: foreach (var v in tensor.ToArray<float>()) w.WriteNumberValue(v); break;
                    case DType.Int32: foreach (var v in tensor.ToArray<int>()) w.WriteNumberValue(v); break;
                    case DType.Int64: foreach (var v in tensor.ToArray<long>()) w.WriteNumberValue(v); break;
                    default: foreach (var v in tensor.ToArray<bool>()) w.WriteNumberValue(v ? 1 : 0); break;
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndObject();
            w.WriteEndObject();
        }
        var r = Run(t.Node!, [Path.Combine(t.RunnerDir, "run.js"), job, result], t.RunnerDir, TimeSpan.FromSeconds(120));
        Assert.True(r.ExitCode == 0, $"ONNX Runtime could not run {Path.GetFileName(modelPath)}:\n{r.Stderr}");
        var root = JsonNode.Parse(File.ReadAllText(result))!.AsObject();
        var outputs = new List<(string Name, int[] Dims, float[] Data)>();
        foreach (var (name, node) in root["outputs"]!.AsObject())
        {
            var dims = node!["dims"]!.AsArray().Select(d => (int)d!.GetValue<double>()).ToArray();
            var data = node["data"]!.AsArray().Select(d => (float)d!.GetValue<double>()).ToArray();
            outputs.Add((name, dims, data));
        }
        return new OrtResult(
            root["inputNames"]!.AsArray().Select(n => (string)n!).ToArray(),
            root["outputNames"]!.AsArray().Select(n => (string)n!).ToArray(),
            outputs);
    }
}

/// <summary>What ONNX Runtime gave for one run.</summary>
public sealed record OrtResult(string[] InputNames, string[] OutputNames, List<(string Name, int[] Dims, float[] Data)> Outputs);

/// <summary>Exports a model, checks it, runs it in ONNX Runtime and compares with Predict.</summary>
public static class OnnxAssert
{
    /// <summary>Within 1e-5, relative to the size of the expected value when it is above 1.</summary>
    public const float Tolerance = 1e-5f;

    /// <summary>A fresh file path in a per-test temporary directory.</summary>
    public static string TempModelPath(string name)
    {
        string dir = Path.Combine(Path.GetTempPath(), "kerasnet-onnx-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return Path.Combine(dir, name + ".onnx");
    }

    /// <summary>Exports <paramref name="model"/> at <paramref name="opset"/>, runs the checker, runs ONNX Runtime on
    /// <paramref name="inputs"/> (one tensor per model input) and asserts every output equals Predict's within
    /// <paramref name="tolerance"/>. Returns ONNX Runtime's result for further checks.</summary>
    public static OrtResult MatchesPredict(Model model, Tensor[] inputs, int opset = OnnxExport.DefaultOpset, float tolerance = Tolerance)
    {
        string path = TempModelPath(model.Name);
        try
        {
            model.ExportOnnx(path, opset);
            OnnxTools.Check(path, opset);
            var feeds = new Dictionary<string, Tensor>();
            for (int i = 0; i < inputs.Length; i++) feeds[model.Inputs[i].Producer!.Name] = inputs[i];
            var ort = OnnxTools.RunOrt(path, feeds);
            var expected = model.PredictAll(inputs.Select(ArrayData.From).ToArray(), batchSize: Math.Max(1, inputs[0].Shape[0]));
            Assert.Equal(expected.Length, ort.Outputs.Count);
            for (int o = 0; o < expected.Length; o++)
            {
                var (name, dims, data) = ort.Outputs[o];
                Assert.True(expected[o].Shape.Dims.SequenceEqual(dims),
                    $"Output {o} ('{name}'): Predict's shape is {expected[o].Shape}, ONNX Runtime's ({string.Join(", ", dims)}).");
                var want = expected[o].ToArray<float>();
                double worst = 0;
                int worstAt = -1;
                for (int i = 0; i < want.Length; i++)
                {
                    double err = Math.Abs(want[i] - data[i]) / Math.Max(1.0, Math.Abs(want[i]));
                    if (!(err <= worst) || double.IsNaN(data[i]))
                    {
                        worst = double.IsNaN(data[i]) ? double.PositiveInfinity : err;
                        worstAt = i;
                    }
                }
                if (!(worst <= tolerance))
                    Assert.Fail($"Output {o} ('{name}') of {model.Name}: ONNX Runtime differs from Predict by {worst:E3} at element {worstAt} " +
                    $"({data[worstAt]} vs {want[worstAt]}); tolerance {tolerance:E1}.");
            }
            return ort;
        }
        finally
        {
            try { Directory.Delete(Path.GetDirectoryName(path)!, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>A seeded standard-normal tensor.</summary>
    public static Tensor Normal(int seed, params int[] shape)
    {
        var rng = new Random(seed);
        long n = 1;
        foreach (int d in shape) n *= d;
        var data = new float[n];
        for (int i = 0; i < n; i++)
        {
            double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
            data[i] = (float)(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }
        return Tensor.FromArray<float>(data, new Shape(shape));
    }
}
