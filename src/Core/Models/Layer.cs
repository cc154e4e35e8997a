using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using KerasNet.Constraints;
using KerasNet.Initializers;
using KerasNet.Regularizers;
using KerasNet.Saving;

namespace KerasNet.Models;

/// <summary>What a layer accepts, checked on every call so that a wrong input fails with the layer's name,
/// the expected and the actual shape (Keras's InputSpec).</summary>
public sealed class InputSpec
{
    /// <summary>Exact rank, or null.</summary>
    public int? Ndim { get; init; }
    /// <summary>Minimum rank, or null.</summary>
    public int? MinNdim { get; init; }
    /// <summary>Maximum rank, or null.</summary>
    public int? MaxNdim { get; init; }
    private readonly (int Axis, int Size)[] _axes = [];

    /// <summary>Required sizes of particular axes (negative counts from the end).</summary>
    public IReadOnlyDictionary<int, int>? Axes
    {
        get => _axes.Length == 0 ? null : _axes.ToDictionary(a => a.Axis, a => a.Size);
        init => _axes = value is null ? [] : value.Select(kv => (kv.Key, kv.Value)).ToArray();
    }

    /// <summary>The axis requirements as an array (checked on every call without allocating).</summary>
    internal (int Axis, int Size)[] AxisArray => _axes;
    /// <summary>Words that describe the expected data, used in errors ("(batch, steps, features)").</summary>
    public string? Description { get; init; }
}

/// <summary>Base of every layer, with Keras's lifecycle: the constructor stores the config;
/// <see cref="Build(Shape)"/> creates weights with <see cref="AddWeight"/>; <see cref="Call(Tensor, bool)"/>
/// computes with <see cref="Ops"/>; <see cref="ComputeOutputShape(Shape)"/>; <see cref="GetConfig"/> returns
/// the constructor arguments under Keras's names. Calling <see cref="Apply(Tensor, bool)"/> on a tensor
/// runs it eagerly; <see cref="Apply(KerasTensor)"/> on a symbolic tensor adds it to a functional graph.</summary>
public abstract class Layer : IKerasObject
{
    private static readonly ConcurrentDictionary<string, int> NameCounts = new();
    private readonly List<Variable> _weights = [];
    private readonly List<(Variable Variable, Regularizer Regularizer)> _regularized = [];
    private readonly List<Layer> _layers = [];
    private readonly List<Tensor> _activityLosses = [];
    private bool _trainable = true;
    internal readonly List<Node> InboundNodes = [];

    /// <summary>Stores the common configuration; a null name becomes a unique snake_case one (dense, dense_1).</summary>
    protected Layer(string? name = null, bool trainable = true)
    {
        if (name is null) name = UniqueName(ToSnakeCase(GetType().Name));
        else ReserveName(name);
        Name = name;
        _trainable = trainable;
    }

    /// <summary>Resets the automatic naming counters (Keras's clear_session).</summary>
    public static void ClearSession() => NameCounts.Clear();

    /// <summary>"dense", then "dense_1", "dense_2", ...</summary>
    internal static string UniqueName(string prefix)
    {
        int n = NameCounts.AddOrUpdate(prefix, 0, (_, c) => c + 1);
        return n == 0 ? prefix : $"{prefix}_{n}";
    }

    /// <summary>Keras's to_snake_case: "Conv2D" -> "conv2d", "MaxPooling2D" -> "max_pooling2d", "SimpleRNN" -> "simple_rnn".</summary>
    internal static string ToSnakeCase(string name)
    {
        var s = System.Text.RegularExpressions.Regex.Replace(name, "(.)([A-Z][a-z]+)", "$1_$2");
        s = System.Text.RegularExpressions.Regex.Replace(s, "([a-z])([A-Z])", "$1_$2");
        return s.ToLowerInvariant();
    }

