using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Xunit;

namespace KerasNet.Tests.Losses;

/// <summary>Reads the golden files written by scripts/golden/losses_metrics.py and compares tensors with them.</summary>
internal static class GoldenData
{
    private static readonly Lazy<JsonArray> LossCases = new(() => Load("losses.json"));
    private static readonly Lazy<JsonArray> MetricCases = new(() => Load("metrics.json"));

    /// <summary>Relative tolerance of every golden comparison.</summary>
    public const double Relative = 1e-5;

    /// <summary>Absolute floor of every golden comparison.</summary>
    public const double Absolute = 1e-6;

    private static JsonArray Load(string file)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Golden", file);
        return JsonNode.Parse(File.ReadAllText(path))!["cases"]!.AsArray();
    }

    public static IEnumerable<JsonObject> Losses => LossCases.Value.Select(c => c!.AsObject());

    public static IEnumerable<JsonObject> Metrics => MetricCases.Value.Select(c => c!.AsObject());

    public static IEnumerable<object[]> LossNames(string family) => Names(Losses, family);

    public static IEnumerable<object[]> MetricNames(string family) => Names(Metrics, family);

    private static IEnumerable<object[]> Names(IEnumerable<JsonObject> cases, string family)
    {
        var names = cases.Where(c => (string)c["family"]! == family).Select(c => new object[] { (string)c["name"]! }).ToArray();
        Assert.NotEmpty(names);
        return names;
    }

    public static JsonObject Loss(string name) => Losses.Single(c => (string)c["name"]! == name);

    public static JsonObject Metric(string name) => Metrics.Single(c => (string)c["name"]! == name);

    /// <summary>{"class_name": ..., "config": {...}} for KerasRegistry.Deserialize.</summary>
    public static JsonObject Serialized(JsonObject c) => new()
    {
        ["class_name"] = (string)c["class_name"]!,
        ["config"] = c["config"]!.DeepClone(),
    };

    public static Tensor ToTensor(JsonNode? node)
    {
        if (node is null) return default;
        var shape = new Shape(node["shape"]!.AsArray().Select(d => (int)d!).ToArray());
        var data = node["data"]!.AsArray();
        return (string)node["dtype"]! switch
        {
            "int32" => Tensor.FromArray<int>(data.Select(v => (int)v!).ToArray(), shape),
            _ => Tensor.FromArray<float>(data.Select(v => (float)(double)v!).ToArray(), shape),
        };
    }

    /// <summary>Asserts shape and values within max(1e-5·|expected|, 1e-6); the message names the case,
    /// what was compared, the first bad index and both values.</summary>
    public static void AssertClose(JsonNode expected, Tensor actual, string what)
    {
        var shape = expected["shape"]!.AsArray().Select(d => (int)d!).ToArray();
        Assert.True(actual.Shape == new Shape(shape), $"{what}: expected shape {new Shape(shape)}, got {actual.Shape}.");
        var want = expected["data"]!.AsArray().Select(v => (double)v!).ToArray();
        var got = actual.DType == DType.Float32 ? actual.ToArray() : Ops.Cast(actual, DType.Float32).ToArray();
        var errors = new StringBuilder();
        for (int i = 0; i < want.Length; i++)
        {
            double tol = Math.Max(Relative * Math.Abs(want[i]), Absolute);
            if (!(Math.Abs(got[i] - want[i]) <= tol))
                errors.Append(CultureInfo.InvariantCulture, $" [{i}] expected {want[i]:G9} got {got[i]:G9};");
        }
        Assert.True(errors.Length == 0, $"{what}:{errors}");
    }
}
