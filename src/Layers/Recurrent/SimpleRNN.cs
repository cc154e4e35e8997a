using System.Text.Json.Nodes;
using KerasNet.Saving;

namespace KerasNet.Layers;

/// <summary>Fully-connected recurrent layer, as keras.layers.SimpleRNN: an <see cref="RNN"/> over a
/// <see cref="SimpleRNNCell"/> (named "simple_rnn_cell"), <c>h_t = tanh(x_t W + h_{t-1} U + b)</c>, with kernel
/// (features, units), recurrent_kernel (units, units) and bias (units,). With return_state the outputs are
/// [output, h].</summary>
[KerasSerializable("SimpleRNN")]
public sealed class SimpleRNN : RNN
{
    /// <summary>Creates the layer with Keras's arguments and defaults.</summary>
    /// <param name="units">Positive number of units.</param>
    /// <param name="activation">A name or a <c>Func&lt;Tensor, Tensor&gt;</c>; null is the default "tanh" (pass "linear" for none).</param>
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
    /// <param name="recurrentDropout">Fraction of the recurrent state dropped in training (one mask per sequence).</param>
    /// <param name="returnSequences">Whether to return every step's output.</param>
    /// <param name="returnState">Whether to return the final state after the output.</param>
    /// <param name="goBackwards">Whether to process the sequence from its end.</param>
    /// <param name="stateful">Must be false (not supported).</param>
    /// <param name="unroll">Accepted and ignored.</param>
    /// <param name="seed">Seed of the dropout masks; null draws one from the global stream.</param>
    /// <param name="zeroOutputForMask">Whether masked steps output zeros with return_sequences.</param>
    /// <param name="name">The layer's name (unique by default).</param>
    /// <param name="trainable">Whether the weights are trained.</param>
    public SimpleRNN(int units, object? activation = null, bool useBias = true, object? kernelInitializer = null,
        object? recurrentInitializer = null, object? biasInitializer = null, object? kernelRegularizer = null,
        object? recurrentRegularizer = null, object? biasRegularizer = null, object? activityRegularizer = null,
        object? kernelConstraint = null, object? recurrentConstraint = null, object? biasConstraint = null,
        float dropout = 0f, float recurrentDropout = 0f, bool returnSequences = false, bool returnState = false,
        bool goBackwards = false, bool stateful = false, bool unroll = false, long? seed = null, bool zeroOutputForMask = false,
        string? name = null, bool trainable = true)
        : base(new SimpleRNNCell(units, activation, useBias, kernelInitializer, recurrentInitializer, biasInitializer,
                kernelRegularizer, recurrentRegularizer, biasRegularizer, kernelConstraint, recurrentConstraint, biasConstraint,
                dropout, recurrentDropout, seed, "simple_rnn_cell", trainable),
            returnSequences, returnState, goBackwards, stateful, unroll, zeroOutputForMask, activityRegularizer, name, trainable)
    {
    }

    /// <summary>The cell.</summary>
    public new SimpleRNNCell Cell => (SimpleRNNCell)base.Cell;

    /// <summary>Number of units.</summary>
    public int Units => Cell.Units;

    /// <summary>Keras's SimpleRNN config (which, unlike LSTM's and GRU's, has no "seed").</summary>
    public override JsonObject GetConfig()
    {
        var c = BaseRnnConfig();
        Cell.WriteArguments(c, withActivity: true, ActivityRegularizer);
        return c;
    }

    /// <summary>Rebuilds the layer from its Keras config.</summary>
    public static new SimpleRNN FromConfig(JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var (name, trainable) = BaseConfig(config);
        var a = RecurrentConfig.Read(config, "SimpleRNN");
        return new SimpleRNN(a.Units, a.Activation, a.UseBias, a.KernelInitializer, a.RecurrentInitializer, a.BiasInitializer,
            a.KernelRegularizer, a.RecurrentRegularizer, a.BiasRegularizer, a.ActivityRegularizer, a.KernelConstraint,
            a.RecurrentConstraint, a.BiasConstraint, a.Dropout, a.RecurrentDropout, a.ReturnSequences, a.ReturnState, a.GoBackwards,
            a.Stateful, a.Unroll, a.Seed, a.ZeroOutputForMask, name, trainable);
    }
}
