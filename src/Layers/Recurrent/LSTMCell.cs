using System.Text.Json.Nodes;
using KerasNet.Saving;

namespace KerasNet.Layers;

/// <summary>The cell of <see cref="LSTM"/>, as keras.layers.LSTMCell. The kernel (features, 4·units), recurrent
/// kernel (units, 4·units) and bias (4·units,) hold the gates in Keras's order i, f, c, o:
/// <c>z = x @ kernel + h @ recurrent_kernel + bias</c>; <c>i = σ(z_i)</c>, <c>f = σ(z_f)</c>, <c>o = σ(z_o)</c>,
/// <c>c_t = f·c_{t-1} + i·tanh(z_c)</c>, <c>h_t = o·tanh(c_t)</c> (σ the recurrent activation, tanh the
/// activation). The states are [h, c].</summary>
[KerasSerializable("LSTMCell")]
public sealed class LSTMCell : DropoutRNNCell
{
    /// <summary>Creates the cell with Keras's arguments and defaults.</summary>
    /// <param name="units">Positive number of units.</param>
    /// <param name="activation">A name or a <c>Func&lt;Tensor, Tensor&gt;</c>; null is the default "tanh" (pass "linear" for none).</param>
    /// <param name="recurrentActivation">The gates' activation; null is the default "sigmoid".</param>
    /// <param name="useBias">Whether to add a bias.</param>
    /// <param name="kernelInitializer">Initializer of the kernel ("glorot_uniform" by default).</param>
    /// <param name="recurrentInitializer">Initializer of the recurrent kernel ("orthogonal" by default).</param>
    /// <param name="biasInitializer">Initializer of the bias ("zeros" by default).</param>
    /// <param name="unitForgetBias">Whether to add 1 to the forget gate's bias at initialization (Keras's default, true).</param>
    /// <param name="kernelRegularizer">Regularizer of the kernel, or null.</param>
    /// <param name="recurrentRegularizer">Regularizer of the recurrent kernel, or null.</param>
    /// <param name="biasRegularizer">Regularizer of the bias, or null.</param>
    /// <param name="kernelConstraint">Constraint of the kernel, or null.</param>
    /// <param name="recurrentConstraint">Constraint of the recurrent kernel, or null.</param>
    /// <param name="biasConstraint">Constraint of the bias, or null.</param>
    /// <param name="dropout">Fraction of the inputs dropped in training.</param>
    /// <param name="recurrentDropout">Fraction of the recurrent state dropped in training.</param>
    /// <param name="seed">Seed of the dropout masks; null draws one from the global stream.</param>
    /// <param name="name">The cell's name (unique by default).</param>
    /// <param name="trainable">Whether the weights are trained.</param>
    public LSTMCell(int units, object? activation = null, object? recurrentActivation = null, bool useBias = true,
        object? kernelInitializer = null, object? recurrentInitializer = null, object? biasInitializer = null, bool unitForgetBias = true,
        object? kernelRegularizer = null, object? recurrentRegularizer = null, object? biasRegularizer = null,
        object? kernelConstraint = null, object? recurrentConstraint = null, object? biasConstraint = null,
        float dropout = 0f, float recurrentDropout = 0f, long? seed = null, string? name = null, bool trainable = true)
        : base(units, 4, activation, useBias, kernelInitializer, recurrentInitializer, biasInitializer, kernelRegularizer,
            recurrentRegularizer, biasRegularizer, kernelConstraint, recurrentConstraint, biasConstraint, dropout, recurrentDropout,
            seed, name, trainable)
    {
        RecurrentActivation = Activations.Get(recurrentActivation ?? "sigmoid");
        UnitForgetBias = unitForgetBias;
        _stateSize = [units, units];
    }

    private readonly int[] _stateSize;

    /// <summary>The gates' activation.</summary>
    public Func<Tensor, Tensor> RecurrentActivation { get; }

    /// <summary>Whether the forget gate's bias starts at 1.</summary>
    public bool UnitForgetBias { get; }

    /// <summary>[units, units]: h and c.</summary>
    public override IReadOnlyList<int> StateSize => _stateSize;

    /// <inheritdoc/>
    protected override Tensor InitialBias(Shape shape)
    {
        if (!UnitForgetBias) return base.InitialBias(shape);
        // As Keras: bias_initializer for i, ones for f, bias_initializer for c and o.
        using var i = BiasInitializer.Call(new Shape(Units));
        using var f = Ops.Ones(new Shape(Units));
        using var co = BiasInitializer.Call(new Shape(2 * Units));
        return Ops.Concatenate([i, f, co], 0);
    }

    /// <inheritdoc/>
    public override Tensor Step(Tensor inputs, ReadOnlySpan<Tensor> states, Span<Tensor> newStates, bool training)
    {
        CheckStep(inputs, states);
        var inMasks = InputMasks(inputs.Shape[0], inputs.Shape[1], training);
        var x = Ops.Reshape(inputs, new Shape(inputs.Shape[0], 1, inputs.Shape[1]));
        var p = ProjectSequence(x, Bias?.Value ?? default, inMasks);
        var projected = Ops.Reshape(p, new Shape(inputs.Shape[0], 4 * Units));
        return Next(projected, states[0], states[1], RecurrentMasks(inputs.Shape[0], training), newStates);
    }

