using System.Text.Json.Nodes;
using KerasNet.Constraints;
using KerasNet.Initializers;
using KerasNet.Models;
using KerasNet.Regularizers;

namespace KerasNet.Layers;

/// <summary>What the built-in cells (<see cref="SimpleRNNCell"/>, <see cref="LSTMCell"/>, <see cref="GRUCell"/>)
/// share: a kernel (features, gates·units), a recurrent kernel (units, gates·units) and a bias, with Keras's
/// initializers, regularizers and constraints, and input and recurrent dropout whose masks (one per sequence,
/// shared by every time step, as Keras's DropoutRNNCell) are drawn from the cell's seeded stream.</summary>
public abstract class DropoutRNNCell : RNNCell
{
    private Variable? _kernel;
    private Variable? _recurrentKernel;
    private Variable? _bias;

    /// <summary>Stores the arguments shared by the built-in cells.</summary>
    /// <param name="units">Positive number of units.</param>
    /// <param name="gates">How many blocks of <paramref name="units"/> columns the kernels have (1, 3 or 4).</param>
    /// <param name="activation">The activation; null means the cell's default, "tanh".</param>
    /// <param name="useBias">Whether there is a bias.</param>
    /// <param name="kernelInitializer">Initializer of the kernel ("glorot_uniform" by default).</param>
    /// <param name="recurrentInitializer">Initializer of the recurrent kernel ("orthogonal" by default).</param>
    /// <param name="biasInitializer">Initializer of the bias ("zeros" by default).</param>
    /// <param name="kernelRegularizer">Regularizer of the kernel, or null.</param>
    /// <param name="recurrentRegularizer">Regularizer of the recurrent kernel, or null.</param>
    /// <param name="biasRegularizer">Regularizer of the bias, or null.</param>
    /// <param name="kernelConstraint">Constraint of the kernel, or null.</param>
    /// <param name="recurrentConstraint">Constraint of the recurrent kernel, or null.</param>
    /// <param name="biasConstraint">Constraint of the bias, or null.</param>
    /// <param name="dropout">Fraction of the inputs dropped (clamped to [0, 1] as Keras does).</param>
    /// <param name="recurrentDropout">Fraction of the recurrent state dropped (clamped to [0, 1]).</param>
    /// <param name="seed">Seed of the dropout stream; null draws one from <see cref="SeedGenerator.Global"/>.</param>
    /// <param name="name">The cell's name.</param>
    /// <param name="trainable">Whether the weights are trained.</param>
    protected DropoutRNNCell(int units, int gates, object? activation, bool useBias, object? kernelInitializer, object? recurrentInitializer,
        object? biasInitializer, object? kernelRegularizer, object? recurrentRegularizer, object? biasRegularizer, object? kernelConstraint,
        object? recurrentConstraint, object? biasConstraint, float dropout, float recurrentDropout, long? seed, string? name, bool trainable)
        : base(name, trainable)
    {
        string cls = GetType().Name;
        if (units <= 0)
            throw new ArgumentOutOfRangeException(nameof(units), units, $"{cls}: received an invalid value for argument `units`, expected a positive integer, got {units}.");
        Units = units;
        _stateSize = [units];
        Gates = gates;
        Activation = Activations.Get(activation ?? "tanh");
        UseBias = useBias;
        KernelInitializer = LayerArgs.Initializer(kernelInitializer, "glorot_uniform", nameof(kernelInitializer), cls);
        RecurrentInitializer = LayerArgs.Initializer(recurrentInitializer, "orthogonal", nameof(recurrentInitializer), cls);
        BiasInitializer = LayerArgs.Initializer(biasInitializer, "zeros", nameof(biasInitializer), cls);
        KernelRegularizer = LayerArgs.Regularizer(kernelRegularizer, nameof(kernelRegularizer), cls);
        RecurrentRegularizer = LayerArgs.Regularizer(recurrentRegularizer, nameof(recurrentRegularizer), cls);
        BiasRegularizer = LayerArgs.Regularizer(biasRegularizer, nameof(biasRegularizer), cls);
        KernelConstraint = LayerArgs.Constraint(kernelConstraint, nameof(kernelConstraint), cls);
        RecurrentConstraint = LayerArgs.Constraint(recurrentConstraint, nameof(recurrentConstraint), cls);
        BiasConstraint = LayerArgs.Constraint(biasConstraint, nameof(biasConstraint), cls);
        Dropout = RecurrentOps.ClampRate(dropout);
        RecurrentDropout = RecurrentOps.ClampRate(recurrentDropout);
        Seed = seed;
        SeedGenerator = new SeedGenerator(seed ?? SeedGenerator.Global.NextSeed());
    }

