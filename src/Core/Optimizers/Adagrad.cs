using System.Text.Json.Nodes;
using KerasNet.Saving;
using static KerasNet.Optimizers.OptimizerConfig;

namespace KerasNet.Optimizers;

/// <summary>Adagrad, as keras.optimizers.Adagrad: <c>acc += g²</c>, <c>w −= lr·g / √(acc + ε)</c>, with the
/// accumulators starting at <c>initial_accumulator_value</c>.</summary>
[KerasSerializable("Adagrad", "adagrad")]
public sealed class Adagrad : Optimizer
{
    /// <summary>Creates the optimizer with a constant learning rate.</summary>
    /// <param name="learningRate">The learning rate (Keras default 0.001).</param>
    /// <param name="initialAccumulatorValue">The accumulators' starting value (non-negative).</param>
    /// <param name="epsilon">Added to the accumulator inside the square root.</param>
    /// <param name="weightDecay">Decoupled weight decay, or null.</param>
    /// <param name="clipnorm">Per-tensor gradient norm clip, or null.</param>
    /// <param name="clipvalue">Elementwise gradient clip, or null.</param>
    /// <param name="globalClipnorm">Global gradient norm clip, or null.</param>
    /// <param name="name">The optimizer's name.</param>
    public Adagrad(float learningRate = 0.001f, float initialAccumulatorValue = 0.1f, float epsilon = 1e-7f,
        float? weightDecay = null, float? clipnorm = null, float? clipvalue = null, float? globalClipnorm = null, string name = "adagrad")
        : this(learningRate, null, initialAccumulatorValue, epsilon, weightDecay, clipnorm, clipvalue, globalClipnorm, name) { }

    /// <summary>Creates the optimizer with a learning-rate schedule.</summary>
    /// <param name="learningRate">The schedule giving the learning rate at each step.</param>
    /// <param name="initialAccumulatorValue">The accumulators' starting value (non-negative).</param>
    /// <param name="epsilon">Added to the accumulator inside the square root.</param>
    /// <param name="weightDecay">Decoupled weight decay, or null.</param>
    /// <param name="clipnorm">Per-tensor gradient norm clip, or null.</param>
    /// <param name="clipvalue">Elementwise gradient clip, or null.</param>
    /// <param name="globalClipnorm">Global gradient norm clip, or null.</param>
    /// <param name="name">The optimizer's name.</param>
    public Adagrad(LearningRateSchedule learningRate, float initialAccumulatorValue = 0.1f, float epsilon = 1e-7f,
        float? weightDecay = null, float? clipnorm = null, float? clipvalue = null, float? globalClipnorm = null, string name = "adagrad")
        : this(0f, learningRate ?? throw new ArgumentNullException(nameof(learningRate)), initialAccumulatorValue, epsilon,
            weightDecay, clipnorm, clipvalue, globalClipnorm, name) { }

    private Adagrad(float learningRate, LearningRateSchedule? schedule, float initialAccumulatorValue, float epsilon,
        float? weightDecay, float? clipnorm, float? clipvalue, float? globalClipnorm, string name)
        : base(name, learningRate, schedule, weightDecay, clipnorm, clipvalue, globalClipnorm)
    {
        CheckNonNegative(initialAccumulatorValue, nameof(initialAccumulatorValue), "Adagrad");
        CheckNonNegative(epsilon, nameof(epsilon), "Adagrad");
        InitialAccumulatorValue = initialAccumulatorValue;
        Epsilon = epsilon;
    }

    /// <summary>The accumulators' starting value.</summary>
    public float InitialAccumulatorValue { get; }

    /// <summary>ε, added inside the square root.</summary>
    public float Epsilon { get; }

    /// <inheritdoc/>
    protected override Variable[] CreateSlots(Variable variable) => [AddSlot(variable, "accumulator", InitialAccumulatorValue)];

    /// <inheritdoc/>
    protected override void UpdateStep(Tensor gradient, Variable variable, int index, Tensor learningRate)
    {
        var accumulator = SlotsOf(index)[0];
        using (var sq = Ops.Square(gradient)) accumulator.AssignAdd(sq);
        using var eps = Scalar(gradient, Epsilon);
        using var sum = Ops.Add(accumulator, eps);
        using var root = Ops.Sqrt(sum);
        using var scaled = Ops.Multiply(learningRate, gradient);
        using var update = Ops.Divide(scaled, root);
        variable.AssignSub(update);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["initial_accumulator_value"] = InitialAccumulatorValue;
        c["epsilon"] = Epsilon;
        return c;
    }

    /// <summary>Rebuilds an Adagrad optimizer from its Keras config.</summary>
    public static Adagrad FromConfig(JsonObject config)
    {
        var (wd, cn, cv, gcn, name) = Common(config, "Adagrad", "adagrad");
        var (lr, schedule) = ReadLearningRate(config, 0.001f);
        return new Adagrad(lr, schedule, config.GetFloat("initial_accumulator_value", 0.1f), config.GetFloat("epsilon", 1e-7f),
            wd, cn, cv, gcn, name);
    }
}
