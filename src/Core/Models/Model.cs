using System.Text.Json.Nodes;
using KerasNet.Saving;

namespace KerasNet.Models;

/// <summary>A model: layers plus training (Compile / Fit / Evaluate / Predict). Made three ways, as in
/// Keras: from symbolic inputs and outputs (the functional API), as a <see cref="Sequential"/> stack, or by
/// deriving from Model and overriding <see cref="Layer.Call(Tensor, bool)"/> (subclassing).</summary>
[KerasSerializable("Functional")]
public partial class Model : Layer
{
    private KerasTensor[]? _inputs;
    private KerasTensor[]? _outputs;
    private GraphStep[] _steps = [];
    private int[] _inputSlots = [];
    private int[] _outputSlots = [];
    private Tensor[] _values = [];
    private Tensor[] _masks = [];
    private readonly List<Layer> _ownLayers = [];

    private sealed class GraphStep
    {
        public required Node Node;
        public required int[] InSlots;
        public required int[] OutSlots;
        public required Tensor[] InBuffer;
        public required Tensor[] OutBuffer;
        public required Tensor[] InMasks;
        public required Tensor[] OutMasks;
    }

    /// <summary>A functional model from one symbolic input to one symbolic output.</summary>
    public Model(KerasTensor inputs, KerasTensor outputs, string? name = null) : this([inputs], [outputs], name) { }

    /// <summary>A functional model from one input to several outputs.</summary>
    public Model(KerasTensor inputs, IReadOnlyList<KerasTensor> outputs, string? name = null) : this([inputs], outputs, name) { }

    /// <summary>A functional model from several inputs to one output.</summary>
    public Model(IReadOnlyList<KerasTensor> inputs, KerasTensor outputs, string? name = null) : this(inputs, [outputs], name) { }

    /// <summary>A functional model with several inputs and/or outputs.</summary>
    public Model(IReadOnlyList<KerasTensor> inputs, IReadOnlyList<KerasTensor> outputs, string? name = null)
        : base(name ?? UniqueName("functional"))
    {
        SetGraph(inputs, outputs);
    }

    /// <summary>For subclasses (subclassed models and Sequential).</summary>
    protected Model(string? name = null) : base(name) { }

    /// <summary>"Functional" for a functional model (as Keras writes it), else the class's name.</summary>
    public override string ClassName => GetType() == typeof(Model) ? "Functional" : GetType().Name;

    /// <inheritdoc/>
    public override IReadOnlyList<Variable> TrainableWeights => CollectTrainable();

    /// <inheritdoc/>
    public override IReadOnlyList<Variable> NonTrainableWeights => CollectNonTrainable();

    /// <summary>Whether this model runs a functional graph (functional models and built Sequentials).</summary>
    public bool IsGraphNetwork => _inputs is not null;

    /// <summary>The symbolic inputs (functional models).</summary>
    public IReadOnlyList<KerasTensor> Inputs => _inputs ?? throw new InvalidOperationException($"Model '{Name}' has no symbolic inputs (it is not a functional model, or is not built).");

    /// <summary>The symbolic outputs (functional models).</summary>
    public IReadOnlyList<KerasTensor> Outputs => _outputs ?? throw new InvalidOperationException($"Model '{Name}' has no symbolic outputs (it is not a functional model, or is not built).");

    /// <inheritdoc/>
    public override int OutputCount => _outputs?.Length ?? 1;

    /// <summary>The model's layers: for a functional model in graph order (input layers first), for a
    /// Sequential in the order added, for a subclassed model those it tracked.</summary>
    public virtual IReadOnlyList<Layer> Layers => IsGraphNetwork ? GraphLayers() : TrackedLayers;

    private List<Layer> GraphLayers()
    {
        var result = new List<Layer>();
        foreach (var t in _inputs!) if (!result.Contains(t.Producer!)) result.Add(t.Producer!);
        foreach (var s in _steps) if (!result.Contains(s.Node.Layer)) result.Add(s.Node.Layer);
        return result;
    }

    /// <summary>The layer named <paramref name="name"/>.</summary>
    public Layer GetLayer(string name) => Layers.FirstOrDefault(l => l.Name == name)
        ?? throw new ArgumentException($"Model '{Name}' has no layer named '{name}'. Its layers: {string.Join(", ", Layers.Select(l => l.Name))}.", nameof(name));

    /// <inheritdoc/>
    public override IReadOnlyList<Variable> Weights
    {
        get
        {
            if (!IsGraphNetwork) return base.Weights;
            var all = new List<Variable>();
            foreach (var l in Layers) foreach (var w in l.Weights) if (!all.Contains(w)) all.Add(w);
            return all;
        }
    }

