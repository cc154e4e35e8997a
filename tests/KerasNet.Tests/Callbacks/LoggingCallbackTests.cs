using KerasNet.Callbacks;
using KerasNet.Data;
using Xunit;

namespace KerasNet.Tests.Callbacks;

/// <summary>CSVLogger, TerminateOnNaN and LambdaCallback against Keras 3 (csv_logger.py, terminate_on_nan.py,
/// lambda_callback.py).</summary>
public class LoggingCallbackTests
{
    // The scalar model at lr 0.1 halves w each epoch (w·(1 − 5·0.1)): the training loss of epoch e is
    // 2.5·w_e² = 2.5, 0.625, 0.15625 and the validation loss (same data, after the update) 0.625, 0.15625,
    // 0.0390625, all exact in float32.
    private static History FitWithValidation(string path, int epochs, IEnumerable<Callback> callbacks, int initialEpoch = 0, float w = 1f)
    {
        var model = CallbackKit.Scalar(w, 0.1f);
        return model.Fit(CallbackKit.ScalarX, CallbackKit.ScalarY, batchSize: 2, epochs: epochs, verbose: 0, shuffle: false,
            validationData: (CallbackKit.ScalarX, CallbackKit.ScalarY), callbacks: callbacks, initialEpoch: initialEpoch);
    }

    [Fact]
    public void CsvLoggerWritesEpochThenSortedKeysWithPythonFloats()
    {
        string dir = CallbackKit.TempDir();
        string path = Path.Combine(dir, "log.csv");
        FitWithValidation(path, 3, [new CSVLogger(path)]);
        // Python's csv "excel" dialect ends rows with \r\n; floats are str(float).
        Assert.Equal("epoch,loss,val_loss\r\n0,2.5,0.625\r\n1,0.625,0.15625\r\n2,0.15625,0.0390625\r\n", File.ReadAllText(path));
        Directory.Delete(dir, true);
    }

    [Fact]
    public void CsvLoggerWithoutValidationAddsValColumnsFilledWithNA()
    {
        // Keras: when the first epoch's keys have no "val_" key, a "val_" column is added for each key.
        // The scheduler (before the logger) adds learning_rate = 0.1f, printed as Python prints it.
        string dir = CallbackKit.TempDir();
        string path = Path.Combine(dir, "log.csv");
        var model = CallbackKit.Scalar(1f, 0.1f);
        CallbackKit.FitScalar(model, 2, [new LearningRateScheduler((_, lr) => lr), new CSVLogger(path, separator: ";")]);
        Assert.Equal(
            "epoch;learning_rate;loss;val_learning_rate;val_loss\r\n" +
            "0;0.10000000149011612;2.5;NA;NA\r\n" +
            "1;0.10000000149011612;0.625;NA;NA\r\n", File.ReadAllText(path));
        Directory.Delete(dir, true);
    }

    [Fact]
    public void CsvLoggerAppendWritesTheHeaderOnceAndOverwriteStartsAfresh()
    {
        string dir = CallbackKit.TempDir();
        string path = Path.Combine(dir, "log.csv");
        const string header = "epoch,loss,val_loss\r\n";
        const string first = "0,2.5,0.625\r\n1,0.625,0.15625\r\n";
        FitWithValidation(path, 2, [new CSVLogger(path, append: true)]);
        Assert.Equal(header + first, File.ReadAllText(path));

        // Continuing from epoch 2 with w = 0.25 (where the first run left it): rows only.
        FitWithValidation(path, 3, [new CSVLogger(path, append: true)], initialEpoch: 2, w: 0.25f);
        Assert.Equal(header + first + "2,0.15625,0.0390625\r\n", File.ReadAllText(path));

        // An empty existing file gets the header; without append the file is replaced.
        File.WriteAllText(path, "");
        FitWithValidation(path, 1, [new CSVLogger(path, append: true)]);
        Assert.Equal(header + "0,2.5,0.625\r\n", File.ReadAllText(path));
        FitWithValidation(path, 1, [new CSVLogger(path)]);
        Assert.Equal(header + "0,2.5,0.625\r\n", File.ReadAllText(path));

        // One logger reused: each Fit rewrites the file (append: false) with its header.
        var reused = new CSVLogger(path);
        FitWithValidation(path, 1, [reused]);
        FitWithValidation(path, 2, [reused]);
        Assert.Equal(header + first, File.ReadAllText(path));
        Directory.Delete(dir, true);
    }

    [Fact]
    public void CsvLoggerRejectsASeparatorPythonsCsvWouldReject() =>
        Assert.Throws<ArgumentException>(() => new CSVLogger("x.csv", separator: ";;"));

