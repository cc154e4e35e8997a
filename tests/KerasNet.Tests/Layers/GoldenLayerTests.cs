using System.Text.Json.Nodes;
using KerasNet.Layers;
using KerasNet.Models;
using Xunit;

namespace KerasNet.Tests.Layers;

/// <summary>Forward values and gradients of every layer and activation against an independent float64
/// PyTorch reference (scripts/golden/layers_core.py), at 1e-5 relative with a 1e-6 absolute floor.</summary>
public class GoldenLayerTests
{
    private const double RelTol = 1e-5;
    private const double AbsTol = 1e-6;

    private static readonly Lazy<JsonObject> Golden = new(() =>
        (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", "layers_core.json")))!);

    private static JsonArray Activations => (JsonArray)Golden.Value["activations"]!;

    private static JsonArray LayerCases => (JsonArray)Golden.Value["layers"]!;

    public static IEnumerable<object[]> ActivationIndices() =>
        Enumerable.Range(0, Activations.Count).Select(i => new object[] { i, Label(Activations[i]!.AsObject()) });

    public static IEnumerable<object[]> LayerCaseNames() =>
        LayerCases.Select(c => new object[] { c!["case"]!.GetValue<string>() });

    private static string Label(JsonObject a) => a["name"]!.GetValue<string>() + (a["args"]!.AsObject().Count > 0 ? " " + a["args"]!.ToJsonString() : "");

    /// <summary>The activation a golden entry describes: the registered default, or the function with its arguments.</summary>
    private static Func<Tensor, Tensor> ActivationFor(JsonObject entry)
    {
        string name = entry["name"]!.GetValue<string>();
        var args = entry["args"]!.AsObject();
        if (args.Count == 0) return KerasNet.Activations.Get(name);
        float F(string key, float fallback) => args[key] is JsonNode n ? (float)n.GetValue<double>() : fallback;
        return name switch
        {
            "relu" => x => KerasNet.Activations.Relu(x, F("negative_slope", 0), args["max_value"] is null ? null : F("max_value", 0), F("threshold", 0)),
            "leaky_relu" => x => KerasNet.Activations.LeakyRelu(x, F("negative_slope", 0.2f)),
            "elu" => x => KerasNet.Activations.Elu(x, F("alpha", 1)),
            "gelu" => x => KerasNet.Activations.Gelu(x, args["approximate"]!.GetValue<bool>()),
            "softmax" => x => KerasNet.Activations.Softmax(x, (int)F("axis", -1)),
            "celu" => x => KerasNet.Activations.Celu(x, F("alpha", 1)),
            "squareplus" => x => KerasNet.Activations.Squareplus(x, F("b", 4)),
            "threshold" => x => KerasNet.Activations.Threshold(x, F("threshold", 0), F("default_value", 0)),
            "sparsemax" => x => KerasNet.Activations.Sparsemax(x, (int)F("axis", -1)),
            _ => throw new InvalidOperationException($"No mapping for activation {name} with arguments {args.ToJsonString()}."),
        };
    }

    /// <summary>The KerasNet layer of each golden case (the script defines the same computation independently).</summary>
    private static Layer LayerFor(string name) => name switch
    {
        "dense_tanh" => new Dense(3, activation: "tanh"),
        "dense_rank3_nobias_sigmoid" => new Dense(5, activation: "sigmoid", useBias: false),
        "dense_linear" => new Dense(4),
        "embedding" => new Embedding(7, 3),
        "activation_softmax" => new Activation("softmax"),
        "activation_gelu" => new Activation("gelu"),
        "relu_full" => new ReLU(maxValue: 2.5f, negativeSlope: 0.1f, threshold: 0.5f),
        "relu_max6" => new ReLU(maxValue: 6f),
        "leaky_relu" => new LeakyReLU(),
        "prelu_shared_axis1" => new PReLU(sharedAxes: [1]),
        "elu" => new ELU(0.7f),
        "softmax_axis1" => new KerasNet.Layers.Softmax(1),
        "identity" => new KerasNet.Layers.Identity(),
        "dropout_inference" => new Dropout(0.4f, seed: 3),
        "flatten" => new Flatten(),
        "flatten_channels_first" => new Flatten("channels_first"),
        "reshape" => new Reshape([-1, 2]),
        "permute" => new Permute([3, 1, 2]),
        "repeat_vector" => new RepeatVector(3),
        "lambda_square_plus_one" => new Lambda(x => Ops.Add(Ops.Multiply(x, x), Ops.Full(Shape.Scalar, 1))),
        "add3" or "add_broadcast" => new KerasNet.Layers.Add(),
        "subtract" => new KerasNet.Layers.Subtract(),
        "multiply3" => new KerasNet.Layers.Multiply(),
        "average" => new Average(),
        "maximum3" => new KerasNet.Layers.Maximum(),
        "minimum3" => new KerasNet.Layers.Minimum(),
        "concatenate_last" => new KerasNet.Layers.Concatenate(),
        "concatenate_axis1" => new KerasNet.Layers.Concatenate(axis: 1),
        "dot_axes1" => new Dot(1),
        "dot_axes12" => new Dot([1, 2]),
        "dot_normalize" => new Dot(-1, normalize: true),
        _ => throw new InvalidOperationException($"The golden file has a case '{name}' that this test does not know."),
    };

    private static Tensor Read(JsonNode node)
    {
        var shape = node["shape"]!.AsArray().Select(d => d!.GetValue<int>()).ToArray();
        var data = node["data"]!.AsArray();
        if (node["dtype"]?.GetValue<string>() == "int32")
            return Tensor.FromArray<int>(data.Select(v => v!.GetValue<int>()).ToArray(), new Shape(shape));
        return Tensor.FromArray<float>(data.Select(v => (float)v!.GetValue<double>()).ToArray(), new Shape(shape));
    }

    private static void AssertMatches(JsonNode expected, Tensor actual, string what)
    {
        var shape = expected["shape"]!.AsArray().Select(d => d!.GetValue<int>()).ToArray();
        Assert.True(new Shape(shape) == actual.Shape, $"{what}: shape {actual.Shape}, expected {new Shape(shape)}.");
        var e = expected["data"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray();
        var a = actual.ToArray();
        for (int i = 0; i < e.Length; i++)
        {
            double bound = Math.Max(RelTol * Math.Abs(e[i]), AbsTol);
            Assert.True(Math.Abs(a[i] - e[i]) <= bound, $"{what}: element {i} is {a[i]:R}, expected {e[i]:R} (difference {Math.Abs(a[i] - e[i]):E2}, allowed {bound:E2}).");
        }
    }

    [Fact]
    public void GoldenFileCoversEveryActivationName()
    {
        var covered = Activations.Select(a => a!["name"]!.GetValue<string>()).ToHashSet();
        var missing = KerasNet.Activations.KnownNames.Where(n => !covered.Contains(n)).ToArray();
        Assert.True(missing.Length == 0, $"Activations without golden data: {string.Join(", ", missing)}.");
    }

    [Theory]
    [MemberData(nameof(ActivationIndices))]
    public void ActivationValuesAndGradients(int index, string label)
    {
        var entry = Activations[index]!.AsObject();
        var fn = ActivationFor(entry);
        var x = Read(entry["x"]!);
        var r = Read(entry["r"]!);
        using var tape = new GradientTape();
        tape.Watch(x);
        var y = fn(x);
        var loss = Ops.Sum(Ops.Multiply(y, r));
        var dx = tape.Gradient(loss, x);
        AssertMatches(entry["y"]!, y, $"{label}: value");
        AssertMatches(entry["dx"]!, dx, $"{label}: derivative");
    }

    [Theory]
    [MemberData(nameof(LayerCaseNames))]
    public void LayerForwardAndGradients(string name)
    {
        var entry = LayerCases.Single(c => c!["case"]!.GetValue<string>() == name)!.AsObject();
        var layer = LayerFor(name);
        var inputs = entry["inputs"]!.AsArray().Select(n => Read(n!)).ToArray();
        LayerTestHarness.Apply(layer, inputs, training: false); // builds
        var weights = entry["weights"]!.AsArray().Select(n => Read(n!)).ToArray();
        Assert.Equal(weights.Length, layer.Weights.Count);
        layer.SetWeights(weights);
        var r = Read(entry["r"]!);

        var floatInputs = Enumerable.Range(0, inputs.Length).Where(i => inputs[i].DType == DType.Float32).ToArray();
        var sources = floatInputs.Select(i => inputs[i]).Concat(layer.Weights.Select(w => w.Value)).ToArray();
        var grads = new Tensor[sources.Length];
        Tensor y;
        using (var tape = new GradientTape())
        {
            foreach (int i in floatInputs) tape.Watch(inputs[i]);
            y = LayerTestHarness.Apply(layer, inputs, training: false);
            tape.Gradient(Ops.Sum(Ops.Multiply(y, r)), sources, grads);
        }
        AssertMatches(entry["output"]!, y, $"{name}: output");
        var gradInputs = entry["grad_inputs"]!.AsArray();
        for (int k = 0; k < floatInputs.Length; k++)
            AssertMatches(gradInputs[floatInputs[k]]!, grads[k], $"{name}: gradient of input {floatInputs[k]}");
        var gradWeights = entry["grad_weights"]!.AsArray();
        for (int k = 0; k < layer.Weights.Count; k++)
            AssertMatches(gradWeights[k]!, grads[floatInputs.Length + k], $"{name}: gradient of {layer.Weights[k].Name}");
    }
}
