using System.Text.Json.Nodes;
using KerasNet.Constraints;
using KerasNet.Initializers;
using KerasNet.Models;
using KerasNet.Regularizers;
using KerasNet.Saving;

namespace KerasNet.Layers;

/// <summary>Normalizes its inputs per feature, as keras.layers.BatchNormalization.
/// <para>In training (<c>training: true</c> on a trainable layer) it returns
/// <c>gamma · (x − mean(x)) / sqrt(var(x) + epsilon) + beta</c> with the mean and the biased variance of the
/// batch over every axis but <see cref="Axis"/>, and updates the moving statistics as
/// <c>moving = moving · momentum + batch · (1 − momentum)</c>. Otherwise it uses the moving statistics.
/// As in Keras, a layer with <see cref="Layer.Trainable"/> false always runs in inference mode.</para>
/// <para>Weights, in Keras's order: gamma (if <see cref="Scale"/>), beta (if <see cref="Center"/>),
/// moving_mean and moving_variance (non-trainable), each of shape (channels,).</para></summary>
[KerasSerializable("BatchNormalization")]
public sealed class BatchNormalization : Layer
{
    private Variable? _gamma, _beta, _movingMean, _movingVariance;
    private int _axis;
    private int[] _reductionAxes = [];
    private Shape _broadcastShape;
    private bool _lastAxis;
    private readonly TensorScope _updateScope;

    /// <summary>Creates the layer with Keras's arguments and defaults.</summary>
    /// <param name="axis">The features axis (negative counts from the end).</param>
    /// <param name="momentum">Momentum of the moving averages.</param>
    /// <param name="epsilon">Added to the variance before the square root.</param>
    /// <param name="center">Whether to add the learned offset beta.</param>
    /// <param name="scale">Whether to multiply by the learned scale gamma.</param>
    /// <param name="betaInitializer">Beta's initializer (an Initializer, a name or a config; "zeros" by default).</param>
    /// <param name="gammaInitializer">Gamma's initializer (an Initializer, a name or a config; "ones" by default).</param>
    /// <param name="movingMeanInitializer">The moving mean's initializer (an Initializer, a name or a config; "zeros" by default).</param>
    /// <param name="movingVarianceInitializer">The moving variance's initializer (an Initializer, a name or a config; "ones" by default).</param>
    /// <param name="betaRegularizer">Optional penalty on beta (a Regularizer, a name such as "l2" or a config).</param>
    /// <param name="gammaRegularizer">Optional penalty on gamma (a Regularizer, a name such as "l2" or a config).</param>
    /// <param name="betaConstraint">Optional constraint on beta (a Constraint, a name or a config).</param>
    /// <param name="gammaConstraint">Optional constraint on gamma (a Constraint, a name or a config).</param>
    /// <param name="synchronized">Kept for the config; a single-device framework has nothing to synchronize.</param>
    /// <param name="name">The layer's name (unique by default).</param>
    /// <param name="trainable">Whether the layer trains; false also means inference mode.</param>
    public BatchNormalization(int axis = -1, double momentum = 0.99, double epsilon = 1e-3, bool center = true, bool scale = true,
        object? betaInitializer = null, object? gammaInitializer = null,
        object? movingMeanInitializer = null, object? movingVarianceInitializer = null,
        object? betaRegularizer = null, object? gammaRegularizer = null,
        object? betaConstraint = null, object? gammaConstraint = null,
        bool synchronized = false, string? name = null, bool trainable = true)
        : base(name, trainable)
    {
        if (!(epsilon >= 0)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "BatchNormalization needs a non-negative epsilon.");
        Axis = axis;
        Momentum = momentum;
        Epsilon = epsilon;
        Center = center;
        Scale = scale;
        BetaInitializer = LayerArgs.Initializer(betaInitializer, "zeros", nameof(betaInitializer), "BatchNormalization");
        GammaInitializer = LayerArgs.Initializer(gammaInitializer, "ones", nameof(gammaInitializer), "BatchNormalization");
        MovingMeanInitializer = LayerArgs.Initializer(movingMeanInitializer, "zeros", nameof(movingMeanInitializer), "BatchNormalization");
        MovingVarianceInitializer = LayerArgs.Initializer(movingVarianceInitializer, "ones", nameof(movingVarianceInitializer), "BatchNormalization");
        BetaRegularizer = LayerArgs.Regularizer(betaRegularizer, nameof(betaRegularizer), "BatchNormalization");
        GammaRegularizer = LayerArgs.Regularizer(gammaRegularizer, nameof(gammaRegularizer), "BatchNormalization");
        BetaConstraint = LayerArgs.Constraint(betaConstraint, nameof(betaConstraint), "BatchNormalization");
        GammaConstraint = LayerArgs.Constraint(gammaConstraint, nameof(gammaConstraint), "BatchNormalization");
        Synchronized = synchronized;
        _updateScope = new TensorScope();
        _updateScope.End();
    }

