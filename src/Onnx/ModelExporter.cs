using System.Text.Json.Nodes;
using KerasNet.Models;
using KerasNet.Onnx.Converters;
using KerasNet.Onnx.Protobuf;

namespace KerasNet.Onnx;

/// <summary>Walks a model's functional graph from its outputs back to its inputs and converts each layer call
/// once, in dependency order. The graph is read from the model's functional config (each layer's inbound
/// nodes name the producing layer, node and output of every input), the public description Keras itself
/// rebuilds models from. Nested models are inlined.</summary>
internal sealed class ModelExporter
{
    private readonly GraphBuilder _graph;

    public ModelExporter(int opset) => _graph = new GraphBuilder(opset);

    public ModelProto Export(Model model)
    {
        var view = GraphView(model);
        var info = ReadGraph(view);

        var graph = new GraphProto { Name = model.Name };
        var inputValues = new OnnxValue[view.Inputs.Count];
        for (int i = 0; i < inputValues.Length; i++)
        {
            var t = view.Inputs[i];
            string name = _graph.Reserve(t.Producer!.Name);
            inputValues[i] = new OnnxValue(name, t.Shape, t.DType);
            graph.Input.Add(ValueInfo(name, t.Shape, t.DType, $"{name}_dim"));
        }
        // Outputs are named after the layers that make them ("dense_1"; "lstm_2" for the third output of a
        // multi-output layer "lstm"), made unique; the names are claimed before any other value is named.
        var outputNames = new string[info.OutputRefs.Count];
        for (int i = 0; i < outputNames.Length; i++)
        {
            var (layer, _, index) = info.OutputRefs[i];
            string baseName = index > 0 ? $"{layer}_{index}" : layer;
            string name = baseName;
            for (int k = 1; !_graph.TryReserve(name); k++) name = $"{baseName}_{k}";
            outputNames[i] = name;
        }

        var results = ConvertGraph(view, info, inputValues);

        // Rename the node output that is each model output; a value that is a graph input, or that is also an
        // earlier output, goes through an Identity.
        var renamed = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < results.Length; i++)
        {
            string value = results[i].Name;
            _graph.Scope = "";
            if (renamed.TryGetValue(value, out var earlier)) _graph.AddNodeWithOutput("Identity", [earlier], outputNames[i]);
            else if (_graph.IsNodeOutput(value))
            {
                _graph.Rename(value, outputNames[i]);
                renamed[value] = outputNames[i];
            }
            else _graph.AddNodeWithOutput("Identity", [value], outputNames[i]);
            graph.Output.Add(ValueInfo(outputNames[i], view.Outputs[i].Shape, results[i].DType, $"{outputNames[i]}_dim"));
        }
        _graph.Prune(outputNames);
        graph.Node.AddRange(_graph.Nodes);
        graph.Initializer.AddRange(_graph.Initializers);