    /// <inheritdoc/>
    public override bool Trainable
    {
        get => base.Trainable;
        set
        {
            base.Trainable = value;
            if (IsGraphNetwork) foreach (var l in Layers) l.Trainable = value;
        }
    }

    /// <summary>Trainable weights of every trainable layer.</summary>
    internal IReadOnlyList<Variable> CollectTrainable()
    {
        if (!Trainable) return [];
        if (!IsGraphNetwork) return base.TrainableWeights;
        var all = new List<Variable>();
        foreach (var l in Layers) foreach (var w in l.TrainableWeights) if (!all.Contains(w)) all.Add(w);
        return all;
    }

    /// <summary>Non-trainable weights (frozen layers' weights included).</summary>
    internal IReadOnlyList<Variable> CollectNonTrainable()
    {
        var trainable = CollectTrainable();
        return Weights.Where(w => !trainable.Contains(w)).ToList();
    }

    internal void SetGraph(IReadOnlyList<KerasTensor> inputs, IReadOnlyList<KerasTensor> outputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(outputs);
        if (inputs.Count == 0 || outputs.Count == 0) throw new ArgumentException("A functional model needs at least one input and one output.");
        foreach (var t in inputs)
            if (t.Producer is not InputLayer)
                throw new ArgumentException($"Model inputs must come from Keras.Input; {t} was produced by layer '{t.Producer?.Name}'.", nameof(inputs));
        _inputs = inputs.ToArray();
        _outputs = outputs.ToArray();
        var slots = new Dictionary<KerasTensor, int>();
        int Slot(KerasTensor t) => slots.TryGetValue(t, out int s) ? s : slots[t] = slots.Count;
        foreach (var t in _inputs) Slot(t);
        var ordered = new List<Node>();
        var visited = new HashSet<Node>();
        var inputSet = new HashSet<KerasTensor>(_inputs);
        void Visit(KerasTensor t, Stack<Node> path)
        {
            if (inputSet.Contains(t)) return;
            var producer = t.Producer ?? throw new ArgumentException($"{t} was not produced by a layer.");
            if (producer is InputLayer)
                throw new ArgumentException($"Graph disconnected: cannot obtain the value of {t.Name} (from input layer '{producer.Name}'), which is not among the model's inputs ({string.Join(", ", _inputs.Select(i => i.Name))}).");
            var node = producer.InboundNodes[t.NodeIndex];
            if (visited.Contains(node)) return;
            if (path.Contains(node)) throw new ArgumentException("The functional graph has a cycle.");
            path.Push(node);
            foreach (var i in node.Inputs) Visit(i, path);
            path.Pop();
            visited.Add(node);
            ordered.Add(node);
        }
        foreach (var o in _outputs) Visit(o, new Stack<Node>());
        _steps = ordered.Select(n => new GraphStep
        {
            Node = n,
            InSlots = n.Inputs.Select(Slot).ToArray(),
            OutSlots = n.Outputs.Select(Slot).ToArray(),
            InBuffer = new Tensor[n.Inputs.Length],
            OutBuffer = new Tensor[n.Outputs.Length],
            InMasks = new Tensor[n.Inputs.Length],
            OutMasks = new Tensor[n.Outputs.Length],
        }).ToArray();
        _inputSlots = _inputs.Select(Slot).ToArray();
        _outputSlots = _outputs.Select(Slot).ToArray();
        _values = new Tensor[slots.Count];
        _masks = new Tensor[slots.Count];
        Built = true;
    }

    /// <summary>Runs the model on one input and returns its first output.</summary>
    public override Tensor Call(Tensor inputs, bool training = false)
    {
        if (!IsGraphNetwork)
            throw new InvalidOperationException($"Model '{Name}' is a subclassed model that does not override Call.");
        var outs = new Tensor[_outputs!.Length];
        RunGraph([inputs], outs, training);
        return outs[0];
    }

    /// <inheritdoc/>
    public override Tensor Call(ReadOnlySpan<Tensor> inputs, bool training = false)
    {
        if (!IsGraphNetwork) return base.Call(inputs, training);
        var outs = new Tensor[_outputs!.Length];
        RunGraph(inputs, outs, training);
        return outs[0];
    }

    /// <inheritdoc/>
    public override void Call(ReadOnlySpan<Tensor> inputs, Span<Tensor> outputs, bool training)
    {
        if (!IsGraphNetwork)
        {
            base.Call(inputs, outputs, training);
            return;
        }
        RunGraph(inputs, outputs, training);
    }

