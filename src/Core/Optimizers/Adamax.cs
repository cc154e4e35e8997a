using System.Text.Json.Nodes;
using KerasNet.Saving;
using static KerasNet.Optimizers.OptimizerConfig;

namespace KerasNet.Optimizers;

/// <summary>Adamax (Adam with the infinity norm), as keras.optimizers.Adamax. At step t (from 1):
/// <c>m += (g − m)(1 − β₁)</c>, <c>u = max(β₂·u, |g|)</c>, <c>w −= lr·m / ((1 − β₁ᵗ)(u + ε))</c>.</summary>
[KerasSerializable("Adamax", "adamax")]
public sealed class Adamax : Optimizer
{
    /// <summary>Creates the optimizer with a constant learning rate.</summary>
    /// <param name="learningRate">The learning rate (Keras default 0.001).</param>
    /// <param name="beta1">Decay of the first-moment estimate.</param>
    /// <param name="beta2">Decay of the infinity-norm estimate.</param>
    /// <param name="epsilon">Added to the norm in the denominator.</param>
    /// <param name="weightDecay">Decoupled weight decay, or null.</param>
    /// <param name="clipnorm">Per-tensor gradient norm clip, or null.</param>
    /// <param name="clipvalue">Elementwise gradient clip, or null.</param>
    /// <param name="globalClipnorm">Global gradient norm clip, or null.</param>
    /// <param name="name">The optimizer's name.</param>
    public Adamax(float learningRate = 0.001f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-7f,
        float? weightDecay = null, float? clipnorm = null, float? clipvalue = null, float? globalClipnorm = null, string name = "adamax")
        : this(learningRate, null, beta1, beta2, epsilon, weightDecay, clipnorm, clipvalue, globalClipnorm, name) { }

    /// <summary>Creates the optimizer with a learning-rate schedule.</summary>
    /// <param name="learningRate">The schedule giving the learning rate at each step.</param>
    /// <param name="beta1">Decay of the first-moment estimate.</param>
    /// <param name="beta2">Decay of the infinity-norm estimate.</param>
    /// <param name="epsilon">Added to the norm in the denominator.</param>
    /// <param name="weightDecay">Decoupled weight decay, or null.</param>
    /// <param name="clipnorm">Per-tensor gradient norm clip, or null.</param>
    /// <param name="clipvalue">Elementwise gradient clip, or null.</param>
    /// <param name="globalClipnorm">Global gradient norm clip, or null.</param>
    /// <param name="name">The optimizer's name.</param>
    public Adamax(LearningRateSchedule learningRate, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-7f,
        float? weightDecay = null, float? clipnorm = null, float? clipvalue = null, float? globalClipnorm = null, string name = "adamax")
        : this(0f, learningRate ?? throw new ArgumentNullException(nameof(learningRate)), beta1, beta2, epsilon,
            weightDecay, clipnorm, clipvalue, globalClipnorm, name) { }

    private Adamax(float learningRate, LearningRateSchedule? schedule, float beta1, float beta2, float epsilon,
        float? weightDecay, float? clipnorm, float? clipvalue, float? globalClipnorm, string name)
        : base(name, learningRate, schedule, weightDecay, clipnorm, clipvalue, globalClipnorm)
    {
        CheckRange(beta1, 0f, 1f, nameof(beta1), "Adamax");
        CheckRange(beta2, 0f, 1f, nameof(beta2), "Adamax");
        CheckNonNegative(epsilon, nameof(epsilon), "Adamax");
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
    }

    /// <summary>β₁, the first-moment decay.</summary>
    public float Beta1 { get; }

    /// <summary>β₂, the infinity-norm decay.</summary>
    public float Beta2 { get; }

    /// <summary>ε, added to the norm.</summary>
    public float Epsilon { get; }

    /// <inheritdoc/>
    protected override Variable[] CreateSlots(Variable variable) => [AddSlot(variable, "momentum"), AddSlot(variable, "norm")];

    /// <inheritdoc/>
    protected override void UpdateStep(Tensor gradient, Variable variable, int index, Tensor learningRate)
    {
        var slots = SlotsOf(index);
        Variable m = slots[0], u = slots[1];
        double t = IterationCount + 1;
        using (var oneMinusB1 = Scalar(gradient, 1.0 - Beta1))
        using (var diff = Ops.Subtract(gradient, m))
        using (var delta = Ops.Multiply(diff, oneMinusB1))
            m.AssignAdd(delta);
        using (var b2 = Scalar(gradient, Beta2))
        using (var decayed = Ops.Multiply(u, b2))
        using (var abs = Ops.Abs(gradient))
        using (var next = Ops.Maximum(decayed, abs))
            u.Assign(next);
        using var correction = Scalar(gradient, 1 - Math.Pow(Beta1, t));
        using var eps = Scalar(gradient, Epsilon);
        using var num = Ops.Multiply(learningRate, m);
        using var uEps = Ops.Add(u, eps);
        using var den = Ops.Multiply(correction, uEps);
        using var update = Ops.Divide(num, den);
        variable.AssignSub(update);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["beta_1"] = Beta1;
        c["beta_2"] = Beta2;
        c["epsilon"] = Epsilon;
        return c;
    }

    /// <summary>Rebuilds an Adamax optimizer from its Keras config.</summary>
    public static Adamax FromConfig(JsonObject config)
    {
        var (wd, cn, cv, gcn, name) = Common(config, "Adamax", "adamax");
        var (lr, schedule) = ReadLearningRate(config, 0.001f);
        return new Adamax(lr, schedule, config.GetFloat("beta_1", 0.9f), config.GetFloat("beta_2", 0.999f),
            config.GetFloat("epsilon", 1e-7f), wd, cn, cv, gcn, name);
    }
}
