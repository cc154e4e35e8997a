using System.Text.Json.Nodes;
using KerasNet.Constraints;
using KerasNet.Initializers;
using KerasNet.Regularizers;
using KerasNet.Models;
using KerasNet.Saving;

namespace KerasNet.Layers;

/// <summary>Normalizes each sample over <see cref="Axes"/>, as keras.layers.LayerNormalization:
/// <c>gamma · (x − mean) / sqrt(var + epsilon) + beta</c> with the mean and biased variance taken over the
/// given axes of each sample. With <see cref="RmsScaling"/> the output is <c>x · gamma / sqrt(var + epsilon)</c>
/// (no centering, no beta); like Keras 3's implementation this divides by the variance over the axes, not
/// by the mean of squares its documentation describes.
/// <para>Weights: gamma (if <see cref="Scale"/> or <see cref="RmsScaling"/>) and beta (if <see cref="Center"/>
/// without <see cref="RmsScaling"/>), each of the shape of the normalized axes in the order given.</para></summary>
[KerasSerializable("LayerNormalization")]
public sealed class LayerNormalization : Layer
{
    private readonly int[] _axesGiven;
    private readonly bool _axisIsList;
    private Variable? _gamma, _beta;
    private int[] _axes = [];
    private Shape _broadcastShape;
    private bool _needsReshape;

    /// <summary>Normalizes over one axis (default the last).</summary>
    /// <param name="axis">The axis to normalize over (negative counts from the end).</param>
    /// <param name="epsilon">Added to the variance before the square root.</param>
    /// <param name="center">Whether to add the learned offset beta.</param>
    /// <param name="scale">Whether to multiply by the learned scale gamma.</param>
    /// <param name="rmsScaling">Scale by gamma / sqrt(var + epsilon) only, ignoring center and scale.</param>
    /// <param name="betaInitializer">Beta's initializer (an Initializer, a name or a config; "zeros" by default).</param>
    /// <param name="gammaInitializer">Gamma's initializer (an Initializer, a name or a config; "ones" by default).</param>
    /// <param name="betaRegularizer">Optional penalty on beta (a Regularizer, a name such as "l2" or a config).</param>
    /// <param name="gammaRegularizer">Optional penalty on gamma (a Regularizer, a name such as "l2" or a config).</param>
    /// <param name="betaConstraint">Optional constraint on beta (a Constraint, a name or a config).</param>
    /// <param name="gammaConstraint">Optional constraint on gamma (a Constraint, a name or a config).</param>
    /// <param name="name">The layer's name (unique by default).</param>
    /// <param name="trainable">Whether the weights train.</param>
    public LayerNormalization(int axis = -1, double epsilon = 1e-3, bool center = true, bool scale = true, bool rmsScaling = false,
        object? betaInitializer = null, object? gammaInitializer = null,
        object? betaRegularizer = null, object? gammaRegularizer = null,
        object? betaConstraint = null, object? gammaConstraint = null,
        string? name = null, bool trainable = true)
        : this([axis], false, epsilon, center, scale, rmsScaling, betaInitializer, gammaInitializer,
            betaRegularizer, gammaRegularizer, betaConstraint, gammaConstraint, name, trainable)
    {
    }

    /// <summary>Normalizes over several axes (Keras's <c>axis=[1, 2]</c>).</summary>
    /// <param name="axes">The axes to normalize over (negative counts from the end).</param>
    /// <param name="epsilon">Added to the variance before the square root.</param>
    /// <param name="center">Whether to add the learned offset beta.</param>
    /// <param name="scale">Whether to multiply by the learned scale gamma.</param>
    /// <param name="rmsScaling">Scale by gamma / sqrt(var + epsilon) only, ignoring center and scale.</param>
    /// <param name="betaInitializer">Beta's initializer (an Initializer, a name or a config; "zeros" by default).</param>
    /// <param name="gammaInitializer">Gamma's initializer (an Initializer, a name or a config; "ones" by default).</param>
    /// <param name="betaRegularizer">Optional penalty on beta (a Regularizer, a name such as "l2" or a config).</param>
    /// <param name="gammaRegularizer">Optional penalty on gamma (a Regularizer, a name such as "l2" or a config).</param>
    /// <param name="betaConstraint">Optional constraint on beta (a Constraint, a name or a config).</param>
    /// <param name="gammaConstraint">Optional constraint on gamma (a Constraint, a name or a config).</param>
    /// <param name="name">The layer's name (unique by default).</param>
    /// <param name="trainable">Whether the weights train.</param>
    public LayerNormalization(int[] axes, double epsilon = 1e-3, bool center = true, bool scale = true, bool rmsScaling = false,
        object? betaInitializer = null, object? gammaInitializer = null,
        object? betaRegularizer = null, object? gammaRegularizer = null,
        object? betaConstraint = null, object? gammaConstraint = null,
        string? name = null, bool trainable = true)
        : this(axes, true, epsilon, center, scale, rmsScaling, betaInitializer, gammaInitializer,
            betaRegularizer, gammaRegularizer, betaConstraint, gammaConstraint, name, trainable)
    {
    }

