using System.Text.Json;
using Xunit;

namespace KerasNet.Tests.Layers.Normalization;

/// <summary>Reads tests/KerasNet.Tests/Golden/layers_norm.json (written by scripts/golden/layers_norm.py) and
/// compares float32 results with its float64 values.</summary>
internal static class NormGolden
{
    private static readonly Lazy<JsonElement> Doc = new(() =>
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Golden", "layers_norm.json");
        using var stream = File.OpenRead(path);
        return JsonDocument.Parse(stream).RootElement.Clone();
    });

    /// <summary>One case, e.g. Case("batch_norm", "train_2d").</summary>
    public static JsonElement Case(string family, string name) => Doc.Value.GetProperty("cases").GetProperty(family).GetProperty(name);

    /// <summary>The shape of an entry.</summary>
    public static int[] ShapeOf(JsonElement c, string key) =>
        c.GetProperty(key).GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();

    /// <summary>The values of an entry in row-major order.</summary>
    public static double[] Values(JsonElement c, string key) =>
        c.GetProperty(key).GetProperty("data").EnumerateArray().Select(e => e.GetDouble()).ToArray();

    /// <summary>An entry as a float32 tensor of its shape.</summary>
    public static Tensor Tensor(JsonElement c, string key) =>
        KerasNet.Tensor.FromArray<float>(Values(c, key).Select(v => (float)v).ToArray(), new Shape(ShapeOf(c, key)));

    /// <summary>Asserts |actual − expected| ≤ max(rtol·|expected|, atol) element by element, naming the first miss.</summary>
    public static void AssertClose(JsonElement c, string key, Tensor actual, double rtol = 1e-5, double atol = 1e-6)
    {
        Assert.Equal(ShapeOf(c, key), actual.Shape.ToArray());
        AssertClose(Values(c, key), actual.ToArray(), key, rtol, atol);
    }

    /// <summary>Element-wise closeness with a relative tolerance and an absolute floor.</summary>
    public static void AssertClose(double[] expected, float[] actual, string what, double rtol = 1e-5, double atol = 1e-6)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double tol = Math.Max(rtol * Math.Abs(expected[i]), atol);
            double err = Math.Abs(actual[i] - expected[i]);
            Assert.True(err <= tol, $"{what}[{i}]: expected {expected[i]:R}, got {actual[i]:R} (error {err:E2} > tolerance {tol:E2}).");
        }
    }
}
