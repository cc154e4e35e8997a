using System.Text.Json.Nodes;
using KerasNet.Models;
using KerasNet.Regularizers;
using KerasNet.Saving;

namespace KerasNet.Layers;

/// <summary>A recurrent layer over a cell, as keras.layers.RNN: the cell runs over the time axis of inputs of
/// shape (batch, timesteps, features), from zero states (or the initial states given as extra inputs).</summary>
/// <remarks>
/// <para>Outputs: the last output (batch, units), or with <c>return_sequences</c> every step's output
/// (batch, timesteps, units); with <c>return_state</c> the final states follow as further outputs
/// (<see cref="Layer.OutputCount"/> counts them). With <c>go_backwards</c> the sequence is processed from the
/// end and the returned sequence is in that (reversed) order, as in Keras.</para>
/// <para>Masking: a (batch, timesteps) mask (from Embedding(mask_zero) or Masking) makes a masked step keep the
/// previous states; its output is the previous output (the first state), or zeros when
/// <c>zero_output_for_mask</c> (which Bidirectional sets for sequence outputs). The output mask is the input mask
/// when returning sequences, else none.</para>
/// <para>In a functional graph, inputs after the sequence are the initial states (as Keras's
/// <c>initial_state</c>). Only <c>stateful=false</c> is supported; <c>unroll</c> is accepted and ignored (the loop
/// is always unrolled eagerly).</para>
/// </remarks>
[KerasSerializable("RNN")]
public class RNN : Layer
{
    private TensorScope? _runScope;
    private TensorScope? _stepScope;
    private int _features = -1;

    /// <summary>Creates the layer around <paramref name="cell"/> with Keras's arguments and defaults.</summary>
    /// <param name="cell">The cell run at every step.</param>
    /// <param name="returnSequences">Whether to return every step's output rather than the last.</param>
    /// <param name="returnState">Whether to return the final states after the output.</param>
    /// <param name="goBackwards">Whether to process the sequence from its end (and return the reversed sequence).</param>
    /// <param name="stateful">Must be false: KerasNet has no stateful recurrent layers.</param>
    /// <param name="unroll">Accepted for compatibility and ignored.</param>
    /// <param name="zeroOutputForMask">Whether masked steps output zeros (with return_sequences) instead of the previous output.</param>
    /// <param name="activityRegularizer">A regularizer applied to the outputs, or null.</param>
    /// <param name="name">The layer's name (unique by default).</param>
    /// <param name="trainable">Whether the weights are trained.</param>
    public RNN(RNNCell cell, bool returnSequences = false, bool returnState = false, bool goBackwards = false, bool stateful = false,
        bool unroll = false, bool zeroOutputForMask = false, object? activityRegularizer = null, string? name = null, bool trainable = true)
        : base(name, trainable)
    {
        ArgumentNullException.ThrowIfNull(cell);
        if (stateful)
            throw new NotSupportedException($"Layer '{Name}' ({ClassName}): stateful=True is not supported by KerasNet. Recurrent layers start every " +
                "batch from zero states (or from the initial states passed as inputs); create the layer with stateful=false.");
        Cell = TrackLayer(cell);
        ReturnSequences = returnSequences;
        ReturnState = returnState;
        GoBackwards = goBackwards;
        Unroll = unroll;
        ZeroOutputForMask = zeroOutputForMask;
        ActivityRegularizer = LayerArgs.Regularizer(activityRegularizer, nameof(activityRegularizer), ClassName);
    }

    /// <summary>The cell.</summary>
    public RNNCell Cell { get; }

    /// <summary>Whether every step's output is returned.</summary>
    public bool ReturnSequences { get; }

    /// <summary>Whether the final states are returned after the output.</summary>
    public bool ReturnState { get; }

    /// <summary>Whether the sequence is processed from its end.</summary>
    public bool GoBackwards { get; }

    /// <summary>Always false.</summary>
    public bool Stateful => false;

    /// <summary>Stored for compatibility; has no effect.</summary>
    public bool Unroll { get; }

    /// <summary>Whether masked steps output zeros (with return_sequences).</summary>
    public bool ZeroOutputForMask { get; internal set; }

    /// <summary>The outputs' regularizer, or null.</summary>
    public Regularizer? ActivityRegularizer { get; }

    /// <summary>One output, plus one per state with return_state.</summary>
    public override int OutputCount => ReturnState ? 1 + Cell.StateSize.Count : 1;

    /// <summary>Masks pass through (as the output's mask when returning sequences).</summary>
    public override bool SupportsMasking => true;

