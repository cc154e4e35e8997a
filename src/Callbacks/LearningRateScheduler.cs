using KerasNet.Optimizers;

namespace KerasNet.Callbacks;

/// <summary>Sets the learning rate at the start of every epoch from a schedule, as
/// keras.callbacks.LearningRateScheduler: <c>lr = schedule(epoch, current lr)</c> with a 0-based epoch.
/// The rate in force during the epoch is logged as "learning_rate".
/// <code>
/// // Keep the rate for ten epochs, then decay it exponentially.
/// var cb = new LearningRateScheduler((epoch, lr) => epoch &lt; 10 ? lr : lr * MathF.Exp(-0.1f));
/// </code></summary>
public sealed class LearningRateScheduler : Callback
{
    private readonly Func<int, float, float> _schedule;

    /// <summary>A schedule of the epoch (0-based) and the current learning rate.</summary>
    /// <param name="schedule">Returns the rate for the epoch.</param>
    /// <param name="verbose">1 prints the rate set at each epoch.</param>
    public LearningRateScheduler(Func<int, float, float> schedule, int verbose = 0)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        _schedule = schedule;
        Verbose = verbose;
    }

    /// <summary>A schedule of the epoch alone (Keras's older form).</summary>
    /// <param name="schedule">Returns the rate for the epoch (0-based).</param>
    /// <param name="verbose">1 prints the rate set at each epoch.</param>
    public LearningRateScheduler(Func<int, float> schedule, int verbose = 0)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        _schedule = (epoch, _) => schedule(epoch);
        Verbose = verbose;
    }

    /// <summary>Verbosity: 0 silent, 1 messages.</summary>
    public int Verbose { get; }

    /// <summary>Where the verbose messages go (the console when null).</summary>
    public TextWriter? Output { get; set; }

    /// <inheritdoc/>
    public override void OnEpochBegin(int epoch, IReadOnlyDictionary<string, float> logs)
    {
        var optimizer = RequireOptimizer();
        float lr = _schedule(epoch, optimizer.LearningRate);
        optimizer.LearningRate = lr;
        if (Verbose > 0) CallbackIO.Print(Output, $"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {CallbackIO.Show(lr)}.");
    }

    /// <inheritdoc/>
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, float> logs) =>
        CallbackIO.TrySet(logs, "learning_rate", RequireOptimizer().LearningRate);

    private Optimizer RequireOptimizer() =>
        Model?.Optimizer ?? throw new InvalidOperationException("LearningRateScheduler needs a compiled model: it sets the optimizer's learning rate.");
}
