using System.Text.Json.Nodes;
using KerasNet.Saving;

namespace KerasNet.Layers;

/// <summary>The cell of <see cref="GRU"/>, as keras.layers.GRUCell. The kernel (features, 3·units) and recurrent
/// kernel (units, 3·units) hold the gates in Keras's order z (update), r (reset), h (candidate):
/// <c>z = σ(x W_z + h U_z)</c>, <c>r = σ(x W_r + h U_r)</c>, and with <c>reset_after</c> (the default, cuDNN's
/// convention) <c>ĥ = tanh(x W_h + r·(h U_h + b_rh))</c> with a bias of shape (2, 3·units) (row 0 for the inputs,
/// row 1 for the recurrent part), otherwise <c>ĥ = tanh(x W_h + (r·h) U_h)</c> with a bias of shape (3·units,).
/// The new state is <c>z·h + (1 − z)·ĥ</c>.</summary>
[KerasSerializable("GRUCell")]
public sealed class GRUCell : DropoutRNNCell
{
    /// <summary>Creates the cell with Keras's arguments and defaults.</summary>
    /// <param name="units">Positive number of units.</param>
    /// <param name="activation">A name or a <c>Func&lt;Tensor, Tensor&gt;</c>; null is the default "tanh" (pass "linear" for none).</param>
    /// <param name="recurrentActivation">The gates' activation; null is the default "sigmoid".</param>
    /// <param name="useBias">Whether to add a bias.</param>
    /// <param name="kernelInitializer">Initializer of the kernel ("glorot_uniform" by default).</param>
    /// <param name="recurrentInitializer">Initializer of the recurrent kernel ("orthogonal" by default).</param>
    /// <param name="biasInitializer">Initializer of the bias ("zeros" by default).</param>
    /// <param name="kernelRegularizer">Regularizer of the kernel, or null.</param>
    /// <param name="recurrentRegularizer">Regularizer of the recurrent kernel, or null.</param>
    /// <param name="biasRegularizer">Regularizer of the bias, or null.</param>
    /// <param name="kernelConstraint">Constraint of the kernel, or null.</param>
    /// <param name="recurrentConstraint">Constraint of the recurrent kernel, or null.</param>
    /// <param name="biasConstraint">Constraint of the bias, or null.</param>
    /// <param name="dropout">Fraction of the inputs dropped in training.</param>
    /// <param name="recurrentDropout">Fraction of the recurrent state dropped in training.</param>
    /// <param name="resetAfter">Whether the reset gate applies after the recurrent matrix product (Keras's default, true).</param>
    /// <param name="seed">Seed of the dropout masks; null draws one from the global stream.</param>
    /// <param name="name">The cell's name (unique by default).</param>
    /// <param name="trainable">Whether the weights are trained.</param>
    public GRUCell(int units, object? activation = null, object? recurrentActivation = null, bool useBias = true,
        object? kernelInitializer = null, object? recurrentInitializer = null, object? biasInitializer = null,
        object? kernelRegularizer = null, object? recurrentRegularizer = null, object? biasRegularizer = null,
        object? kernelConstraint = null, object? recurrentConstraint = null, object? biasConstraint = null,
        float dropout = 0f, float recurrentDropout = 0f, bool resetAfter = true, long? seed = null, string? name = null, bool trainable = true)
        : base(units, 3, activation, useBias, kernelInitializer, recurrentInitializer, biasInitializer, kernelRegularizer,
            recurrentRegularizer, biasRegularizer, kernelConstraint, recurrentConstraint, biasConstraint, dropout, recurrentDropout,
            seed, name, trainable)
    {
        RecurrentActivation = Activations.Get(recurrentActivation ?? "sigmoid");
        ResetAfter = resetAfter;
    }

    /// <summary>The gates' activation.</summary>
    public Func<Tensor, Tensor> RecurrentActivation { get; }

    /// <summary>Whether the reset gate applies after the recurrent matrix product.</summary>
    public bool ResetAfter { get; }

    /// <inheritdoc/>
    protected override Shape BiasShape => ResetAfter ? new Shape(2, 3 * Units) : new Shape(3 * Units);