    /// <summary>Number of units (the size of the output and of each state).</summary>
    public int Units { get; }

    /// <summary>Number of column blocks of the kernels: 1 (SimpleRNN), 3 (GRU: z, r, h) or 4 (LSTM: i, f, c, o).</summary>
    protected int Gates { get; }

    /// <summary>The activation of the candidate state and output.</summary>
    public Func<Tensor, Tensor> Activation { get; }

    /// <summary>Whether there is a bias.</summary>
    public bool UseBias { get; }

    /// <summary>Initializer of the kernel.</summary>
    public Initializer KernelInitializer { get; }

    /// <summary>Initializer of the recurrent kernel.</summary>
    public Initializer RecurrentInitializer { get; }

    /// <summary>Initializer of the bias.</summary>
    public Initializer BiasInitializer { get; }

    /// <summary>Regularizer of the kernel, or null.</summary>
    public Regularizer? KernelRegularizer { get; }

    /// <summary>Regularizer of the recurrent kernel, or null.</summary>
    public Regularizer? RecurrentRegularizer { get; }

    /// <summary>Regularizer of the bias, or null.</summary>
    public Regularizer? BiasRegularizer { get; }

    /// <summary>Constraint of the kernel, or null.</summary>
    public Constraint? KernelConstraint { get; }

    /// <summary>Constraint of the recurrent kernel, or null.</summary>
    public Constraint? RecurrentConstraint { get; }

    /// <summary>Constraint of the bias, or null.</summary>
    public Constraint? BiasConstraint { get; }

    /// <summary>Fraction of the inputs dropped in training.</summary>
    public float Dropout { get; }

    /// <summary>Fraction of the recurrent state dropped in training.</summary>
    public float RecurrentDropout { get; }

    /// <summary>The seed given at construction (null: drawn from the global stream).</summary>
    public long? Seed { get; }

    /// <summary>The cell's random stream for dropout masks.</summary>
    public SeedGenerator SeedGenerator { get; }

    /// <inheritdoc/>
    public override IReadOnlyList<int> StateSize => _stateSize;

    // Built once: a training step reads it, and must not allocate.
    private readonly int[] _stateSize;

    /// <inheritdoc/>
    public override bool HasTrainingBehaviour => RecurrentOps.Active(Dropout) || RecurrentOps.Active(RecurrentDropout);

    /// <summary>The kernel, (features, gates·units); available once built.</summary>
    public Variable Kernel => _kernel ?? throw NotBuilt("kernel");

    /// <summary>The recurrent kernel, (units, gates·units); available once built.</summary>
    public Variable RecurrentKernel => _recurrentKernel ?? throw NotBuilt("recurrent_kernel");

    /// <summary>The bias, or null without one.</summary>
    public Variable? Bias => _bias;

    private InvalidOperationException NotBuilt(string what) =>
        new($"Cell '{Name}' ({ClassName}) is not built yet, so it has no {what}. Call the layer on an input first.");

    /// <summary>The shape of the bias (gates·units by default; GRU with reset_after uses (2, 3·units)).</summary>
    protected virtual Shape BiasShape => new(Gates * Units);

    /// <summary>The bias's initial value (the bias initializer by default; LSTM adds its unit forget bias).</summary>
    protected virtual Tensor InitialBias(Shape shape) => BiasInitializer.Call(shape);

    /// <summary>Creates the kernel, recurrent kernel and bias for inputs of shape (batch, features).</summary>
    public override void Build(Shape inputShape)
    {
        int features = inputShape.Rank > 0 ? inputShape[-1] : -1;
        if (features <= 0)
            throw new ArgumentException($"Cell '{Name}' ({ClassName}) needs the last axis of its input to be known; got input shape {LayerArgs.Text(inputShape)}.");
        _kernel = AddWeight("kernel", new Shape(features, Gates * Units), KernelInitializer, KernelRegularizer, KernelConstraint);
        _recurrentKernel = AddWeight("recurrent_kernel", new Shape(Units, Gates * Units), RecurrentInitializer, RecurrentRegularizer, RecurrentConstraint);
        if (UseBias)
        {
            var shape = BiasShape;
            _bias = AddWeight("bias", shape, BiasInitializer, BiasRegularizer, BiasConstraint);
            using var init = InitialBias(shape);
            _bias.Assign(init);
        }
        Built = true;
    }

    /// <summary>Input dropout masks for a sequence of <paramref name="batch"/> rows of <paramref name="features"/>:
    /// none outside training or without dropout; one per gate with recurrent dropout (Keras's implementation 1),
    /// else one shared by all gates.</summary>
    protected Tensor[]? InputMasks(int batch, int features, bool training)
    {
        if (!training || !RecurrentOps.Active(Dropout)) return null;
        int count = PerGateMasks ? Gates : 1;
        var masks = new Tensor[count];
        for (int i = 0; i < count; i++) masks[i] = RecurrentOps.DropoutMask(new Shape(batch, features), Dropout, SeedGenerator);
        return masks;
    }

