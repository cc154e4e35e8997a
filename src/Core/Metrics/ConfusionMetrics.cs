using System.Text.Json.Nodes;
using KerasNet.Losses;
using KerasNet.Saving;

namespace KerasNet.Metrics;

/// <summary>Shared state of <see cref="Precision"/> and <see cref="Recall"/>: thresholds, top_k and class_id
/// as in Keras, with one count per threshold.</summary>
public abstract class ThresholdedConfusionMetric : Metric
{
    private readonly float[]? _initThresholds;
    private readonly bool _singleThreshold;
    private readonly Variable _thresholds;
    private Variable? _lowerTriangle;

    /// <summary>Parses Keras's thresholds (default 0.5, or NEG_INF with top_k).</summary>
    protected ThresholdedConfusionMetric(string name, float[]? thresholds, int? topK, int? classId) : base(name)
    {
        if (thresholds is not null)
        {
            if (thresholds.Length == 0) throw new ArgumentException($"{name}: thresholds must not be empty.", nameof(thresholds));
            foreach (var t in thresholds)
                if (!(t >= 0 && t <= 1)) throw new ArgumentOutOfRangeException(nameof(thresholds), t, $"{name}: threshold values must be in [0, 1]; got {t}.");
        }
        if (topK is < 1) throw new ArgumentOutOfRangeException(nameof(topK), topK, $"{name}: top_k must be at least 1.");
        if (classId is < 0) throw new ArgumentOutOfRangeException(nameof(classId), classId, $"{name}: class_id must not be negative.");
        _initThresholds = thresholds is null ? null : (float[])thresholds.Clone();
        Thresholds = thresholds is null ? [topK is null ? 0.5f : MetricUtils.NegInf] : (float[])thresholds.Clone();
        _singleThreshold = Thresholds.Count == 1;
        TopK = topK;
        ClassId = classId;
        _thresholds = MetricUtils.Constant(Thresholds.ToArray(), new Shape(Thresholds.Count), "thresholds");
    }

    /// <summary>The thresholds predictions are compared with (y_pred &gt; t is positive).</summary>
    public IReadOnlyList<float> Thresholds { get; }

    /// <summary>When set, only the top-k predictions of each sample count as positive.</summary>
    public int? TopK { get; }

    /// <summary>When set, only this class (column of y_pred) is considered.</summary>
    public int? ClassId { get; }

    /// <summary>Whether the constructor was given a single threshold (Keras then writes a number in the config).</summary>
    private protected bool ScalarThresholdInConfig { get; init; }

    private protected void Update(Variable? tp, Variable? fp, Variable? tn, Variable? fn, Tensor yTrue, Tensor yPred, Tensor sampleWeight)
    {
        LossUtils.CheckNotNull(Name, yTrue, yPred);
        var scope = LossUtils.OpenAlways();
        try
        {
            Variable? lower = null;
            if (TopK is not null)
            {
                int c = yPred.Shape[-1];
                if (_lowerTriangle is null || _lowerTriangle.Shape[0] != c) _lowerTriangle = MetricUtils.LowerTriangle(c);
                lower = _lowerTriangle;
            }
            MetricUtils.UpdateConfusion(Name, tp, fp, tn, fn, yTrue, yPred, _thresholds, TopK, lower, ClassId, sampleWeight);
        }
        finally { LossUtils.Close(scope); }
    }

    /// <summary>a / (a + b) per threshold (0 where both are 0); a scalar for a single threshold.</summary>
    private protected Tensor Ratio(Variable a, Variable b)
    {
        var scope = LossUtils.OpenAlways();
        try
        {
            var r = LossUtils.DivideNoNan(a, Ops.Add(a, b));
            return scope.Keep(_singleThreshold ? Ops.Reshape(r, Shape.Scalar) : r);
        }
        finally { LossUtils.Close(scope); }
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["thresholds"] = _initThresholds is null ? null
            : ScalarThresholdInConfig && _initThresholds.Length == 1 ? JsonValue.Create(_initThresholds[0])
            : new JsonArray(_initThresholds.Select(t => (JsonNode?)JsonValue.Create(t)).ToArray());
        c["top_k"] = TopK;
        c["class_id"] = ClassId;
        return c;
    }