    /// <summary>The features axis as given.</summary>
    public int Axis { get; }
    /// <summary>Momentum of the moving averages.</summary>
    public double Momentum { get; }
    /// <summary>Added to the variance before the square root.</summary>
    public double Epsilon { get; }
    /// <summary>Whether beta is added.</summary>
    public bool Center { get; }
    /// <summary>Whether gamma multiplies.</summary>
    public bool Scale { get; }
    /// <summary>Beta's initializer.</summary>
    public Initializer BetaInitializer { get; }
    /// <summary>Gamma's initializer.</summary>
    public Initializer GammaInitializer { get; }
    /// <summary>The moving mean's initializer.</summary>
    public Initializer MovingMeanInitializer { get; }
    /// <summary>The moving variance's initializer.</summary>
    public Initializer MovingVarianceInitializer { get; }
    /// <summary>Beta's penalty, or null.</summary>
    public Regularizer? BetaRegularizer { get; }
    /// <summary>Gamma's penalty, or null.</summary>
    public Regularizer? GammaRegularizer { get; }
    /// <summary>Beta's constraint, or null.</summary>
    public Constraint? BetaConstraint { get; }
    /// <summary>Gamma's constraint, or null.</summary>
    public Constraint? GammaConstraint { get; }
    /// <summary>Keras's cross-replica flag (stored for the config only).</summary>
    public bool Synchronized { get; }

    /// <summary>The learned scale, or null before building or without <see cref="Scale"/>.</summary>
    public Variable? Gamma => _gamma;
    /// <summary>The learned offset, or null before building or without <see cref="Center"/>.</summary>
    public Variable? Beta => _beta;
    /// <summary>The moving mean (non-trainable), or null before building.</summary>
    public Variable? MovingMean => _movingMean;
    /// <summary>The moving variance (non-trainable), or null before building.</summary>
    public Variable? MovingVariance => _movingVariance;

    /// <summary>True while the layer is trainable: a frozen BatchNormalization runs in inference mode even when
    /// called with training=true, as in Keras.</summary>
    public override bool HasTrainingBehaviour => Trainable;

    /// <inheritdoc/>
    public override void Build(Shape inputShape)
    {
        _axis = NormalizationArgs.Axis(this, Axis, inputShape);
        int channels = NormalizationArgs.KnownDim(this, _axis, Axis, inputShape);
        var shape = new Shape(channels);
        if (Scale) _gamma = AddWeight("gamma", shape, GammaInitializer, GammaRegularizer, GammaConstraint);
        if (Center) _beta = AddWeight("beta", shape, BetaInitializer, BetaRegularizer, BetaConstraint);
        _movingMean = AddWeight("moving_mean", shape, MovingMeanInitializer, trainable: false);
        _movingVariance = AddWeight("moving_variance", shape, MovingVarianceInitializer, trainable: false);
        int rank = inputShape.Rank;
        InputSpec = new InputSpec { Ndim = rank, Axes = new Dictionary<int, int> { [Axis] = channels } };
        _reductionAxes = Enumerable.Range(0, rank).Where(i => i != _axis).ToArray();
        _broadcastShape = NormalizationArgs.BroadcastShape(rank, [_axis], [channels]);
        _lastAxis = _axis == rank - 1;
        Built = true;
    }

    /// <inheritdoc/>
    public override Tensor Call(Tensor inputs, bool training = false)
    {
        Tensor mean, variance;
        if (training && Trainable)
        {
            (mean, variance) = NormalizationArgs.Moments(inputs, _reductionAxes);
            UpdateMovingStatistics(mean, variance);
        }
        else
        {
            mean = Broadcastable(_movingMean!.Value);
            variance = Broadcastable(_movingVariance!.Value);
        }

        // y = x · inv + (beta − mean · inv), inv = gamma / sqrt(variance + epsilon), as Keras's batch_normalization.
        var eps = Ops.ScalarLike(inputs, Epsilon);
        var inv = Ops.Rsqrt(Ops.Add(variance, eps));
        if (_gamma is not null) inv = Ops.Multiply(inv, Broadcastable(_gamma.Value));
        var res = Ops.Negative(Ops.Multiply(mean, inv));
        if (_beta is not null) res = Ops.Add(res, Broadcastable(_beta.Value));
        return Ops.Add(Ops.Multiply(inputs, inv), res);
    }