    /// <summary>Recurrent dropout masks (batch, units): one per gate for gated cells, none outside training.</summary>
    protected Tensor[]? RecurrentMasks(int batch, bool training)
    {
        if (!training || !RecurrentOps.Active(RecurrentDropout)) return null;
        int count = Gates;
        var masks = new Tensor[count];
        for (int i = 0; i < count; i++) masks[i] = RecurrentOps.DropoutMask(new Shape(batch, Units), RecurrentDropout, SeedGenerator);
        return masks;
    }

    /// <summary>Whether each gate gets its own dropout masks (Keras switches gated cells to per-gate masks when
    /// recurrent dropout is used).</summary>
    protected bool PerGateMasks => Gates > 1 && RecurrentOps.Active(RecurrentDropout);

    /// <summary>The projected inputs of a whole sequence, (batch, timesteps, gates·units), with the input bias
    /// (<paramref name="inputBias"/>) and the input dropout masks.</summary>
    protected Tensor ProjectSequence(Tensor sequences, Tensor inputBias, Tensor[]? inputMasks)
    {
        if (inputMasks is not null && inputMasks.Length > 1) return RecurrentOps.ProjectPerGate(sequences, Kernel.Value, inputBias, inputMasks);
        return RecurrentOps.Project(sequences, Kernel.Value, inputBias, inputMasks is null ? default : inputMasks[0]);
    }

    /// <summary>Checks the step inputs of a direct <see cref="RNNCell.Step"/> call.</summary>
    protected void CheckStep(Tensor inputs, ReadOnlySpan<Tensor> states)
    {
        if (inputs.Rank != 2 || inputs.Shape[1] != Kernel.Shape[0])
            throw new ArgumentException($"Cell '{Name}' ({ClassName}) expects step inputs of shape (batch, {Kernel.Shape[0]}); got {inputs.Shape}.", nameof(inputs));
        if (states.Length != StateSize.Count)
            throw new ArgumentException($"Cell '{Name}' ({ClassName}) has {StateSize.Count} state(s); got {states.Length}.", nameof(states));
    }

    /// <summary>Writes the cell's arguments under Keras's names into a cell's or a layer's config (a layer adds
    /// its activity regularizer, which cells do not have).</summary>
    internal void WriteArguments(JsonObject c, bool withActivity, Regularizer? activityRegularizer)
    {
        c["units"] = Units;
        c["activation"] = Activations.Serialize(Activation);
        WriteGateArguments(c);
        c["use_bias"] = UseBias;
        c["kernel_initializer"] = LayerArgs.Serialize(KernelInitializer, "keras.initializers");
        c["recurrent_initializer"] = LayerArgs.Serialize(RecurrentInitializer, "keras.initializers");
        c["bias_initializer"] = LayerArgs.Serialize(BiasInitializer, "keras.initializers");
        WriteBiasArguments(c);
        c["kernel_regularizer"] = LayerArgs.Serialize(KernelRegularizer, "keras.regularizers");
        c["recurrent_regularizer"] = LayerArgs.Serialize(RecurrentRegularizer, "keras.regularizers");
        c["bias_regularizer"] = LayerArgs.Serialize(BiasRegularizer, "keras.regularizers");
        if (withActivity) c["activity_regularizer"] = LayerArgs.Serialize(activityRegularizer, "keras.regularizers");
        c["kernel_constraint"] = LayerArgs.Serialize(KernelConstraint, "keras.constraints");
        c["recurrent_constraint"] = LayerArgs.Serialize(RecurrentConstraint, "keras.constraints");
        c["bias_constraint"] = LayerArgs.Serialize(BiasConstraint, "keras.constraints");
        c["dropout"] = Dropout;
        c["recurrent_dropout"] = RecurrentDropout;
        WriteTrailingArguments(c);
    }

    /// <summary>Writes gate-specific arguments after "activation" (recurrent_activation).</summary>
    private protected virtual void WriteGateArguments(JsonObject c) { }

    /// <summary>Writes arguments after the initializers (LSTM's unit_forget_bias).</summary>
    private protected virtual void WriteBiasArguments(JsonObject c) { }

    /// <summary>Writes arguments after the dropout rates (GRU's reset_after).</summary>
    private protected virtual void WriteTrailingArguments(JsonObject c) { }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        WriteArguments(c, withActivity: false, null);
        c["seed"] = Seed;
        return c;
    }
}
