using System.Globalization;

namespace KerasNet.Callbacks;

/// <summary>Keras's <c>save_freq</c>: "epoch" (save at the end of every epoch) or a number of training
/// batches. Converts implicitly from either, so <c>saveFreq: "epoch"</c> and <c>saveFreq: 100</c> both read as
/// in Keras; the default value means "epoch".</summary>
public readonly struct SaveFrequency : IEquatable<SaveFrequency>
{
    private readonly int _batches;

    private SaveFrequency(int batches) => _batches = batches;

    /// <summary>Every epoch.</summary>
    public static SaveFrequency Epoch => default;

    /// <summary>Every <paramref name="batches"/> training batches (counted across epochs).</summary>
    public static SaveFrequency EveryBatches(int batches) => batches > 0 ? new SaveFrequency(batches)
        : throw new ArgumentOutOfRangeException(nameof(batches), batches, $"Unrecognized save_freq: {batches}. Expected save_freq are 'epoch' or a positive integer number of batches.");

    /// <summary>Whether saving happens at epoch ends.</summary>
    public bool IsEpoch => _batches == 0;

    /// <summary>The number of batches between saves (0 for "epoch").</summary>
    public int Batches => _batches;

    /// <summary>"epoch".</summary>
    public static implicit operator SaveFrequency(string value) => value == "epoch" ? Epoch
        : throw new ArgumentException($"Unrecognized save_freq: {value}. Expected save_freq are 'epoch' or integer values.", nameof(value));

    /// <summary>A number of batches.</summary>
    public static implicit operator SaveFrequency(int batches) => EveryBatches(batches);

    /// <inheritdoc/>
    public bool Equals(SaveFrequency other) => _batches == other._batches;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is SaveFrequency other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => _batches;

    /// <summary>Equality.</summary>
    public static bool operator ==(SaveFrequency left, SaveFrequency right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    public static bool operator !=(SaveFrequency left, SaveFrequency right) => !left.Equals(right);

    /// <summary>"epoch" or the number of batches.</summary>
    public override string ToString() => IsEpoch ? "epoch" : _batches.ToString(CultureInfo.InvariantCulture);
}

/// <summary>Keras's batch-level save counter (ModelCheckpoint and BackupAndRestore share it): a batch index
/// not above the last one seen starts a new epoch.</summary>
internal sealed class BatchSaveCounter
{
    private int _sinceLastSave;

    /// <summary>The last batch index seen.</summary>
    public int LastBatchSeen { get; set; }

    /// <summary>Counts <paramref name="batch"/> and says whether <paramref name="every"/> batches have gone by.</summary>
    public bool ShouldSave(int batch, int every)
    {
        int added = batch <= LastBatchSeen ? batch + 1 : batch - LastBatchSeen;
        _sinceLastSave += added;
        LastBatchSeen = batch;
        if (_sinceLastSave < every) return false;
        _sinceLastSave = 0;
        return true;
    }
}