    /// <summary>A (channels,) vector in a shape that broadcasts against the input.</summary>
    private Tensor Broadcastable(Tensor v) => _lastAxis ? v : Ops.Reshape(v, _broadcastShape);

    private void UpdateMovingStatistics(Tensor batchMean, Tensor batchVariance)
    {
        // State updates are not differentiated: nothing here is recorded, and the temporaries are released at once.
        var tape = GradientTape.Suspend();
        _updateScope.Begin();
        try
        {
            var momentum = Ops.ScalarLike(batchMean, Momentum);
            var rest = Ops.ScalarLike(batchMean, 1.0 - Momentum);
            Update(_movingMean!, batchMean, momentum, rest);
            Update(_movingVariance!, batchVariance, momentum, rest);
        }
        finally
        {
            _updateScope.End();
            GradientTape.Resume(tape);
        }
    }

    private static void Update(Variable moving, Tensor batch, Tensor momentum, Tensor rest)
    {
        var b = Ops.Reshape(batch, moving.Shape);
        moving.Assign(Ops.Add(Ops.Multiply(moving.Value, momentum), Ops.Multiply(b, rest)));
    }

    /// <inheritdoc/>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        NormalizationArgs.Axis(this, Axis, inputShape);
        return inputShape;
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["axis"] = Axis;
        c["momentum"] = Momentum;
        c["epsilon"] = Epsilon;
        c["center"] = Center;
        c["scale"] = Scale;
        c["beta_initializer"] = LayerArgs.Serialize(BetaInitializer, "keras.initializers");
        c["gamma_initializer"] = LayerArgs.Serialize(GammaInitializer, "keras.initializers");
        c["moving_mean_initializer"] = LayerArgs.Serialize(MovingMeanInitializer, "keras.initializers");
        c["moving_variance_initializer"] = LayerArgs.Serialize(MovingVarianceInitializer, "keras.initializers");
        c["beta_regularizer"] = LayerArgs.Serialize(BetaRegularizer, "keras.regularizers");
        c["gamma_regularizer"] = LayerArgs.Serialize(GammaRegularizer, "keras.regularizers");
        c["beta_constraint"] = LayerArgs.Serialize(BetaConstraint, "keras.constraints");
        c["gamma_constraint"] = LayerArgs.Serialize(GammaConstraint, "keras.constraints");
        c["synchronized"] = Synchronized;
        return c;
    }

    /// <summary>Rebuilds the layer from a Keras config.</summary>
    public static BatchNormalization FromConfig(JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var (name, trainable) = BaseConfig(config);
        return new BatchNormalization(
            axis: config.GetInts("axis") is { } ax ? SingleAxis(ax) : -1,
            momentum: NormalizationArgs.Double(config, "momentum", 0.99),
            epsilon: NormalizationArgs.Double(config, "epsilon", 1e-3),
            center: config.GetBool("center", true),
            scale: config.GetBool("scale", true),
            betaInitializer: LayerArgs.Node(config, "beta_initializer"),
            gammaInitializer: LayerArgs.Node(config, "gamma_initializer"),
            movingMeanInitializer: LayerArgs.Node(config, "moving_mean_initializer"),
            movingVarianceInitializer: LayerArgs.Node(config, "moving_variance_initializer"),
            betaRegularizer: LayerArgs.Node(config, "beta_regularizer"),
            gammaRegularizer: LayerArgs.Node(config, "gamma_regularizer"),
            betaConstraint: LayerArgs.Node(config, "beta_constraint"),
            gammaConstraint: LayerArgs.Node(config, "gamma_constraint"),
            synchronized: config.GetBool("synchronized", false),
            name: name,
            trainable: trainable);
    }

    private static int SingleAxis(int[] axes) => axes.Length == 1 ? axes[0]
        : throw new ArgumentException($"BatchNormalization takes a single axis; the config gives [{string.Join(", ", axes)}].");
}
