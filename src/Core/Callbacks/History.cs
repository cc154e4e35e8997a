namespace KerasNet.Callbacks;

/// <summary>What Fit returns: every epoch-end metric, as Keras's <c>history.history</c>.
/// <c>history["loss"]</c> is the per-epoch training loss; validation metrics are "val_"-prefixed.</summary>
public sealed class History : Callback
{
    private readonly Dictionary<string, List<float>> _history = new();

    /// <summary>Epoch numbers recorded (0-based).</summary>
    public List<int> Epoch { get; } = [];

    /// <summary>Metric name to per-epoch values (Keras's <c>history.history</c>).</summary>
    public IReadOnlyDictionary<string, List<float>> HistoryData => _history;

    /// <summary>The per-epoch values of <paramref name="metric"/>.</summary>
    public IReadOnlyList<float> this[string metric] => _history.TryGetValue(metric, out var v) ? v
        : throw new KeyNotFoundException($"History has no metric '{metric}'. It has: {string.Join(", ", _history.Keys)}.");

    /// <summary>Metric names in the order first seen.</summary>
    public IReadOnlyList<string> Keys => _history.Keys.ToList();

    /// <inheritdoc/>
    public override void OnTrainBegin(IReadOnlyDictionary<string, float> logs) { }

    /// <inheritdoc/>
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, float> logs)
    {
        Epoch.Add(epoch);
        foreach (var (k, v) in logs)
        {
            if (!_history.TryGetValue(k, out var list)) _history[k] = list = [];
            list.Add(v);
        }
    }
}