    /// <summary>The per-sequence tensors a step needs.</summary>
    private sealed class Parts
    {
        public Tensor RecurrentBias;      // reset_after: row 1 of the bias
        public Tensor KernelZR;           // reset_before: recurrent kernel columns of z and r
        public Tensor KernelH;            // reset_before: recurrent kernel columns of h
        public Tensor[]? RecurrentMasks;
    }

    private (Tensor InputBias, Parts Parts) Prepare(int batch, bool training)
    {
        var parts = new Parts { RecurrentMasks = RecurrentMasks(batch, training) };
        Tensor inputBias = default;
        if (Bias is { } b)
        {
            if (ResetAfter)
            {
                inputBias = Ops.Reshape(Ops.SliceAxis(b.Value, 0, 0, 1), new Shape(3 * Units));
                parts.RecurrentBias = Ops.Reshape(Ops.SliceAxis(b.Value, 0, 1, 1), new Shape(3 * Units));
            }
            else inputBias = b.Value;
        }
        if (!ResetAfter && parts.RecurrentMasks is null)
        {
            parts.KernelZR = Ops.SliceAxis(RecurrentKernel.Value, 1, 0, 2 * Units);
            parts.KernelH = Ops.SliceAxis(RecurrentKernel.Value, 1, 2 * Units, Units);
        }
        return (inputBias, parts);
    }

    /// <inheritdoc/>
    public override Tensor Step(Tensor inputs, ReadOnlySpan<Tensor> states, Span<Tensor> newStates, bool training)
    {
        CheckStep(inputs, states);
        int batch = inputs.Shape[0];
        var (inputBias, parts) = Prepare(batch, training);
        var x = Ops.Reshape(inputs, new Shape(batch, 1, inputs.Shape[1]));
        var p = ProjectSequence(x, inputBias, InputMasks(batch, inputs.Shape[1], training));
        return Next(Ops.Reshape(p, new Shape(batch, 3 * Units)), states[0], parts, newStates);
    }

    private Tensor Next(Tensor projected, Tensor hPrev, Parts parts, Span<Tensor> newStates)
    {
        int u = Units;
        var masks = parts.RecurrentMasks;
        Tensor z, r, hh;
        if (ResetAfter)
        {
            // Every gate's recurrent product at once, with the recurrent bias; r multiplies the h block after it.
            var inner = RecurrentOps.Recurrent(hPrev, RecurrentKernel.Value, masks);
            if (!parts.RecurrentBias.IsNull) inner = Ops.Add(inner, parts.RecurrentBias);
            var sum = Ops.Add(Ops.SliceAxis(projected, 1, 0, 2 * u), Ops.SliceAxis(inner, 1, 0, 2 * u));
            z = RecurrentActivation(Ops.SliceAxis(sum, 1, 0, u));
            r = RecurrentActivation(Ops.SliceAxis(sum, 1, u, u));
            hh = Activation(Ops.Add(Ops.SliceAxis(projected, 1, 2 * u, u), Ops.Multiply(r, Ops.SliceAxis(inner, 1, 2 * u, u))));
        }
        else
        {
            Tensor zr, rh;
            if (masks is null)
            {
                zr = Ops.Add(Ops.SliceAxis(projected, 1, 0, 2 * u), Ops.MatMul(hPrev, parts.KernelZR));
                z = RecurrentActivation(Ops.SliceAxis(zr, 1, 0, u));
                r = RecurrentActivation(Ops.SliceAxis(zr, 1, u, u));
                rh = Ops.MatMul(Ops.Multiply(r, hPrev), parts.KernelH);
            }
            else
            {
                var k = RecurrentKernel.Value;
                var recZ = Ops.MatMul(Ops.Multiply(hPrev, masks[0]), Ops.SliceAxis(k, 1, 0, u));
                var recR = Ops.MatMul(Ops.Multiply(hPrev, masks[1]), Ops.SliceAxis(k, 1, u, u));
                z = RecurrentActivation(Ops.Add(Ops.SliceAxis(projected, 1, 0, u), recZ));
                r = RecurrentActivation(Ops.Add(Ops.SliceAxis(projected, 1, u, u), recR));
                rh = Ops.MatMul(Ops.Multiply(r, Ops.Multiply(hPrev, masks[2])), Ops.SliceAxis(k, 1, 2 * u, u));
            }
            hh = Activation(Ops.Add(Ops.SliceAxis(projected, 1, 2 * u, u), rh));
        }
        // z·h + (1 − z)·ĥ, written as ĥ + z·(h − ĥ).
        var h = Ops.Add(hh, Ops.Multiply(z, Ops.Subtract(hPrev, hh)));
        newStates[0] = h;
        return h;
    }

