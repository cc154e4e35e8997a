using KerasNet.Saving;

namespace KerasNet.Callbacks;

/// <summary>Saves the model or its weights during training, as keras.callbacks.ModelCheckpoint. The file
/// path is a Python format string filled with <c>epoch</c> (1-based), <c>batch</c> (1-based, when saving
/// every N batches) and the logs: <c>"ckpt-{epoch:02d}-{val_loss:.4f}.keras"</c>. A whole model is saved
/// with <see cref="Models.Model.Save"/> (the path must end in ".keras"); with <c>saveWeightsOnly</c>, the
/// weights (and optimizer state) with <see cref="Models.Model.SaveWeights"/> (the path must end in
/// ".weights.safetensors", KerasNet's counterpart of Keras's ".weights.h5"). With <c>saveBestOnly</c>, a
/// save happens only when the monitored value improves on the best so far (or on
/// <c>initialValueThreshold</c>); a path without fields is then overwritten by each better model.</summary>
public sealed class ModelCheckpoint : Callback
{
    private readonly HashSet<string> _warned = [];
    private readonly BatchSaveCounter _counter = new();
    private bool? _higherIsBetter;
    private int _currentEpoch;

    /// <summary>Creates the callback with Keras's arguments.</summary>
    /// <param name="filepath">Where to save, with optional format fields ({epoch}, {batch}, any log key).</param>
    /// <param name="monitor">The logged quantity that decides "best" ("val_loss", "val_accuracy", ...).</param>
    /// <param name="verbose">1 prints a line for each save decision.</param>
    /// <param name="saveBestOnly">Save only when the monitored quantity improves.</param>
    /// <param name="saveWeightsOnly">Save the weights (<c>.weights.safetensors</c>) rather than the whole model (<c>.keras</c>).</param>
    /// <param name="mode">"min", "max" or "auto" (from the monitored name, as EarlyStopping; an unknown mode falls back to auto).</param>
    /// <param name="saveFreq">"epoch", or a number of training batches between saves.</param>
    /// <param name="initialValueThreshold">The initial "best" value: with <c>saveBestOnly</c>, only a better value saves.</param>
    public ModelCheckpoint(string filepath, string monitor = "val_loss", int verbose = 0, bool saveBestOnly = false,
        bool saveWeightsOnly = false, string mode = "auto", SaveFrequency saveFreq = default, double? initialValueThreshold = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(filepath);
        ArgumentNullException.ThrowIfNull(monitor);
        if (saveWeightsOnly)
        {
            if (!filepath.EndsWith(ModelIO.WeightsExtension, StringComparison.Ordinal))
                throw new ArgumentException($"When using saveWeightsOnly: true in ModelCheckpoint, the filepath provided must end in `{ModelIO.WeightsExtension}` " +
                    $"(KerasNet's weights format; Keras 3 uses .weights.h5). Received: filepath={filepath}", nameof(filepath));
        }
        else if (!filepath.EndsWith(".keras", StringComparison.Ordinal))
        {
            throw new ArgumentException($"The filepath provided must end in `.keras` (Keras model format{(filepath.EndsWith(".h5", StringComparison.Ordinal) ? "; HDF5 .h5 files are not supported" : "")}). " +
                $"To save only the weights, pass saveWeightsOnly: true and a `{ModelIO.WeightsExtension}` path. Received: filepath={filepath}", nameof(filepath));
        }
        Filepath = filepath;
        Monitor = monitor;
        Verbose = verbose;
        SaveBestOnly = saveBestOnly;
        SaveWeightsOnly = saveWeightsOnly;
        Mode = Monitoring.CheckMode(mode, "ModelCheckpoint", m => CallbackIO.Warn(_warned, m));
        SaveFreq = saveFreq;
        Best = initialValueThreshold;
    }

    /// <summary>The path template.</summary>
    public string Filepath { get; }

    /// <summary>The monitored log key.</summary>
    public string Monitor { get; }

    /// <summary>Verbosity: 0 silent, 1 messages.</summary>
    public int Verbose { get; }

    /// <summary>Whether only improvements are saved.</summary>
    public bool SaveBestOnly { get; }

    /// <summary>Whether only the weights are saved.</summary>
    public bool SaveWeightsOnly { get; }

    /// <summary>"auto", "min" or "max".</summary>
    public string Mode { get; }

