using KerasNet.Losses;
using KerasNet.Saving;
using LossBce = KerasNet.Losses.BinaryCrossentropy;
using LossCce = KerasNet.Losses.CategoricalCrossentropy;
using LossScce = KerasNet.Losses.SparseCategoricalCrossentropy;

namespace KerasNet.Metrics;

/// <summary>Compile-time resolution of metric and loss strings, as Keras's compile_utils: "accuracy"/"acc"
/// and "crossentropy"/"ce" become the binary, sparse categorical or categorical variant according to the
/// shapes of y_true and y_pred (and the loss); any other string goes through the registry. The resolved
/// metric is named after the string, which is the key it has in logs and History.</summary>
public static class MetricResolver
{
    /// <summary>Whether <paramref name="name"/> is one of the strings resolved from shapes.</summary>
    public static bool IsShapeDependent(string name) => IsAccuracy(name) || IsCrossentropy(name);

    /// <summary>The metric for <paramref name="name"/>, named <paramref name="name"/>. For "accuracy"/"acc"
    /// (any case): binary accuracy when y_pred's last dimension is 1 or the loss is a binary cross-entropy;
    /// else sparse categorical accuracy when y_true has fewer dimensions than y_pred, or a last dimension of 1
    /// while y_pred's is larger; else categorical accuracy. "crossentropy"/"ce" choose the cross-entropy the
    /// same way, taking from_logits from a cross-entropy loss. An unknown name lists the known ones.</summary>
    public static Metric Resolve(string name, Loss? loss, Shape yTrueShape, Shape yPredShape)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Metric metric;
        if (IsAccuracy(name) || IsCrossentropy(name))
        {
            var (binary, sparse) = Classify(loss, yTrueShape, yPredShape);
            if (IsAccuracy(name))
            {
                metric = binary ? new BinaryAccuracy(name)
                    : sparse ? new SparseCategoricalAccuracy(name)
                    : new CategoricalAccuracy(name);
            }
            else
            {
                bool fromLogits = loss switch
                {
                    LossBce b => b.FromLogits,
                    LossCce c => c.FromLogits,
                    LossScce s => s.FromLogits,
                    _ => false,
                };
                metric = binary ? new BinaryCrossentropy(name, fromLogits)
                    : sparse ? new SparseCategoricalCrossentropy(name, fromLogits)
                    : new CategoricalCrossentropy(name, fromLogits);
            }
        }
        else
        {
            metric = KerasRegistry.Get<Metric>(name);
        }
        metric.Name = name;
        return metric;
    }

    /// <summary>Keras's get_loss: "crossentropy"/"ce" become the binary, sparse categorical or categorical
    /// cross-entropy by the shapes (binary when y_pred's last dimension is 1), named after the string; any
    /// other string goes through the registry.</summary>
    public static Loss ResolveLoss(string name, Shape yTrueShape, Shape yPredShape)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (!IsCrossentropy(name)) return KerasRegistry.Get<Loss>(name);
        var (binary, sparse) = Classify(null, yTrueShape, yPredShape);
        return binary ? new LossBce(name: name)
            : sparse ? new LossScce(name: name)
            : new LossCce(name: name);
    }

    private static (bool Binary, bool Sparse) Classify(Loss? loss, Shape yTrue, Shape yPred)
    {
        int tLast = yTrue.Rank == 0 ? 1 : yTrue[-1];
        int pLast = yPred.Rank == 0 ? 1 : yPred[-1];
        bool binary = pLast == 1 || loss is LossBce;
        bool sparse = yTrue.Rank < yPred.Rank || (tLast == 1 && pLast > 1);
        return (binary, sparse);
    }

    private static bool IsAccuracy(string name) => name.Equals("accuracy", StringComparison.OrdinalIgnoreCase) || name.Equals("acc", StringComparison.OrdinalIgnoreCase);

    private static bool IsCrossentropy(string name) => name.Equals("crossentropy", StringComparison.OrdinalIgnoreCase) || name.Equals("ce", StringComparison.OrdinalIgnoreCase);
}