    /// <inheritdoc/>
    public override bool HasTrainingBehaviour => Cell.HasTrainingBehaviour;

    // ----- building and shapes -----

    /// <summary>Builds the cell for steps of shape (batch, features).</summary>
    public override void Build(Shape inputShape)
    {
        RecurrentOps.CheckSequence(this, inputShape);
        if (inputShape[2] <= 0)
            throw new ArgumentException($"Layer '{Name}' ({ClassName}) needs the features axis of its input to be known; got input shape {LayerArgs.Text(inputShape)}.");
        _features = inputShape[2];
        Cell.EnsureBuilt([new Shape(inputShape[0], inputShape[2])]);
        foreach (var w in Cell.Weights) w.Path = $"{Name}/{Cell.Name}/{w.Name}";
        Built = true;
    }

    /// <summary>Builds from the sequence; further inputs are initial states.</summary>
    public override void Build(IReadOnlyList<Shape> inputShapes)
    {
        ArgumentNullException.ThrowIfNull(inputShapes);
        CheckInputCount(inputShapes.Count);
        Build(inputShapes[0]);
    }

    private void CheckInputCount(int count)
    {
        int states = Cell.StateSize.Count;
        if (count != 1 && count != 1 + states)
            throw new ArgumentException($"Layer '{Name}' ({ClassName}) takes a sequence and optionally its {states} initial state(s); got {count} inputs.");
    }

    /// <inheritdoc/>
    public override Shape[] ComputeOutputShapes(IReadOnlyList<Shape> inputShapes)
    {
        ArgumentNullException.ThrowIfNull(inputShapes);
        CheckInputCount(inputShapes.Count);
        var s = inputShapes[0];
        RecurrentOps.CheckSequence(this, s, _features);
        var result = new Shape[OutputCount];
        result[0] = ReturnSequences ? new Shape(s[0], s[1], Cell.OutputSize) : new Shape(s[0], Cell.OutputSize);
        for (int i = 1; i < result.Length; i++) result[i] = new Shape(s[0], Cell.StateSize[i - 1]);
        return result;
    }

    // ----- masks -----

    /// <summary>The input mask when returning sequences, else none.</summary>
    public override Tensor ComputeMask(Tensor inputs, Tensor mask) => ReturnSequences ? mask : default;

    /// <summary>The output's mask (see <see cref="ComputeMask"/>); states have none.</summary>
    public override void ComputeMasks(ReadOnlySpan<Tensor> inputs, ReadOnlySpan<Tensor> masks, Span<Tensor> outputMasks)
    {
        outputMasks.Clear();
        if (outputMasks.Length > 0 && masks.Length > 0 && ReturnSequences) outputMasks[0] = masks[0];
    }

    // ----- calling -----

    /// <summary>The output (the first of <see cref="OutputCount"/>); use <see cref="Run"/> for the states.</summary>
    public override Tensor Call(Tensor inputs, bool training = false) => CallMasked(inputs, default, training);

    /// <inheritdoc/>
    public override Tensor CallMasked(Tensor inputs, Tensor mask, bool training)
    {
        // The outputs on the stack (no array per call) unless the cell has more than three states.
        var buffer = new OutputBuffer();
        int count = OutputCount;
        Span<Tensor> outputs = count <= OutputBuffer.Length ? ((Span<Tensor>)buffer)[..count] : new Tensor[count];
        RunCore(inputs, mask, [], training, timeOrder: false, outputs);
        return outputs[0];
    }

    [System.Runtime.CompilerServices.InlineArray(Length)]
    private struct OutputBuffer
    {
        public const int Length = 4;
        private Tensor _element;
    }

    /// <summary>Several inputs (see the multi-output call); returns the first output.</summary>
    public override Tensor Call(ReadOnlySpan<Tensor> inputs, bool training = false)
    {
        var outputs = new Tensor[OutputCount];
        Call(inputs, outputs, training);
        return outputs[0];
    }

    /// <summary>[sequence, initial states...] to [output, final states...].</summary>
    public override void Call(ReadOnlySpan<Tensor> inputs, Span<Tensor> outputs, bool training)
    {
        CheckInputCount(inputs.Length);
        RunCore(inputs[0], default, inputs[1..], training, timeOrder: false, outputs);
    }

    /// <inheritdoc/>
    public override void CallMasked(ReadOnlySpan<Tensor> inputs, ReadOnlySpan<Tensor> masks, Span<Tensor> outputs, bool training)
    {
        CheckInputCount(inputs.Length);
        RunCore(inputs[0], masks.Length > 0 ? masks[0] : default, inputs[1..], training, timeOrder: false, outputs);
    }