    /// <summary>An explicit name such as "dense_4" moves the automatic counter for "dense" past 4, so layers
    /// made later (after loading a saved model, say) never reuse it.</summary>
    private static void ReserveName(string name)
    {
        var m = System.Text.RegularExpressions.Regex.Match(name, "^(.+)_([0-9]+)$");
        string prefix = m.Success ? m.Groups[1].Value : name;
        int n = m.Success && int.TryParse(m.Groups[2].Value, out int k) ? k : 0;
        NameCounts.AddOrUpdate(prefix, n, (_, c) => Math.Max(c, n));
    }

    /// <summary>The layer's name, unique within a session unless given.</summary>
    public string Name { get; protected set; }

    /// <inheritdoc/>
    public virtual string ClassName => GetType().Name;

    /// <summary>Whether the layer's weights are trained. Setting false freezes the layer and its sublayers
    /// (and switches BatchNormalization-like layers to inference behaviour, as in Keras).</summary>
    public virtual bool Trainable
    {
        get => _trainable;
        set
        {
            _trainable = value;
            foreach (var l in _layers) l.Trainable = value;
        }
    }

    /// <summary>Whether <see cref="Build(Shape)"/> has run.</summary>
    public bool Built { get; protected set; }

    /// <summary>The input specification checked on each call, or null.</summary>
    protected InputSpec? InputSpec { get; set; }

    /// <summary>The shape the layer was built with (batch axis -1), or null before building.</summary>
    public Shape? BuildInputShape { get; private set; }

    /// <summary>Number of tensors <see cref="Call(ReadOnlySpan{Tensor}, Span{Tensor}, bool)"/> produces.</summary>
    public virtual int OutputCount => 1;

    /// <summary>Whether the layer behaves differently in training (Dropout, BatchNormalization).</summary>
    public virtual bool HasTrainingBehaviour => false;

    // ----- weights -----

    /// <summary>Creates a weight variable named "<paramref name="name"/>" with an initializer, optional
    /// regularizer and constraint.</summary>
    protected Variable AddWeight(string name, Shape shape, Initializer? initializer = null, Regularizer? regularizer = null,
        Constraint? constraint = null, bool trainable = true)
    {
        initializer ??= shape.Rank > 1 ? KerasRegistry.Get<Initializer>("glorot_uniform") : KerasRegistry.Get<Initializer>("zeros");
        using var init = initializer.Call(shape);
        if (init.Shape != shape)
            throw new InvalidOperationException($"Initializer {initializer.ClassName} returned shape {init.Shape} for weight '{name}' of layer '{Name}'; expected {shape}.");
        var v = new Variable(init, name, trainable) { Constraint = constraint, Path = $"{Name}/{name}" };
        _weights.Add(v);
        if (regularizer is not null) _regularized.Add((v, regularizer));
        return v;
    }

    /// <summary>Tracks a sublayer so its weights and losses belong to this layer.</summary>
    protected T TrackLayer<T>(T layer) where T : Layer
    {
        _layers.Add(layer);
        return layer;
    }

    /// <summary>Sublayers tracked with <see cref="TrackLayer"/>.</summary>
    protected IReadOnlyList<Layer> TrackedLayers => _layers;

    /// <summary>All weights: this layer's (in creation order), then each sublayer's.</summary>
    public virtual IReadOnlyList<Variable> Weights
    {
        get
        {
            var all = new List<Variable>(_weights);
            foreach (var l in _layers) foreach (var w in l.Weights) if (!all.Contains(w)) all.Add(w);
            return all;
        }
    }

    /// <summary>Weights the optimizer updates: the trainable ones of a trainable layer.</summary>
    public virtual IReadOnlyList<Variable> TrainableWeights => Trainable ? CollectWeights(trainable: true) : [];

    /// <summary>Weights the optimizer leaves alone (moving statistics, and everything of a frozen layer).</summary>
    public virtual IReadOnlyList<Variable> NonTrainableWeights
    {
        get
        {
            if (!Trainable) return Weights;
            return CollectWeights(trainable: false);
        }
    }

