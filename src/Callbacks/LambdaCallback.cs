namespace KerasNet.Callbacks;

/// <summary>A callback made of delegates, as keras.callbacks.LambdaCallback: each hook given is called at its
/// point of Fit, Evaluate or Predict; the others do nothing.
/// <code>
/// var print = new LambdaCallback(onEpochEnd: (epoch, logs) => Console.WriteLine($"{epoch}: {logs["loss"]}"));
/// </code></summary>
public sealed class LambdaCallback : Callback
{
    /// <summary>Creates the callback from any of the hooks.</summary>
    /// <param name="onEpochBegin">Start of an epoch: (epoch, logs).</param>
    /// <param name="onEpochEnd">End of an epoch: (epoch, logs).</param>
    /// <param name="onTrainBegin">Start of Fit: (logs).</param>
    /// <param name="onTrainEnd">End of Fit: (logs).</param>
    /// <param name="onTrainBatchBegin">Start of a training batch: (batch, logs).</param>
    /// <param name="onTrainBatchEnd">End of a training batch: (batch, logs).</param>
    /// <param name="onTestBegin">Start of Evaluate: (logs).</param>
    /// <param name="onTestEnd">End of Evaluate: (logs).</param>
    /// <param name="onTestBatchBegin">Start of an evaluation batch: (batch, logs).</param>
    /// <param name="onTestBatchEnd">End of an evaluation batch: (batch, logs).</param>
    /// <param name="onPredictBegin">Start of Predict: (logs).</param>
    /// <param name="onPredictEnd">End of Predict: (logs).</param>
    /// <param name="onPredictBatchBegin">Start of a prediction batch: (batch, logs).</param>
    /// <param name="onPredictBatchEnd">End of a prediction batch: (batch, logs).</param>
    public LambdaCallback(
        Action<int, IReadOnlyDictionary<string, float>>? onEpochBegin = null,
        Action<int, IReadOnlyDictionary<string, float>>? onEpochEnd = null,
        Action<IReadOnlyDictionary<string, float>>? onTrainBegin = null,
        Action<IReadOnlyDictionary<string, float>>? onTrainEnd = null,
        Action<int, IReadOnlyDictionary<string, float>>? onTrainBatchBegin = null,
        Action<int, IReadOnlyDictionary<string, float>>? onTrainBatchEnd = null,
        Action<IReadOnlyDictionary<string, float>>? onTestBegin = null,
        Action<IReadOnlyDictionary<string, float>>? onTestEnd = null,
        Action<int, IReadOnlyDictionary<string, float>>? onTestBatchBegin = null,
        Action<int, IReadOnlyDictionary<string, float>>? onTestBatchEnd = null,
        Action<IReadOnlyDictionary<string, float>>? onPredictBegin = null,
        Action<IReadOnlyDictionary<string, float>>? onPredictEnd = null,
        Action<int, IReadOnlyDictionary<string, float>>? onPredictBatchBegin = null,
        Action<int, IReadOnlyDictionary<string, float>>? onPredictBatchEnd = null)
    {
        EpochBegin = onEpochBegin;
        EpochEnd = onEpochEnd;
        TrainBegin = onTrainBegin;
        TrainEnd = onTrainEnd;
        TrainBatchBegin = onTrainBatchBegin;
        TrainBatchEnd = onTrainBatchEnd;
        TestBegin = onTestBegin;
        TestEnd = onTestEnd;
        TestBatchBegin = onTestBatchBegin;
        TestBatchEnd = onTestBatchEnd;
        PredictBegin = onPredictBegin;
        PredictEnd = onPredictEnd;
        PredictBatchBegin = onPredictBatchBegin;
        PredictBatchEnd = onPredictBatchEnd;
    }

