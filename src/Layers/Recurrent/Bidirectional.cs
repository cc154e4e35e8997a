using System.Text.Json.Nodes;
using KerasNet.Models;
using KerasNet.Saving;

namespace KerasNet.Layers;

/// <summary>Runs a recurrent layer forwards and a copy of it backwards over the same sequence and merges their
/// outputs, as keras.layers.Bidirectional. The forward layer is rebuilt from the given layer's config under the
/// name "forward_&lt;name&gt;", the backward one with go_backwards under "backward_&lt;name&gt;" (or
/// <c>backward_layer</c> when given); the backward sequence output is reversed back into time order before the
/// merge (concat along the features, sum, mul, ave, or null for both outputs separately).</summary>
/// <remarks>With return_state the states follow the output(s): the forward layer's, then the backward layer's.
/// As in Keras, both layers output zeros at masked steps when they return sequences.</remarks>
[KerasSerializable("Bidirectional")]
public sealed class Bidirectional : Layer
{
    private static readonly string?[] MergeModes = ["concat", "sum", "mul", "ave", null];

    /// <summary>Creates the wrapper with Keras's arguments.</summary>
    /// <param name="layer">The recurrent layer to run in both directions (its weights are not reused: the copies
    /// get fresh ones, as in Keras).</param>
    /// <param name="mergeMode">"concat" (default), "sum", "mul", "ave", or null to return both outputs.</param>
    /// <param name="backwardLayer">An explicit backward layer (with go_backwards set and otherwise matching
    /// <paramref name="layer"/>), or null to derive it.</param>
    /// <param name="name">The layer's name (unique by default).</param>
    /// <param name="trainable">Whether the weights are trained.</param>
    public Bidirectional(RNN layer, string? mergeMode = "concat", RNN? backwardLayer = null, string? name = null, bool trainable = true)
        : base(name, trainable)
    {
        ArgumentNullException.ThrowIfNull(layer);
        if (!MergeModes.Contains(mergeMode))
            throw new ArgumentException($"Layer '{Name}' (Bidirectional): invalid merge mode \"{mergeMode}\". Merge mode should be one of \"sum\", \"mul\", \"ave\", \"concat\" or null.", nameof(mergeMode));
        MergeMode = mergeMode;
        var forward = layer.CloneWith("forward_" + RemovePrefix(layer.Name, "forward_"));
        var backward = backwardLayer ?? layer.CloneWith("backward_" + RemovePrefix(layer.Name, "backward_"), goBackwards: true);
        if (forward.GoBackwards == backward.GoBackwards)
            throw new ArgumentException($"Layer '{Name}' (Bidirectional): forward layer and backward layer should have different `go_backwards` values; " +
                $"got forward_layer.go_backwards={forward.GoBackwards}, backward_layer.go_backwards={backward.GoBackwards}.");
        if (forward.ReturnSequences != backward.ReturnSequences || forward.ReturnState != backward.ReturnState)
            throw new ArgumentException($"Layer '{Name}' (Bidirectional): forward layer and backward layer are expected to have the same return_sequences and return_state; " +
                $"got ({forward.ReturnSequences}, {forward.ReturnState}) and ({backward.ReturnSequences}, {backward.ReturnState}).");
        // As Keras: both layers output zeros at masked steps when returning sequences.
        forward.ZeroOutputForMask = forward.ReturnSequences;
        backward.ZeroOutputForMask = backward.ReturnSequences;
        ForwardLayer = TrackLayer(forward);
        BackwardLayer = TrackLayer(backward);
    }

    private static string RemovePrefix(string s, string prefix) => s.StartsWith(prefix, StringComparison.Ordinal) ? s[prefix.Length..] : s;

    /// <summary>The merge mode, or null for separate outputs.</summary>
    public string? MergeMode { get; }

    /// <summary>The layer run forwards.</summary>
    public RNN ForwardLayer { get; }

    /// <summary>The layer run backwards.</summary>
    public RNN BackwardLayer { get; }

    /// <summary>Whether the wrapped layers return sequences.</summary>
    public bool ReturnSequences => ForwardLayer.ReturnSequences;

    /// <summary>Whether the wrapped layers return their states.</summary>
    public bool ReturnState => ForwardLayer.ReturnState;

    private int StateCount => ReturnState ? ForwardLayer.OutputCount - 1 : 0;

    private int MergedCount => MergeMode is null ? 2 : 1;

    /// <summary>The merged output (two without a merge mode), then both layers' states with return_state.</summary>
    public override int OutputCount => MergedCount + StateCount + (ReturnState ? BackwardLayer.OutputCount - 1 : 0);

    /// <inheritdoc/>
    public override bool SupportsMasking => true;

    /// <inheritdoc/>
    public override bool HasTrainingBehaviour => ForwardLayer.HasTrainingBehaviour || BackwardLayer.HasTrainingBehaviour;

    /// <summary>Builds both layers.</summary>
    public override void Build(Shape inputShape)
    {
        RecurrentOps.CheckSequence(this, inputShape);
        ForwardLayer.EnsureBuilt([inputShape]);
        BackwardLayer.EnsureBuilt([inputShape]);
        Built = true;
    }

    /// <summary>Builds from the sequence; further inputs are initial states (the first half the forward
    /// layer's, the second half the backward layer's).</summary>
    public override void Build(IReadOnlyList<Shape> inputShapes)
    {
        ArgumentNullException.ThrowIfNull(inputShapes);
        Build(inputShapes[0]);
    }

