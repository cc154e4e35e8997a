using System.Text.Json.Nodes;
using KerasNet.Saving;

namespace KerasNet.Layers;

/// <summary>Gated Recurrent Unit layer, as keras.layers.GRU: an <see cref="RNN"/> over a <see cref="GRUCell"/>
/// (named "gru_cell"), with Keras's weights: kernel (features, 3·units), recurrent_kernel (units, 3·units), gates
/// in the order z, r, h, and a bias of shape (2, 3·units) with reset_after (the default) or (3·units,) without.
/// With return_state the outputs are [output, h]. With reset_after, the default activations, no mask and no
/// recurrent dropout in training the whole sequence runs as one fused op (<see cref="Ops.GruSequence(Tensor, Tensor, Tensor, Tensor, bool, bool, bool, out Tensor)"/>,
/// one tape node); otherwise step by step.</summary>
[KerasSerializable("GRU")]
public sealed class GRU : RNN
{
    /// <summary>Creates the layer with Keras's arguments and defaults.</summary>
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
    /// <param name="activityRegularizer">Regularizer of the outputs, or null.</param>
    /// <param name="kernelConstraint">Constraint of the kernel, or null.</param>
    /// <param name="recurrentConstraint">Constraint of the recurrent kernel, or null.</param>
    /// <param name="biasConstraint">Constraint of the bias, or null.</param>
    /// <param name="dropout">Fraction of the inputs dropped in training (one mask per sequence).</param>
    /// <param name="recurrentDropout">Fraction of the recurrent state dropped in training (one mask per sequence and gate).</param>
    /// <param name="seed">Seed of the dropout masks; null draws one from the global stream.</param>
    /// <param name="returnSequences">Whether to return every step's output.</param>
    /// <param name="returnState">Whether to return the final state after the output.</param>
    /// <param name="goBackwards">Whether to process the sequence from its end.</param>
    /// <param name="stateful">Must be false (not supported).</param>
    /// <param name="unroll">Accepted and ignored.</param>
    /// <param name="resetAfter">Whether the reset gate applies after the recurrent product (true by default).</param>
    /// <param name="zeroOutputForMask">Whether masked steps output zeros with return_sequences.</param>
    /// <param name="name">The layer's name (unique by default).</param>
    /// <param name="trainable">Whether the weights are trained.</param>
    public GRU(int units, object? activation = null, object? recurrentActivation = null, bool useBias = true,
        object? kernelInitializer = null, object? recurrentInitializer = null, object? biasInitializer = null,
        object? kernelRegularizer = null, object? recurrentRegularizer = null, object? biasRegularizer = null, object? activityRegularizer = null,
        object? kernelConstraint = null, object? recurrentConstraint = null, object? biasConstraint = null,
        float dropout = 0f, float recurrentDropout = 0f, long? seed = null, bool returnSequences = false, bool returnState = false,
        bool goBackwards = false, bool stateful = false, bool unroll = false, bool resetAfter = true, bool zeroOutputForMask = false,
        string? name = null, bool trainable = true)
        : base(new GRUCell(units, activation, recurrentActivation, useBias, kernelInitializer, recurrentInitializer, biasInitializer,
                kernelRegularizer, recurrentRegularizer, biasRegularizer, kernelConstraint, recurrentConstraint, biasConstraint,
                dropout, recurrentDropout, resetAfter, seed, "gru_cell", trainable),
            returnSequences, returnState, goBackwards, stateful, unroll, zeroOutputForMask, activityRegularizer, name, trainable)
    {
    }

    /// <summary>The cell.</summary>
    public new GRUCell Cell => (GRUCell)base.Cell;

    /// <summary>Number of units.</summary>
    public int Units => Cell.Units;

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var c = BaseRnnConfig();
        Cell.WriteArguments(c, withActivity: true, ActivityRegularizer);
        c["seed"] = Cell.Seed;
        return c;
    }

    /// <summary>Rebuilds the layer from its Keras config.</summary>
    public static new GRU FromConfig(JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var (name, trainable) = BaseConfig(config);
        var a = RecurrentConfig.Read(config, "GRU");
        return new GRU(a.Units, a.Activation, a.RecurrentActivation, a.UseBias, a.KernelInitializer, a.RecurrentInitializer, a.BiasInitializer,
            a.KernelRegularizer, a.RecurrentRegularizer, a.BiasRegularizer, a.ActivityRegularizer, a.KernelConstraint,
            a.RecurrentConstraint, a.BiasConstraint, a.Dropout, a.RecurrentDropout, a.Seed, a.ReturnSequences, a.ReturnState, a.GoBackwards,
            a.Stateful, a.Unroll, a.ResetAfter, a.ZeroOutputForMask, name, trainable);
    }
}