    // Four samples in batches of one; sample 2's target is bad, so the running loss turns NaN/inf at batch 2.
    private static (History History, List<int> Batches, bool TrainEnded, string Output) FitWithBadSample(float bad, TerminateOnNaN cb)
    {
        var model = CallbackKit.Scalar(1f, 0.01f);
        var x = ArrayData.From(new float[] { 1, 1, 1, 1 }, 4, 1);
        var y = ArrayData.From(new float[] { 0, 0, bad, 0 }, 4, 1);
        var batches = new List<int>();
        bool ended = false;
        var output = new StringWriter();
        cb.Output = output;
        var recorder = new LambdaCallback(onTrainBatchEnd: (b, _) => batches.Add(b), onTrainEnd: _ => ended = true);
        var history = model.Fit(x, y, batchSize: 1, epochs: 5, verbose: 0, shuffle: false, callbacks: [cb, recorder]);
        return (history, batches, ended, output.ToString());
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(1e30f)] // (1 − 1e30)² overflows float32 to inf
    public void TerminateOnNaNStopsTrainingAtTheFirstBadBatch(float bad)
    {
        var (history, batches, ended, output) = FitWithBadSample(bad, new TerminateOnNaN());
        Assert.StartsWith("Batch 2: Invalid loss, terminating training", output.ReplaceLineEndings("\n"));
        Assert.Single(history["loss"]);
        Assert.True(float.IsNaN(history["loss"][0]) || float.IsInfinity(history["loss"][0]));
        Assert.True(ended, "a graceful stop lets every callback see the end of training");
        // Keras leaves the batch loop at once; KerasNet's Fit reads StopTraining only after the epoch, so the
        // remaining batch of the epoch still runs (and reports its loss too). Either way, batch 2 was reached.
        Assert.Contains(2, batches);
    }

    [Fact]
    public void TerminateOnNaNWithRaiseErrorThrowsAndSkipsTheEndOfTraining()
    {
        var model = CallbackKit.Scalar(1f, 0.01f);
        bool ended = false;
        var ex = Assert.Throws<InvalidOperationException>(() => model.Fit(ArrayData.From(new float[] { 1, 1, 1 }, 3, 1),
            ArrayData.From(new float[] { 0, float.NaN, 0 }, 3, 1), batchSize: 1, epochs: 2, verbose: 0, shuffle: false,
            callbacks: [new TerminateOnNaN(raiseError: true), new LambdaCallback(onTrainEnd: _ => ended = true)]));
        Assert.Equal("NaN or Inf loss encountered at batch 1. Loss value: nan. Terminating training immediately.", ex.Message);
        Assert.False(ended);
    }

    [Fact]
    public void TerminateOnNaNLeavesFiniteTrainingAlone()
    {
        var model = CallbackKit.Scalar(1f, 0.1f);
        var history = CallbackKit.FitScalar(model, 3, [new TerminateOnNaN()]);
        Assert.Equal(3, history["loss"].Count);
    }

    [Fact]
    public void LambdaCallbackCallsEachHookInFitsOrder()
    {
        var events = new List<string>();
        void Log(string e) => events.Add(e);
        var cb = new LambdaCallback(
            onTrainBegin: _ => Log("train_begin"),
            onEpochBegin: (e, _) => Log($"epoch_begin {e}"),
            onTrainBatchBegin: (b, _) => Log($"batch_begin {b}"),
            onTrainBatchEnd: (b, logs) => Log($"batch_end {b} loss={logs.ContainsKey("loss")}"),
            onEpochEnd: (e, logs) => Log($"epoch_end {e} {string.Join(",", logs.Keys.Order(StringComparer.Ordinal))}"),
            onTrainEnd: _ => Log("train_end"));
        var model = CallbackKit.Scalar(1f, 0.1f);
        // Two samples in batches of one: two batches per epoch; validation adds val_loss to the epoch logs.
        model.Fit(CallbackKit.ScalarX, CallbackKit.ScalarY, batchSize: 1, epochs: 2, verbose: 0, shuffle: false,
            validationData: (CallbackKit.ScalarX, CallbackKit.ScalarY), callbacks: [cb]);
        Assert.Equal(
        [
            "train_begin",
            "epoch_begin 0", "batch_begin 0", "batch_end 0 loss=True", "batch_begin 1", "batch_end 1 loss=True", "epoch_end 0 loss,val_loss",
            "epoch_begin 1", "batch_begin 0", "batch_end 0 loss=True", "batch_begin 1", "batch_end 1 loss=True", "epoch_end 1 loss,val_loss",
            "train_end",
        ], events);
    }

    [Fact]
    public void LambdaCallbackCallsTheEvaluateAndPredictHooks()
    {
        var events = new List<string>();
        var cb = new LambdaCallback(
            onTestBegin: _ => events.Add("test_begin"),
            onTestBatchBegin: (b, _) => events.Add($"test_batch_begin {b}"),
            onTestBatchEnd: (b, _) => events.Add($"test_batch_end {b}"),
            onTestEnd: logs => events.Add($"test_end loss={logs["loss"]}"),
            onPredictBegin: _ => events.Add("predict_begin"),
            onPredictBatchBegin: (b, _) => events.Add($"predict_batch_begin {b}"),
            onPredictBatchEnd: (b, _) => events.Add($"predict_batch_end {b}"),
            onPredictEnd: _ => events.Add("predict_end"));
        var model = CallbackKit.Scalar(1f, 0.1f);
        model.Evaluate(CallbackKit.ScalarX, CallbackKit.ScalarY, batchSize: 1, verbose: 0, callbacks: [cb]);
        model.Predict(CallbackKit.ScalarX, batchSize: 1, callbacks: [cb]);
        Assert.Equal(
        [
            "test_begin", "test_batch_begin 0", "test_batch_end 0", "test_batch_begin 1", "test_batch_end 1", "test_end loss=2.5",
            "predict_begin", "predict_batch_begin 0", "predict_batch_end 0", "predict_batch_begin 1", "predict_batch_end 1", "predict_end",
        ], events);
    }

    [Fact]
    public void LambdaCallbackHooksLeftOutDoNothing()
    {
        var model = CallbackKit.Scalar(1f, 0.1f);
        var history = CallbackKit.FitScalar(model, 2, [new LambdaCallback()]);
        Assert.Equal(2, history["loss"].Count);
    }
}