    private Tensor Next(Tensor projected, Tensor hPrev, Tensor cPrev, Tensor[]? recMasks, Span<Tensor> newStates)
    {
        int u = Units;
        var z = Ops.Add(projected, RecurrentOps.Recurrent(hPrev, RecurrentKernel.Value, recMasks));
        var i = RecurrentActivation(Ops.SliceAxis(z, 1, 0, u));
        var f = RecurrentActivation(Ops.SliceAxis(z, 1, u, u));
        var g = Activation(Ops.SliceAxis(z, 1, 2 * u, u));
        var o = RecurrentActivation(Ops.SliceAxis(z, 1, 3 * u, u));
        var c = Ops.Add(Ops.Multiply(f, cPrev), Ops.Multiply(i, g));
        var h = Ops.Multiply(o, Activation(c));
        newStates[0] = h;
        newStates[1] = c;
        return h;
    }

    /// <summary>Whether the fused whole-sequence op computes this cell: Keras's default activations (tanh and
    /// sigmoid) and no recurrent dropout in play (input dropout is applied before the projection, as in the step
    /// loop).</summary>
    internal bool CanFuse(bool training) =>
        Activations.NameOf(Activation) == "tanh" && Activations.NameOf(RecurrentActivation) == "sigmoid"
        && !(training && RecurrentOps.Active(RecurrentDropout));

    /// <summary>The whole sequence as one <see cref="Ops.LstmSequence(Tensor, Tensor, Tensor, Tensor, bool, bool, bool, out Tensor, out Tensor)"/>
    /// after one fused projection <c>x·kernel + bias</c> of every step; the same numbers as the step loop.</summary>
    internal override bool TryRunFused(Tensor sequences, ReadOnlySpan<Tensor> initialState, bool training, bool returnSequences, bool goBackwards,
        bool sequenceInTimeOrder, bool returnState, Span<Tensor> outputs)
    {
        if (!CanFuse(training)) return false;
        var s = sequences.Shape;
        // Drawn as the step loop draws them: input masks only (no recurrent dropout here).
        var masks = InputMasks(s[0], s[2], training);
        var x = sequences;
        if (masks is not null)
        {
            using var m = Ops.Reshape(masks[0], new Shape(s[0], 1, s[2]));
            x = Ops.Multiply(sequences, m);
        }
        var projected = Ops.Linear(x, Kernel.Value, Bias?.Value ?? default);
        var h0 = initialState.Length > 0 ? initialState[0] : default;
        var c0 = initialState.Length > 1 ? initialState[1] : default;
        outputs[0] = Ops.LstmSequence(projected, RecurrentKernel.Value, h0, c0, returnSequences, goBackwards, returnState, sequenceInTimeOrder,
            out var h, out var c);
        if (returnState)
        {
            outputs[1] = h;
            outputs[2] = c;
        }
        // A recording tape keeps what its backward pass needs; the rest is released now.
        projected.Dispose();
        if (masks is not null)
        {
            x.Dispose();
            foreach (var m in masks) m.Dispose();
        }
        return true;
    }

    /// <inheritdoc/>
    public override RNNSequence BeginSequence(Tensor sequences, bool training) => new Sequence(this, sequences, training);

    private sealed class Sequence : RNNSequence
    {
        private readonly LSTMCell _cell;
        private readonly Tensor[] _projected;
        private readonly Tensor[]? _recMasks;

        public Sequence(LSTMCell cell, Tensor sequences, bool training)
        {
            _cell = cell;
            var s = sequences.Shape;
            var p = cell.ProjectSequence(sequences, cell.Bias?.Value ?? default, cell.InputMasks(s[0], s[2], training));
            _projected = RecurrentOps.Unstack(p, 1);
            _recMasks = cell.RecurrentMasks(s[0], training);
        }

        public override Tensor Step(int t, ReadOnlySpan<Tensor> states, Span<Tensor> newStates) =>
            _cell.Next(_projected[t], states[0], states[1], _recMasks, newStates);
    }

    private protected override void WriteGateArguments(JsonObject c) => c["recurrent_activation"] = Activations.Serialize(RecurrentActivation);

    private protected override void WriteBiasArguments(JsonObject c) => c["unit_forget_bias"] = UnitForgetBias;

    /// <summary>Rebuilds the cell from its Keras config.</summary>
    public static LSTMCell FromConfig(JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var (name, trainable) = BaseConfig(config);
        var a = RecurrentConfig.Read(config, "LSTMCell");
        return new LSTMCell(a.Units, a.Activation, a.RecurrentActivation, a.UseBias, a.KernelInitializer, a.RecurrentInitializer,
            a.BiasInitializer, a.UnitForgetBias, a.KernelRegularizer, a.RecurrentRegularizer, a.BiasRegularizer, a.KernelConstraint,
            a.RecurrentConstraint, a.BiasConstraint, a.Dropout, a.RecurrentDropout, a.Seed, name, trainable);
    }
}