    private List<Variable> CollectWeights(bool trainable)
    {
        var result = new List<Variable>();
        foreach (var w in _weights) if (w.Trainable == trainable) result.Add(w);
        foreach (var l in _layers)
        {
            var sub = trainable ? l.TrainableWeights : l.NonTrainableWeights;
            foreach (var w in sub) if (!result.Contains(w)) result.Add(w);
        }
        return result;
    }

    /// <summary>Number of scalars in all weights.</summary>
    public long CountParams()
    {
        long n = 0;
        foreach (var w in Weights) n += w.Shape.Size;
        return n;
    }

    /// <summary>Copies of the weights' values in Keras's order and layout (a Dense kernel is (in, out)).</summary>
    public Tensor[] GetWeights()
    {
        var ws = Weights;
        var result = new Tensor[ws.Count];
        for (int i = 0; i < ws.Count; i++)
        {
            var copy = Ops.StopGradient(ws[i].Value);
            TensorScope.Current?.Keep(copy);
            result[i] = copy;
        }
        return result;
    }

    /// <summary>Sets every weight from tensors in the order of <see cref="GetWeights"/>; the count and each
    /// shape must match.</summary>
    public void SetWeights(params Tensor[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var ws = Weights;
        if (values.Length != ws.Count)
            throw new ArgumentException($"Layer '{Name}' has {ws.Count} weights ({string.Join(", ", ws.Select(w => $"{w.Name} {w.Shape}"))}); SetWeights got {values.Length}.", nameof(values));
        for (int i = 0; i < ws.Count; i++)
            if (values[i].Shape != ws[i].Shape)
                throw new ArgumentException($"Layer '{Name}': weight {i} ('{ws[i].Name}') has shape {ws[i].Shape}; the value given has shape {values[i].Shape}.", nameof(values));
        for (int i = 0; i < ws.Count; i++) ws[i].Assign(values[i]);
    }

    /// <summary>Sets every weight from host arrays (float[], float[,], float[,,,] ...) in the order of <see cref="GetWeights"/>.</summary>
    public void SetWeights(params Array[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var tensors = new Tensor[values.Length];
        try
        {
            var ws = Weights;
            for (int i = 0; i < values.Length; i++)
            {
                var t = Tensor.FromArray(values[i]);
                // A flat array takes the weight's shape when the sizes agree.
                if (values[i].Rank == 1 && i < ws.Count && t.Size == ws[i].Shape.Size && t.Shape != ws[i].Shape)
                {
                    var r = Ops.Reshape(t, ws[i].Shape);
                    t.Dispose();
                    t = r;
                }
                tensors[i] = t;
            }
            SetWeights(tensors);
        }
        finally
        {
            foreach (var t in tensors) if (!t.IsNull) t.Dispose();
        }
    }

    /// <summary>Regularization penalties: weight regularizers of this layer and its sublayers, and
    /// activity regularization added during the last call.</summary>
    public IReadOnlyList<Tensor> Losses
    {
        get
        {
            var result = new List<Tensor>();
            CollectLosses(result);
            return result;
        }
    }

    internal void CollectLosses(List<Tensor> into)
    {
        foreach (var (v, r) in _regularized) into.Add(r.Call(v.Value));
        foreach (var t in _activityLosses) if (!t.IsDisposed) into.Add(t);
        foreach (var l in _layers) l.CollectLosses(into);
    }

    internal bool HasLosses
    {
        get
        {
            if (_regularized.Count > 0 || _activityLosses.Count > 0) return true;
            foreach (var l in _layers) if (l.HasLosses) return true;
            return false;
        }
    }

    /// <summary>Adds a loss computed during the call (activity regularization).</summary>
    protected void AddLoss(Tensor loss) => _activityLosses.Add(loss);

    internal void ClearActivityLosses()
    {
        _activityLosses.Clear();
        foreach (var l in _layers) l.ClearActivityLosses();
    }

    // ----- lifecycle -----

    /// <summary>Creates the weights for inputs of <paramref name="inputShape"/> (batch axis -1).</summary>
    public virtual void Build(Shape inputShape) => Built = true;

    /// <summary>Build for several inputs; by default a single-input layer builds from the first.</summary>
    public virtual void Build(IReadOnlyList<Shape> inputShapes)
    {
        if (inputShapes.Count != 1)
            throw new ArgumentException($"Layer '{Name}' ({ClassName}) takes one input; got {inputShapes.Count}.");
        Build(inputShapes[0]);
    }

    /// <summary>The computation for one input.</summary>
    public virtual Tensor Call(Tensor inputs, bool training = false) =>
        throw new InvalidOperationException($"Layer '{Name}' ({ClassName}) does not implement Call for a single input.");

    /// <summary>The computation for several inputs (merge layers override this).</summary>
    public virtual Tensor Call(ReadOnlySpan<Tensor> inputs, bool training = false)
    {
        if (inputs.Length != 1)
            throw new ArgumentException($"Layer '{Name}' ({ClassName}) takes one input; got {inputs.Length}.");
        return Call(inputs[0], training);
    }

    /// <summary>The most general computation: several inputs, <see cref="OutputCount"/> outputs.</summary>
    public virtual void Call(ReadOnlySpan<Tensor> inputs, Span<Tensor> outputs, bool training)
    {
        if (OutputCount != 1)
            throw new InvalidOperationException($"Layer '{Name}' ({ClassName}) declares {OutputCount} outputs but does not override the multi-output Call.");
        outputs[0] = Call(inputs, training);
    }

    // ----- masking (Keras's supports_masking / compute_mask / call(mask=...)) -----

    /// <summary>Whether the layer passes an incoming mask through unchanged (Keras's supports_masking).
    /// Layers that neither support nor consume masks drop them.</summary>
    public virtual bool SupportsMasking => false;

    /// <summary>The mask of the output for an input and its mask (a bool tensor of the batch and time
    /// axes, or null). By default: the incoming mask when <see cref="SupportsMasking"/>, else none.</summary>
    public virtual Tensor ComputeMask(Tensor inputs, Tensor mask) => SupportsMasking ? mask : default;

    /// <summary>The computation with the input's mask; layers that use masks (recurrent, attention,
    /// pooling over time) override this. By default the mask is ignored.</summary>
    public virtual Tensor CallMasked(Tensor inputs, Tensor mask, bool training) => Call(inputs, training);

    /// <summary>The general masked computation over several inputs and outputs; merge layers and
    /// multi-output layers override it. By default a single input goes to <see cref="CallMasked(Tensor, Tensor, bool)"/>
    /// and the masks of several inputs are ignored.</summary>
    public virtual void CallMasked(ReadOnlySpan<Tensor> inputs, ReadOnlySpan<Tensor> masks, Span<Tensor> outputs, bool training)
    {
        if (inputs.Length == 1 && OutputCount == 1) outputs[0] = CallMasked(inputs[0], masks[0], training);
        else Call(inputs, outputs, training);
    }

    /// <summary>The output masks for several inputs; by default a single input's mask goes through
    /// <see cref="ComputeMask(Tensor, Tensor)"/> and every output gets it.</summary>
    public virtual void ComputeMasks(ReadOnlySpan<Tensor> inputs, ReadOnlySpan<Tensor> masks, Span<Tensor> outputMasks)
    {
        var m = inputs.Length == 1 ? ComputeMask(inputs[0], masks[0]) : default;
        for (int i = 0; i < outputMasks.Length; i++) outputMasks[i] = m;
    }

    /// <summary>Runs the layer eagerly with an explicit input mask; returns the output and its mask.</summary>
    public (Tensor Output, Tensor Mask) ApplyMasked(Tensor inputs, Tensor mask, bool training = false)
    {
        var shape = inputs.Shape;
        CheckInput(shape);
        if (!Built) EnsureBuilt([shape.Rank > 0 ? shape.With(0, -1) : shape]);
        var y = mask.IsNull ? Call(inputs, training) : CallMasked(inputs, mask, training);
        return (y, ComputeMask(inputs, mask));
    }

    /// <summary>The output shape for an input shape (batch axis -1). The default runs the layer once on
    /// zeros of that shape (unknown axes as 1) with recording off, as Keras's compute_output_spec does.</summary>
    public virtual Shape ComputeOutputShape(Shape inputShape) => ComputeOutputShapes([inputShape])[0];

    /// <summary>The output shapes for several inputs (by default: trace the call on zeros).</summary>
    public virtual Shape[] ComputeOutputShapes(IReadOnlyList<Shape> inputShapes)
    {
        if (inputShapes.Count == 1 && OutputCount == 1 && GetType().GetMethod(nameof(ComputeOutputShape), [typeof(Shape)])!.DeclaringType != typeof(Layer))
            return [ComputeOutputShape(inputShapes[0])];
        using var scope = new TensorScope();
        var tape = GradientTape.Suspend();
        try
        {
        var inputs = new Tensor[inputShapes.Count];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = Ops.Zeros(Concrete(inputShapes[i]));
        var outputs = new Tensor[OutputCount];
        Call(inputs, outputs, training: false);
        var result = new Shape[outputs.Length];
        for (int i = 0; i < outputs.Length; i++)
        {
            var s = outputs[i].Shape;
            // The batch axis stays unknown when the input's was.
            result[i] = inputShapes[0].Rank > 0 && inputShapes[0][0] < 0 && s.Rank > 0 ? s.With(0, -1) : s;
        }
        return result;
        }
        finally
        {
            GradientTape.Resume(tape);
        }
    }

    private static Shape Concrete(Shape s)
    {
        Span<int> d = stackalloc int[s.Rank];
        for (int i = 0; i < s.Rank; i++) d[i] = s[i] < 0 ? 1 : s[i];
        return new Shape(d);
    }

    /// <summary>Checks an input against <see cref="InputSpec"/>; the error names the layer, what was expected and what came.</summary>
    protected internal void CheckInput(Shape shape, int inputIndex = 0)
    {
        var spec = InputSpec;
        if (spec is null) return;
        if (spec.Ndim is int nd && shape.Rank != nd) ThrowRank(spec, shape, inputIndex, $"rank {nd}");
        if (spec.MinNdim is int mn && shape.Rank < mn) ThrowRank(spec, shape, inputIndex, $"rank >= {mn}");
        if (spec.MaxNdim is int mx && shape.Rank > mx) ThrowRank(spec, shape, inputIndex, $"rank <= {mx}");
        foreach (var (axis, size) in spec.AxisArray)
        {
            int a = axis < 0 ? axis + shape.Rank : axis;
            if (a >= 0 && a < shape.Rank && shape[a] >= 0 && shape[a] != size)
                throw new ArgumentException($"Input {inputIndex} of layer '{Name}' ({ClassName}) is incompatible with the layer: expected axis {axis} of the input shape to have value {size}, but received input with shape {KerasTensor.ShapeText(shape)}.");
        }
    }

    private void ThrowRank(InputSpec spec, Shape shape, int inputIndex, string expected)
    {
        string what = spec.Description is null ? "" : $" {spec.Description}";
        throw new ArgumentException($"Input {inputIndex} of layer '{Name}' ({ClassName}) is incompatible with the layer: expected {expected}{what}, got rank {shape.Rank} with shape {KerasTensor.ShapeText(shape)}.");
    }

    internal void EnsureBuilt(IReadOnlyList<Shape> shapes)
    {
        if (Built) return;
        for (int i = 0; i < shapes.Count; i++) CheckInput(shapes[i], i);
        if (shapes.Count == 1)
        {
            BuildInputShape = shapes[0];
            Build(shapes[0]);
        }
        else Build(shapes);
        Built = true;
    }

    // ----- calling -----

    /// <summary>Runs the layer eagerly on a tensor (building it on first use), as Keras's <c>layer(x)</c>.</summary>
    public Tensor Apply(Tensor inputs, bool training = false)
    {
        var shape = inputs.Shape;
        CheckInput(shape);
        if (!Built) EnsureBuilt([shape.Rank > 0 ? shape.With(0, -1) : shape]);
        return Call(inputs, training);
    }

    /// <summary>Runs the layer eagerly on several tensors.</summary>
    public Tensor Apply(IReadOnlyList<Tensor> inputs, bool training = false)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        for (int i = 0; i < inputs.Count; i++) CheckInput(inputs[i].Shape, i);
        if (!Built) EnsureBuilt(inputs.Select(t => t.Shape.Rank > 0 ? t.Shape.With(0, -1) : t.Shape).ToArray());
        return Call(inputs.ToArray(), training);
    }

    /// <summary>Adds this layer to a functional graph: returns the symbolic output for a symbolic input.</summary>
    public KerasTensor Apply(KerasTensor input) => ApplySymbolic([input])[0];

    /// <summary>Adds this layer to a functional graph over several symbolic inputs (merge layers).</summary>
    public KerasTensor Apply(params KerasTensor[] inputs) => ApplySymbolic(inputs)[0];

    /// <summary>Adds this layer to a functional graph and returns all of its symbolic outputs (for layers
    /// with several outputs, such as an LSTM with return_state).</summary>
    public KerasTensor[] ApplyMulti(params KerasTensor[] inputs) => ApplySymbolic(inputs);

    private KerasTensor[] ApplySymbolic(KerasTensor[] inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Length == 0) throw new ArgumentException($"Layer '{Name}' was called with no inputs.", nameof(inputs));
        var shapes = inputs.Select(t => t.Shape).ToArray();
        EnsureBuilt(shapes);
        for (int i = 0; i < shapes.Length; i++) CheckInput(shapes[i], i);
        var outShapes = ComputeOutputShapes(shapes);
        int nodeIndex = InboundNodes.Count;
        var outputs = new KerasTensor[outShapes.Length];
        for (int i = 0; i < outputs.Length; i++) outputs[i] = new KerasTensor(outShapes[i], OutputDType, this, nodeIndex, i);
        InboundNodes.Add(new Node(this, inputs, outputs));
        return outputs;
    }

