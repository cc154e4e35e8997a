using KerasNet.Models;

namespace KerasNet.Callbacks;

/// <summary>Stops training when a monitored quantity has stopped improving, as keras.callbacks.EarlyStopping.
/// At the end of each epoch (from <see cref="StartFromEpoch"/> on) the monitored value is compared with the
/// best so far: an improvement by more than <see cref="MinDelta"/> becomes the new best and, when it also
/// beats <see cref="Baseline"/> (if set), resets the wait; otherwise the wait grows and, once it reaches
/// <see cref="Patience"/> (after the first epoch), training stops. With <see cref="RestoreBestWeights"/>, the
/// weights of the best epoch are put back at the end of training, whether or not it stopped early.</summary>
public sealed class EarlyStopping : Callback
{
    private readonly HashSet<string> _warned = [];
    private bool? _higherIsBetter;
    private Tensor[]? _bestWeights;

    /// <summary>Creates the callback with Keras's arguments.</summary>
    /// <param name="monitor">The logged quantity to watch ("val_loss", "loss", "val_accuracy", ...).</param>
    /// <param name="minDelta">Minimum change that counts as an improvement (its absolute value is used).</param>
    /// <param name="patience">Epochs without improvement after which training stops.</param>
    /// <param name="verbose">1 prints a line when training stops and when best weights are restored.</param>
    /// <param name="mode">"min", "max" or "auto" (the direction inferred from the monitored name; an unknown mode falls back to auto).</param>
    /// <param name="baseline">Value the monitored quantity must beat for the wait to reset.</param>
    /// <param name="restoreBestWeights">Restore the weights of the best epoch at the end of training.</param>
    /// <param name="startFromEpoch">Epochs to wait before monitoring starts (a warm-up).</param>
    public EarlyStopping(string monitor = "val_loss", double minDelta = 0, int patience = 0, int verbose = 0,
        string mode = "auto", double? baseline = null, bool restoreBestWeights = false, int startFromEpoch = 0)
    {
        ArgumentNullException.ThrowIfNull(monitor);
        Monitor = monitor;
        MinDelta = Math.Abs(minDelta);
        Patience = patience;
        Verbose = verbose;
        Mode = Monitoring.CheckMode(mode, "EarlyStopping", m => CallbackIO.Warn(_warned, m));
        Baseline = baseline;
        RestoreBestWeights = restoreBestWeights;
        StartFromEpoch = startFromEpoch;
    }

    /// <summary>The monitored log key.</summary>
    public string Monitor { get; }

    /// <summary>Minimum change that counts as an improvement (non-negative).</summary>
    public double MinDelta { get; }

    /// <summary>Epochs without improvement before stopping.</summary>
    public int Patience { get; }

    /// <summary>Verbosity: 0 silent, 1 messages.</summary>
    public int Verbose { get; }

    /// <summary>"auto", "min" or "max".</summary>
    public string Mode { get; }

    /// <summary>The value to beat for the wait to reset, or null.</summary>
    public double? Baseline { get; }

    /// <summary>Whether the best epoch's weights are restored at the end of training.</summary>
    public bool RestoreBestWeights { get; }

    /// <summary>Epochs before monitoring starts.</summary>
    public int StartFromEpoch { get; }

    /// <summary>Epochs since the last improvement (that also beat the baseline).</summary>
    public int Wait { get; private set; }

    /// <summary>The epoch (0-based) at which training was stopped, or 0 if it was not.</summary>
    public int StoppedEpoch { get; private set; }

    /// <summary>The best monitored value so far, or null before the first monitored epoch.</summary>
    public float? Best { get; private set; }

    /// <summary>The epoch (0-based) of <see cref="Best"/>.</summary>
    public int BestEpoch { get; private set; }

    /// <summary>Where the verbose messages go (the console when null).</summary>
    public TextWriter? Output { get; set; }

    /// <inheritdoc/>
    public override void OnTrainBegin(IReadOnlyDictionary<string, float> logs)
    {
        // As Keras, the instance can be reused: every run starts afresh.
        Wait = 0;
        StoppedEpoch = 0;
        Best = null;
        BestEpoch = 0;
        DisposeBestWeights();
    }

    /// <inheritdoc/>
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, float> logs)
    {
        // Keras settles the direction at the first epoch end, once the model's metrics are built.
        _higherIsBetter ??= Monitoring.HigherIsBetter(Mode, Monitor, Model, "EarlyStopping");
        if (!logs.TryGetValue(Monitor, out float current))
        {
            CallbackIO.Warn(_warned, $"Early stopping conditioned on metric `{Monitor}` which is not available. Available metrics are: {string.Join(",", logs.Keys)}");
            return;
        }
        if (epoch < StartFromEpoch) return;
        if (RestoreBestWeights && _bestWeights is null)
        {
            // Best weights never set: the current ones are the best.
            _bestWeights = RequireModel().GetWeights();
            BestEpoch = epoch;
        }
        Wait++;
        if (IsImprovement(current, Best))
        {
            Best = current;
            BestEpoch = epoch;
            if (RestoreBestWeights)
            {
                DisposeBestWeights();
                _bestWeights = RequireModel().GetWeights();
            }
            // The wait restarts only when both the baseline and the previous best are beaten.
            if (Baseline is null || IsImprovement(current, Baseline)) Wait = 0;
            return;
        }
        if (Wait >= Patience && epoch > 0)
        {
            StoppedEpoch = epoch;
            RequireModel().StopTraining = true;
        }
    }

    /// <inheritdoc/>
    public override void OnTrainEnd(IReadOnlyDictionary<string, float> logs)
    {
        if (StoppedEpoch > 0 && Verbose > 0) CallbackIO.Print(Output, $"Epoch {StoppedEpoch + 1}: early stopping");
        if (RestoreBestWeights && _bestWeights is not null)
        {
            if (Verbose > 0) CallbackIO.Print(Output, $"Restoring model weights from the end of the best epoch: {BestEpoch + 1}.");
            RequireModel().SetWeights(_bestWeights);
        }
    }

    private bool IsImprovement(float current, double? reference) =>
        Monitoring.IsImprovement(current, reference, _higherIsBetter!.Value ? MinDelta : -MinDelta, _higherIsBetter.Value);

    private Model RequireModel() => Model ?? throw new InvalidOperationException("EarlyStopping has no model: it is set by Fit.");

    private void DisposeBestWeights()
    {
        if (_bestWeights is null) return;
        foreach (var t in _bestWeights) t.Dispose();
        _bestWeights = null;
    }
}