    /// <summary>The start-of-epoch delegate.</summary>
    public Action<int, IReadOnlyDictionary<string, float>>? EpochBegin { get; set; }
    /// <summary>The end-of-epoch delegate.</summary>
    public Action<int, IReadOnlyDictionary<string, float>>? EpochEnd { get; set; }
    /// <summary>The start-of-Fit delegate.</summary>
    public Action<IReadOnlyDictionary<string, float>>? TrainBegin { get; set; }
    /// <summary>The end-of-Fit delegate.</summary>
    public Action<IReadOnlyDictionary<string, float>>? TrainEnd { get; set; }
    /// <summary>The start-of-training-batch delegate.</summary>
    public Action<int, IReadOnlyDictionary<string, float>>? TrainBatchBegin { get; set; }
    /// <summary>The end-of-training-batch delegate.</summary>
    public Action<int, IReadOnlyDictionary<string, float>>? TrainBatchEnd { get; set; }
    /// <summary>The start-of-Evaluate delegate.</summary>
    public Action<IReadOnlyDictionary<string, float>>? TestBegin { get; set; }
    /// <summary>The end-of-Evaluate delegate.</summary>
    public Action<IReadOnlyDictionary<string, float>>? TestEnd { get; set; }
    /// <summary>The start-of-evaluation-batch delegate.</summary>
    public Action<int, IReadOnlyDictionary<string, float>>? TestBatchBegin { get; set; }
    /// <summary>The end-of-evaluation-batch delegate.</summary>
    public Action<int, IReadOnlyDictionary<string, float>>? TestBatchEnd { get; set; }
    /// <summary>The start-of-Predict delegate.</summary>
    public Action<IReadOnlyDictionary<string, float>>? PredictBegin { get; set; }
    /// <summary>The end-of-Predict delegate.</summary>
    public Action<IReadOnlyDictionary<string, float>>? PredictEnd { get; set; }
    /// <summary>The start-of-prediction-batch delegate.</summary>
    public Action<int, IReadOnlyDictionary<string, float>>? PredictBatchBegin { get; set; }
    /// <summary>The end-of-prediction-batch delegate.</summary>
    public Action<int, IReadOnlyDictionary<string, float>>? PredictBatchEnd { get; set; }

    /// <inheritdoc/>
    public override void OnEpochBegin(int epoch, IReadOnlyDictionary<string, float> logs) => EpochBegin?.Invoke(epoch, logs);
    /// <inheritdoc/>
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, float> logs) => EpochEnd?.Invoke(epoch, logs);
    /// <inheritdoc/>
    public override void OnTrainBegin(IReadOnlyDictionary<string, float> logs) => TrainBegin?.Invoke(logs);
    /// <inheritdoc/>
    public override void OnTrainEnd(IReadOnlyDictionary<string, float> logs) => TrainEnd?.Invoke(logs);
    /// <inheritdoc/>
    public override void OnTrainBatchBegin(int batch, IReadOnlyDictionary<string, float> logs) => TrainBatchBegin?.Invoke(batch, logs);
    /// <inheritdoc/>
    public override void OnTrainBatchEnd(int batch, IReadOnlyDictionary<string, float> logs) => TrainBatchEnd?.Invoke(batch, logs);
    /// <inheritdoc/>
    public override void OnTestBegin(IReadOnlyDictionary<string, float> logs) => TestBegin?.Invoke(logs);
    /// <inheritdoc/>
    public override void OnTestEnd(IReadOnlyDictionary<string, float> logs) => TestEnd?.Invoke(logs);
    /// <inheritdoc/>
    public override void OnTestBatchBegin(int batch, IReadOnlyDictionary<string, float> logs) => TestBatchBegin?.Invoke(batch, logs);
    /// <inheritdoc/>
    public override void OnTestBatchEnd(int batch, IReadOnlyDictionary<string, float> logs) => TestBatchEnd?.Invoke(batch, logs);
    /// <inheritdoc/>
    public override void OnPredictBegin(IReadOnlyDictionary<string, float> logs) => PredictBegin?.Invoke(logs);
    /// <inheritdoc/>
    public override void OnPredictEnd(IReadOnlyDictionary<string, float> logs) => PredictEnd?.Invoke(logs);
    /// <inheritdoc/>
    public override void OnPredictBatchBegin(int batch, IReadOnlyDictionary<string, float> logs) => PredictBatchBegin?.Invoke(batch, logs);
    /// <inheritdoc/>
    public override void OnPredictBatchEnd(int batch, IReadOnlyDictionary<string, float> logs) => PredictBatchEnd?.Invoke(batch, logs);
}
