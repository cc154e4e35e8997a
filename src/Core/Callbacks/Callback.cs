using KerasNet.Models;

namespace KerasNet.Callbacks;

/// <summary>Base of every callback, with each of Keras's hooks. <c>logs</c> maps metric names ("loss",
/// "accuracy", "val_loss", ...) to their current values; batch-level logs are read lazily, so a callback
/// that does not look at them costs no device synchronisation. Epoch-end logs are a writable
/// <c>Dictionary&lt;string, float&gt;</c>: a callback may add entries (ReduceLROnPlateau adds
/// "learning_rate"), which later callbacks and History then see, as in Keras.</summary>
public abstract class Callback
{
    /// <summary>The model being trained (set by Fit, Evaluate and Predict).</summary>
    public Model? Model { get; set; }

    /// <summary>Fit's parameters: "epochs", "steps", "verbose".</summary>
    public IReadOnlyDictionary<string, object> Params { get; set; } = new Dictionary<string, object>();

    /// <summary>Start of Fit.</summary>
    public virtual void OnTrainBegin(IReadOnlyDictionary<string, float> logs) { }
    /// <summary>End of Fit.</summary>
    public virtual void OnTrainEnd(IReadOnlyDictionary<string, float> logs) { }
    /// <summary>Start of an epoch (0-based).</summary>
    public virtual void OnEpochBegin(int epoch, IReadOnlyDictionary<string, float> logs) { }
    /// <summary>End of an epoch, with its training and validation metrics.</summary>
    public virtual void OnEpochEnd(int epoch, IReadOnlyDictionary<string, float> logs) { }
    /// <summary>Start of a training batch.</summary>
    public virtual void OnTrainBatchBegin(int batch, IReadOnlyDictionary<string, float> logs) { }
    /// <summary>End of a training batch, with the running epoch averages.</summary>
    public virtual void OnTrainBatchEnd(int batch, IReadOnlyDictionary<string, float> logs) { }
    /// <summary>Start of Evaluate (or of validation inside Fit).</summary>
    public virtual void OnTestBegin(IReadOnlyDictionary<string, float> logs) { }
    /// <summary>End of Evaluate.</summary>
    public virtual void OnTestEnd(IReadOnlyDictionary<string, float> logs) { }
    /// <summary>Start of an evaluation batch.</summary>
    public virtual void OnTestBatchBegin(int batch, IReadOnlyDictionary<string, float> logs) { }
    /// <summary>End of an evaluation batch.</summary>
    public virtual void OnTestBatchEnd(int batch, IReadOnlyDictionary<string, float> logs) { }
    /// <summary>Start of Predict.</summary>
    public virtual void OnPredictBegin(IReadOnlyDictionary<string, float> logs) { }
    /// <summary>End of Predict.</summary>
    public virtual void OnPredictEnd(IReadOnlyDictionary<string, float> logs) { }
    /// <summary>Start of a prediction batch.</summary>
    public virtual void OnPredictBatchBegin(int batch, IReadOnlyDictionary<string, float> logs) { }
    /// <summary>End of a prediction batch.</summary>
    public virtual void OnPredictBatchEnd(int batch, IReadOnlyDictionary<string, float> logs) { }
}

/// <summary>Batch logs computed only when first read in a batch, then cached for the batch.</summary>
internal sealed class LazyLogs : IReadOnlyDictionary<string, float>
{
    private readonly Dictionary<string, float> _values = new();
    private readonly Action<Dictionary<string, float>> _fill;
    private bool _filled;

    public LazyLogs(Action<Dictionary<string, float>> fill) => _fill = fill;

    /// <summary>Marks the cached values stale (a new batch).</summary>
    public void Invalidate() => _filled = false;

    private Dictionary<string, float> Values
    {
        get
        {
            if (!_filled)
            {
                _values.Clear();
                _fill(_values);
                _filled = true;
            }
            return _values;
        }
    }

    public float this[string key] => Values[key];
    public IEnumerable<string> Keys => Values.Keys;
    IEnumerable<float> IReadOnlyDictionary<string, float>.Values => Values.Values;
    public int Count => Values.Count;
    public bool ContainsKey(string key) => Values.ContainsKey(key);
    public bool TryGetValue(string key, out float value) => Values.TryGetValue(key, out value);
    public IEnumerator<KeyValuePair<string, float>> GetEnumerator() => Values.GetEnumerator();
    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>Calls a list of callbacks in order.</summary>
internal sealed class CallbackList
{
    private readonly List<Callback> _callbacks;

    public CallbackList(IEnumerable<Callback> callbacks, Model model, IReadOnlyDictionary<string, object> parameters)
    {
        _callbacks = callbacks.ToList();
        foreach (var c in _callbacks)
        {
            c.Model = model;
            c.Params = parameters;
        }
    }

    public IReadOnlyList<Callback> Items => _callbacks;

    public void TrainBegin(IReadOnlyDictionary<string, float> logs) { foreach (var c in _callbacks) c.OnTrainBegin(logs); }
    public void TrainEnd(IReadOnlyDictionary<string, float> logs) { foreach (var c in _callbacks) c.OnTrainEnd(logs); }
    public void EpochBegin(int e, IReadOnlyDictionary<string, float> logs) { foreach (var c in _callbacks) c.OnEpochBegin(e, logs); }
    public void EpochEnd(int e, IReadOnlyDictionary<string, float> logs) { foreach (var c in _callbacks) c.OnEpochEnd(e, logs); }
    public void TrainBatchBegin(int b, IReadOnlyDictionary<string, float> logs) { foreach (var c in _callbacks) c.OnTrainBatchBegin(b, logs); }
    public void TrainBatchEnd(int b, IReadOnlyDictionary<string, float> logs) { foreach (var c in _callbacks) c.OnTrainBatchEnd(b, logs); }
    public void TestBegin(IReadOnlyDictionary<string, float> logs) { foreach (var c in _callbacks) c.OnTestBegin(logs); }
    public void TestEnd(IReadOnlyDictionary<string, float> logs) { foreach (var c in _callbacks) c.OnTestEnd(logs); }
    public void TestBatchBegin(int b, IReadOnlyDictionary<string, float> logs) { foreach (var c in _callbacks) c.OnTestBatchBegin(b, logs); }
    public void TestBatchEnd(int b, IReadOnlyDictionary<string, float> logs) { foreach (var c in _callbacks) c.OnTestBatchEnd(b, logs); }
    public void PredictBegin(IReadOnlyDictionary<string, float> logs) { foreach (var c in _callbacks) c.OnPredictBegin(logs); }
    public void PredictEnd(IReadOnlyDictionary<string, float> logs) { foreach (var c in _callbacks) c.OnPredictEnd(logs); }
    public void PredictBatchBegin(int b, IReadOnlyDictionary<string, float> logs) { foreach (var c in _callbacks) c.OnPredictBatchBegin(b, logs); }
    public void PredictBatchEnd(int b, IReadOnlyDictionary<string, float> logs) { foreach (var c in _callbacks) c.OnPredictBatchEnd(b, logs); }
}
