using System.Text.Json.Nodes;
using KerasNet.Callbacks;
using KerasNet.Data;
using KerasNet.Models;
using Xunit;

namespace KerasNet.Tests.Callbacks;

/// <summary>BackupAndRestore against Keras 3 (backup_and_restore.py): an interrupted Fit resumed with the same
/// call continues at the epoch after the last backup and produces the history of an uninterrupted run.</summary>
public class BackupAndRestoreTests
{
    private sealed class InterruptedException(string message) : Exception(message);

    // Keras's docstring example: a callback raising at the start of epoch `at`.
    private static LambdaCallback InterruptAt(int at) => new(onEpochBegin: (epoch, _) =>
    {
        if (epoch == at) throw new InterruptedException($"Interrupting at epoch {epoch}!");
    });

    // Records every epoch's logs (the History of the run that threw is lost with the exception, as in Keras).
    private static LambdaCallback Record(List<(int Epoch, Dictionary<string, float> Logs)> into) =>
        new(onEpochEnd: (epoch, logs) => into.Add((epoch, logs.ToDictionary())));

    // The same call every time, as in Keras: the starting epoch comes from the backup (0 when there is none).
    // `callbacks` holds the backup among the others, in the order they run.
    private static History Fit(Sequential model, ArrayData x, ArrayData y, BackupAndRestore backup, Callback[] callbacks, int epochs = 6)
    {
        _ = backup;
        return model.Fit(x, y, batchSize: 4, epochs: epochs, verbose: 0, shuffle: false, validationData: (x, y), callbacks: callbacks);
    }

    [Fact]
    public void AnInterruptedFitResumedWithTheSameCallGivesTheUninterruptedHistory()
    {
        // Uninterrupted: 6 epochs of Adam (whose moments and step count must survive the interruption).
        var (reference, x, y) = CallbackKit.Mlp(11);
        var expected = reference.Fit(x, y, batchSize: 4, epochs: 6, verbose: 0, shuffle: false, validationData: (x, y));

        string root = CallbackKit.TempDir(), dir = Path.Combine(root, "backup");
        var (model, _, _) = CallbackKit.Mlp(11);
        var backup = new BackupAndRestore(dir);
        var seen = new List<(int, Dictionary<string, float>)>();
        Assert.Throws<InterruptedException>(() => Fit(model, x, y, backup, [backup, Record(seen), InterruptAt(4)]));
        Assert.Equal([0, 1, 2, 3], seen.Select(s => s.Item1));
        Assert.Equal(4, backup.InitialEpoch);
        Assert.True(File.Exists(backup.WeightsPath));

        // A new process would build a fresh model: the backup restores weights and optimizer state.
        var (fresh, _, _) = CallbackKit.Mlp(11);
        var again = new BackupAndRestore(dir);
        var resumed = Fit(fresh, x, y, again, [again, Record(seen)]);
        Assert.Equal([4, 5], resumed.Epoch);
        Assert.Equal([0, 1, 2, 3, 4, 5], seen.Select(s => s.Item1));
        foreach (var key in expected.Keys)
            Assert.Equal(expected[key], seen.Select(s => s.Item2[key]).ToList());
        Assert.Equal(CallbackKit.Flat(reference), CallbackKit.Flat(fresh));
        Assert.Equal(reference.Optimizer!.IterationCount, fresh.Optimizer!.IterationCount);
        // Training completed: the backup is gone, so the same call would start again at epoch 0.
        Assert.False(Directory.Exists(dir));
        Assert.Equal(0, backup.InitialEpoch);
        Directory.Delete(root, true);
    }

