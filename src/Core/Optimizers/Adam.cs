using System.Text.Json.Nodes;
using KerasNet.Backend;
using KerasNet.Saving;
using static KerasNet.Optimizers.OptimizerConfig;

namespace KerasNet.Optimizers;

/// <summary>Adam, as keras.optimizers.Adam. At step t (from 1):
/// <c>m += (g − m)(1 − β₁)</c>, <c>v += (g² − v)(1 − β₂)</c>,
/// <c>w −= lr·√(1 − β₂ᵗ)/(1 − β₁ᵗ) · m / (√v + ε)</c>; with AMSGrad, v is replaced by its running maximum.
/// Epsilon is Keras's "epsilon hat", added after the square root and before the bias correction is folded
/// into the step size (unlike PyTorch, which corrects v first).</summary>
[KerasSerializable("Adam", "adam")]
public class Adam : Optimizer
{
    /// <summary>Creates the optimizer with a constant learning rate.</summary>
    /// <param name="learningRate">The learning rate (Keras default 0.001).</param>
    /// <param name="beta1">Decay of the first-moment estimate.</param>
    /// <param name="beta2">Decay of the second-moment estimate.</param>
    /// <param name="epsilon">Added to √v in the denominator.</param>
    /// <param name="amsgrad">Whether to use the AMSGrad variant.</param>
    /// <param name="weightDecay">Decoupled weight decay, or null.</param>
    /// <param name="clipnorm">Per-tensor gradient norm clip, or null.</param>
    /// <param name="clipvalue">Elementwise gradient clip, or null.</param>
    /// <param name="globalClipnorm">Global gradient norm clip, or null.</param>
    /// <param name="name">The optimizer's name.</param>
    public Adam(float learningRate = 0.001f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-7f, bool amsgrad = false,
        float? weightDecay = null, float? clipnorm = null, float? clipvalue = null, float? globalClipnorm = null, string name = "adam")
        : this(learningRate, null, beta1, beta2, epsilon, amsgrad, weightDecay, clipnorm, clipvalue, globalClipnorm, name) { }

    /// <summary>Creates the optimizer with a learning-rate schedule.</summary>
    /// <param name="learningRate">The schedule giving the learning rate at each step.</param>
    /// <param name="beta1">Decay of the first-moment estimate.</param>
    /// <param name="beta2">Decay of the second-moment estimate.</param>
    /// <param name="epsilon">Added to √v in the denominator.</param>
    /// <param name="amsgrad">Whether to use the AMSGrad variant.</param>
    /// <param name="weightDecay">Decoupled weight decay, or null.</param>
    /// <param name="clipnorm">Per-tensor gradient norm clip, or null.</param>
    /// <param name="clipvalue">Elementwise gradient clip, or null.</param>
    /// <param name="globalClipnorm">Global gradient norm clip, or null.</param>
    /// <param name="name">The optimizer's name.</param>
    public Adam(LearningRateSchedule learningRate, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-7f, bool amsgrad = false,
        float? weightDecay = null, float? clipnorm = null, float? clipvalue = null, float? globalClipnorm = null, string name = "adam")
        : this(0f, learningRate ?? throw new ArgumentNullException(nameof(learningRate)), beta1, beta2, epsilon, amsgrad,
            weightDecay, clipnorm, clipvalue, globalClipnorm, name) { }

    /// <summary>The constructor both public overloads (and <see cref="AdamW"/>) use.</summary>
    private protected Adam(float learningRate, LearningRateSchedule? schedule, float beta1, float beta2, float epsilon, bool amsgrad,
        float? weightDecay, float? clipnorm, float? clipvalue, float? globalClipnorm, string name)
        : base(name, learningRate, schedule, weightDecay, clipnorm, clipvalue, globalClipnorm)
    {
        CheckRange(beta1, 0f, 1f, nameof(beta1), GetType().Name);
        CheckRange(beta2, 0f, 1f, nameof(beta2), GetType().Name);
        CheckNonNegative(epsilon, nameof(epsilon), GetType().Name);
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        Amsgrad = amsgrad;
    }

    /// <summary>β₁, the first-moment decay.</summary>
    public float Beta1 { get; }

    /// <summary>β₂, the second-moment decay.</summary>
    public float Beta2 { get; }

    /// <summary>ε, added to √v.</summary>
    public float Epsilon { get; }

    /// <summary>Whether AMSGrad is used.</summary>
    public bool Amsgrad { get; }

    /// <inheritdoc/>
    protected override Variable[] CreateSlots(Variable variable) => Amsgrad
        ? [AddSlot(variable, "momentum"), AddSlot(variable, "velocity"), AddSlot(variable, "velocity_hat")]
        : [AddSlot(variable, "momentum"), AddSlot(variable, "velocity")];

