using System.Text.Json.Nodes;
using KerasNet.Models;
using Xunit;

namespace KerasNet.Tests.Layers.Recurrent;

/// <summary>Reads tests/KerasNet.Tests/Golden/layers_rnn.json (written by scripts/golden/layers_rnn.py) and runs a
/// case: forward outputs and the gradients of sum_k sum(y_k * r_k) with respect to the float inputs and every weight.</summary>
internal static class RnnGolden
{
    public const double RelTol = 1e-5;
    public const double AbsTol = 1e-6;

    private static readonly Lazy<JsonObject> Doc = new(() =>
        (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", "layers_rnn.json")))!);

    public static IEnumerable<object[]> Names(string section) =>
        ((JsonArray)Doc.Value[section]!).Select(c => new object[] { c!["case"]!.GetValue<string>() });

    public static JsonObject Case(string section, string name) =>
        ((JsonArray)Doc.Value[section]!).Single(c => c!["case"]!.GetValue<string>() == name)!.AsObject();

    public static Tensor Read(JsonNode node)
    {
        var shape = new Shape(node["shape"]!.AsArray().Select(d => d!.GetValue<int>()).ToArray());
        var data = node["data"]!.AsArray();
        return node["dtype"]?.GetValue<string>() switch
        {
            "int32" => Tensor.FromArray<int>(data.Select(v => v!.GetValue<int>()).ToArray(), shape),
            "bool" => Tensor.FromArray<bool>(data.Select(v => v!.GetValue<bool>()).ToArray(), shape),
            _ => Tensor.FromArray<float>(data.Select(v => (float)v!.GetValue<double>()).ToArray(), shape),
        };
    }

    public static void AssertMatches(JsonNode expected, Tensor actual, string what, double relTol = RelTol, double absTol = AbsTol)
    {
        var shape = new Shape(expected["shape"]!.AsArray().Select(d => d!.GetValue<int>()).ToArray());
        Assert.True(shape == actual.Shape, $"{what}: shape {actual.Shape}, expected {shape}.");
        var e = expected["data"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray();
        var a = actual.ToArray();
        for (int i = 0; i < e.Length; i++)
        {
            double bound = Math.Max(relTol * Math.Abs(e[i]), absTol);
            Assert.True(Math.Abs(a[i] - e[i]) <= bound, $"{what}: element {i} is {a[i]:R}, expected {e[i]:R} (difference {Math.Abs(a[i] - e[i]):E2}, allowed {bound:E2}).");
        }
    }

    /// <summary>Runs a case through <paramref name="run"/> (inputs to outputs) for a layer whose weights are set
    /// from the file, and checks outputs and gradients.</summary>
    public static void Check(JsonObject entry, Layer layer, Func<Tensor[], Tensor[]> run, string name, double relTol = RelTol, double absTol = AbsTol)
    {
        var inputs = entry["inputs"]!.AsArray().Select(n => Read(n!)).ToArray();
        run(inputs); // builds
        var weights = entry["weights"]!.AsArray().Select(n => Read(n!)).ToArray();
        Assert.True(weights.Length == layer.Weights.Count,
            $"{name}: the layer has {layer.Weights.Count} weights ({string.Join(", ", layer.Weights.Select(w => $"{w.Path} {w.Shape}"))}); the file has {weights.Length}.");
        layer.SetWeights(weights);
        var rs = entry["r"]!.AsArray().Select(n => Read(n!)).ToArray();
        var floatInputs = Enumerable.Range(0, inputs.Length).Where(i => inputs[i].DType == DType.Float32).ToArray();
        var sources = floatInputs.Select(i => inputs[i]).Concat(layer.Weights.Select(w => w.Value)).ToArray();
        var grads = new Tensor[sources.Length];
        Tensor[] ys;
        using (var tape = new GradientTape())
        {
            foreach (int i in floatInputs) tape.Watch(inputs[i]);
            ys = run(inputs);
            Assert.Equal(rs.Length, ys.Length);
            var loss = Ops.Sum(Ops.Multiply(ys[0], rs[0]));
            for (int k = 1; k < ys.Length; k++) loss = Ops.Add(loss, Ops.Sum(Ops.Multiply(ys[k], rs[k])));
            tape.Gradient(loss, sources, grads);
        }
        var outs = entry["outputs"]!.AsArray();
        for (int k = 0; k < ys.Length; k++) AssertMatches(outs[k]!, ys[k], $"{name}: output {k}", relTol, absTol);
        var gi = entry["grad_inputs"]!.AsArray();
        for (int k = 0; k < floatInputs.Length; k++)
            AssertMatches(gi[floatInputs[k]]!, grads[k], $"{name}: gradient of input {floatInputs[k]}", relTol, absTol);
        var gw = entry["grad_weights"]!.AsArray();
        for (int k = 0; k < layer.Weights.Count; k++)
            AssertMatches(gw[k]!, grads[floatInputs.Length + k], $"{name}: gradient of {layer.Weights[k].Path}", relTol, absTol);
    }

    /// <summary>Calls a layer (or model) on several inputs and returns all its outputs.</summary>
    public static Tensor[] CallAll(Layer layer, Tensor[] inputs, bool training = false)
    {
        if (!layer.Built) layer.EnsureBuilt(inputs.Select(t => t.Shape.With(0, -1)).ToArray());
        var outputs = new Tensor[layer.OutputCount];
        layer.Call(inputs, outputs, training);
        return outputs;
    }
}
