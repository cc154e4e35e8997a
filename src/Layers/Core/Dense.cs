using System.Text.Json.Nodes;
using KerasNet.Backend;
using KerasNet.Constraints;
using KerasNet.Initializers;
using KerasNet.Models;
using KerasNet.Regularizers;
using KerasNet.Saving;

namespace KerasNet.Layers;

/// <summary>A densely-connected layer, as keras.layers.Dense: <c>activation(inputs @ kernel + bias)</c>.
/// The kernel has shape (input_dim, units). Inputs of rank above 2 are multiplied over their last axis:
/// (batch, d0, input_dim) gives (batch, d0, units).</summary>
[KerasSerializable("Dense")]
public sealed class Dense : Layer
{
    private readonly Func<Tensor, Tensor> _activation;
    private Variable? _kernel;
    private Variable? _bias;

    /// <summary>Creates the layer with Keras's arguments and defaults.</summary>
    /// <param name="units">Dimensionality of the output space (positive).</param>
    /// <param name="activation">A name ("relu"), a <c>Func&lt;Tensor, Tensor&gt;</c>, or null for none ("linear").</param>
    /// <param name="useBias">Whether to add a bias vector.</param>
    /// <param name="kernelInitializer">An <see cref="Initializer"/> or name; "glorot_uniform" by default.</param>
    /// <param name="biasInitializer">An <see cref="Initializer"/> or name; "zeros" by default.</param>
    /// <param name="kernelRegularizer">A <see cref="Regularizer"/> or name for the kernel, or null.</param>
    /// <param name="biasRegularizer">A <see cref="Regularizer"/> or name for the bias, or null.</param>
    /// <param name="activityRegularizer">A <see cref="Regularizer"/> or name applied to the output, or null.</param>
    /// <param name="kernelConstraint">A <see cref="Constraint"/> or name for the kernel, or null.</param>
    /// <param name="biasConstraint">A <see cref="Constraint"/> or name for the bias, or null.</param>
    /// <param name="name">The layer's name (unique by default).</param>
    /// <param name="trainable">Whether the weights are trained.</param>
    public Dense(int units, object? activation = null, bool useBias = true, object? kernelInitializer = null, object? biasInitializer = null,
        object? kernelRegularizer = null, object? biasRegularizer = null, object? activityRegularizer = null,
        object? kernelConstraint = null, object? biasConstraint = null, string? name = null, bool trainable = true)
        : base(name, trainable)
    {
        if (units <= 0)
            throw new ArgumentOutOfRangeException(nameof(units), units, $"Received an invalid value for `units`, expected a positive integer. Received: units={units}");
        Units = units;
        _activation = Activations.Get(activation);
        UseBias = useBias;
        KernelInitializer = LayerArgs.Initializer(kernelInitializer, "glorot_uniform", nameof(kernelInitializer), "Dense");
        BiasInitializer = LayerArgs.Initializer(biasInitializer, "zeros", nameof(biasInitializer), "Dense");
        KernelRegularizer = LayerArgs.Regularizer(kernelRegularizer, nameof(kernelRegularizer), "Dense");
        BiasRegularizer = LayerArgs.Regularizer(biasRegularizer, nameof(biasRegularizer), "Dense");
        ActivityRegularizer = LayerArgs.Regularizer(activityRegularizer, nameof(activityRegularizer), "Dense");
        KernelConstraint = LayerArgs.Constraint(kernelConstraint, nameof(kernelConstraint), "Dense");
        BiasConstraint = LayerArgs.Constraint(biasConstraint, nameof(biasConstraint), "Dense");
        InputSpec = new InputSpec { MinNdim = 2 };
    }

    /// <summary>Number of output units.</summary>
    public int Units { get; }

    /// <summary>The activation applied to the output.</summary>
    public Func<Tensor, Tensor> Activation => _activation;

    /// <summary>Whether a bias is added.</summary>
    public bool UseBias { get; }

    /// <summary>The kernel's initializer.</summary>
    public Initializer KernelInitializer { get; }

    /// <summary>The bias's initializer.</summary>
    public Initializer BiasInitializer { get; }

    /// <summary>The kernel's regularizer, or null.</summary>
    public Regularizer? KernelRegularizer { get; }

    /// <summary>The bias's regularizer, or null.</summary>
    public Regularizer? BiasRegularizer { get; }

