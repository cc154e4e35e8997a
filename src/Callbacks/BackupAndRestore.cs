using System.Globalization;
using System.Text.Json.Nodes;
using KerasNet.Saving;

namespace KerasNet.Callbacks;

/// <summary>Backs up the training state so that an interrupted Fit can resume, as
/// keras.callbacks.BackupAndRestore. At the end of every epoch (or every N batches) it writes the weights and
/// optimizer state to <c>latest.weights.safetensors</c> and the epoch reached to
/// <c>training_metadata.json</c> in <see cref="BackupDir"/>; at the start of Fit it loads them back; at the end of
/// a Fit that completes it deletes the directory (unless <c>deleteCheckpoint</c> is false).
/// <para>As in Keras, Fit then starts at the epoch recorded in the backup (through
/// <see cref="Models.Model.InitialEpochOverride"/>), so the very same call resumes an interrupted run.</para>
/// <code>
/// model.Fit(x, y, epochs: 10, callbacks: [new BackupAndRestore("/tmp/backup")]);
/// </code></summary>
public sealed class BackupAndRestore : Callback
{
    /// <summary>The weights file inside the backup directory.</summary>
    public const string WeightsFileName = "latest" + ModelIO.WeightsExtension;

    /// <summary>The metadata file inside the backup directory.</summary>
    public const string MetadataFileName = "training_metadata.json";

    private readonly BatchSaveCounter _counter = new();
    private int _currentEpoch;
    private int? _expectedFirstEpoch;

    /// <summary>Creates the callback with Keras's arguments.</summary>
    /// <param name="backupDir">The directory for the backup; it must not be used by anything else (it is deleted
    /// when training completes).</param>
    /// <param name="saveFreq">"epoch", or a number of training batches between backups.</param>
    /// <param name="deleteCheckpoint">Delete the backup once training completes.</param>
    public BackupAndRestore(string backupDir, SaveFrequency saveFreq = default, bool deleteCheckpoint = true)
    {
        if (string.IsNullOrEmpty(backupDir)) throw new ArgumentException("Empty `backupDir` argument passed", nameof(backupDir));
        BackupDir = backupDir;
        SaveFreq = saveFreq;
        DeleteCheckpoint = deleteCheckpoint;
    }

    /// <summary>The backup directory.</summary>
    public string BackupDir { get; }

    /// <summary>"epoch" or a number of batches.</summary>
    public SaveFrequency SaveFreq { get; }

    /// <summary>Whether the backup is deleted when training completes.</summary>
    public bool DeleteCheckpoint { get; }

    /// <summary>The path of the weights backup.</summary>
    public string WeightsPath => Path.Combine(BackupDir, WeightsFileName);

    /// <summary>The path of the metadata backup.</summary>
    public string MetadataPath => Path.Combine(BackupDir, MetadataFileName);

    /// <summary>The epoch a Fit resumes at: the one recorded in the backup, or 0 when there is none.</summary>
    public int InitialEpoch => ReadMetadata()?.Epoch ?? 0;

    /// <inheritdoc/>
    public override void OnTrainBegin(IReadOnlyDictionary<string, float> logs)
    {
        var model = Model ?? throw new InvalidOperationException("BackupAndRestore has no model: it is set by Fit.");
        if (!model.Built)
            throw new InvalidOperationException($"To use the BackupAndRestore callback, your model must be built before you call Fit(). Model '{model.Name}' is unbuilt.");
        _expectedFirstEpoch = null;
        _counter.LastBatchSeen = 0;
        if (File.Exists(WeightsPath)) model.LoadWeights(WeightsPath);
        if (ReadMetadata() is { } meta)
        {
            if (meta.LearningRate is float lr && model.Optimizer is { Schedule: null } opt) opt.LearningRate = lr;
            // Keras: model._initial_epoch = epoch, which its fit prefers to initial_epoch unless it is 0.
            if (meta.Epoch > 0)
            {
                model.InitialEpochOverride = meta.Epoch;
                _expectedFirstEpoch = meta.Epoch;
            }
        }
    }

    /// <inheritdoc/>
    public override void OnEpochBegin(int epoch, IReadOnlyDictionary<string, float> logs)
    {
        if (_expectedFirstEpoch is int expected)
        {
            _expectedFirstEpoch = null;
            if (epoch != expected)
                throw new InvalidOperationException(
                    $"BackupAndRestore restored the training state of '{BackupDir}', which resumes at epoch {expected}, but Fit started at epoch {epoch}. " +
                    "Another callback moved the starting epoch; delete the backup directory to start over.");
        }
        _currentEpoch = epoch;
    }

    /// <inheritdoc/>
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, float> logs)
    {
        _currentEpoch = epoch + 1;
        _counter.LastBatchSeen = 0;
        if (SaveFreq.IsEpoch) Save();
    }

    /// <inheritdoc/>
    public override void OnTrainBatchEnd(int batch, IReadOnlyDictionary<string, float> logs)
    {
        if (!SaveFreq.IsEpoch && _counter.ShouldSave(batch, SaveFreq.Batches)) Save();
    }

    /// <inheritdoc/>
    public override void OnTrainEnd(IReadOnlyDictionary<string, float> logs)
    {
        if (DeleteCheckpoint && Directory.Exists(BackupDir)) Directory.Delete(BackupDir, recursive: true);
    }

    private void Save()
    {
        var model = Model ?? throw new InvalidOperationException("BackupAndRestore has no model: it is set by Fit.");
        Directory.CreateDirectory(BackupDir);
        model.SaveWeights(WeightsPath, overwrite: true);
        // Keras's metadata is {"epoch", "batch"}. Its weights file also holds the optimizer's learning rate (a
        // variable there); KerasNet's weights files do not, so the rate in force is kept here.
        var meta = new JsonObject
        {
            ["epoch"] = _currentEpoch,
            ["batch"] = _counter.LastBatchSeen,
        };
        if (model.Optimizer is { Schedule: null } opt) meta["learning_rate"] = opt.LearningRate;
        string tmp = MetadataPath + ".tmp";
        File.WriteAllText(tmp, meta.ToJsonString());
        File.Move(tmp, MetadataPath, overwrite: true);
    }

    private (int Epoch, int Batch, float? LearningRate)? ReadMetadata()
    {
        if (!File.Exists(MetadataPath)) return null;
        JsonObject meta;
        try
        {
            meta = JsonNode.Parse(File.ReadAllText(MetadataPath)) as JsonObject
                ?? throw new InvalidDataException("the content is not a JSON object");
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new InvalidDataException($"The backup metadata '{MetadataPath}' is not valid JSON: {e.Message}", e);
        }
        int epoch = meta["epoch"] is JsonValue e1 && e1.TryGetValue(out int ev) ? ev
            : throw new InvalidDataException($"The backup metadata '{MetadataPath}' has no integer \"epoch\".");
        int batch = meta["batch"] is JsonValue b1 && b1.TryGetValue(out int bv) ? bv : 0;
        float? lr = meta["learning_rate"] is JsonValue l1 && l1.TryGetValue(out double lv) ? (float)lv : null;
        return (epoch, batch, lr);
    }

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"BackupAndRestore({BackupDir}, saveFreq={SaveFreq})");
}