    /// <summary>The dtype of this layer's outputs.</summary>
    protected virtual DType OutputDType => DType.Float32;

    /// <summary>The symbolic output of the layer's first call in a graph.</summary>
    public KerasTensor Output => InboundNodes.Count > 0 ? InboundNodes[0].Outputs[0]
        : throw new InvalidOperationException($"Layer '{Name}' has never been called on a symbolic input, so it has no output yet.");

    /// <summary>The symbolic input of the layer's first call in a graph.</summary>
    public KerasTensor Input => InboundNodes.Count > 0 ? InboundNodes[0].Inputs[0]
        : throw new InvalidOperationException($"Layer '{Name}' has never been called on a symbolic input, so it has no input yet.");

    // ----- config -----

    /// <summary>The constructor arguments under Keras's names: name, trainable, dtype, then the layer's own.</summary>
    public virtual JsonObject GetConfig() => new()
    {
        ["name"] = Name,
        ["trainable"] = Trainable,
        ["dtype"] = DTypePolicyConfig(),
    };

    /// <summary>Keras's serialized float32 DTypePolicy.</summary>
    protected static JsonObject DTypePolicyConfig() => new()
    {
        ["module"] = "keras",
        ["class_name"] = "DTypePolicy",
        ["config"] = new JsonObject { ["name"] = "float32" },
        ["registered_name"] = null,
    };

    /// <summary>Reads the common entries (name, trainable) of a layer config.</summary>
    protected static (string? Name, bool Trainable) BaseConfig(JsonObject config) =>
        (config.GetString("name", null), config.GetBool("trainable", true));

    /// <summary>"&lt;Dense name=dense, built=True&gt;"</summary>
    public override string ToString() => $"<{ClassName} name={Name}, built={(Built ? "True" : "False")}>";
}