    /// <summary>The output's regularizer, or null.</summary>
    public Regularizer? ActivityRegularizer { get; }

    /// <summary>The kernel's constraint, or null.</summary>
    public Constraint? KernelConstraint { get; }

    /// <summary>The bias's constraint, or null.</summary>
    public Constraint? BiasConstraint { get; }

    /// <summary>The kernel, shape (input_dim, units); available once built.</summary>
    public Variable Kernel => _kernel ?? throw new InvalidOperationException($"Layer '{Name}' is not built yet, so it has no kernel. Call it on an input first.");

    /// <summary>The bias, shape (units,), or null when <see cref="UseBias"/> is false.</summary>
    public Variable? Bias => _bias;

    /// <inheritdoc/>
    public override void Build(Shape inputShape)
    {
        int inputDim = inputShape[-1];
        if (inputDim <= 0)
            throw new ArgumentException($"Layer '{Name}' (Dense) needs the last axis of its input to be known; got input shape {LayerArgs.Text(inputShape)}.");
        _kernel = AddWeight("kernel", new Shape(inputDim, Units), KernelInitializer, KernelRegularizer, KernelConstraint);
        if (UseBias) _bias = AddWeight("bias", new Shape(Units), BiasInitializer, BiasRegularizer, BiasConstraint);
        InputSpec = new InputSpec { MinNdim = 2, Axes = new Dictionary<int, int> { [-1] = inputDim } };
        Built = true;
    }

    /// <inheritdoc/>
    public override Tensor Call(Tensor inputs, bool training = false)
    {
        // (..., in) @ (in, units) + bias, then the activation: one fused GEMM when the activation is linear or
        // ReLU, otherwise the fused GEMM and the activation as its own op.
        var fused = Activations.Fusable(_activation);
        var x = Ops.Linear(inputs, Kernel.Value, _bias is null ? default : _bias.Value, fused ?? FusedActivation.None);
        if (fused is null) x = _activation(x);
        if (ActivityRegularizer is not null) AddLoss(ActivityRegularizer.Call(x));
        return x;
    }

    /// <inheritdoc/>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        if (inputShape.Rank < 2)
            throw new ArgumentException($"Layer '{Name}' (Dense) expects inputs of rank >= 2; got shape {LayerArgs.Text(inputShape)}.");
        return Activations.OutputShape(_activation, inputShape.With(-1, Units));
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        if (ActivityRegularizer is not null) c["activity_regularizer"] = LayerArgs.Serialize(ActivityRegularizer, "keras.regularizers");
        c["units"] = Units;
        c["activation"] = Activations.Serialize(_activation);
        c["use_bias"] = UseBias;
        c["kernel_initializer"] = LayerArgs.Serialize(KernelInitializer, "keras.initializers");
        c["bias_initializer"] = LayerArgs.Serialize(BiasInitializer, "keras.initializers");
        c["kernel_regularizer"] = LayerArgs.Serialize(KernelRegularizer, "keras.regularizers");
        c["bias_regularizer"] = LayerArgs.Serialize(BiasRegularizer, "keras.regularizers");
        c["kernel_constraint"] = LayerArgs.Serialize(KernelConstraint, "keras.constraints");
        c["bias_constraint"] = LayerArgs.Serialize(BiasConstraint, "keras.constraints");
        c["quantization_config"] = null;
        return c;
    }

    /// <summary>Rebuilds the layer from its Keras config.</summary>
    public static Dense FromConfig(JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var (name, trainable) = BaseConfig(config);
        return new Dense(
            LayerArgs.RequiredInt(config, "units", "Dense"),
            activation: config["activation"]?.DeepClone(),
            useBias: config.GetBool("use_bias", true),
            kernelInitializer: LayerArgs.Node(config, "kernel_initializer"),
            biasInitializer: LayerArgs.Node(config, "bias_initializer"),
            kernelRegularizer: LayerArgs.Node(config, "kernel_regularizer"),
            biasRegularizer: LayerArgs.Node(config, "bias_regularizer"),
            activityRegularizer: LayerArgs.Node(config, "activity_regularizer"),
            kernelConstraint: LayerArgs.Node(config, "kernel_constraint"),
            biasConstraint: LayerArgs.Node(config, "bias_constraint"),
            name: name,
            trainable: trainable);
    }
}