    /// <summary>Executes the graph: no allocation beyond the tensors the layers create. Masks (from
    /// Embedding(mask_zero) or Masking) flow along the graph as Keras propagates them.</summary>
    internal void RunGraph(ReadOnlySpan<Tensor> inputs, Span<Tensor> outputs, bool training) => RunGraph(inputs, default, outputs, default, training);

    internal void RunGraph(ReadOnlySpan<Tensor> inputs, ReadOnlySpan<Tensor> inputMasks, Span<Tensor> outputs, Span<Tensor> outputMasks, bool training)
    {
        var ins = _inputs!;
        if (inputs.Length != ins.Length)
            throw new ArgumentException($"Model '{Name}' expects {ins.Length} input(s) ({string.Join(", ", ins.Select(i => $"{i.Name} {KerasTensor.ShapeText(i.Shape)}"))}); got {inputs.Length}.");
        var values = _values;
        var masks = _masks;
        for (int i = 0; i < ins.Length; i++)
        {
            CheckModelInput(ins[i], inputs[i].Shape, i);
            values[_inputSlots[i]] = inputs[i];
            masks[_inputSlots[i]] = inputMasks.Length > i ? inputMasks[i] : default;
        }
        try
        {
            foreach (var step in _steps)
            {
                bool anyMask = false;
                for (int i = 0; i < step.InSlots.Length; i++)
                {
                    step.InBuffer[i] = values[step.InSlots[i]];
                    step.InMasks[i] = masks[step.InSlots[i]];
                    anyMask |= !step.InMasks[i].IsNull;
                }
                var layer = step.Node.Layer;
                for (int i = 0; i < step.InBuffer.Length; i++) layer.CheckInput(step.InBuffer[i].Shape, i);
                if (anyMask)
                {
                    layer.CallMasked(step.InBuffer, step.InMasks, step.OutBuffer, training);
                    layer.ComputeMasks(step.InBuffer, step.InMasks, step.OutMasks);
                }
                else
                {
                    layer.Call(step.InBuffer, step.OutBuffer, training);
                    // A layer may create a mask from unmasked input (Embedding with mask_zero).
                    layer.ComputeMasks(step.InBuffer, step.InMasks, step.OutMasks);
                }
                for (int i = 0; i < step.OutSlots.Length; i++)
                {
                    values[step.OutSlots[i]] = step.OutBuffer[i];
                    masks[step.OutSlots[i]] = step.OutMasks[i];
                }
            }
            for (int i = 0; i < _outputSlots.Length; i++)
            {
                outputs[i] = values[_outputSlots[i]];
                if (outputMasks.Length > i) outputMasks[i] = masks[_outputSlots[i]];
            }
        }
        finally
        {
            Array.Clear(values);
            Array.Clear(masks);
            foreach (var step in _steps)
            {
                Array.Clear(step.InBuffer);
                Array.Clear(step.OutBuffer);
                Array.Clear(step.InMasks);
                Array.Clear(step.OutMasks);
            }
        }
    }

    /// <inheritdoc/>
    public override void CallMasked(ReadOnlySpan<Tensor> inputs, ReadOnlySpan<Tensor> masks, Span<Tensor> outputs, bool training)
    {
        if (!IsGraphNetwork)
        {
            base.CallMasked(inputs, masks, outputs, training);
            return;
        }
        RunGraph(inputs, masks, outputs, default, training);
    }

    private void CheckModelInput(KerasTensor expected, Shape actual, int index)
    {
        var e = expected.Shape;
        bool ok = e.Rank == actual.Rank;
        for (int d = 0; ok && d < e.Rank; d++) ok = e[d] < 0 || e[d] == actual[d];
        if (!ok)
            throw new ArgumentException($"Input {index} of model '{Name}' ('{expected.Name}') is incompatible: expected shape {KerasTensor.ShapeText(e)}, got {actual}.");
    }

    /// <inheritdoc/>
    public override Shape[] ComputeOutputShapes(IReadOnlyList<Shape> inputShapes)
    {
        if (IsGraphNetwork && inputShapes.Count == _inputs!.Length) return _outputs!.Select(o => o.Shape).ToArray();
        return base.ComputeOutputShapes(inputShapes);
    }

    /// <inheritdoc/>
    public override void Build(Shape inputShape)
    {
        if (IsGraphNetwork) return;
        base.Build(inputShape);
    }

