using System.Text.Json.Nodes;
using KerasNet.Backend;
using KerasNet.Saving;
using static KerasNet.Optimizers.OptimizerConfig;

namespace KerasNet.Optimizers;

/// <summary>Gradient descent with optional (Nesterov) momentum, as keras.optimizers.SGD.
/// Without momentum <c>w -= lr·g</c>; with it <c>m = momentum·m − lr·g</c>, then <c>w += m</c>, or with
/// Nesterov <c>w += momentum·m − lr·g</c>.</summary>
[KerasSerializable("SGD", "sgd")]
public sealed class SGD : Optimizer
{
    /// <summary>Creates the optimizer with a constant learning rate.</summary>
    /// <param name="learningRate">The learning rate (Keras default 0.01).</param>
    /// <param name="momentum">Momentum in [0, 1]; 0 is plain gradient descent.</param>
    /// <param name="nesterov">Whether to use Nesterov momentum.</param>
    /// <param name="weightDecay">Decoupled weight decay, or null.</param>
    /// <param name="clipnorm">Per-tensor gradient norm clip, or null.</param>
    /// <param name="clipvalue">Elementwise gradient clip, or null.</param>
    /// <param name="globalClipnorm">Global gradient norm clip, or null.</param>
    /// <param name="name">The optimizer's name.</param>
    public SGD(float learningRate = 0.01f, float momentum = 0f, bool nesterov = false, float? weightDecay = null,
        float? clipnorm = null, float? clipvalue = null, float? globalClipnorm = null, string name = "SGD")
        : this(learningRate, null, momentum, nesterov, weightDecay, clipnorm, clipvalue, globalClipnorm, name) { }

    /// <summary>Creates the optimizer with a learning-rate schedule.</summary>
    /// <param name="learningRate">The schedule giving the learning rate at each step.</param>
    /// <param name="momentum">Momentum in [0, 1]; 0 is plain gradient descent.</param>
    /// <param name="nesterov">Whether to use Nesterov momentum.</param>
    /// <param name="weightDecay">Decoupled weight decay, or null.</param>
    /// <param name="clipnorm">Per-tensor gradient norm clip, or null.</param>
    /// <param name="clipvalue">Elementwise gradient clip, or null.</param>
    /// <param name="globalClipnorm">Global gradient norm clip, or null.</param>
    /// <param name="name">The optimizer's name.</param>
    public SGD(LearningRateSchedule learningRate, float momentum = 0f, bool nesterov = false, float? weightDecay = null,
        float? clipnorm = null, float? clipvalue = null, float? globalClipnorm = null, string name = "SGD")
        : this(0f, learningRate ?? throw new ArgumentNullException(nameof(learningRate)), momentum, nesterov, weightDecay,
            clipnorm, clipvalue, globalClipnorm, name) { }

    private SGD(float learningRate, LearningRateSchedule? schedule, float momentum, bool nesterov, float? weightDecay,
        float? clipnorm, float? clipvalue, float? globalClipnorm, string name)
        : base(name, learningRate, schedule, weightDecay, clipnorm, clipvalue, globalClipnorm)
    {
        CheckRange(momentum, 0f, 1f, nameof(momentum), "SGD");
        Momentum = momentum;
        Nesterov = nesterov;
    }

    /// <summary>The momentum factor.</summary>
    public float Momentum { get; }

    /// <summary>Whether Nesterov momentum is used.</summary>
    public bool Nesterov { get; }

    /// <inheritdoc/>
    protected override Variable[] CreateSlots(Variable variable) =>
        Momentum != 0 ? [AddSlot(variable, "momentum")] : [];

    /// <inheritdoc/>
    protected override void UpdateStep(Tensor gradient, Variable variable, int index, Tensor learningRate)
    {
        // One fused pass per tensor: the kernel applies Keras's update rule op for op (see OptimizerUpdateKind.Sgd).
        var p = new OptimizerUpdateParams
        {
            Kind = OptimizerUpdateKind.Sgd, Count = variable.Shape.Size, LearningRateScale = 1f,
            Momentum = Momentum, Nesterov = Nesterov,
        };
        FusedUpdate(p, learningRate, variable, gradient, Momentum == 0 ? null : SlotsOf(index)[0], null, null);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["momentum"] = Momentum;
        c["nesterov"] = Nesterov;
        return c;
    }

    /// <summary>Rebuilds an SGD optimizer from its Keras config.</summary>
    public static SGD FromConfig(JsonObject config)
    {
        var (wd, cn, cv, gcn, name) = Common(config, "SGD", "SGD");
        var (lr, schedule) = ReadLearningRate(config, 0.01f);
        return new SGD(lr, schedule, config.GetFloat("momentum", 0f), config.GetBool("nesterov", false), wd, cn, cv, gcn, name);
    }
}
