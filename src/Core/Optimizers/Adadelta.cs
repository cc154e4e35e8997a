using System.Text.Json.Nodes;
using KerasNet.Saving;
using static KerasNet.Optimizers.OptimizerConfig;

namespace KerasNet.Optimizers;

/// <summary>Adadelta, as keras.optimizers.Adadelta: <c>E[g²] = ρ·E[g²] + (1 − ρ)·g²</c>,
/// <c>Δ = −√(E[Δ²] + ε)·g / √(E[g²] + ε)</c>, <c>E[Δ²] = ρ·E[Δ²] + (1 − ρ)·Δ²</c>, <c>w += lr·Δ</c>.</summary>
[KerasSerializable("Adadelta", "adadelta")]
public sealed class Adadelta : Optimizer
{
    /// <summary>Creates the optimizer with a constant learning rate.</summary>
    /// <param name="learningRate">The learning rate (Keras default 0.001; the paper's form is 1.0).</param>
    /// <param name="rho">The decay rate of both running averages.</param>
    /// <param name="epsilon">Added inside both square roots.</param>
    /// <param name="weightDecay">Decoupled weight decay, or null.</param>
    /// <param name="clipnorm">Per-tensor gradient norm clip, or null.</param>
    /// <param name="clipvalue">Elementwise gradient clip, or null.</param>
    /// <param name="globalClipnorm">Global gradient norm clip, or null.</param>
    /// <param name="name">The optimizer's name.</param>
    public Adadelta(float learningRate = 0.001f, float rho = 0.95f, float epsilon = 1e-7f,
        float? weightDecay = null, float? clipnorm = null, float? clipvalue = null, float? globalClipnorm = null, string name = "adadelta")
        : this(learningRate, null, rho, epsilon, weightDecay, clipnorm, clipvalue, globalClipnorm, name) { }

    /// <summary>Creates the optimizer with a learning-rate schedule.</summary>
    /// <param name="learningRate">The schedule giving the learning rate at each step.</param>
    /// <param name="rho">The decay rate of both running averages.</param>
    /// <param name="epsilon">Added inside both square roots.</param>
    /// <param name="weightDecay">Decoupled weight decay, or null.</param>
    /// <param name="clipnorm">Per-tensor gradient norm clip, or null.</param>
    /// <param name="clipvalue">Elementwise gradient clip, or null.</param>
    /// <param name="globalClipnorm">Global gradient norm clip, or null.</param>
    /// <param name="name">The optimizer's name.</param>
    public Adadelta(LearningRateSchedule learningRate, float rho = 0.95f, float epsilon = 1e-7f,
        float? weightDecay = null, float? clipnorm = null, float? clipvalue = null, float? globalClipnorm = null, string name = "adadelta")
        : this(0f, learningRate ?? throw new ArgumentNullException(nameof(learningRate)), rho, epsilon,
            weightDecay, clipnorm, clipvalue, globalClipnorm, name) { }

    private Adadelta(float learningRate, LearningRateSchedule? schedule, float rho, float epsilon,
        float? weightDecay, float? clipnorm, float? clipvalue, float? globalClipnorm, string name)
        : base(name, learningRate, schedule, weightDecay, clipnorm, clipvalue, globalClipnorm)
    {
        CheckRange(rho, 0f, 1f, nameof(rho), "Adadelta");
        CheckNonNegative(epsilon, nameof(epsilon), "Adadelta");
        Rho = rho;
        Epsilon = epsilon;
    }

    /// <summary>ρ, the decay rate.</summary>
    public float Rho { get; }

    /// <summary>ε, added inside the square roots.</summary>
    public float Epsilon { get; }

    /// <inheritdoc/>
    protected override Variable[] CreateSlots(Variable variable) =>
        [AddSlot(variable, "accumulated_grad"), AddSlot(variable, "accumulated_delta_var")];

    /// <inheritdoc/>
    protected override void UpdateStep(Tensor gradient, Variable variable, int index, Tensor learningRate)
    {
        var slots = SlotsOf(index);
        Variable accGrad = slots[0], accDelta = slots[1];
        using var rho = Scalar(gradient, Rho);
        using var oneMinusRho = Scalar(gradient, 1.0 - Rho);
        using var eps = Scalar(gradient, Epsilon);
        using (var sq = Ops.Square(gradient))
        using (var a = Ops.Multiply(accGrad, rho))
        using (var b = Ops.Multiply(sq, oneMinusRho))
        using (var next = Ops.Add(a, b))
            accGrad.Assign(next);
        // delta = -(sqrt(accDelta + eps) * g) / sqrt(accGrad + eps)
        using var dSum = Ops.Add(accDelta, eps);
        using var dRms = Ops.Sqrt(dSum);
        using var gSum = Ops.Add(accGrad, eps);
        using var gRms = Ops.Sqrt(gSum);
        using var num = Ops.Multiply(dRms, gradient);
        using var ratio = Ops.Divide(num, gRms);
        using var delta = Ops.Negative(ratio);
        using (var dSq = Ops.Square(delta))
        using (var a = Ops.Multiply(accDelta, rho))
        using (var b = Ops.Multiply(dSq, oneMinusRho))
        using (var next = Ops.Add(a, b))
            accDelta.Assign(next);
        using var update = Ops.Multiply(learningRate, delta);
        variable.AssignAdd(update);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["rho"] = Rho;
        c["epsilon"] = Epsilon;
        return c;
    }

    /// <summary>Rebuilds an Adadelta optimizer from its Keras config.</summary>
    public static Adadelta FromConfig(JsonObject config)
    {
        var (wd, cn, cv, gcn, name) = Common(config, "Adadelta", "adadelta");
        var (lr, schedule) = ReadLearningRate(config, 0.001f);
        return new Adadelta(lr, schedule, config.GetFloat("rho", 0.95f), config.GetFloat("epsilon", 1e-7f), wd, cn, cv, gcn, name);
    }
}