    /// <summary>"epoch" or a number of batches.</summary>
    public SaveFrequency SaveFreq { get; }

    /// <summary>The best monitored value so far: the initial threshold, ±infinity once the direction is known,
    /// then each improvement.</summary>
    public double? Best { get; private set; }

    /// <summary>Where the verbose messages go (the console when null).</summary>
    public TextWriter? Output { get; set; }

    /// <summary>Every path saved to, in order (a path overwritten several times appears each time).</summary>
    public List<string> SavedPaths { get; } = [];

    /// <inheritdoc/>
    public override void OnEpochBegin(int epoch, IReadOnlyDictionary<string, float> logs) => _currentEpoch = epoch;

    /// <inheritdoc/>
    public override void OnTrainBatchEnd(int batch, IReadOnlyDictionary<string, float> logs)
    {
        if (SaveFreq.IsEpoch || !_counter.ShouldSave(batch, SaveFreq.Batches)) return;
        SaveModel(_currentEpoch, batch, logs);
    }

    /// <inheritdoc/>
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, float> logs)
    {
        // As Keras, the direction is settled at the first epoch end (the model's metrics are built by then),
        // and an unset best becomes ±infinity.
        SetMonitorDirection();
        if (SaveFreq.IsEpoch) SaveModel(epoch, null, logs);
    }

    private bool SetMonitorDirection()
    {
        if (_higherIsBetter is null)
        {
            _higherIsBetter = Monitoring.HigherIsBetter(Mode, Monitor, Model, "ModelCheckpoint");
            Best ??= _higherIsBetter.Value ? double.NegativeInfinity : double.PositiveInfinity;
        }
        return _higherIsBetter.Value;
    }

    private void SaveModel(int epoch, int? batch, IReadOnlyDictionary<string, float> logs)
    {
        var model = Model ?? throw new InvalidOperationException("ModelCheckpoint has no model: it is set by Fit.");
        string path = FilePath(epoch, batch, logs);
        if (!ShouldSave(epoch, logs, path)) return;
        if (Directory.Exists(path))
            throw new IOException($"Please specify a non-directory filepath for ModelCheckpoint. Filepath used is an existing directory: {path}");
        string? dir = Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        if (SaveWeightsOnly) model.SaveWeights(path, overwrite: true);
        else model.Save(path, overwrite: true);
        SavedPaths.Add(path);
    }

    /// <summary>The path for a save at <paramref name="epoch"/> (0-based) and <paramref name="batch"/> (0-based,
    /// or null at an epoch end): the template filled with epoch + 1, batch + 1 and the logs.</summary>
    public string FilePath(int epoch, int? batch, IReadOnlyDictionary<string, float> logs)
    {
        ArgumentNullException.ThrowIfNull(logs);
        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (k, v) in logs) values[k] = v;
        values["epoch"] = epoch + 1;
        if (batch is int b && !logs.ContainsKey("batch")) values["batch"] = b + 1;
        try
        {
            return PythonFormat.Format(Filepath, values);
        }
        catch (KeyNotFoundException e)
        {
            throw new KeyNotFoundException($"Failed to format this callback filepath: \"{Filepath}\". Reason: {e.Message}", e);
        }
    }

    private bool ShouldSave(int epoch, IReadOnlyDictionary<string, float> logs, string path)
    {
        if (!SaveBestOnly)
        {
            if (Verbose > 0) CallbackIO.Print(Output, $"\nEpoch {epoch + 1}: saving model to {path}");
            return true;
        }
        if (!logs.TryGetValue(Monitor, out float current))
        {
            CallbackIO.Warn(_warned, $"Can save best model only with {Monitor} available.");
            return true;
        }
        string bestText = Best is double b ? PythonFormat.Format("{b:.5f}", new Dictionary<string, object?> { ["b"] = b }) : "None";
        string currentText = PythonFormat.Format("{c:.5f}", new Dictionary<string, object?> { ["c"] = current });
        bool higher = SetMonitorDirection();
        if (Monitoring.IsImprovement(current, Best, 0, higher))
        {
            if (Verbose > 0) CallbackIO.Print(Output, $"\nEpoch {epoch + 1}: {Monitor} improved from {bestText} to {currentText}, saving model to {path}");
            Best = current;
            return true;
        }
        if (Verbose > 0) CallbackIO.Print(Output, $"\nEpoch {epoch + 1}: {Monitor} did not improve from {bestText}");
        return false;
    }
}
