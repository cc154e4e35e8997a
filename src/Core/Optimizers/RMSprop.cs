using System.Text.Json.Nodes;
using KerasNet.Saving;
using static KerasNet.Optimizers.OptimizerConfig;

namespace KerasNet.Optimizers;

/// <summary>RMSprop, as keras.optimizers.RMSprop: <c>v = ρ·v + (1 − ρ)·g²</c>, and
/// <c>inc = lr·g / √(v + ε)</c> (epsilon inside the square root, as Keras); centered, with
/// <c>a = ρ·a + (1 − ρ)·g</c>, the denominator is <c>√(v − a² + ε)</c>. With momentum,
/// <c>mom = momentum·mom + inc</c> and <c>w −= mom</c>; otherwise <c>w −= inc</c>.</summary>
[KerasSerializable("RMSprop", "rmsprop")]
public sealed class RMSprop : Optimizer
{
    /// <summary>Creates the optimizer with a constant learning rate.</summary>
    /// <param name="learningRate">The learning rate (Keras default 0.001).</param>
    /// <param name="rho">Discount of the squared-gradient average.</param>
    /// <param name="momentum">Momentum; 0 disables it.</param>
    /// <param name="epsilon">Added to the mean square inside the square root.</param>
    /// <param name="centered">Whether to divide by the estimated variance instead of the second moment.</param>
    /// <param name="weightDecay">Decoupled weight decay, or null.</param>
    /// <param name="clipnorm">Per-tensor gradient norm clip, or null.</param>
    /// <param name="clipvalue">Elementwise gradient clip, or null.</param>
    /// <param name="globalClipnorm">Global gradient norm clip, or null.</param>
    /// <param name="name">The optimizer's name.</param>
    public RMSprop(float learningRate = 0.001f, float rho = 0.9f, float momentum = 0f, float epsilon = 1e-7f, bool centered = false,
        float? weightDecay = null, float? clipnorm = null, float? clipvalue = null, float? globalClipnorm = null, string name = "rmsprop")
        : this(learningRate, null, rho, momentum, epsilon, centered, weightDecay, clipnorm, clipvalue, globalClipnorm, name) { }

    /// <summary>Creates the optimizer with a learning-rate schedule.</summary>
    /// <param name="learningRate">The schedule giving the learning rate at each step.</param>
    /// <param name="rho">Discount of the squared-gradient average.</param>
    /// <param name="momentum">Momentum; 0 disables it.</param>
    /// <param name="epsilon">Added to the mean square inside the square root.</param>
    /// <param name="centered">Whether to divide by the estimated variance instead of the second moment.</param>
    /// <param name="weightDecay">Decoupled weight decay, or null.</param>
    /// <param name="clipnorm">Per-tensor gradient norm clip, or null.</param>
    /// <param name="clipvalue">Elementwise gradient clip, or null.</param>
    /// <param name="globalClipnorm">Global gradient norm clip, or null.</param>
    /// <param name="name">The optimizer's name.</param>
    public RMSprop(LearningRateSchedule learningRate, float rho = 0.9f, float momentum = 0f, float epsilon = 1e-7f, bool centered = false,
        float? weightDecay = null, float? clipnorm = null, float? clipvalue = null, float? globalClipnorm = null, string name = "rmsprop")
        : this(0f, learningRate ?? throw new ArgumentNullException(nameof(learningRate)), rho, momentum, epsilon, centered,
            weightDecay, clipnorm, clipvalue, globalClipnorm, name) { }

    private RMSprop(float learningRate, LearningRateSchedule? schedule, float rho, float momentum, float epsilon, bool centered,
        float? weightDecay, float? clipnorm, float? clipvalue, float? globalClipnorm, string name)
        : base(name, learningRate, schedule, weightDecay, clipnorm, clipvalue, globalClipnorm)
    {
        CheckRange(rho, 0f, 1f, nameof(rho), "RMSprop");
        CheckNonNegative(momentum, nameof(momentum), "RMSprop");
        CheckNonNegative(epsilon, nameof(epsilon), "RMSprop");
        Rho = rho;
        Momentum = momentum;
        Epsilon = epsilon;
        Centered = centered;
    }

    /// <summary>ρ, the discount of the squared-gradient average.</summary>
    public float Rho { get; }

    /// <summary>The momentum (0: none).</summary>
    public float Momentum { get; }

    /// <summary>ε, added inside the square root.</summary>
    public float Epsilon { get; }

    /// <summary>Whether the centered variant is used.</summary>
    public bool Centered { get; }

    /// <inheritdoc/>
    protected override Variable[] CreateSlots(Variable variable)
    {
        // Slot order per variable: velocity, then momentum and average_gradient when used (Keras's order).
        var slots = new List<Variable> { AddSlot(variable, "velocity") };
        if (Momentum > 0) slots.Add(AddSlot(variable, "momentum"));
        if (Centered) slots.Add(AddSlot(variable, "average_gradient"));
        return [.. slots];
    }

    /// <inheritdoc/>
    protected override void UpdateStep(Tensor gradient, Variable variable, int index, Tensor learningRate)
    {
        var slots = SlotsOf(index);
        var velocity = slots[0];
        using var rho = Scalar(gradient, Rho);
        using var oneMinusRho = Scalar(gradient, 1.0 - Rho);
        using var eps = Scalar(gradient, Epsilon);
        using (var sq = Ops.Square(gradient))
        using (var a = Ops.Multiply(velocity, rho))
        using (var b = Ops.Multiply(sq, oneMinusRho))
        using (var next = Ops.Add(a, b))
            velocity.Assign(next);
        Tensor denominator;
        if (Centered)
        {
            var average = slots[Momentum > 0 ? 2 : 1];
            using (var a = Ops.Multiply(average, rho))
            using (var b = Ops.Multiply(gradient, oneMinusRho))
            using (var next = Ops.Add(a, b))
                average.Assign(next);
            using var avgSq = Ops.Square(average);
            using var variance = Ops.Subtract(velocity, avgSq);
            denominator = Ops.Add(variance, eps);
        }
        else
        {
            denominator = Ops.Add(velocity, eps);
        }
        using var root = Ops.Sqrt(denominator);
        denominator.Dispose();
        using var scaled = Ops.Multiply(learningRate, gradient);
        using var increment = Ops.Divide(scaled, root);
        if (Momentum > 0)
        {
            var mom = slots[1];
            using var mu = Scalar(gradient, Momentum);
            using (var a = Ops.Multiply(mom, mu))
            using (var next = Ops.Add(a, increment))
                mom.Assign(next);
            variable.AssignSub(mom);
        }
        else
        {
            variable.AssignSub(increment);
        }
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["rho"] = Rho;
        c["momentum"] = Momentum;
        c["epsilon"] = Epsilon;
        c["centered"] = Centered;
        return c;
    }

    /// <summary>Rebuilds an RMSprop optimizer from its Keras config.</summary>
    public static RMSprop FromConfig(JsonObject config)
    {
        var (wd, cn, cv, gcn, name) = Common(config, "RMSprop", "rmsprop");
        var (lr, schedule) = ReadLearningRate(config, 0.001f);
        return new RMSprop(lr, schedule, config.GetFloat("rho", 0.9f), config.GetFloat("momentum", 0f),
            config.GetFloat("epsilon", 1e-7f), config.GetBool("centered", false), wd, cn, cv, gcn, name);
    }
}