    /// <summary>Reads "thresholds" (null, a number or a list) from a Keras config.</summary>
    private protected static (float[]? Thresholds, bool Scalar) ReadThresholds(JsonObject config) => config["thresholds"] switch
    {
        JsonArray a => (a.Select(x => x!.GetValue<float>()).ToArray(), false),
        JsonValue v => ([v.GetValue<float>()], true),
        _ => (null, false),
    };
}

/// <summary>keras.metrics.Precision: true positives / (true positives + false positives), per threshold.</summary>
[KerasSerializable("Precision", "precision")]
public sealed class Precision : ThresholdedConfusionMetric
{
    private readonly Variable _tp, _fp;

    /// <summary>Creates the metric (thresholds default to 0.5; with <paramref name="topK"/>, to "in the top k").</summary>
    public Precision(float[]? thresholds = null, int? topK = null, int? classId = null, string name = "precision")
        : base(name, thresholds, topK, classId)
    {
        _tp = AddVariable(new Shape(Thresholds.Count), "true_positives");
        _fp = AddVariable(new Shape(Thresholds.Count), "false_positives");
    }

    /// <summary>Creates the metric with one threshold.</summary>
    public Precision(float threshold, int? topK = null, int? classId = null, string name = "precision")
        : this([threshold], topK, classId, name) => ScalarThresholdInConfig = true;

    /// <inheritdoc/>
    public override void UpdateState(Tensor yTrue, Tensor yPred, Tensor sampleWeight = default) =>
        Update(_tp, _fp, null, null, yTrue, yPred, sampleWeight);

    /// <inheritdoc/>
    public override Tensor Result() => Ratio(_tp, _fp);

    /// <summary>Rebuilds from a Keras config.</summary>
    public static Precision FromConfig(JsonObject config)
    {
        var (t, scalar) = ReadThresholds(config);
        var name = MetricMath.Name(config, "precision");
        return scalar ? new Precision(t![0], config.GetIntOrNull("top_k"), config.GetIntOrNull("class_id"), name)
            : new Precision(t, config.GetIntOrNull("top_k"), config.GetIntOrNull("class_id"), name);
    }
}

/// <summary>keras.metrics.Recall: true positives / (true positives + false negatives), per threshold.</summary>
[KerasSerializable("Recall", "recall")]
public sealed class Recall : ThresholdedConfusionMetric
{
    private readonly Variable _tp, _fn;

    /// <summary>Creates the metric (thresholds default to 0.5; with <paramref name="topK"/>, to "in the top k").</summary>
    public Recall(float[]? thresholds = null, int? topK = null, int? classId = null, string name = "recall")
        : base(name, thresholds, topK, classId)
    {
        _tp = AddVariable(new Shape(Thresholds.Count), "true_positives");
        _fn = AddVariable(new Shape(Thresholds.Count), "false_negatives");
    }

    /// <summary>Creates the metric with one threshold.</summary>
    public Recall(float threshold, int? topK = null, int? classId = null, string name = "recall")
        : this([threshold], topK, classId, name) => ScalarThresholdInConfig = true;

    /// <inheritdoc/>
    public override void UpdateState(Tensor yTrue, Tensor yPred, Tensor sampleWeight = default) =>
        Update(_tp, null, null, _fn, yTrue, yPred, sampleWeight);

    /// <inheritdoc/>
    public override Tensor Result() => Ratio(_tp, _fn);

    /// <summary>Rebuilds from a Keras config.</summary>
    public static Recall FromConfig(JsonObject config)
    {
        var (t, scalar) = ReadThresholds(config);
        var name = MetricMath.Name(config, "recall");
        return scalar ? new Recall(t![0], config.GetIntOrNull("top_k"), config.GetIntOrNull("class_id"), name)
            : new Recall(t, config.GetIntOrNull("top_k"), config.GetIntOrNull("class_id"), name);
    }
}
