using System.Text.Json.Nodes;
using KerasNet.Saving;

namespace KerasNet.Layers;

/// <summary>The cell of <see cref="SimpleRNN"/>, as keras.layers.SimpleRNNCell:
/// <c>h_t = activation(x_t @ kernel + bias + h_{t-1} @ recurrent_kernel)</c>, with kernel (features, units),
/// recurrent kernel (units, units) and bias (units,).</summary>
[KerasSerializable("SimpleRNNCell")]
public sealed class SimpleRNNCell : DropoutRNNCell
{
    /// <summary>Creates the cell with Keras's arguments and defaults.</summary>
    /// <param name="units">Positive number of units.</param>
    /// <param name="activation">A name or a <c>Func&lt;Tensor, Tensor&gt;</c>; null is the default "tanh" (pass "linear" for none).</param>
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
    /// <param name="seed">Seed of the dropout masks; null draws one from the global stream.</param>
    /// <param name="name">The cell's name (unique by default).</param>
    /// <param name="trainable">Whether the weights are trained.</param>
    public SimpleRNNCell(int units, object? activation = null, bool useBias = true, object? kernelInitializer = null,
        object? recurrentInitializer = null, object? biasInitializer = null, object? kernelRegularizer = null,
        object? recurrentRegularizer = null, object? biasRegularizer = null, object? kernelConstraint = null,
        object? recurrentConstraint = null, object? biasConstraint = null, float dropout = 0f, float recurrentDropout = 0f,
        long? seed = null, string? name = null, bool trainable = true)
        : base(units, 1, activation, useBias, kernelInitializer, recurrentInitializer, biasInitializer, kernelRegularizer,
            recurrentRegularizer, biasRegularizer, kernelConstraint, recurrentConstraint, biasConstraint, dropout, recurrentDropout,
            seed, name, trainable)
    {
    }

    /// <inheritdoc/>
    public override Tensor Step(Tensor inputs, ReadOnlySpan<Tensor> states, Span<Tensor> newStates, bool training)
    {
        CheckStep(inputs, states);
        var inMask = InputMasks(inputs.Shape[0], inputs.Shape[1], training);
        var recMask = RecurrentMasks(inputs.Shape[0], training);
        var x = inMask is null ? inputs : Ops.Multiply(inputs, inMask[0]);
        var p = Ops.MatMul(x, Kernel.Value);
        if (Bias is not null) p = Ops.Add(p, Bias.Value);
        var h = Next(p, states[0], recMask);
        newStates[0] = h;
        return h;
    }

    private Tensor Next(Tensor projected, Tensor hPrev, Tensor[]? recMask) =>
        Activation(Ops.Add(projected, RecurrentOps.Recurrent(hPrev, RecurrentKernel.Value, recMask)));

    /// <inheritdoc/>
    public override RNNSequence BeginSequence(Tensor sequences, bool training) => new Sequence(this, sequences, training);

    private sealed class Sequence : RNNSequence
    {
        private readonly SimpleRNNCell _cell;
        private readonly Tensor[] _projected;
        private readonly Tensor[]? _recMask;

        public Sequence(SimpleRNNCell cell, Tensor sequences, bool training)
        {
            _cell = cell;
            var s = sequences.Shape;
            var p = cell.ProjectSequence(sequences, cell.Bias?.Value ?? default, cell.InputMasks(s[0], s[2], training));
            _projected = RecurrentOps.Unstack(p, 1);
            _recMask = cell.RecurrentMasks(s[0], training);
        }

        public override Tensor Step(int t, ReadOnlySpan<Tensor> states, Span<Tensor> newStates)
        {
            var h = _cell.Next(_projected[t], states[0], _recMask);
            newStates[0] = h;
            return h;
        }
    }

    /// <summary>Rebuilds the cell from its Keras config.</summary>
    public static SimpleRNNCell FromConfig(JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var (name, trainable) = BaseConfig(config);
        var a = RecurrentConfig.Read(config, "SimpleRNNCell");
        return new SimpleRNNCell(a.Units, a.Activation, a.UseBias, a.KernelInitializer, a.RecurrentInitializer, a.BiasInitializer,
            a.KernelRegularizer, a.RecurrentRegularizer, a.BiasRegularizer, a.KernelConstraint, a.RecurrentConstraint, a.BiasConstraint,
            a.Dropout, a.RecurrentDropout, a.Seed, name, trainable);
    }
}
