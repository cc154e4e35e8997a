using System.Text.Json.Nodes;
using KerasNet.Backend;
using KerasNet.Saving;

namespace KerasNet.Optimizers;

/// <summary>A learning rate as a function of the step count, as keras.optimizers.schedules.LearningRateSchedule.</summary>
public abstract class LearningRateSchedule : IKerasObject
{
    /// <inheritdoc/>
    public virtual string ClassName => GetType().Name;

    /// <summary>The rate at optimizer step <paramref name="step"/> (0 for the first update).</summary>
    public abstract float Call(long step);

    /// <inheritdoc/>
    public abstract JsonObject GetConfig();
}

/// <summary>Base of every optimizer, following keras.optimizers.Optimizer: gradient clipping
/// (clipnorm per tensor, clipvalue, global_clipnorm), decoupled weight decay
/// (w -= w·weight_decay·lr before the update), the update rule of the subclass, then the variable's
/// constraint, and the iteration count. Slot variables are created on the first update.</summary>
public abstract class Optimizer : IKerasObject
{
    private readonly List<Variable[]> _slots = [];
    private readonly List<Variable> _variables = [];
    private IReadOnlyList<Variable>? _built;
    private float _learningRate;

    /// <summary>Stores the common configuration.</summary>
    protected Optimizer(string name, float learningRate, LearningRateSchedule? schedule, float? weightDecay,
        float? clipnorm, float? clipvalue, float? globalClipnorm)
    {
        if (new[] { clipnorm, clipvalue, globalClipnorm }.Count(v => v is not null) > 1)
            throw new ArgumentException("Only one of clipnorm, clipvalue and globalClipnorm may be set.");
        if (schedule is null && !(learningRate >= 0))
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "The learning rate must be a non-negative number.");
        Name = name;
        _learningRate = learningRate;
        Schedule = schedule;
        WeightDecay = weightDecay;
        Clipnorm = clipnorm;
        Clipvalue = clipvalue;
        GlobalClipnorm = globalClipnorm;
        Iterations = new Variable(Ops.Zeros(Shape.Scalar, DType.Int64), "iteration", trainable: false) { Path = $"{name}/iteration" };
    }

    /// <summary>The optimizer's name.</summary>
    public string Name { get; }

    /// <inheritdoc/>
    public virtual string ClassName => GetType().Name;

    /// <summary>The schedule, when the learning rate is one.</summary>
    public LearningRateSchedule? Schedule { get; private set; }

    /// <summary>The learning rate in force for the next update (settable unless a schedule drives it).</summary>
    public float LearningRate
    {
        get => Schedule?.Call(IterationCount) ?? _learningRate;
        set
        {
            if (Schedule is not null)
                throw new InvalidOperationException("This optimizer's learning rate is driven by a schedule and cannot be set directly.");
            _learningRate = value;
        }
    }

    /// <summary>Decoupled weight decay, or null.</summary>
    public float? WeightDecay { get; }

    /// <summary>Per-tensor gradient norm clip, or null.</summary>
    public float? Clipnorm { get; }

    /// <summary>Elementwise gradient clip, or null.</summary>
    public float? Clipvalue { get; }

    /// <summary>Global gradient norm clip, or null.</summary>
    public float? GlobalClipnorm { get; }

    /// <summary>Number of updates applied (kept on the device as <see cref="Iterations"/> and on the host).</summary>
    public long IterationCount { get; private set; }

    /// <summary>The iteration counter variable (int64), as Keras's <c>optimizer.iterations</c>.</summary>
    public Variable Iterations { get; }

    /// <summary>Every optimizer variable: the iteration count, then each slot in creation order.</summary>
    public IReadOnlyList<Variable> Variables
    {
        get
        {
            var all = new List<Variable> { Iterations };
            all.AddRange(_variables);
            return all;
        }
    }

    /// <summary>Creates the slots for <paramref name="variables"/>; called by the first update.</summary>
    public void Build(IReadOnlyList<Variable> variables)
    {
        ArgumentNullException.ThrowIfNull(variables);
        _built = variables;
        _slots.Clear();
        _variables.Clear();
        for (int i = 0; i < variables.Count; i++) _slots.Add(CreateSlots(variables[i]));
    }

    /// <summary>Whether <see cref="Build"/> has run.</summary>
    public bool Built => _built is not null;

    // The learning rate and the decoupled weight-decay step, kept on the device and uploaded only when they change.
    private readonly ScalarSlot _learningRateSlot = new("learning_rate");
    private readonly ScalarSlot _decaySlot = new("weight_decay_step");

    /// <summary>Subclasses create their slot variables for one model variable with <see cref="AddSlot"/>.</summary>
    protected virtual Variable[] CreateSlots(Variable variable) => [];

    /// <summary>A zero-filled (or <paramref name="initialValue"/>) slot shaped like <paramref name="reference"/>. Its
    /// <see cref="Variable.Path"/> is Keras's: "{optimizer}/{reference path with '/' as '_'}_{name}", e.g.
    /// "adam/dense_kernel_momentum", unique per model variable, so a saved slot finds its variable again.</summary>
    protected Variable AddSlot(Variable reference, string name, float initialValue = 0f)
    {
        string owner = reference.Path.Length > 0 ? reference.Path.Replace('/', '_') : reference.Name;
        var v = new Variable(Ops.Full(reference.Shape, initialValue), $"{reference.Name}_{name}", trainable: false) { Path = $"{Name}/{owner}_{name}" };
        _variables.Add(v);
        return v;
    }

    /// <summary>The slots created for the <paramref name="index"/>-th variable.</summary>
    protected Variable[] SlotsOf(int index) => _slots[index];

    /// <summary>Applies one update: <paramref name="gradients"/>[i] to <paramref name="variables"/>[i].</summary>
    public void ApplyGradients(ReadOnlySpan<Tensor> gradients, IReadOnlyList<Variable> variables)
    {
        ArgumentNullException.ThrowIfNull(variables);
        if (gradients.Length != variables.Count)
            throw new ArgumentException($"ApplyGradients got {gradients.Length} gradients for {variables.Count} variables.", nameof(gradients));
        if (!ReferenceEquals(_built, variables))
        {
            if (_built is null || _built.Count != variables.Count || !SameVariables(_built, variables)) Build(variables);
            else _built = variables;
        }
        float lrValue = LearningRate;
        var lr = _learningRateSlot.Get(lrValue);
        Tensor globalScale = default;
        if (GlobalClipnorm is float gc && gc > 0) globalScale = GlobalClipScale(gradients, gc);
        for (int i = 0; i < variables.Count; i++)
        {
            var v = variables[i];
            var g = gradients[i];
            if (g.IsNull) continue;
            if (g.Shape != v.Shape)
                throw new ArgumentException($"The gradient for variable '{v.Name}' has shape {g.Shape}; the variable has {v.Shape}.", nameof(gradients));
            var clipped = Clip(g, globalScale);
            if (WeightDecay is float wd && wd != 0)
            {
                var decay = _decaySlot.Get(wd * lrValue);
                using var step = Ops.Multiply(v.Value, decay);
                v.AssignSub(step);
            }
            UpdateStep(clipped, v, i, lr);
            if (!clipped.Equals(g)) clipped.Dispose();
            if (v.Constraint is { } c)
            {
                using var constrained = c.Call(v.Value);
                v.Assign(constrained);
            }
        }
        if (!globalScale.IsNull) globalScale.Dispose();
        IterationCount++;
        using var one = Ops.Ones(Shape.Scalar, DType.Int64);
        Iterations.AssignAdd(one);
    }

    /// <summary>Applies gradients given as (gradient, variable) pairs.</summary>
    public void ApplyGradients(IEnumerable<(Tensor Gradient, Variable Variable)> pairs)
    {
        var list = pairs.ToList();
        ApplyGradients(list.Select(p => p.Gradient).ToArray(), list.Select(p => p.Variable).ToArray());
    }

    private static bool SameVariables(IReadOnlyList<Variable> a, IReadOnlyList<Variable> b)
    {
        for (int i = 0; i < a.Count; i++) if (!ReferenceEquals(a[i], b[i])) return false;
        return true;
    }

    /// <summary>Sets the iteration count (used when restoring a saved optimizer).</summary>
    public void SetIterations(long iterations)
    {
        IterationCount = iterations;
        Iterations.Assign<long>([iterations]);
    }

    // As Keras's _clip_gradients, a clip option that is zero or negative means no clipping.
    private Tensor Clip(Tensor g, Tensor globalScale)
    {
        if (Clipvalue is float cv && cv > 0) return Ops.Clip(g, -cv, cv);
        if (Clipnorm is float cn && cn > 0)
        {
            // g * cn / max(||g||, cn)
            using var sq = Ops.Square(g);
            using var ss = Ops.Sum(sq);
            using var norm = Ops.Sqrt(ss);
            using var cnT = Tensor.Scalar(cn);
            using var den = Ops.Maximum(norm, cnT);
            using var scale = Ops.Divide(cnT, den);
            return Ops.Multiply(g, scale);
        }
        if (!globalScale.IsNull) return Ops.Multiply(g, globalScale);
        return g;
    }

    private static Tensor GlobalClipScale(ReadOnlySpan<Tensor> gradients, float clip)
    {
        Tensor total = Tensor.Scalar(0f);
        foreach (var g in gradients)
        {
            if (g.IsNull) continue;
            using var sq = Ops.Square(g);
            using var s = Ops.Sum(sq);
            var next = Ops.Add(total, s);
            total.Dispose();
            total = next;
        }
        using var norm = Ops.Sqrt(total);
        total.Dispose();
        using var c = Tensor.Scalar(clip);
        using var den = Ops.Maximum(norm, c);
        return Ops.Divide(c, den);
    }

    /// <summary>Runs one fused update kernel on the variable's backend. Every tensor must live on that
    /// backend and hold Float32 values shaped like the variable.</summary>
    private protected static void FusedUpdate(in OptimizerUpdateParams p, Tensor learningRate, Variable variable, Tensor gradient,
        Variable? slot0, Variable? slot1, Variable? slot2, Variable? iterations = null)
    {
        var value = variable.Value;
        var backend = value.Backend;
        if (value.DType != DType.Float32 || gradient.DType != DType.Float32)
            throw new ArgumentException($"Variable '{variable.Name}': the optimizer updates float32 variables with float32 gradients; got {value.DType.KerasName()} and {gradient.DType.KerasName()}.", nameof(gradient));
        if (!ReferenceEquals(gradient.Backend, backend) || !ReferenceEquals(learningRate.Backend, backend))
            throw new ArgumentException($"Variable '{variable.Name}' lives on {backend.Name}/{backend.Device}, but its gradient or the learning rate is on another device.", nameof(gradient));
        if (iterations is not null && !ReferenceEquals(iterations.Value.Backend, backend))
            throw new ArgumentException($"Variable '{variable.Name}' lives on {backend.Name}/{backend.Device}, but the optimizer's iteration count is on another device.", nameof(iterations));
        backend.OptimizerUpdate(p, learningRate.Buffer, value.Buffer, gradient.Buffer,
            slot0?.Value.Buffer, slot1?.Value.Buffer, slot2?.Value.Buffer, iterations?.Value.Buffer);
    }

    /// <summary>The subclass's update rule for one variable, given its (clipped) gradient and the learning rate.</summary>
    protected abstract void UpdateStep(Tensor gradient, Variable variable, int index, Tensor learningRate);

    /// <inheritdoc/>
    public virtual JsonObject GetConfig()
    {
        var c = new JsonObject
        {
            ["name"] = Name,
            ["learning_rate"] = Schedule is null ? _learningRate : KerasRegistry.Serialize(Schedule, "keras.optimizers.schedules"),
            ["weight_decay"] = WeightDecay,
            ["clipnorm"] = Clipnorm,
            ["global_clipnorm"] = GlobalClipnorm,
            ["clipvalue"] = Clipvalue,
            ["use_ema"] = false,
            ["ema_momentum"] = 0.99,
            ["ema_overwrite_frequency"] = null,
            ["loss_scale_factor"] = null,
            ["gradient_accumulation_steps"] = null,
        };
        return c;
    }

    /// <summary>Reads the learning rate entry of a config: a number or a serialized schedule.</summary>
    protected static (float Rate, LearningRateSchedule? Schedule) ReadLearningRate(JsonObject config, float fallback) =>
        config["learning_rate"] switch
        {
            JsonObject o => (0f, KerasRegistry.Deserialize<LearningRateSchedule>(o)),
            null => (fallback, null),
            _ => (config.GetFloat("learning_rate", fallback), null),
        };
}