    /// <inheritdoc/>
    protected override void UpdateStep(Tensor gradient, Variable variable, int index, Tensor learningRate)
    {
        var slots = SlotsOf(index);
        Variable m = slots[0], v = slots[1];

        // One fused pass per tensor: the kernel applies Keras's update rule op for op (see OptimizerUpdateKind.Adam),
        // with the bias correction computed from the device's update count, so no per-step value comes from the host.
        var p = new OptimizerUpdateParams
        {
            Kind = OptimizerUpdateKind.Adam, Count = variable.Shape.Size, LearningRateScale = 1f,
            Beta1 = Beta1, Beta2 = Beta2, Epsilon = Epsilon, Amsgrad = Amsgrad,
        };
        FusedUpdate(p, learningRate, variable, gradient, m, v, Amsgrad ? slots[2] : null, Iterations);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["beta_1"] = Beta1;
        c["beta_2"] = Beta2;
        c["epsilon"] = Epsilon;
        c["amsgrad"] = Amsgrad;
        return c;
    }

    /// <summary>Rebuilds an Adam optimizer from its Keras config.</summary>
    public static Adam FromConfig(JsonObject config)
    {
        var (wd, cn, cv, gcn, name) = Common(config, "Adam", "adam");
        var (lr, schedule) = ReadLearningRate(config, 0.001f);
        return new Adam(lr, schedule, config.GetFloat("beta_1", 0.9f), config.GetFloat("beta_2", 0.999f),
            config.GetFloat("epsilon", 1e-7f), config.GetBool("amsgrad", false), wd, cn, cv, gcn, name);
    }
}

/// <summary>AdamW, as keras.optimizers.AdamW: <see cref="Adam"/> with decoupled weight decay
/// (<c>w −= w·weight_decay·lr</c> before each update; Keras default 0.004).</summary>
[KerasSerializable("AdamW", "adamw")]
public sealed class AdamW : Adam
{
    /// <summary>Creates the optimizer with a constant learning rate.</summary>
    /// <param name="learningRate">The learning rate (Keras default 0.001).</param>
    /// <param name="weightDecay">Decoupled weight decay (Keras default 0.004).</param>
    /// <param name="beta1">Decay of the first-moment estimate.</param>
    /// <param name="beta2">Decay of the second-moment estimate.</param>
    /// <param name="epsilon">Added to √v in the denominator.</param>
    /// <param name="amsgrad">Whether to use the AMSGrad variant.</param>
    /// <param name="clipnorm">Per-tensor gradient norm clip, or null.</param>
    /// <param name="clipvalue">Elementwise gradient clip, or null.</param>
    /// <param name="globalClipnorm">Global gradient norm clip, or null.</param>
    /// <param name="name">The optimizer's name.</param>
    public AdamW(float learningRate = 0.001f, float weightDecay = 0.004f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-7f,
        bool amsgrad = false, float? clipnorm = null, float? clipvalue = null, float? globalClipnorm = null, string name = "adamw")
        : base(learningRate, null, beta1, beta2, epsilon, amsgrad, weightDecay, clipnorm, clipvalue, globalClipnorm, name) { }

    /// <summary>Creates the optimizer with a learning-rate schedule.</summary>
    /// <param name="learningRate">The schedule giving the learning rate at each step.</param>
    /// <param name="weightDecay">Decoupled weight decay (Keras default 0.004).</param>
    /// <param name="beta1">Decay of the first-moment estimate.</param>
    /// <param name="beta2">Decay of the second-moment estimate.</param>
    /// <param name="epsilon">Added to √v in the denominator.</param>
    /// <param name="amsgrad">Whether to use the AMSGrad variant.</param>
    /// <param name="clipnorm">Per-tensor gradient norm clip, or null.</param>
    /// <param name="clipvalue">Elementwise gradient clip, or null.</param>
    /// <param name="globalClipnorm">Global gradient norm clip, or null.</param>
    /// <param name="name">The optimizer's name.</param>
    public AdamW(LearningRateSchedule learningRate, float weightDecay = 0.004f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-7f,
        bool amsgrad = false, float? clipnorm = null, float? clipvalue = null, float? globalClipnorm = null, string name = "adamw")
        : base(0f, learningRate ?? throw new ArgumentNullException(nameof(learningRate)), beta1, beta2, epsilon, amsgrad,
            weightDecay, clipnorm, clipvalue, globalClipnorm, name) { }

    /// <summary>Rebuilds an AdamW optimizer from its Keras config.</summary>
    public static new AdamW FromConfig(JsonObject config)
    {
        var (wd, cn, cv, gcn, name) = Common(config, "AdamW", "adamw");
        if (config.ContainsKey("weight_decay") && wd is null)
            throw new ArgumentException("AdamW: weight_decay must be a number; got null.", nameof(config));
        var (lr, schedule) = ReadLearningRate(config, 0.001f);
        return schedule is null
            ? new AdamW(lr, wd ?? 0.004f, config.GetFloat("beta_1", 0.9f), config.GetFloat("beta_2", 0.999f),
                config.GetFloat("epsilon", 1e-7f), config.GetBool("amsgrad", false), cn, cv, gcn, name)
            : new AdamW(schedule, wd ?? 0.004f, config.GetFloat("beta_1", 0.9f), config.GetFloat("beta_2", 0.999f),
                config.GetFloat("epsilon", 1e-7f), config.GetBool("amsgrad", false), cn, cv, gcn, name);
    }
}
