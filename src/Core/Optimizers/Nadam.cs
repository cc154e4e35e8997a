using System.Text.Json.Nodes;
using KerasNet.Saving;
using static KerasNet.Optimizers.OptimizerConfig;

namespace KerasNet.Optimizers;

/// <summary>Nadam (Adam with Nesterov momentum), as keras.optimizers.Nadam, with Dozat's momentum schedule
/// <c>μₜ = β₁(1 − ½·0.96ᵗ)</c> and its running product <c>Πₜ = μ₁⋯μₜ</c>. At step t (from 1):
/// <c>m += (g − m)(1 − β₁)</c>, <c>v += (g² − v)(1 − β₂)</c>,
/// <c>m̂ = μₜ₊₁·m/(1 − Πₜ·μₜ₊₁) + (1 − μₜ)·g/(1 − Πₜ)</c>, <c>v̂ = v/(1 − β₂ᵗ)</c>,
/// <c>w −= lr·m̂/(√v̂ + ε)</c>. Keras keeps Πₜ in a float variable advanced once per step; here it is a
/// function of the step count, computed on the host in double, so a restored iteration count restores it.</summary>
[KerasSerializable("Nadam", "nadam")]
public sealed class Nadam : Optimizer
{
    private long _productStep;
    private double _product = 1.0;

    /// <summary>Creates the optimizer with a constant learning rate.</summary>
    /// <param name="learningRate">The learning rate (Keras default 0.001).</param>
    /// <param name="beta1">Decay of the first-moment estimate.</param>
    /// <param name="beta2">Decay of the second-moment estimate.</param>
    /// <param name="epsilon">Added to √v̂ in the denominator.</param>
    /// <param name="weightDecay">Decoupled weight decay, or null.</param>
    /// <param name="clipnorm">Per-tensor gradient norm clip, or null.</param>
    /// <param name="clipvalue">Elementwise gradient clip, or null.</param>
    /// <param name="globalClipnorm">Global gradient norm clip, or null.</param>
    /// <param name="name">The optimizer's name.</param>
    public Nadam(float learningRate = 0.001f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-7f,
        float? weightDecay = null, float? clipnorm = null, float? clipvalue = null, float? globalClipnorm = null, string name = "nadam")
        : this(learningRate, null, beta1, beta2, epsilon, weightDecay, clipnorm, clipvalue, globalClipnorm, name) { }

    /// <summary>Creates the optimizer with a learning-rate schedule.</summary>
    /// <param name="learningRate">The schedule giving the learning rate at each step.</param>
    /// <param name="beta1">Decay of the first-moment estimate.</param>
    /// <param name="beta2">Decay of the second-moment estimate.</param>
    /// <param name="epsilon">Added to √v̂ in the denominator.</param>
    /// <param name="weightDecay">Decoupled weight decay, or null.</param>
    /// <param name="clipnorm">Per-tensor gradient norm clip, or null.</param>
    /// <param name="clipvalue">Elementwise gradient clip, or null.</param>
    /// <param name="globalClipnorm">Global gradient norm clip, or null.</param>
    /// <param name="name">The optimizer's name.</param>
    public Nadam(LearningRateSchedule learningRate, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-7f,
        float? weightDecay = null, float? clipnorm = null, float? clipvalue = null, float? globalClipnorm = null, string name = "nadam")
        : this(0f, learningRate ?? throw new ArgumentNullException(nameof(learningRate)), beta1, beta2, epsilon,
            weightDecay, clipnorm, clipvalue, globalClipnorm, name) { }

    private Nadam(float learningRate, LearningRateSchedule? schedule, float beta1, float beta2, float epsilon,
        float? weightDecay, float? clipnorm, float? clipvalue, float? globalClipnorm, string name)
        : base(name, learningRate, schedule, weightDecay, clipnorm, clipvalue, globalClipnorm)
    {
        CheckRange(beta1, 0f, 1f, nameof(beta1), "Nadam");
        CheckRange(beta2, 0f, 1f, nameof(beta2), "Nadam");
        CheckNonNegative(epsilon, nameof(epsilon), "Nadam");
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
    }

    /// <summary>β₁, the first-moment decay.</summary>
    public float Beta1 { get; }

    /// <summary>β₂, the second-moment decay.</summary>
    public float Beta2 { get; }

    /// <summary>ε, added to √v̂.</summary>
    public float Epsilon { get; }

    private double MomentumAt(double step) => Beta1 * (1.0 - 0.5 * Math.Pow(0.96, step));

    /// <summary>Πₜ = μ₁⋯μₜ for step <paramref name="t"/> (from 1), advanced incrementally step by step and
    /// recomputed when the iteration count jumps (a restore or <see cref="Optimizer.SetIterations"/>).</summary>
    private double ProductAt(long t)
    {
        if (t == _productStep) return _product;
        if (t == _productStep + 1) _product *= MomentumAt(t);
        else
        {
            _product = 1.0;
            for (long i = 1; i <= t; i++) _product *= MomentumAt(i);
        }
        _productStep = t;
        return _product;
    }

    /// <inheritdoc/>
    protected override Variable[] CreateSlots(Variable variable) => [AddSlot(variable, "momentum"), AddSlot(variable, "velocity")];

    /// <inheritdoc/>
    protected override void UpdateStep(Tensor gradient, Variable variable, int index, Tensor learningRate)
    {
        var slots = SlotsOf(index);
        Variable m = slots[0], v = slots[1];
        long step = IterationCount + 1;
        double uT = MomentumAt(step), uT1 = MomentumAt(step + 1);
        double productT = ProductAt(step);
        double productT1 = productT * uT1;
        double beta2Power = Math.Pow(Beta2, step);

        using (var oneMinusB1 = Scalar(gradient, 1.0 - Beta1))
        using (var diff = Ops.Subtract(gradient, m))
        using (var delta = Ops.Multiply(diff, oneMinusB1))
            m.AssignAdd(delta);
        using (var oneMinusB2 = Scalar(gradient, 1.0 - Beta2))
        using (var sq = Ops.Square(gradient))
        using (var diff = Ops.Subtract(sq, v))
        using (var delta = Ops.Multiply(diff, oneMinusB2))
            v.AssignAdd(delta);
        using var cm = Scalar(gradient, uT1 / (1 - productT1));
        using var cg = Scalar(gradient, (1 - uT) / (1 - productT));
        using var cv = Scalar(gradient, 1 / (1 - beta2Power));
        using var eps = Scalar(gradient, Epsilon);
        using var mPart = Ops.Multiply(m, cm);
        using var gPart = Ops.Multiply(gradient, cg);
        using var mHat = Ops.Add(mPart, gPart);
        using var vHat = Ops.Multiply(v, cv);
        using var num = Ops.Multiply(mHat, learningRate);
        using var root = Ops.Sqrt(vHat);
        using var den = Ops.Add(root, eps);
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

    /// <summary>Rebuilds a Nadam optimizer from its Keras config.</summary>
    public static Nadam FromConfig(JsonObject config)
    {
        var (wd, cn, cv, gcn, name) = Common(config, "Nadam", "nadam");
        var (lr, schedule) = ReadLearningRate(config, 0.001f);
        return new Nadam(lr, schedule, config.GetFloat("beta_1", 0.9f), config.GetFloat("beta_2", 0.999f),
            config.GetFloat("epsilon", 1e-7f), wd, cn, cv, gcn, name);
    }
}
