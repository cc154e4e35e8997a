using KerasNet.Callbacks;
using KerasNet.Models;
using Xunit;

namespace KerasNet.Tests.Callbacks;

/// <summary>ModelCheckpoint against Keras 3 (model_checkpoint.py, monitor_callback.py): the files it writes
/// are named from the template with the 1-based epoch (and batch) and the logs, and saved through
/// Model.Save / Model.SaveWeights.</summary>
public class ModelCheckpointTests
{
    private static readonly float[] ValLoss = [1.0f, 0.5f, 0.7f, 0.4f, 0.6f];

    // Fits the MLP for ValLoss.Length epochs with val_loss scripted, recording the weights at each epoch end.
    private static (Sequential Model, List<float[]> Snapshots) Run(ModelCheckpoint checkpoint, string key = "val_loss", float[]? values = null)
    {
        var (model, x, y) = CallbackKit.Mlp(7);
        var snapshots = new List<float[]>();
        values ??= ValLoss;
        model.Fit(x, y, batchSize: 8, epochs: values.Length, verbose: 0, shuffle: false, callbacks:
            [CallbackKit.Script(key, values), new LambdaCallback(onEpochEnd: (_, _) => snapshots.Add(CallbackKit.Flat(model))), checkpoint]);
        return (model, snapshots);
    }

    private static string[] Files(string dir) =>
        Directory.GetFiles(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;

    [Fact]
    public void EveryEpochIsSavedUnderItsTemplateName()
    {
        string dir = CallbackKit.TempDir();
        var cb = new ModelCheckpoint(Path.Combine(dir, "ckpt-{epoch:02d}-{val_loss:.4f}.keras"));
        var (_, snapshots) = Run(cb);
        // Keras: filepath.format(epoch=epoch + 1, **logs).
        Assert.Equal(["ckpt-01-1.0000.keras", "ckpt-02-0.5000.keras", "ckpt-03-0.7000.keras", "ckpt-04-0.4000.keras", "ckpt-05-0.6000.keras"], Files(dir));
        // Each file holds the model as it was at that epoch's end.
        var third = Keras.LoadModel(Path.Combine(dir, "ckpt-03-0.7000.keras"));
        Assert.Equal(snapshots[2], CallbackKit.Flat(third));
        Directory.Delete(dir, true);
    }

    [Fact]
    public void SaveBestOnlySavesOnlyImprovements()
    {
        // val_loss 1.0, 0.5, 0.7, 0.4, 0.6 (min): improvements at epochs 1, 2 and 4 (1-based).
        string dir = CallbackKit.TempDir();
        var output = new StringWriter();
        var cb = new ModelCheckpoint(Path.Combine(dir, "best-{epoch}-{val_loss:.2f}.keras"), saveBestOnly: true, verbose: 1) { Output = output };
        Run(cb);
        Assert.Equal(["best-1-1.00.keras", "best-2-0.50.keras", "best-4-0.40.keras"], Files(dir));
        Assert.Equal(0.4f, (float)cb.Best!.Value);
        // Keras's messages: the best starts at inf once the direction is known.
        string text = output.ToString().ReplaceLineEndings("\n");
        Assert.Contains($"\nEpoch 1: val_loss improved from inf to 1.00000, saving model to {Path.Combine(dir, "best-1-1.00.keras")}\n", text);
        Assert.Contains("\nEpoch 3: val_loss did not improve from 0.50000\n", text);
        Directory.Delete(dir, true);
    }

    [Fact]
    public void SaveBestOnlyWithAFixedNameKeepsTheBestModel()
    {
        string dir = CallbackKit.TempDir();
        string path = Path.Combine(dir, "best.keras");
        var cb = new ModelCheckpoint(path, saveBestOnly: true);
        var (_, snapshots) = Run(cb);
        Assert.Equal(["best.keras"], Files(dir));
        Assert.Equal([path, path, path], cb.SavedPaths);
        Assert.Equal(snapshots[3], CallbackKit.Flat(Keras.LoadModel(path)));
        Directory.Delete(dir, true);
    }

    [Fact]
    public void InitialValueThresholdAndModeMax()
    {
        string dir = CallbackKit.TempDir();
        // A threshold of 0.6: 1.0 does not beat it, 0.5 and 0.4 do.
        Run(new ModelCheckpoint(Path.Combine(dir, "t-{epoch}.keras"), saveBestOnly: true, initialValueThreshold: 0.6));
        Assert.Equal(["t-2.keras", "t-4.keras"], Files(dir));
        Directory.Delete(dir, true);

        // val_accuracy in auto mode is maximized: 0.5, 0.7 and 0.9 improve; 0.6 and 0.8 do not.
        dir = CallbackKit.TempDir();
        Run(new ModelCheckpoint(Path.Combine(dir, "a-{epoch}-{val_accuracy:.1f}.keras"), monitor: "val_accuracy", saveBestOnly: true),
            "val_accuracy", [0.5f, 0.7f, 0.6f, 0.9f, 0.8f]);
        Assert.Equal(["a-1-0.5.keras", "a-2-0.7.keras", "a-4-0.9.keras"], Files(dir));
        Directory.Delete(dir, true);

        // mode "min" on the same values: only the first (0.5) is a best.
        dir = CallbackKit.TempDir();
        Run(new ModelCheckpoint(Path.Combine(dir, "m-{epoch}.keras"), monitor: "val_accuracy", saveBestOnly: true, mode: "min"),
            "val_accuracy", [0.5f, 0.7f, 0.6f, 0.9f, 0.8f]);
        Assert.Equal(["m-1.keras"], Files(dir));
        Directory.Delete(dir, true);
    }

    [Fact]
    public void AnIntegerSaveFreqSavesEveryNBatchesAcrossEpochs()
    {
        // 16 samples in batches of 4: 4 batches per epoch, 3 epochs, save_freq 3. Keras's counter runs across
        // epochs: saves after e0 b2, e1 b1, e2 b0 and e2 b3, named with epoch + 1 and batch + 1; none at epoch ends.
        string dir = CallbackKit.TempDir();
        var (model, x, y) = CallbackKit.Mlp(8);
        var cb = new ModelCheckpoint(Path.Combine(dir, "b-{epoch}-{batch}.weights.safetensors"), saveWeightsOnly: true, saveFreq: 3);
        var weights = new List<float[]>();
        model.Fit(x, y, batchSize: 4, epochs: 3, verbose: 0, shuffle: false, callbacks:
            [cb, new LambdaCallback(onTrainBatchEnd: (_, _) => weights.Add(CallbackKit.Flat(model)))]);
        Assert.Equal(["b-1-3.weights.safetensors", "b-2-2.weights.safetensors", "b-3-1.weights.safetensors", "b-3-4.weights.safetensors"], Files(dir));

        // The weights after global batch 5 (e1 b1) are in b-2-2; load them into a copy of the architecture.
        var (copy, _, _) = CallbackKit.Mlp(9);
        copy.LoadWeights(Path.Combine(dir, "b-2-2.weights.safetensors"));
        Assert.Equal(weights[5], CallbackKit.Flat(copy));
        Directory.Delete(dir, true);
    }

    [Fact]
    public void BatchLevelSavesCanNameTheBatchLogs()
    {
        // The batch logs (running loss) fill the template too.
        string dir = CallbackKit.TempDir();
        var model = CallbackKit.Scalar(1f, 0f);
        var cb = new ModelCheckpoint(Path.Combine(dir, "s-{epoch}-{batch:03d}-{loss:.3f}.keras"), saveFreq: 2);
        model.Fit(CallbackKit.ScalarX, CallbackKit.ScalarY, batchSize: 1, epochs: 2, verbose: 0, shuffle: false, callbacks: [cb]);
        // lr 0: per-sample losses 1 and 4, so the running mean after batch 1 is 2.5.
        Assert.Equal(["s-1-002-2.500.keras", "s-2-002-2.500.keras"], Files(dir));
        Directory.Delete(dir, true);
    }

    [Theory]
    [InlineData("model.h5", false, "HDF5")]
    [InlineData("model.weights.safetensors", false, ".keras")]
    [InlineData("model.keras", true, ".weights.safetensors")]
    [InlineData("model.weights.h5", true, ".weights.safetensors")]
    public void TheFileNameMustMatchWhatIsSaved(string path, bool weightsOnly, string message)
    {
        var ex = Assert.Throws<ArgumentException>(() => new ModelCheckpoint(path, saveWeightsOnly: weightsOnly));
        Assert.Contains(message, ex.Message);
    }

    [Fact]
    public void AnUnknownSaveFreqIsRejected()
    {
        Assert.Throws<ArgumentException>(() => new ModelCheckpoint("m.keras", saveFreq: "batch"));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ModelCheckpoint("m.keras", saveFreq: 0));
    }

