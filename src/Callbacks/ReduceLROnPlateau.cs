using KerasNet.Optimizers;

namespace KerasNet.Callbacks;

/// <summary>Reduces the learning rate when a metric has stopped improving, as keras.callbacks.ReduceLROnPlateau.
/// At each epoch end: during a cooldown the counter runs down and the wait is cleared; a value better than
/// the best by more than <see cref="MinDelta"/> becomes the best and clears the wait; otherwise (outside a
/// cooldown) the wait grows and, on reaching <see cref="Patience"/>, the rate becomes
/// <c>max(lr × factor, minLr)</c> (if it is still above <see cref="MinLr"/>) and a cooldown starts. The rate in
/// force during the epoch is logged as "learning_rate".</summary>
public sealed class ReduceLROnPlateau : Callback
{
    private readonly HashSet<string> _warned = [];
    private bool _higherIsBetter;

    /// <summary>Creates the callback with Keras's arguments.</summary>
    /// <param name="monitor">The logged quantity to watch.</param>
    /// <param name="factor">Factor by which the rate is reduced (new_lr = lr × factor); must be below 1.</param>
    /// <param name="patience">Epochs without improvement after which the rate is reduced.</param>
    /// <param name="verbose">1 prints a line at each reduction.</param>
    /// <param name="mode">"min", "max" or "auto" (max when the monitored name contains "acc", as Keras).</param>
    /// <param name="minDelta">Threshold for a new optimum.</param>
    /// <param name="cooldown">Epochs to wait after a reduction before resuming normal operation.</param>
    /// <param name="minLr">Lower bound on the learning rate.</param>
    public ReduceLROnPlateau(string monitor = "val_loss", double factor = 0.1, int patience = 10, int verbose = 0,
        string mode = "auto", double minDelta = 1e-4, int cooldown = 0, double minLr = 0.0)
    {
        ArgumentNullException.ThrowIfNull(monitor);
        ArgumentNullException.ThrowIfNull(mode);
        if (factor >= 1.0)
            throw new ArgumentOutOfRangeException(nameof(factor), factor, $"ReduceLROnPlateau does not support a factor >= 1.0. Received factor={factor}");
        Monitor = monitor;
        Factor = factor;
        Patience = patience;
        Verbose = verbose;
        Mode = mode;
        MinDelta = minDelta;
        Cooldown = cooldown;
        MinLr = minLr;
        Reset();
    }

    /// <summary>The monitored log key.</summary>
    public string Monitor { get; }

    /// <summary>The reduction factor.</summary>
    public double Factor { get; }

    /// <summary>Epochs without improvement before a reduction.</summary>
    public int Patience { get; }

    /// <summary>Verbosity: 0 silent, 1 messages.</summary>
    public int Verbose { get; }

    /// <summary>"auto", "min" or "max".</summary>
    public string Mode { get; private set; }

    /// <summary>Threshold for a new optimum.</summary>
    public double MinDelta { get; }

    /// <summary>Epochs of cooldown after a reduction.</summary>
    public int Cooldown { get; }

    /// <summary>Lower bound on the learning rate.</summary>
    public double MinLr { get; }

    /// <summary>Epochs since the last improvement, outside cooldowns.</summary>
    public int Wait { get; private set; }

    /// <summary>Epochs of cooldown left.</summary>
    public int CooldownCounter { get; private set; }

    /// <summary>The best monitored value so far (±infinity before the first).</summary>
    public double Best { get; private set; }

    /// <summary>Where the verbose messages go (the console when null).</summary>
    public TextWriter? Output { get; set; }

    /// <summary>Whether a cooldown is running.</summary>
    public bool InCooldown => CooldownCounter > 0;

    private void Reset()
    {
        if (Mode is not ("auto" or "min" or "max"))
        {
            CallbackIO.Warn(_warned, $"Learning rate reduction mode {Mode} is unknown, fallback to auto mode.");
            Mode = "auto";
        }
        // Keras's own rule here: "max" only when asked, or in auto mode for a name containing "acc".
        _higherIsBetter = !(Mode == "min" || (Mode == "auto" && !Monitor.Contains("acc", StringComparison.Ordinal)));
        Best = _higherIsBetter ? double.NegativeInfinity : double.PositiveInfinity;
        CooldownCounter = 0;
        Wait = 0;
    }

    // As Keras, in float64: a < b - min_delta (min) or a > b + min_delta (max).
    private bool Improves(double current, double best) =>
        _higherIsBetter ? current > best + MinDelta : current < best - MinDelta;

    /// <inheritdoc/>
    public override void OnTrainBegin(IReadOnlyDictionary<string, float> logs) => Reset();

    /// <inheritdoc/>
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, float> logs)
    {
        var optimizer = RequireOptimizer();
        CallbackIO.TrySet(logs, "learning_rate", optimizer.LearningRate);
        if (!logs.TryGetValue(Monitor, out float current))
        {
            CallbackIO.Warn(_warned, $"Learning rate reduction is conditioned on metric `{Monitor}` which is not available. Available metrics are: {string.Join(",", logs.Keys)}.");
            return;
        }
        if (InCooldown)
        {
            CooldownCounter--;
            Wait = 0;
        }
        if (Improves(current, Best))
        {
            Best = current;
            Wait = 0;
        }
        else if (!InCooldown)
        {
            Wait++;
            if (Wait >= Patience)
            {
                float oldLr = optimizer.LearningRate;
                if (oldLr > (float)MinLr)
                {
                    double newLr = Math.Max(oldLr * Factor, MinLr);
                    optimizer.LearningRate = (float)newLr;
                    if (Verbose > 0) CallbackIO.Print(Output, $"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {PythonFormat.Repr(newLr)}.");
                    CooldownCounter = Cooldown;
                    Wait = 0;
                }
            }
        }
    }

    private Optimizer RequireOptimizer() =>
        Model?.Optimizer ?? throw new InvalidOperationException("ReduceLROnPlateau needs a compiled model: it changes the optimizer's learning rate.");
}