    /// <summary>The functional config: layers with their inbound nodes, input and output layers, as Keras writes it.</summary>
    public override JsonObject GetConfig()
    {
        if (!IsGraphNetwork) return base.GetConfig();
        var layers = new JsonArray();
        foreach (var l in Layers)
        {
            var inbound = new JsonArray();
            foreach (var n in l.InboundNodes)
            {
                if (l is InputLayer) continue;
                var args = new JsonArray(n.Inputs.Select(t => (JsonNode?)new JsonObject
                {
                    ["class_name"] = "__keras_tensor__",
                    ["config"] = new JsonObject
                    {
                        ["shape"] = new JsonArray(t.Shape.ToArray().Select(d => d < 0 ? null : (JsonNode?)JsonValue.Create(d)).ToArray()),
                        ["dtype"] = t.DType.KerasName(),
                        ["keras_history"] = new JsonArray(t.Producer!.Name, t.NodeIndex, t.OutputIndex),
                    },
                }).ToArray());
                inbound.Add(new JsonObject { ["args"] = n.Inputs.Length == 1 ? args : new JsonArray(args.DeepClone()), ["kwargs"] = new JsonObject() });
            }
            layers.Add(new JsonObject
            {
                ["module"] = l is InputLayer ? "keras.layers" : "keras.layers",
                ["class_name"] = l.ClassName,
                ["config"] = l.GetConfig(),
                ["registered_name"] = null,
                ["name"] = l.Name,
                ["inbound_nodes"] = inbound,
            });
        }
        JsonArray Refs(IEnumerable<KerasTensor> ts) => new(ts.Select(t => (JsonNode?)new JsonArray(t.Producer!.Name, t.NodeIndex, t.OutputIndex)).ToArray());
        return new JsonObject
        {
            ["name"] = Name,
            ["trainable"] = Trainable,
            ["layers"] = layers,
            ["input_layers"] = _inputs!.Length == 1 ? Refs(_inputs)[0]!.DeepClone() : Refs(_inputs),
            ["output_layers"] = _outputs!.Length == 1 ? Refs(_outputs)[0]!.DeepClone() : Refs(_outputs),
        };
    }

    /// <summary>Rebuilds a functional model from its Keras config.</summary>
    public static Model FromConfig(JsonObject config)
    {
        var created = new Dictionary<string, Layer>();
        var layerConfigs = (config["layers"] as JsonArray) ?? throw new ArgumentException("A functional config needs \"layers\".");
        foreach (var lc in layerConfigs.OfType<JsonObject>())
        {
            var layer = KerasRegistry.Deserialize<Layer>(lc);
            created[lc.GetString("name", null) ?? layer.Name] = layer;
        }
        KerasTensor Resolve(JsonArray r)
        {
            string layerName = r[0]!.GetValue<string>();
            int node = r[1]!.AsInt(), index = r[2]!.AsInt();
            if (!created.TryGetValue(layerName, out var layer))
                throw new ArgumentException($"The functional config refers to an unknown layer '{layerName}'.");
            if (node >= layer.InboundNodes.Count)
                throw new ArgumentException($"Layer '{layerName}' has no node {node} yet; the config's layers are out of order.");
            return layer.InboundNodes[node].Outputs[index];
        }
        foreach (var lc in layerConfigs.OfType<JsonObject>())
        {
            var layer = created[lc.GetString("name", null)!];
            if (layer is InputLayer) continue;
            foreach (var nodeCfg in (lc["inbound_nodes"] as JsonArray ?? []).OfType<JsonObject>())
            {
                var args = nodeCfg["args"] as JsonArray ?? [];
                var tensors = new List<KerasTensor>();
                void Collect(JsonNode? n)
                {
                    if (n is JsonObject o && o.GetString("class_name", null) == "__keras_tensor__")
                        tensors.Add(Resolve((JsonArray)((JsonObject)o["config"]!)["keras_history"]!));
                    else if (n is JsonArray a) foreach (var x in a) Collect(x);
                }
                Collect(args);
                if (tensors.Count == 1) layer.Apply(tensors[0]);
                else layer.ApplyMulti(tensors.ToArray());
            }
        }
        List<KerasTensor> Refs(JsonNode? n) => n is JsonArray a && a.Count > 0 && a[0] is JsonValue
            ? [Resolve(a)]
            : (n as JsonArray ?? []).OfType<JsonArray>().Select(Resolve).ToList();
        return new Model(Refs(config["input_layers"]), Refs(config["output_layers"]), config.GetString("name", null));
    }
}
