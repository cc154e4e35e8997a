using System.Text.Json.Nodes;
using KerasNet.Constraints;
using KerasNet.Initializers;
using KerasNet.Models;
using KerasNet.Regularizers;
using KerasNet.Saving;

namespace KerasNet.Layers;

/// <summary>Parametric ReLU, as keras.layers.PReLU: <c>x</c> for <c>x ≥ 0</c>, <c>alpha * x</c> otherwise,
/// with a learned <c>alpha</c> of the input's per-sample shape (size 1 along <c>shared_axes</c>).</summary>
[KerasSerializable("PReLU")]
public sealed class PReLU : Layer
{
    private readonly int[]? _sharedAxes;
    private Variable? _alpha;

    /// <summary>Creates the layer.</summary>
    /// <param name="alphaInitializer">An <see cref="Initializer"/> or name for alpha; "zeros" by default.</param>
    /// <param name="alphaRegularizer">A <see cref="Regularizer"/> or name for alpha, or null.</param>
    /// <param name="alphaConstraint">A <see cref="Constraint"/> or name for alpha, or null.</param>
    /// <param name="sharedAxes">1-based axes (counting the batch axis as 0) along which alpha is shared, or null.</param>
    /// <param name="name">The layer's name (unique by default).</param>
    /// <param name="trainable">Whether alpha is trained.</param>
    public PReLU(object? alphaInitializer = null, object? alphaRegularizer = null, object? alphaConstraint = null, int[]? sharedAxes = null,
        string? name = null, bool trainable = true)
        : base(name, trainable)
    {
        AlphaInitializer = LayerArgs.Initializer(alphaInitializer, "zeros", nameof(alphaInitializer), "PReLU");
        AlphaRegularizer = LayerArgs.Regularizer(alphaRegularizer, nameof(alphaRegularizer), "PReLU");
        AlphaConstraint = LayerArgs.Constraint(alphaConstraint, nameof(alphaConstraint), "PReLU");
        if (sharedAxes is not null)
            foreach (int a in sharedAxes)
                if (a < 1) throw new ArgumentOutOfRangeException(nameof(sharedAxes), a, "PReLU's shared_axes count from 1 (axis 0 is the batch axis).");
        _sharedAxes = sharedAxes is null ? null : [.. sharedAxes];
        InputSpec = new InputSpec { MinNdim = 2 };
    }

    /// <summary>Alpha's initializer.</summary>
    public Initializer AlphaInitializer { get; }

    /// <summary>Alpha's regularizer, or null.</summary>
    public Regularizer? AlphaRegularizer { get; }

    /// <summary>Alpha's constraint, or null.</summary>
    public Constraint? AlphaConstraint { get; }

    /// <summary>The shared axes, or null.</summary>
    public IReadOnlyList<int>? SharedAxes => _sharedAxes;

    /// <summary>The learned slopes; available once built.</summary>
    public Variable Alpha => _alpha ?? throw new InvalidOperationException($"Layer '{Name}' is not built yet, so it has no alpha. Call it on an input first.");

    /// <inheritdoc/>
    public override void Build(Shape inputShape)
    {
        if (inputShape.Rank < 2)
            throw new ArgumentException($"Layer '{Name}' (PReLU) expects inputs of rank >= 2 (batch, ...); got shape {LayerArgs.Text(inputShape)}.");
        var param = new int[inputShape.Rank - 1];
        for (int i = 1; i < inputShape.Rank; i++) param[i - 1] = inputShape[i];
        if (_sharedAxes is not null)
            foreach (int a in _sharedAxes)
            {
                if (a >= inputShape.Rank)
                    throw new ArgumentException($"Layer '{Name}' (PReLU): shared axis {a} is out of range for inputs of shape {LayerArgs.Text(inputShape)}.");
                param[a - 1] = 1;
            }
        for (int i = 0; i < param.Length; i++)
            if (param[i] < 0)
                throw new ArgumentException($"Layer '{Name}' (PReLU) needs axis {i + 1} of its input to be known (or shared); got input shape {LayerArgs.Text(inputShape)}.");
        _alpha = AddWeight("alpha", new Shape(param), AlphaInitializer, AlphaRegularizer, AlphaConstraint);
        var axes = new Dictionary<int, int>();
        for (int i = 1; i < inputShape.Rank; i++)
            if (_sharedAxes is null || !_sharedAxes.Contains(i)) axes[i] = inputShape[i];
        InputSpec = new InputSpec { Ndim = inputShape.Rank, Axes = axes };
        Built = true;
    }

    /// <inheritdoc/>
    public override Tensor Call(Tensor inputs, bool training = false)
    {
        // relu(x) - alpha * relu(-x)
        var pos = Ops.Relu(inputs);
        var neg = Ops.Multiply(Alpha.Value, Ops.Relu(Ops.Negative(inputs)));
        return Ops.Subtract(pos, neg);
    }

    /// <inheritdoc/>
    public override Shape ComputeOutputShape(Shape inputShape) => inputShape;

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["alpha_initializer"] = LayerArgs.Serialize(AlphaInitializer, "keras.initializers");
        c["alpha_regularizer"] = LayerArgs.Serialize(AlphaRegularizer, "keras.regularizers");
        c["alpha_constraint"] = LayerArgs.Serialize(AlphaConstraint, "keras.constraints");
        c["shared_axes"] = LayerArgs.IntList(_sharedAxes);
        return c;
    }

    /// <summary>Rebuilds the layer from its Keras config.</summary>
    public static PReLU FromConfig(JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var (name, trainable) = BaseConfig(config);
        return new PReLU(LayerArgs.Node(config, "alpha_initializer"), LayerArgs.Node(config, "alpha_regularizer"),
            LayerArgs.Node(config, "alpha_constraint"), config.GetInts("shared_axes"), name, trainable);
    }
}