    private LayerNormalization(int[] axes, bool axisIsList, double epsilon, bool center, bool scale, bool rmsScaling,
        object? betaInitializer, object? gammaInitializer, object? betaRegularizer, object? gammaRegularizer,
        object? betaConstraint, object? gammaConstraint, string? name, bool trainable)
        : base(name, trainable)
    {
        ArgumentNullException.ThrowIfNull(axes);
        if (axes.Length == 0) throw new ArgumentException("LayerNormalization needs at least one axis.", nameof(axes));
        if (!(epsilon >= 0)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "LayerNormalization needs a non-negative epsilon.");
        _axesGiven = (int[])axes.Clone();
        _axisIsList = axisIsList;
        Epsilon = epsilon;
        Center = center;
        Scale = scale;
        RmsScaling = rmsScaling;
        BetaInitializer = LayerArgs.Initializer(betaInitializer, "zeros", nameof(betaInitializer), "LayerNormalization");
        GammaInitializer = LayerArgs.Initializer(gammaInitializer, "ones", nameof(gammaInitializer), "LayerNormalization");
        BetaRegularizer = LayerArgs.Regularizer(betaRegularizer, nameof(betaRegularizer), "LayerNormalization");
        GammaRegularizer = LayerArgs.Regularizer(gammaRegularizer, nameof(gammaRegularizer), "LayerNormalization");
        BetaConstraint = LayerArgs.Constraint(betaConstraint, nameof(betaConstraint), "LayerNormalization");
        GammaConstraint = LayerArgs.Constraint(gammaConstraint, nameof(gammaConstraint), "LayerNormalization");
    }

    /// <summary>The normalized axes as given.</summary>
    public IReadOnlyList<int> Axes => _axesGiven;
    /// <summary>Added to the variance before the square root.</summary>
    public double Epsilon { get; }
    /// <summary>Whether beta is added.</summary>
    public bool Center { get; }
    /// <summary>Whether gamma multiplies.</summary>
    public bool Scale { get; }
    /// <summary>Whether the RMS form is used (center and scale ignored).</summary>
    public bool RmsScaling { get; }
    /// <summary>Beta's initializer.</summary>
    public Initializer BetaInitializer { get; }
    /// <summary>Gamma's initializer.</summary>
    public Initializer GammaInitializer { get; }
    /// <summary>Beta's penalty, or null.</summary>
    public Regularizer? BetaRegularizer { get; }
    /// <summary>Gamma's penalty, or null.</summary>
    public Regularizer? GammaRegularizer { get; }
    /// <summary>Beta's constraint, or null.</summary>
    public Constraint? BetaConstraint { get; }
    /// <summary>Gamma's constraint, or null.</summary>
    public Constraint? GammaConstraint { get; }

    /// <summary>The learned scale, or null.</summary>
    public Variable? Gamma => _gamma;
    /// <summary>The learned offset, or null.</summary>
    public Variable? Beta => _beta;