    /// <summary>Runs the layer eagerly (building it on first use) and returns every output: the output, then the
    /// final states when <see cref="ReturnState"/> is set.</summary>
    /// <param name="sequences">The inputs, (batch, timesteps, features).</param>
    /// <param name="mask">A (batch, timesteps) bool mask, or default for none.</param>
    /// <param name="initialState">The initial states (each (batch, size)), or null for zeros.</param>
    /// <param name="training">Whether dropout applies.</param>
    public Tensor[] Run(Tensor sequences, Tensor mask = default, IReadOnlyList<Tensor>? initialState = null, bool training = false)
    {
        RecurrentOps.CheckSequence(this, sequences.Shape, _features);
        if (!Built) EnsureBuilt([sequences.Shape.With(0, -1)]);
        var outputs = new Tensor[OutputCount];
        RunCore(sequences, mask, initialState is null ? [] : initialState.ToArray(), training, timeOrder: false, outputs);
        return outputs;
    }

    /// <summary>The recurrence. With <paramref name="timeOrder"/> a backwards layer returns its sequence in the
    /// inputs' time order (what Bidirectional wants) instead of the processing order.</summary>
    internal void RunCore(Tensor sequences, Tensor mask, ReadOnlySpan<Tensor> initialState, bool training, bool timeOrder, Span<Tensor> outputs)
    {
        var shape = sequences.Shape;
        RecurrentOps.CheckSequence(this, shape, _features);
        int batch = shape[0], steps = shape[1];
        if (steps <= 0)
            throw new ArgumentException($"Layer '{Name}' ({ClassName}) needs at least one time step; got input shape {shape}.", nameof(sequences));
        var sizes = Cell.StateSize;
        if (initialState.Length != 0 && initialState.Length != sizes.Count)
            throw new ArgumentException($"Layer '{Name}' ({ClassName}) has {sizes.Count} state(s); {initialState.Length} initial state(s) were given.", nameof(initialState));
        for (int i = 0; i < initialState.Length; i++)
            if (initialState[i].Shape != new Shape(batch, sizes[i]))
                throw new ArgumentException($"Layer '{Name}' ({ClassName}): initial state {i} should have shape ({batch}, {sizes[i]}); got {initialState[i].Shape}.", nameof(initialState));
        if (!mask.IsNull && (mask.Rank != 2 || mask.Shape[0] != batch || mask.Shape[1] != steps))
            throw new ArgumentException($"Layer '{Name}' ({ClassName}): the mask should have shape ({batch}, {steps}) for inputs of shape {shape}; got {mask.Shape}.", nameof(mask));

        // The cell's fused whole-sequence kernel when it has one for this call (LSTM, or GRU with reset_after,
        // without a mask, recurrent dropout or custom activations); otherwise the step loop below.
        bool fused = mask.IsNull && Cell.TryRunFused(sequences, initialState, training, ReturnSequences, GoBackwards, GoBackwards && timeOrder,
            ReturnState, outputs[..OutputCount]);
        if (!fused)
        {
            var runScope = BeginScope(ref _runScope);
            try
            {
                var states = new Tensor[sizes.Count];
                var newStates = new Tensor[sizes.Count];
                for (int i = 0; i < states.Length; i++) states[i] = initialState.Length > 0 ? initialState[i] : Ops.Zeros(new Shape(batch, sizes[i]));
                var run = Cell.BeginSequence(sequences, training);
                Tensor[]? stepMasks = null;
                if (!mask.IsNull)
                {
                    // (batch, 1) per step, to broadcast over the state's units.
                    var m = mask.DType == DType.Bool ? mask : Ops.Cast(mask, DType.Bool);
                    stepMasks = RecurrentOps.Unstack(Ops.Reshape(m, new Shape(batch, steps, 1)), 1);
                }
                bool sameOutputAsState = Cell.OutputSize == sizes[0];
                Tensor zeros = default;
                Tensor prevOutput = default;
                var collected = ReturnSequences ? new Tensor[steps] : null;
                Tensor last = default;
                for (int k = 0; k < steps; k++)
                {
                    int t = GoBackwards ? steps - 1 - k : k;
                    var stepScope = BeginScope(ref _stepScope);
                    Tensor output;
                    try
                    {
                        output = run.Step(t, states, newStates);
                        if (stepMasks is not null)
                        {
                            var m = stepMasks[t];
                            bool outputIsState = output.Equals(newStates[0]);
                            for (int i = 0; i < newStates.Length; i++) newStates[i] = Ops.Where(m, newStates[i], states[i]);
                            if (ZeroOutputForMask && ReturnSequences)
                            {
                                if (zeros.IsNull) zeros = stepScope.Keep(Ops.ZerosLike(output));
                                output = Ops.Where(m, output, zeros);
                            }
                            else if (outputIsState) output = newStates[0];
                            else
                            {
                                var previous = sameOutputAsState ? states[0] : prevOutput.IsNull ? Ops.ZerosLike(output) : prevOutput;
                                output = Ops.Where(m, output, previous);
                            }
                        }
                        stepScope.Keep(output);
                        foreach (var s in newStates) stepScope.Keep(s);
                    }
                    finally
                    {
                        stepScope.End();
                    }
                    (states, newStates) = (newStates, states);
                    Array.Clear(newStates);
                    if (collected is not null) collected[k] = output;
                    prevOutput = output;
                    last = output;
                }
                if (collected is not null)
                {
                    if (GoBackwards && timeOrder) Array.Reverse(collected);
                    outputs[0] = Ops.Stack(collected, 1);
                }
                else outputs[0] = last;
                if (ReturnState)
                    for (int i = 0; i < states.Length; i++)
                    {
                        var st = states[i];
                        // Each output is a tensor of its own, so that disposing one never invalidates another.
                        if (Contains(outputs[..(1 + i)], st) || Contains(initialState, st)) st = Ops.Identity(st);
                        outputs[1 + i] = st;
                    }
                for (int i = 0; i < OutputCount; i++) runScope.Keep(outputs[i]);
            }
            finally
            {
                runScope.End();
            }
        }
        if (ActivityRegularizer is not null)
            for (int i = 0; i < OutputCount; i++) AddLoss(ActivityRegularizer.Call(outputs[i]));
    }

