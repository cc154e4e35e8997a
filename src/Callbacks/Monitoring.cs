using System.Globalization;
using KerasNet.Metrics;
using KerasNet.Models;

namespace KerasNet.Callbacks;

/// <summary>Keras's monitor logic shared by EarlyStopping and ModelCheckpoint (keras.callbacks.MonitorCallback):
/// the direction of a monitored quantity and the improvement test.</summary>
internal static class Monitoring
{
    // Keras 3 metric classes that set _direction = "up" / "down" (by our class names).
    private static readonly HashSet<string> UpTypes = new(StringComparer.Ordinal)
    {
        "Accuracy", "BinaryAccuracy", "CategoricalAccuracy", "SparseCategoricalAccuracy", "TopKCategoricalAccuracy",
        "SparseTopKCategoricalAccuracy", "AUC", "Precision", "Recall", "PrecisionAtRecall", "RecallAtPrecision",
        "SensitivityAtSpecificity", "SpecificityAtSensitivity", "TruePositives", "TrueNegatives", "FBetaScore", "F1Score",
        "CosineSimilarity", "R2Score", "IoU", "BinaryIoU", "MeanIoU", "OneHotIoU", "OneHotMeanIoU",
        "PearsonCorrelation", "ConcordanceCorrelation",
    };

    private static readonly HashSet<string> DownTypes = new(StringComparer.Ordinal)
    {
        "MeanSquaredError", "MeanAbsoluteError", "MeanAbsolutePercentageError", "MeanSquaredLogarithmicError",
        "RootMeanSquaredError", "LogCoshError", "BinaryCrossentropy", "CategoricalCrossentropy",
        "SparseCategoricalCrossentropy", "KLDivergence", "Poisson", "Hinge", "SquaredHinge", "CategoricalHinge",
        "FalsePositives", "FalseNegatives",
    };

    // The default names of the metrics above, for when the model's metrics are not built (or not there).
    private static readonly HashSet<string> UpNames = new(StringComparer.Ordinal)
    {
        "acc", "accuracy", "auc", "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
        "top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy", "precision", "recall", "f1_score",
        "fbeta_score", "cosine_similarity", "r2_score", "iou", "binary_iou", "mean_iou", "one_hot_iou", "one_hot_mean_iou",
    };

    /// <summary>Keras's mode check: anything but auto/min/max warns and falls back to auto.</summary>
    public static string CheckMode(string mode, string callbackName, Action<string> warn)
    {
        ArgumentNullException.ThrowIfNull(mode);
        if (mode is "auto" or "min" or "max") return mode;
        warn($"{callbackName} mode '{mode}' is unknown, fallback to auto mode.");
        return "auto";
    }

    /// <summary>Whether higher values of <paramref name="monitor"/> are better, as Keras 3 decides it: "min"
    /// and "max" say so; "auto" takes "loss" (and "val_loss") as lower-is-better, then the direction of the
    /// model's compiled metric of that name (accuracy, AUC, precision ... up; errors and cross-entropies
    /// down). When no compiled metric answers, the usual metric names answer (acc/accuracy/auc ... up; names
    /// ending in "loss" down); otherwise it is Keras's error asking for an explicit mode.</summary>
    public static bool HigherIsBetter(string mode, string monitor, Model? model, string callbackName)
    {
        if (mode == "min") return false;
        if (mode == "max") return true;
        string name = monitor.StartsWith("val_", StringComparison.Ordinal) ? monitor[4..] : monitor;
        bool? direction = name == "loss" ? false : null;
        if (model is not null)
        {
            var metrics = model.Metrics;
            var names = model.MetricsNames;
            int offset = names.Count - metrics.Count;
            for (int i = 0; i < metrics.Count && offset >= 0; i++)
                if (names[offset + i] == name && DirectionOf(metrics[i]) is bool d) direction = d;
        }
        if (direction is null)
        {
            string bare = name;
            foreach (var n in UpNames)
                if (name == n || name.EndsWith("_" + n, StringComparison.Ordinal)) { bare = n; break; }
            if (UpNames.Contains(bare)) direction = true;
            else if (name.EndsWith("loss", StringComparison.Ordinal)) direction = false;
        }
        return direction ?? throw new InvalidOperationException(
            $"{callbackName} callback received monitor={monitor}, but it cannot automatically determine whether that metric " +
            "should be maximized or minimized. Pass mode: \"max\" in order to monitor based on the highest metric value, " +
            "or mode: \"min\" in order to use the lowest value.");
    }

    private static bool? DirectionOf(Metric metric)
    {
        string type = metric.GetType().Name;
        if (UpTypes.Contains(type)) return true;
        if (DownTypes.Contains(type)) return false;
        return null;
    }

    /// <summary>Keras's <c>_is_improvement</c>: <c>monitor_op(current - min_delta, reference)</c>, where
    /// <paramref name="signedMinDelta"/> is already negated for lower-is-better. Keras compares with
    /// <c>keras.ops</c>, so in float32: the difference is computed in double, then both sides are float32.
    /// A null reference (nothing seen yet) is always improved on.</summary>
    public static bool IsImprovement(float current, double? reference, double signedMinDelta, bool higherIsBetter)
    {
        if (reference is not double r) return true;
        float lhs = (float)(current - signedMinDelta);
        float rhs = (float)r;
        return higherIsBetter ? lhs > rhs : lhs < rhs;
    }
}

/// <summary>Messages and warnings of the callbacks, and writes to the epoch logs.</summary>
internal static class CallbackIO
{
    /// <summary>Prints a message as Keras's io_utils.print_msg (to <paramref name="output"/>, the console by default).</summary>
    public static void Print(TextWriter? output, string message) => (output ?? Console.Out).WriteLine(message);

    /// <summary>A warning, as Python's warnings.warn shows it: once per distinct message.</summary>
    public static void Warn(HashSet<string> shown, string message)
    {
        if (shown.Add(message)) Console.Error.WriteLine("Warning: " + message);
    }

    /// <summary>Adds <paramref name="key"/> to the epoch logs when they are writable, as Keras's callbacks add
    /// "learning_rate" (Fit hands the callbacks one mutable dictionary per epoch, which History then reads).</summary>
    public static void TrySet(IReadOnlyDictionary<string, float> logs, string key, float value)
    {
        if (logs is IDictionary<string, float> { IsReadOnly: false } d) d[key] = value;
    }

    /// <summary>A float as Python prints the float a user wrote: the shortest digits ("0.05").</summary>
    public static string Show(float value) => float.IsFinite(value)
        ? PythonFormat.Repr(double.Parse(value.ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture))
        : PythonFormat.Repr(value);
}
