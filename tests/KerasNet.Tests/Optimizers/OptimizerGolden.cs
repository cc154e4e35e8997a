using System.Text.Json.Nodes;
using Xunit;

namespace KerasNet.Tests.Optimizers;

/// <summary>Reads the golden files written by scripts/golden/optimizers.py and compares values.</summary>
public static class OptimizerGolden
{
    private static readonly Dictionary<string, JsonObject> Cache = [];

    /// <summary>The parsed golden file Golden/<paramref name="name"/> next to the test assembly.</summary>
    public static JsonObject Load(string name)
    {
        lock (Cache)
        {
            if (!Cache.TryGetValue(name, out var root))
            {
                var path = Path.Combine(AppContext.BaseDirectory, "Golden", name);
                root = (JsonObject)JsonNode.Parse(File.ReadAllText(path))!;
                Cache[name] = root;
            }
            return root;
        }
    }

    /// <summary>The elements of a JSON number list as floats.</summary>
    public static float[] Floats(JsonNode? node) => ((JsonArray)node!).Select(x => (float)x!.GetValue<double>()).ToArray();

    /// <summary>The elements of a JSON number list as doubles.</summary>
    public static double[] Doubles(JsonNode? node) => ((JsonArray)node!).Select(x => x!.GetValue<double>()).ToArray();

    /// <summary>A JSON int list as a shape.</summary>
    public static Shape ShapeOf(JsonNode? node) => new(((JsonArray)node!).Select(x => x!.GetValue<int>()).ToArray());

    /// <summary>Asserts |actual − expected| ≤ max(rtol·|expected|, atol) elementwise, naming the first mismatch.</summary>
    public static void AssertClose(ReadOnlySpan<double> expected, ReadOnlySpan<float> actual, string what, double rtol = 1e-5, double atol = 1e-6)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double diff = Math.Abs(actual[i] - expected[i]);
            if (!(diff <= Math.Max(rtol * Math.Abs(expected[i]), atol)))
                Assert.Fail($"{what}: element {i} is {actual[i]:R}, expected {expected[i]:R} (difference {diff:E2}).");
        }
    }
}