    /// <summary>Whether the fused whole-sequence op computes this cell: reset_after (Keras's default), Keras's
    /// default activations (tanh and sigmoid) and no recurrent dropout in play (input dropout is applied before the
    /// projection, as in the step loop).</summary>
    internal bool CanFuse(bool training) =>
        ResetAfter && Activations.NameOf(Activation) == "tanh" && Activations.NameOf(RecurrentActivation) == "sigmoid"
        && !(training && RecurrentOps.Active(RecurrentDropout));

    /// <summary>The whole sequence as one <see cref="Ops.GruSequence(Tensor, Tensor, Tensor, Tensor, bool, bool, bool, out Tensor)"/>
    /// after one fused projection <c>x·kernel + input bias</c> of every step; the same numbers as the step loop.</summary>
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
        Tensor inputBias = default, recurrentBias = default;
        if (Bias is { } b)
        {
            using (var row = Ops.SliceAxis(b.Value, 0, 0, 1)) inputBias = Ops.Reshape(row, new Shape(3 * Units));
            using (var row = Ops.SliceAxis(b.Value, 0, 1, 1)) recurrentBias = Ops.Reshape(row, new Shape(3 * Units));
        }
        var projected = Ops.Linear(x, Kernel.Value, inputBias);
        var h0 = initialState.Length > 0 ? initialState[0] : default;
        outputs[0] = Ops.GruSequence(projected, RecurrentKernel.Value, recurrentBias, h0, returnSequences, goBackwards, returnState,
            sequenceInTimeOrder, out var h);
        if (returnState) outputs[1] = h;
        // A recording tape keeps what its backward pass needs; the rest is released now.
        projected.Dispose();
        inputBias.Dispose();
        recurrentBias.Dispose();
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
        private readonly GRUCell _cell;
        private readonly Tensor[] _projected;
        private readonly Parts _parts;

        public Sequence(GRUCell cell, Tensor sequences, bool training)
        {
            _cell = cell;
            var s = sequences.Shape;
            (var inputBias, _parts) = cell.Prepare(s[0], training);
            var p = cell.ProjectSequence(sequences, inputBias, cell.InputMasks(s[0], s[2], training));
            _projected = RecurrentOps.Unstack(p, 1);
        }

        public override Tensor Step(int t, ReadOnlySpan<Tensor> states, Span<Tensor> newStates) =>
            _cell.Next(_projected[t], states[0], _parts, newStates);
    }

    private protected override void WriteGateArguments(JsonObject c) => c["recurrent_activation"] = Activations.Serialize(RecurrentActivation);

    private protected override void WriteTrailingArguments(JsonObject c) => c["reset_after"] = ResetAfter;

    /// <summary>Rebuilds the cell from its Keras config.</summary>
    public static GRUCell FromConfig(JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var (name, trainable) = BaseConfig(config);
        var a = RecurrentConfig.Read(config, "GRUCell");
        return new GRUCell(a.Units, a.Activation, a.RecurrentActivation, a.UseBias, a.KernelInitializer, a.RecurrentInitializer,
            a.BiasInitializer, a.KernelRegularizer, a.RecurrentRegularizer, a.BiasRegularizer, a.KernelConstraint,
            a.RecurrentConstraint, a.BiasConstraint, a.Dropout, a.RecurrentDropout, a.ResetAfter, a.Seed, name, trainable);
    }
}