    /// <inheritdoc/>
    public override Shape[] ComputeOutputShapes(IReadOnlyList<Shape> inputShapes)
    {
        ArgumentNullException.ThrowIfNull(inputShapes);
        RecurrentOps.CheckSequence(this, inputShapes[0]);
        var f = ForwardLayer.ComputeOutputShapes([inputShapes[0]]);
        var b = BackwardLayer.ComputeOutputShapes([inputShapes[0]]);
        var result = new List<Shape>();
        if (MergeMode is null) { result.Add(f[0]); result.Add(b[0]); }
        else if (MergeMode == "concat") result.Add(f[0].With(-1, f[0][-1] + b[0][-1]));
        else result.Add(f[0]);
        if (ReturnState) { result.AddRange(f[1..]); result.AddRange(b[1..]); }
        return [.. result];
    }

    /// <summary>The input mask for sequence outputs (each of them without a merge mode); none otherwise.</summary>
    public override Tensor ComputeMask(Tensor inputs, Tensor mask) => ReturnSequences ? mask : default;

    /// <inheritdoc/>
    public override void ComputeMasks(ReadOnlySpan<Tensor> inputs, ReadOnlySpan<Tensor> masks, Span<Tensor> outputMasks)
    {
        outputMasks.Clear();
        if (!ReturnSequences || masks.Length == 0) return;
        for (int i = 0; i < MergedCount && i < outputMasks.Length; i++) outputMasks[i] = masks[0];
    }

    /// <summary>The first output (see <see cref="OutputCount"/>).</summary>
    public override Tensor Call(Tensor inputs, bool training = false)
    {
        var outputs = new Tensor[OutputCount];
        Run(inputs, default, [], training, outputs);
        return outputs[0];
    }

    /// <inheritdoc/>
    public override Tensor CallMasked(Tensor inputs, Tensor mask, bool training)
    {
        var outputs = new Tensor[OutputCount];
        Run(inputs, mask, [], training, outputs);
        return outputs[0];
    }

    /// <summary>Several inputs (see the multi-output call); returns the first output.</summary>
    public override Tensor Call(ReadOnlySpan<Tensor> inputs, bool training = false)
    {
        var outputs = new Tensor[OutputCount];
        Call(inputs, outputs, training);
        return outputs[0];
    }

    /// <inheritdoc/>
    public override void Call(ReadOnlySpan<Tensor> inputs, Span<Tensor> outputs, bool training) =>
        Run(inputs[0], default, inputs[1..], training, outputs);

    /// <inheritdoc/>
    public override void CallMasked(ReadOnlySpan<Tensor> inputs, ReadOnlySpan<Tensor> masks, Span<Tensor> outputs, bool training) =>
        Run(inputs[0], masks.Length > 0 ? masks[0] : default, inputs[1..], training, outputs);

    private void Run(Tensor sequences, Tensor mask, ReadOnlySpan<Tensor> initialState, bool training, Span<Tensor> outputs)
    {
        RecurrentOps.CheckSequence(this, sequences.Shape);
        int half = initialState.Length / 2;
        if (initialState.Length % 2 != 0)
            throw new ArgumentException($"Layer '{Name}' (Bidirectional) takes initial states for both layers (an even number); got {initialState.Length}.");
        var f = new Tensor[ForwardLayer.OutputCount];
        var b = new Tensor[BackwardLayer.OutputCount];
        ForwardLayer.RunCore(sequences, mask, initialState[..half], training, timeOrder: true, f);
        // The backward layer's sequence comes back in the inputs' time order (Keras flips it after the call).
        BackwardLayer.RunCore(sequences, mask, initialState[half..], training, timeOrder: true, b);
        var y = f[0];
        var yRev = b[0];
        int k = 0;
        switch (MergeMode)
        {
            case "concat": outputs[k++] = Ops.Concatenate([y, yRev], -1); break;
            case "sum": outputs[k++] = Ops.Add(y, yRev); break;
            case "ave": outputs[k++] = Ops.Multiply(Ops.Add(y, yRev), Ops.ScalarLike(y, 0.5)); break;
            case "mul": outputs[k++] = Ops.Multiply(y, yRev); break;
            default: outputs[k++] = y; outputs[k++] = yRev; break;
        }
        if (ReturnState)
        {
            for (int i = 1; i < f.Length; i++) outputs[k++] = f[i];
            for (int i = 1; i < b.Length; i++) outputs[k++] = b[i];
        }
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["merge_mode"] = MergeMode;
        c["layer"] = KerasRegistry.Serialize(ForwardLayer, "keras.layers");
        c["backward_layer"] = KerasRegistry.Serialize(BackwardLayer, "keras.layers");
        return c;
    }

    /// <summary>Rebuilds the wrapper (and both layers) from a Keras config.</summary>
    public static Bidirectional FromConfig(JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var (name, trainable) = BaseConfig(config);
        var layerNode = config["layer"] ?? throw new ArgumentException($"A Bidirectional config needs \"layer\"; got {config.ToJsonString()}.", nameof(config));
        var layer = KerasRegistry.Deserialize<Layer>(layerNode) as RNN
            ?? throw new ArgumentException($"Bidirectional '{name}' wraps a layer that is not recurrent: {layerNode.ToJsonString()}.", nameof(config));
        RNN? backward = null;
        if (config["backward_layer"] is JsonNode bn)
            backward = KerasRegistry.Deserialize<Layer>(bn) as RNN
                ?? throw new ArgumentException($"Bidirectional '{name}' has a backward layer that is not recurrent: {bn.ToJsonString()}.", nameof(config));
        string? mergeMode = config.ContainsKey("merge_mode") ? config.GetString("merge_mode", null) : "concat";
        return new Bidirectional(layer, mergeMode, backward, name, trainable);
    }
}
