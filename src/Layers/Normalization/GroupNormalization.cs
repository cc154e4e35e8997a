using System.Text.Json.Nodes;
using KerasNet.Constraints;
using KerasNet.Initializers;
using KerasNet.Models;
using KerasNet.Regularizers;
using KerasNet.Saving;

namespace KerasNet.Layers;

/// <summary>Group normalization, as keras.layers.GroupNormalization: the channels on <see cref="Axis"/> are
/// split into <see cref="Groups"/> consecutive groups, and each sample is normalized with the mean and biased
/// variance of each group (over the group's channels and every other non-batch axis), then scaled by gamma
/// and offset by beta per channel. <c>groups = -1</c> means one group per channel (instance normalization).
/// <para>Weights: gamma (if <see cref="Scale"/>) and beta (if <see cref="Center"/>), each (channels,).</para></summary>
[KerasSerializable("GroupNormalization")]
public sealed class GroupNormalization : Layer
{
    private Variable? _gamma, _beta;
    private int _axis;
    private int _channels;
    private Shape _paramShape;

    /// <summary>Creates the layer with Keras's arguments and defaults.</summary>
    /// <param name="groups">Number of groups; the channels must divide evenly. -1 means one per channel.</param>
    /// <param name="axis">The channels axis (negative counts from the end).</param>
    /// <param name="epsilon">Added to the variance before the square root.</param>
    /// <param name="center">Whether to add the learned offset beta.</param>
    /// <param name="scale">Whether to multiply by the learned scale gamma.</param>
    /// <param name="betaInitializer">Beta's initializer (an Initializer, a name or a config; "zeros" by default).</param>
    /// <param name="gammaInitializer">Gamma's initializer (an Initializer, a name or a config; "ones" by default).</param>
    /// <param name="betaRegularizer">Optional penalty on beta (a Regularizer, a name such as "l2" or a config).</param>
    /// <param name="gammaRegularizer">Optional penalty on gamma (a Regularizer, a name such as "l2" or a config).</param>
    /// <param name="betaConstraint">Optional constraint on beta (a Constraint, a name or a config).</param>
    /// <param name="gammaConstraint">Optional constraint on gamma (a Constraint, a name or a config).</param>
    /// <param name="name">The layer's name (unique by default).</param>
    /// <param name="trainable">Whether the weights train.</param>
    public GroupNormalization(int groups = 32, int axis = -1, double epsilon = 1e-3, bool center = true, bool scale = true,
        object? betaInitializer = null, object? gammaInitializer = null,
        object? betaRegularizer = null, object? gammaRegularizer = null,
        object? betaConstraint = null, object? gammaConstraint = null,
        string? name = null, bool trainable = true)
        : base(name, trainable)
    {
        if (groups == 0 || groups < -1)
            throw new ArgumentOutOfRangeException(nameof(groups), groups, "GroupNormalization needs a positive number of groups, or -1 for one group per channel.");
        if (!(epsilon >= 0)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "GroupNormalization needs a non-negative epsilon.");
        Groups = groups;
        Axis = axis;
        Epsilon = epsilon;
        Center = center;
        Scale = scale;
        BetaInitializer = LayerArgs.Initializer(betaInitializer, "zeros", nameof(betaInitializer), "GroupNormalization");
        GammaInitializer = LayerArgs.Initializer(gammaInitializer, "ones", nameof(gammaInitializer), "GroupNormalization");
        BetaRegularizer = LayerArgs.Regularizer(betaRegularizer, nameof(betaRegularizer), "GroupNormalization");
        GammaRegularizer = LayerArgs.Regularizer(gammaRegularizer, nameof(gammaRegularizer), "GroupNormalization");
        BetaConstraint = LayerArgs.Constraint(betaConstraint, nameof(betaConstraint), "GroupNormalization");
        GammaConstraint = LayerArgs.Constraint(gammaConstraint, nameof(gammaConstraint), "GroupNormalization");
    }