    [Fact]
    public void AFieldMissingFromTheLogsFailsNamingTheAvailableKeys()
    {
        string dir = CallbackKit.TempDir();
        var cb = new ModelCheckpoint(Path.Combine(dir, "c-{epoch}-{val_accuracy:.2f}.keras"));
        var ex = Assert.Throws<KeyNotFoundException>(() => Run(cb));
        Assert.Contains("Failed to format this callback filepath", ex.Message);
        Assert.Contains("'val_accuracy'", ex.Message);
        Assert.Contains("Available keys: ", ex.Message);
        Assert.Contains("val_loss", ex.Message);
        Assert.Contains("epoch", ex.Message);
        Directory.Delete(dir, true);
    }

    [Fact]
    public void SaveBestOnlyWithoutTheMonitoredValueSavesAnyway()
    {
        // Keras warns "Can save best model only with val_loss available." and saves.
        string dir = CallbackKit.TempDir();
        var model = CallbackKit.Scalar(1f, 0.1f);
        CallbackKit.FitScalar(model, 2, [new ModelCheckpoint(Path.Combine(dir, "n-{epoch}.keras"), saveBestOnly: true)]);
        Assert.Equal(["n-1.keras", "n-2.keras"], Files(dir));
        Directory.Delete(dir, true);
    }

    [Fact]
    public void MissingDirectoriesAreCreated()
    {
        string dir = CallbackKit.TempDir();
        var model = CallbackKit.Scalar(1f, 0.1f);
        CallbackKit.FitScalar(model, 1, [new ModelCheckpoint(Path.Combine(dir, "a", "b", "m.weights.safetensors"), saveWeightsOnly: true)]);
        Assert.True(File.Exists(Path.Combine(dir, "a", "b", "m.weights.safetensors")));
        Directory.Delete(dir, true);
    }
}
