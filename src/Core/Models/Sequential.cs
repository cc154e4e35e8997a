using System.Text.Json.Nodes;
using KerasNet.Saving;

namespace KerasNet.Models;

/// <summary>A linear stack of layers, as keras.Sequential. Once the input shape is known (from an
/// <see cref="InputLayer"/> first, or from the first data it sees) it builds a functional graph, so
/// <c>model.Layers[i].Output</c> and <c>Summary()</c> work as in Keras.</summary>
[KerasSerializable("Sequential")]
public class Sequential : Model
{
    private readonly List<Layer> _stack = [];
    private InputLayer? _inputLayer;

    /// <summary>An empty stack (add layers with <see cref="Add(Layer)"/>).</summary>
    public Sequential(string? name = null) : base(name ?? UniqueName("sequential")) { }

    /// <summary>A stack of <paramref name="layers"/>; an <see cref="InputLayer"/> first fixes the input shape.</summary>
    public Sequential(IEnumerable<Layer> layers, string? name = null) : this(name)
    {
        ArgumentNullException.ThrowIfNull(layers);
        foreach (var l in layers) Add(l);
    }

    /// <summary>The layers in order, without the input layer (as Keras 3 lists them).</summary>
    public override IReadOnlyList<Layer> Layers => _stack;

    /// <inheritdoc/>
    public override IReadOnlyList<Variable> Weights
    {
        get
        {
            var all = new List<Variable>();
            foreach (var l in _stack) foreach (var w in l.Weights) if (!all.Contains(w)) all.Add(w);
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
            foreach (var l in _stack) l.Trainable = value;
        }
    }

    /// <summary>Appends a layer (an InputLayer is accepted only first).</summary>
    public void Add(Layer layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        if (layer is InputLayer input)
        {
            if (_stack.Count > 0 || _inputLayer is not null)
                throw new ArgumentException("An InputLayer can only be the first layer of a Sequential model.", nameof(layer));
            _inputLayer = input;
            Rebuild();
            return;
        }
        if (_stack.Any(l => l.Name == layer.Name))
            throw new ArgumentException($"All layers added to a Sequential model should have unique names. Name '{layer.Name}' is already the name of a layer in this model.", nameof(layer));
        _stack.Add(layer);
        Rebuild();
    }

    /// <summary>Starts the stack with the input layer of <paramref name="input"/> (from Keras.Input).</summary>
    public void Add(KerasTensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        Add(input.Producer as InputLayer ?? throw new ArgumentException("Only a tensor from Keras.Input can be added to a Sequential model.", nameof(input)));
    }

    /// <summary>Removes the last layer.</summary>
    public void Pop()
    {
        if (_stack.Count == 0) throw new InvalidOperationException($"Sequential model '{Name}' has no layers to remove.");
        _stack.RemoveAt(_stack.Count - 1);
        Built = false;
        Rebuild();
    }

    /// <summary>The input layer, if the input shape is known.</summary>
    public InputLayer? InputLayer => _inputLayer;

    private void Rebuild()
    {
        if (_inputLayer is null || _stack.Count == 0) return;
        KerasTensor x = _inputLayer.Output;
        foreach (var l in _stack) x = l.Apply(x);
        SetGraph([_inputLayer.Output], [x]);
    }

    /// <summary>Builds for inputs of <paramref name="inputShape"/> (batch axis included, -1 for unknown).</summary>
    public override void Build(Shape inputShape)
    {
        if (IsGraphNetwork) return;
        if (_stack.Count == 0) throw new InvalidOperationException($"Sequential model '{Name}' has no layers to build.");
        var dims = inputShape.ToArray();
        if (dims.Length > 0) dims[0] = -1;
        _inputLayer = new InputLayer(batchShape: dims);
        Rebuild();
    }

    /// <inheritdoc/>
    public override Tensor Call(Tensor inputs, bool training = false)
    {
        if (!IsGraphNetwork) Build(inputs.Shape);
        return base.Call(inputs, training);
    }

    /// <inheritdoc/>
    public override void Call(ReadOnlySpan<Tensor> inputs, Span<Tensor> outputs, bool training)
    {
        if (!IsGraphNetwork && inputs.Length == 1) Build(inputs[0].Shape);
        base.Call(inputs, outputs, training);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var layers = new JsonArray();
        if (_inputLayer is not null) layers.Add(KerasRegistry.Serialize(_inputLayer, "keras.layers"));
        foreach (var l in _stack) layers.Add(KerasRegistry.Serialize(l, "keras.layers"));
        return new JsonObject { ["name"] = Name, ["trainable"] = Trainable, ["dtype"] = DTypePolicyConfig(), ["layers"] = layers };
    }

    /// <summary>Rebuilds from a Keras Sequential config.</summary>
    public static new Sequential FromConfig(JsonObject config)
    {
        var model = new Sequential(config.GetString("name", null));
        foreach (var lc in (config["layers"] as JsonArray ?? []).OfType<JsonObject>()) model.Add(KerasRegistry.Deserialize<Layer>(lc));
        return model;
    }
}
