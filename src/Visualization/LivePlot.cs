using KerasNet.Callbacks;

namespace KerasNet.Visualization;

/// <summary>One redraw of a <see cref="LivePlot"/>: the callback, the epoch that just ended (0-based), the
/// frame number within the current training run (0 for its first epoch) and the chart.</summary>
/// <param name="Source">The callback that drew the frame.</param>
/// <param name="Epoch">The epoch that just ended (0-based, as Fit counts).</param>
/// <param name="Frame">0 for the first redraw of a training run, then 1, 2, ...; a display shows frame 0 anew
/// and updates itself in place for the later ones.</param>
/// <param name="Svg">The chart after this epoch, as an SVG document.</param>
public sealed record LivePlotFrame(LivePlot Source, int Epoch, int Frame, string Svg);

/// <summary>A callback that redraws the training curves at the end of every epoch, as livelossplot does
/// for Keras: into an SVG file (written atomically, so a browser refreshing it never reads half a file),
/// to <see cref="Redrawn"/> handlers, and to the process-wide <see cref="DisplaySink"/> that
/// KerasNet.Interactive sets in a notebook to update a displayed chart in place. Each Fit starts a new
/// chart.</summary>
public sealed class LivePlot : Callback
{
    private readonly string? _path;
    private readonly List<string>? _metrics;
    private History _history = new();
    private int _frame;

    /// <summary>A live plot writing to <paramref name="path"/> (an .svg file; <c>null</c> for none: only
    /// the events and the notebook display), with the panels of <paramref name="metrics"/> (all by
    /// default).</summary>
    public LivePlot(string? path = null, IEnumerable<string>? metrics = null, PlotOptions? options = null)
    {
        if (path is not null)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(path);
            if (!Path.GetExtension(path).Equals(".svg", StringComparison.OrdinalIgnoreCase))
                throw new ArgumentException($"LivePlot writes SVG only; name the file *.svg (got '{path}').", nameof(path));
        }
        _path = path;
        _metrics = metrics?.ToList();
        Options = options ?? new PlotOptions();
        Options.Validate();
    }

    /// <summary>The SVG file redrawn at each epoch end, or <c>null</c>.</summary>
    public string? FilePath => _path;

    /// <summary>The chart's appearance.</summary>
    public PlotOptions Options { get; }

    /// <summary>The metrics of the current (or last) training run so far.</summary>
    public History History => _history;

    /// <summary>The latest chart, or <c>null</c> before the first epoch has ended.</summary>
    public string? LatestSvg { get; private set; }

    /// <summary>Raised after every redraw.</summary>
    public event Action<LivePlotFrame>? Redrawn;

    /// <summary>The notebook hook: when set, every frame of every live plot is handed to it (KerasNet.Interactive
    /// sets it to show frame 0 as a new display and update that display with the later frames).</summary>
    public static Action<LivePlotFrame>? DisplaySink { get; set; }

    /// <inheritdoc/>
    public override void OnTrainBegin(IReadOnlyDictionary<string, float> logs)
    {
        _history = new History();
        _frame = 0;
        LatestSvg = null;
    }

    /// <inheritdoc/>
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, float> logs)
    {
        _history.OnEpochEnd(epoch, logs);
        string svg = _history.ToSvg(_metrics is null ? null : PresentMetrics(), Options);
        LatestSvg = svg;
        if (_path is not null) AtomicFile.WriteAllText(_path, svg);
        var frame = new LivePlotFrame(this, epoch, _frame++, svg);
        Redrawn?.Invoke(frame);
        DisplaySink?.Invoke(frame);
    }

    /// <summary>The chosen metrics that have been logged so far (a metric that appears only with validation,
    /// or later, must not fail the first frames).</summary>
    private List<string> PresentMetrics()
    {
        var keys = _history.Keys;
        return _metrics!.Where(m => keys.Contains(m, StringComparer.Ordinal) || keys.Contains("val_" + m, StringComparer.Ordinal)
            || (m.StartsWith("val_", StringComparison.Ordinal) && keys.Contains(m[4..], StringComparer.Ordinal))).ToList();
    }
}