    private static bool Contains(ReadOnlySpan<Tensor> tensors, Tensor t)
    {
        foreach (var x in tensors) if (x.Equals(t)) return true;
        return false;
    }

    private static TensorScope BeginScope(ref TensorScope? scope)
    {
        if (scope is null) scope = new TensorScope();
        else scope.Begin();
        return scope;
    }

    // ----- config -----

    /// <summary>Keras's RNN entries: return_sequences, return_state, go_backwards, stateful, unroll, zero_output_for_mask.</summary>
    private protected JsonObject BaseRnnConfig()
    {
        var c = base.GetConfig();
        c["return_sequences"] = ReturnSequences;
        c["return_state"] = ReturnState;
        c["go_backwards"] = GoBackwards;
        c["stateful"] = false;
        c["unroll"] = Unroll;
        c["zero_output_for_mask"] = ZeroOutputForMask;
        return c;
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var c = BaseRnnConfig();
        if (ActivityRegularizer is not null) c["activity_regularizer"] = LayerArgs.Serialize(ActivityRegularizer, "keras.regularizers");
        c["cell"] = KerasRegistry.Serialize(Cell, "keras.layers");
        return c;
    }

    /// <summary>A copy of this layer's config with changes (Bidirectional's forward and backward copies).</summary>
    internal RNN CloneWith(string name, bool? goBackwards = null)
    {
        var serialized = KerasRegistry.Serialize(this, "keras.layers");
        var config = (JsonObject)serialized["config"]!;
        config["name"] = name;
        if (goBackwards is bool gb) config["go_backwards"] = gb;
        return KerasRegistry.Deserialize<RNN>(serialized);
    }

    /// <summary>Rebuilds the layer (and its cell) from a Keras config.</summary>
    public static RNN FromConfig(JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var (name, trainable) = BaseConfig(config);
        var cellNode = config["cell"] ?? throw new ArgumentException($"An RNN config needs \"cell\"; got {config.ToJsonString()}.", nameof(config));
        var cell = KerasRegistry.Deserialize<Layer>(cellNode) as RNNCell
            ?? throw new ArgumentException($"The cell of RNN '{name}' is not an RNNCell: {cellNode.ToJsonString()}.", nameof(config));
        var a = new
        {
            ReturnSequences = config.GetBool("return_sequences", false),
            ReturnState = config.GetBool("return_state", false),
            GoBackwards = config.GetBool("go_backwards", false),
            Stateful = config.GetBool("stateful", false),
            Unroll = config.GetBool("unroll", false),
            ZeroOutputForMask = config.GetBool("zero_output_for_mask", false),
        };
        return new RNN(cell, a.ReturnSequences, a.ReturnState, a.GoBackwards, a.Stateful, a.Unroll, a.ZeroOutputForMask,
            LayerArgs.Node(config, "activity_regularizer"), name, trainable);
    }
}