    /// <inheritdoc/>
    public override void Build(Shape inputShape)
    {
        _axes = NormalizeAxes(inputShape);
        var dims = new int[_axes.Length];
        for (int i = 0; i < _axes.Length; i++) dims[i] = NormalizationArgs.KnownDim(this, _axes[i], _axesGiven[i], inputShape);
        var weightShape = new Shape(dims);
        if (Scale || RmsScaling) _gamma = AddWeight("gamma", weightShape, GammaInitializer, GammaRegularizer, GammaConstraint);
        if (Center && !RmsScaling) _beta = AddWeight("beta", weightShape, BetaInitializer, BetaRegularizer, BetaConstraint);
        int rank = inputShape.Rank;
        _broadcastShape = NormalizationArgs.BroadcastShape(rank, _axes, dims);
        _needsReshape = !(_axes.Length == 1 && _axes[0] == rank - 1);
        Array.Sort(_axes);
        Built = true;
    }

    private int[] NormalizeAxes(Shape inputShape)
    {
        var axes = new int[_axesGiven.Length];
        for (int i = 0; i < axes.Length; i++)
        {
            axes[i] = NormalizationArgs.Axis(this, _axesGiven[i], inputShape);
            for (int j = 0; j < i; j++)
                if (axes[j] == axes[i])
                    throw new ArgumentException($"Layer '{Name}' (LayerNormalization): axis {_axesGiven[i]} is listed twice in [{string.Join(", ", _axesGiven)}].");
        }
        return axes;
    }

    /// <inheritdoc/>
    public override Tensor Call(Tensor inputs, bool training = false)
    {
        var (mean, variance) = NormalizationArgs.Moments(inputs, _axes);
        var inv = Ops.Rsqrt(Ops.Add(variance, Ops.ScalarLike(inputs, Epsilon)));
        if (RmsScaling)
        {
            var scaled = Ops.Multiply(inputs, inv);
            return _gamma is null ? scaled : Ops.Multiply(scaled, Broadcastable(_gamma.Value));
        }
        if (_gamma is not null) inv = Ops.Multiply(inv, Broadcastable(_gamma.Value));
        var res = Ops.Negative(Ops.Multiply(mean, inv));
        if (_beta is not null) res = Ops.Add(res, Broadcastable(_beta.Value));
        return Ops.Add(Ops.Multiply(inputs, inv), res);
    }

    private Tensor Broadcastable(Tensor v) => _needsReshape ? Ops.Reshape(v, _broadcastShape) : v;

    /// <inheritdoc/>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        NormalizeAxes(inputShape);
        return inputShape;
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        // Keras keeps an int axis until build, which turns it into a one-element list.
        c["axis"] = _axisIsList || Built ? _axesGiven.ToJsonArray() : JsonValue.Create(_axesGiven[0]);
        c["epsilon"] = Epsilon;
        c["center"] = Center;
        c["scale"] = Scale;
        c["rms_scaling"] = RmsScaling;
        c["beta_initializer"] = LayerArgs.Serialize(BetaInitializer, "keras.initializers");
        c["gamma_initializer"] = LayerArgs.Serialize(GammaInitializer, "keras.initializers");
        c["beta_regularizer"] = LayerArgs.Serialize(BetaRegularizer, "keras.regularizers");
        c["gamma_regularizer"] = LayerArgs.Serialize(GammaRegularizer, "keras.regularizers");
        c["beta_constraint"] = LayerArgs.Serialize(BetaConstraint, "keras.constraints");
        c["gamma_constraint"] = LayerArgs.Serialize(GammaConstraint, "keras.constraints");
        return c;
    }

    /// <summary>Rebuilds the layer from a Keras config (axis an int or a list).</summary>
    public static LayerNormalization FromConfig(JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var (name, trainable) = BaseConfig(config);
        var axes = config.GetInts("axis") ?? [-1];
        return new LayerNormalization(axes, config["axis"] is JsonArray,
            NormalizationArgs.Double(config, "epsilon", 1e-3),
            config.GetBool("center", true),
            config.GetBool("scale", true),
            config.GetBool("rms_scaling", false),
            LayerArgs.Node(config, "beta_initializer"),
            LayerArgs.Node(config, "gamma_initializer"),
            LayerArgs.Node(config, "beta_regularizer"),
            LayerArgs.Node(config, "gamma_regularizer"),
            LayerArgs.Node(config, "beta_constraint"),
            LayerArgs.Node(config, "gamma_constraint"),
            name, trainable);
    }
}