    /// <summary>Number of groups (-1, one per channel, becomes the channel count when built).</summary>
    public int Groups { get; private set; }
    /// <summary>The channels axis as given.</summary>
    public int Axis { get; }
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
        _axis = NormalizationArgs.Axis(this, Axis, inputShape);
        int dim = NormalizationArgs.KnownDim(this, _axis, Axis, inputShape);
        if (Groups == -1) Groups = dim;
        if (dim < Groups)
            throw new ArgumentException(
                $"Layer '{Name}' (GroupNormalization): the number of groups ({Groups}) cannot be more than the number of channels ({dim}) " +
                $"on axis {Axis} of input shape {KerasTensor.ShapeText(inputShape)}.");
        if (dim % Groups != 0)
            throw new ArgumentException(
                $"Layer '{Name}' (GroupNormalization): the number of channels ({dim}) on axis {Axis} of input shape " +
                $"{KerasTensor.ShapeText(inputShape)} is not divisible by the number of groups ({Groups}).");
        _channels = dim;
        InputSpec = new InputSpec { Ndim = inputShape.Rank, Axes = new Dictionary<int, int> { [Axis] = dim } };
        if (Scale) _gamma = AddWeight("gamma", new Shape(dim), GammaInitializer, GammaRegularizer, GammaConstraint);
        if (Center) _beta = AddWeight("beta", new Shape(dim), BetaInitializer, BetaRegularizer, BetaConstraint);
        _paramShape = GroupedShape(NormalizationArgs.BroadcastShape(inputShape.Rank, [_axis], [dim]));
        Built = true;
    }

    /// <summary>The shape with the channel axis split into (groups, channels / groups).</summary>
    private Shape GroupedShape(Shape s)
    {
        Span<int> d = stackalloc int[s.Rank + 1];
        for (int i = 0, j = 0; i < s.Rank; i++)
        {
            if (i == _axis)
            {
                d[j++] = Groups;
                d[j++] = s[i] / Groups;
            }
            else d[j++] = s[i];
        }
        return new Shape(d);
    }

    /// <inheritdoc/>
    public override Tensor Call(Tensor inputs, bool training = false)
    {
        var shape = inputs.Shape;
        var grouped = Ops.Reshape(inputs, GroupedShape(shape));
        // Statistics over every axis but the batch axis and the groups axis (which sits at _axis after the split).
        Span<int> axes = stackalloc int[shape.Rank - 1];
        int n = 0;
        for (int i = 1; i <= shape.Rank; i++) if (i != _axis) axes[n++] = i;
        var reduce = axes[..n];
        var (mean, variance) = NormalizationArgs.Moments(grouped, reduce);
        var inv = Ops.Rsqrt(Ops.Add(variance, Ops.ScalarLike(inputs, Epsilon)));
        if (_gamma is not null) inv = Ops.Multiply(inv, Ops.Reshape(_gamma.Value, _paramShape));
        var res = Ops.Negative(Ops.Multiply(mean, inv));
        if (_beta is not null) res = Ops.Add(res, Ops.Reshape(_beta.Value, _paramShape));
        var normalized = Ops.Add(Ops.Multiply(grouped, inv), res);
        return Ops.Reshape(normalized, shape);
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
        c["groups"] = Groups;
        c["axis"] = Axis;
        c["epsilon"] = Epsilon;
        c["center"] = Center;
        c["scale"] = Scale;
        c["beta_initializer"] = LayerArgs.Serialize(BetaInitializer, "keras.initializers");
        c["gamma_initializer"] = LayerArgs.Serialize(GammaInitializer, "keras.initializers");
        c["beta_regularizer"] = LayerArgs.Serialize(BetaRegularizer, "keras.regularizers");
        c["gamma_regularizer"] = LayerArgs.Serialize(GammaRegularizer, "keras.regularizers");
        c["beta_constraint"] = LayerArgs.Serialize(BetaConstraint, "keras.constraints");
        c["gamma_constraint"] = LayerArgs.Serialize(GammaConstraint, "keras.constraints");
        return c;
    }

    /// <summary>Rebuilds the layer from a Keras config.</summary>
    public static GroupNormalization FromConfig(JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var (name, trainable) = BaseConfig(config);
        return new GroupNormalization(
            groups: config.GetInt("groups", 32),
            axis: config.GetInt("axis", -1),
            epsilon: NormalizationArgs.Double(config, "epsilon", 1e-3),
            center: config.GetBool("center", true),
            scale: config.GetBool("scale", true),
            betaInitializer: LayerArgs.Node(config, "beta_initializer"),
            gammaInitializer: LayerArgs.Node(config, "gamma_initializer"),
            betaRegularizer: LayerArgs.Node(config, "beta_regularizer"),
            gammaRegularizer: LayerArgs.Node(config, "gamma_regularizer"),
            betaConstraint: LayerArgs.Node(config, "beta_constraint"),
            gammaConstraint: LayerArgs.Node(config, "gamma_constraint"),
            name: name, trainable: trainable);
    }
}
