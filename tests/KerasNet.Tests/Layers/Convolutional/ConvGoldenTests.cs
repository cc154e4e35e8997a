using System.Text.Json.Nodes;
using KerasNet.Models;
using KerasNet.Saving;
using Xunit;

namespace KerasNet.Tests.Layers.Convolutional;

/// <summary>Every convolution, pooling and spatial reshaping layer against torch float64 goldens
/// (scripts/golden/layers_conv.py): the layer is rebuilt from the golden Keras config through the
/// registry, given the golden weights with SetWeights, and its output and the gradients of sum(y * R)
/// with respect to the input and every weight (taken with a GradientTape) must match at 1e-5 relative
/// with a 1e-6 absolute floor. ComputeOutputShape must agree with the output, also with unknown axes.</summary>
public class ConvGoldenTests
{
    private static readonly Lazy<Dictionary<string, JsonObject>> Golden = new(() =>
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Golden", "layers_conv.json");
        var root = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        return root["cases"]!.AsArray().Select(c => c!.AsObject()).ToDictionary(c => c["name"]!.GetValue<string>());
    });

    public static IEnumerable<object[]> Cases => Golden.Value.Keys.Select(k => new object[] { k });

    private static int[] Ints(JsonNode? node) => node!.AsArray().Select(v => v!.GetValue<int>()).ToArray();

    private static float[] Floats(JsonNode? node) => node!.AsArray().Select(v => (float)v!.GetValue<double>()).ToArray();

    private static double[] Doubles(JsonNode? node) => node!.AsArray().Select(v => v!.GetValue<double>()).ToArray();

    internal static void AssertClose(double[] expected, Tensor actual, string what)
    {
        var got = actual.ToArray();
        Assert.True(expected.Length == got.Length, $"{what}: expected {expected.Length} values, got {got.Length} (shape {actual.Shape}).");
        for (int i = 0; i < got.Length; i++)
        {
            double tol = Math.Max(1e-5 * Math.Abs(expected[i]), 1e-6);
            if (!(Math.Abs(got[i] - expected[i]) <= tol))
                Assert.Fail($"{what}: element {i} is {got[i]:R}, expected {expected[i]:R} (tolerance {tol:E1}).");
        }
    }

    [Theory, MemberData(nameof(Cases))]
    public void MatchesTorch(string name)
    {
        var c = Golden.Value[name];
        var layer = KerasRegistry.Deserialize<Layer>(new JsonObject
        {
            ["class_name"] = c["class_name"]!.GetValue<string>(),
            ["config"] = c["config"]!.DeepClone(),
        });
        Assert.Equal(c["class_name"]!.GetValue<string>(), layer.ClassName);
        Assert.Equal(name, layer.Name);
        var inputShape = new Shape(Ints(c["input_shape"]));
        var outputShape = new Shape(Ints(c["output_shape"]));
        var x = Tensor.FromArray<float>(Floats(c["x"]), inputShape);
        var r = Tensor.FromArray<float>(Floats(c["r"]), outputShape);

        // Build on the first call, then load the golden weights (Keras's layout and order).
        layer.Apply(x).Dispose();
        var weightShapes = c["weight_shapes"]!.AsArray().Select(s => new Shape(Ints(s))).ToArray();
        var weightValues = c["weights"]!.AsArray();
        Assert.Equal(weightShapes.Length, layer.Weights.Count);
        var values = new Tensor[weightShapes.Length];
        for (int i = 0; i < values.Length; i++)
        {
            Assert.Equal(weightShapes[i], layer.Weights[i].Shape);
            values[i] = Tensor.FromArray<float>(Floats(weightValues[i]), weightShapes[i]);
        }
        layer.SetWeights(values);

        Assert.Equal(outputShape, layer.ComputeOutputShape(inputShape));
        Assert.Equal(outputShape.With(0, -1), layer.ComputeOutputShape(inputShape.With(0, -1)));

        using var tape = new GradientTape();
        tape.Watch(x);
        var y = layer.Apply(x);
        Assert.Equal(outputShape, y.Shape);
        var loss = Ops.Sum(Ops.Multiply(y, r));
        var sources = new Tensor[1 + layer.Weights.Count];
        sources[0] = x;
        for (int i = 0; i < layer.Weights.Count; i++) sources[i + 1] = layer.Weights[i].Value;
        var grads = new Tensor[sources.Length];
        tape.Gradient(loss, sources, grads);

        AssertClose(Doubles(c["y"]), y, $"{name} output");
        AssertClose(Doubles(c["dx"]), grads[0], $"{name} d/dx");
        var dws = c["dweights"]!.AsArray();
        for (int i = 0; i < layer.Weights.Count; i++)
            AssertClose(Doubles(dws[i]), grads[i + 1], $"{name} d/d{layer.Weights[i].Name}");
    }
}