    [Fact]
    public void TheLearningRateInForceIsRestoredToo()
    {
        // A rate halved at every epoch end (Keras keeps it in the weights file as an optimizer variable).
        static LambdaCallback Halve(Model m) => new(onEpochEnd: (_, _) => m.Optimizer!.LearningRate /= 2);
        var (reference, x, y) = CallbackKit.Mlp(12, "sgd");
        var expected = reference.Fit(x, y, batchSize: 4, epochs: 5, verbose: 0, shuffle: false, validationData: (x, y), callbacks: [Halve(reference)]);

        string root = CallbackKit.TempDir(), dir = Path.Combine(root, "backup");
        var (model, _, _) = CallbackKit.Mlp(12, "sgd");
        var seen = new List<(int, Dictionary<string, float>)>();
        // The rate changes before the backup runs at each epoch end, so the backup holds the rate of the next epoch.
        var first = new BackupAndRestore(dir);
        Assert.Throws<InterruptedException>(() => Fit(model, x, y, first, [Halve(model), first, Record(seen), InterruptAt(2)], epochs: 5));
        var (fresh, _, _) = CallbackKit.Mlp(12, "sgd");
        var second = new BackupAndRestore(dir);
        Fit(fresh, x, y, second, [Halve(fresh), second, Record(seen)], epochs: 5);
        Assert.Equal(expected["val_loss"], seen.Select(s => s.Item2["val_loss"]).ToList());
        Assert.Equal(reference.Optimizer!.LearningRate, fresh.Optimizer!.LearningRate);
        Directory.Delete(root, true);
    }

    [Fact]
    public void APlainFitWithTheBackupResumesAtTheRecordedEpoch()
    {
        var (model, x, y) = CallbackKit.Mlp(13);
        string root = CallbackKit.TempDir(), dir = Path.Combine(root, "backup");
        var backup = new BackupAndRestore(dir);
        Assert.Throws<InterruptedException>(() => Fit(model, x, y, backup, [backup, InterruptAt(3)]));
        var epochs = new List<int>();
        model.Fit(x, y, batchSize: 4, epochs: 6, verbose: 0, shuffle: false,
            callbacks: [backup, new LambdaCallback(onEpochBegin: (e, _) => epochs.Add(e))]);
        Assert.Equal([3, 4, 5], epochs);
        Assert.False(Directory.Exists(dir), "a completed Fit deletes the backup");
        Directory.Delete(root, true);
    }

    [Fact]
    public void DeleteCheckpointFalseKeepsTheBackupWithKerasMetadata()
    {
        var (model, x, y) = CallbackKit.Mlp(14);
        string root = CallbackKit.TempDir(), dir = Path.Combine(root, "backup");
        var backup = new BackupAndRestore(dir, deleteCheckpoint: false);
        Fit(model, x, y, backup, [backup], epochs: 3);
        Assert.True(File.Exists(backup.WeightsPath));
        var meta = JsonNode.Parse(File.ReadAllText(backup.MetadataPath))!.AsObject();
        Assert.Equal(3, (int)meta["epoch"]!);
        Assert.Equal(0, (int)meta["batch"]!);
        Assert.Equal(3, backup.InitialEpoch);
        // Fitting again with the same call resumes at epoch 3 of 3: nothing left to run.
        var nothing = Fit(model, x, y, backup, [backup], epochs: 3);
        Assert.Empty(nothing.Epoch);
        Directory.Delete(root, true);
    }

    [Fact]
    public void AnIntegerSaveFreqBacksUpMidEpochAndRecordsTheEpochInProgress()
    {
        // 16 samples in batches of 4 (4 batches per epoch), save_freq 3: backups after e0 b2, e1 b1, e2 b0, ...
        // Keras records the epoch in progress and the batch; a resume restarts that epoch.
        var (model, x, y) = CallbackKit.Mlp(15);
        string root = CallbackKit.TempDir(), dir = Path.Combine(root, "backup");
        var backup = new BackupAndRestore(dir, saveFreq: 3);
        var metas = new List<string>();
        var watch = new LambdaCallback(onTrainBatchEnd: (_, _) => metas.Add(File.Exists(backup.MetadataPath) ? File.ReadAllText(backup.MetadataPath) : ""));
        Assert.Throws<InterruptedException>(() => Fit(model, x, y, backup, [backup, watch, InterruptAt(2)]));
        var distinct = metas.Where(m => m.Length > 0).Distinct().Select(m => JsonNode.Parse(m)!.AsObject()).ToList();
        Assert.Equal([(0, 2), (1, 1)], distinct.Select(m => ((int)m["epoch"]!, (int)m["batch"]!)));
        Assert.Equal(1, backup.InitialEpoch);
        Directory.Delete(root, true);
    }
}