        var proto = new ModelProto
        {
            IrVersion = OnnxExport.IrVersionFor(_graph.Opset),
            ProducerName = "KerasNet",
            ProducerVersion = typeof(ModelExporter).Assembly.GetName().Version?.ToString() ?? "0",
            Graph = graph,
            DocString = $"Keras model '{model.Name}' exported by KerasNet.",
        };
        proto.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = _graph.Opset });
        return proto;
    }

    /// <summary>A model whose functional config lists its graph: functional models as they are; a built
    /// Sequential through a functional model over the same symbolic inputs and outputs (its own config lists
    /// only the layers).</summary>
    private static Model GraphView(Model model)
    {
        if (!model.IsGraphNetwork)
            throw new InvalidOperationException(
                $"Model '{model.Name}' has no functional graph to export: it is a subclassed model, or a Sequential whose input shape is not known yet. " +
                "Export a functional or Sequential model with a known input shape (start it with an InputLayer, or call it on data first).");
        return model is Sequential ? new Model(model.Inputs, model.Outputs, model.Name) : model;
    }

    /// <summary>A model's graph as its functional config gives it.</summary>
    private sealed record GraphInfo(
        Dictionary<string, Layer> Layers,
        Dictionary<string, JsonArray> InboundNodes,
        List<(string Layer, int Node, int Index)> OutputRefs);

    private static GraphInfo ReadGraph(Model model)
    {
        var config = model.GetConfig();
        var layers = new Dictionary<string, Layer>(StringComparer.Ordinal);
        foreach (var l in model.Layers) layers.TryAdd(l.Name, l);
        var inbound = new Dictionary<string, JsonArray>(StringComparer.Ordinal);
        foreach (var lc in (config["layers"] as JsonArray ?? []).OfType<JsonObject>())
            inbound[(string)lc["name"]!] = lc["inbound_nodes"] as JsonArray ?? [];
        var outputRefs = new List<(string, int, int)>();
        var outputLayers = config["output_layers"];
        if (outputLayers is JsonArray a && a.Count > 0 && a[0] is JsonValue) outputRefs.Add(TensorRef(a));
        else foreach (var o in (outputLayers as JsonArray ?? []).OfType<JsonArray>()) outputRefs.Add(TensorRef(o));
        return new GraphInfo(layers, inbound, outputRefs);
    }

    /// <summary>Converts the graph of <paramref name="model"/> with its inputs bound to <paramref name="inputs"/>
    /// and returns the values of its outputs.</summary>
    private OnnxValue[] ConvertGraph(Model model, GraphInfo info, IReadOnlyList<OnnxValue> inputs)
    {
        var values = new Dictionary<(string Layer, int Node, int Index), OnnxValue>();
        for (int i = 0; i < model.Inputs.Count; i++) values[(model.Inputs[i].Producer!.Name, 0, 0)] = inputs[i];

        OnnxValue Resolve((string Layer, int Node, int Index) key)
        {
            if (values.TryGetValue(key, out var v)) return v;
            if (!info.Layers.TryGetValue(key.Layer, out var layer))
                throw new InvalidOperationException($"Model '{model.Name}': its graph refers to an unknown layer '{key.Layer}'.");
            if (layer is InputLayer)
                throw new InvalidOperationException($"Model '{model.Name}': input layer '{layer.Name}' is not among the model's inputs.");
            var nodes = info.InboundNodes[key.Layer];
            if (key.Node >= nodes.Count || nodes[key.Node] is not JsonObject nodeConfig)
                throw new InvalidOperationException($"Model '{model.Name}': layer '{key.Layer}' has no call number {key.Node}.");
            var refs = new List<(string, int, int)>();
            CollectTensorRefs(nodeConfig["args"], refs);
            var outs = ConvertLayer(layer, refs.Select(Resolve).ToArray());
            for (int i = 0; i < outs.Length; i++) values[(key.Layer, key.Node, i)] = outs[i];
            if (!values.TryGetValue(key, out v))
                throw new InvalidOperationException($"Layer '{key.Layer}' gave {outs.Length} output(s); the graph uses output {key.Index}.");
            return v;
        }

        return info.OutputRefs.Select(Resolve).ToArray();
    }

    private static (string, int, int) TensorRef(JsonArray history) =>
        ((string)history[0]!, ToInt(history[1]), ToInt(history[2]));

    /// <summary>An integer from a config, whether parsed from text or built in memory (as an int or a long).</summary>
    private static int ToInt(JsonNode? node)
    {
        var v = node?.AsValue() ?? throw new InvalidOperationException("A keras_history entry is missing.");
        if (v.TryGetValue(out int i)) return i;
        if (v.TryGetValue(out long l)) return checked((int)l);
        return checked((int)v.GetValue<double>());
    }

    private static void CollectTensorRefs(JsonNode? node, List<(string, int, int)> into)
    {
        switch (node)
        {
            case JsonObject o when (string?)o["class_name"] == "__keras_tensor__":
                into.Add(TensorRef((JsonArray)((JsonObject)o["config"]!)["keras_history"]!));
                break;
            case JsonArray arr:
                foreach (var x in arr) CollectTensorRefs(x, into);
                break;
        }
    }

    private OnnxValue[] ConvertLayer(Layer layer, OnnxValue[] inputs)
    {
        if (layer is Model nested)
        {
            var view = GraphView(nested);
            if (view.Inputs.Count != inputs.Length)
                throw LayerConverters.Unsupported(layer, $"the nested model takes {view.Inputs.Count} input(s) and was called on {inputs.Length}.");
            return ConvertGraph(view, ReadGraph(view), inputs);
        }
        var converter = LayerConverters.For(layer);
        var outputShapes = layer.ComputeOutputShapes(inputs.Select(i => i.Shape).ToArray());
        string scope = _graph.Scope;
        _graph.Scope = layer.Name;
        var context = new ConversionContext(layer, inputs, outputShapes, _graph, ConvertLayer);
        var outs = converter(context);
        _graph.Scope = scope;
        if (context.SetsMasks) return outs;
        // As Layer.ComputeMasks: a single input's mask passes through a layer that supports masking; otherwise none.
        string? mask = inputs.Length == 1 && layer.SupportsMasking ? inputs[0].Mask : null;
        return outs.Select(o => o with { Mask = mask }).ToArray();
    }

    /// <summary>A graph input or output: its element type and shape, the batch axis named "batch" and other
    /// unknown sizes named after the value.</summary>
    private static ValueInfoProto ValueInfo(string name, Shape shape, DType dtype, string dimPrefix) =>
        GraphBuilder.ValueInfo(name, OnnxExport.ElementType(dtype), shape.ToArray().Select(d => d >= 0 ? (long?)d : null).ToArray(), dimPrefix);
}
