using System.Text.Json.Nodes;
using KerasNet.Saving;
using static KerasNet.Optimizers.OptimizerConfig;

namespace KerasNet.Optimizers;

/// <summary>Lion, as keras.optimizers.Lion: <c>w −= lr·sign(β₁·m + (1 − β₁)·g)</c>, then
/// <c>m = β₂·m + (1 − β₂)·g</c>.</summary>
[KerasSerializable("Lion", "lion")]
public sealed class Lion : Optimizer
{
    /// <summary>Creates the optimizer with a constant learning rate.</summary>
    /// <param name="learningRate">The learning rate (Keras default 0.001).</param>
    /// <param name="beta1">Interpolation between momentum and gradient for the update's sign, in (0, 1].</param>
    /// <param name="beta2">Decay of the momentum.</param>
    /// <param name="weightDecay">Decoupled weight decay, or null.</param>
    /// <param name="clipnorm">Per-tensor gradient norm clip, or null.</param>
    /// <param name="clipvalue">Elementwise gradient clip, or null.</param>
    /// <param name="globalClipnorm">Global gradient norm clip, or null.</param>
    /// <param name="name">The optimizer's name.</param>
    public Lion(float learningRate = 0.001f, float beta1 = 0.9f, float beta2 = 0.99f,
        float? weightDecay = null, float? clipnorm = null, float? clipvalue = null, float? globalClipnorm = null, string name = "lion")
        : this(learningRate, null, beta1, beta2, weightDecay, clipnorm, clipvalue, globalClipnorm, name) { }

    /// <summary>Creates the optimizer with a learning-rate schedule.</summary>
    /// <param name="learningRate">The schedule giving the learning rate at each step.</param>
    /// <param name="beta1">Interpolation between momentum and gradient for the update's sign, in (0, 1].</param>
    /// <param name="beta2">Decay of the momentum.</param>
    /// <param name="weightDecay">Decoupled weight decay, or null.</param>
    /// <param name="clipnorm">Per-tensor gradient norm clip, or null.</param>
    /// <param name="clipvalue">Elementwise gradient clip, or null.</param>
    /// <param name="globalClipnorm">Global gradient norm clip, or null.</param>
    /// <param name="name">The optimizer's name.</param>
    public Lion(LearningRateSchedule learningRate, float beta1 = 0.9f, float beta2 = 0.99f,
        float? weightDecay = null, float? clipnorm = null, float? clipvalue = null, float? globalClipnorm = null, string name = "lion")
        : this(0f, learningRate ?? throw new ArgumentNullException(nameof(learningRate)), beta1, beta2,
            weightDecay, clipnorm, clipvalue, globalClipnorm, name) { }

    private Lion(float learningRate, LearningRateSchedule? schedule, float beta1, float beta2,
        float? weightDecay, float? clipnorm, float? clipvalue, float? globalClipnorm, string name)
        : base(name, learningRate, schedule, weightDecay, clipnorm, clipvalue, globalClipnorm)
    {
        if (!(beta1 > 0 && beta1 <= 1))
            throw new ArgumentOutOfRangeException(nameof(beta1), beta1,
                "Lion: beta1 must be in (0, 1]; otherwise the optimizer degenerates to SignSGD.");
        CheckRange(beta2, 0f, 1f, nameof(beta2), "Lion");
        Beta1 = beta1;
        Beta2 = beta2;
    }

    /// <summary>β₁, the interpolation used for the update's sign.</summary>
    public float Beta1 { get; }

    /// <summary>β₂, the momentum decay.</summary>
    public float Beta2 { get; }

    /// <inheritdoc/>
    protected override Variable[] CreateSlots(Variable variable) => [AddSlot(variable, "momentum")];

    /// <inheritdoc/>
    protected override void UpdateStep(Tensor gradient, Variable variable, int index, Tensor learningRate)
    {
        var m = SlotsOf(index)[0];
        using (var b1 = Scalar(gradient, Beta1))
        using (var oneMinusB1 = Scalar(gradient, 1.0 - Beta1))
        using (var a = Ops.Multiply(m, b1))
        using (var b = Ops.Multiply(gradient, oneMinusB1))
        using (var mix = Ops.Add(a, b))
        using (var sign = Ops.Sign(mix))
        using (var update = Ops.Multiply(learningRate, sign))
            variable.AssignSub(update);
        using (var b2 = Scalar(gradient, Beta2))
        using (var oneMinusB2 = Scalar(gradient, 1.0 - Beta2))
        using (var a = Ops.Multiply(m, b2))
        using (var b = Ops.Multiply(gradient, oneMinusB2))
        using (var next = Ops.Add(a, b))
            m.Assign(next);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["beta_1"] = Beta1;
        c["beta_2"] = Beta2;
        return c;
    }

    /// <summary>Rebuilds a Lion optimizer from its Keras config.</summary>
    public static Lion FromConfig(JsonObject config)
    {
        var (wd, cn, cv, gcn, name) = Common(config, "Lion", "lion");
        var (lr, schedule) = ReadLearningRate(config, 0.001f);
        return new Lion(lr, schedule, config.GetFloat("beta_1", 0.9f), config.GetFloat("beta_2", 0.99f), wd, cn, cv, gcn, name);
    }
}
