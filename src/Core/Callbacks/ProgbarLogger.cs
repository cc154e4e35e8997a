using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace KerasNet.Callbacks;

/// <summary>Keras's progress display. Verbose 1 on a terminal redraws one bar line in place
/// ("469/469 ━━━━━━━━━━━━━━━━━━━━ 3s 6ms/step - accuracy: 0.8123 - loss: 0.5312"); with output redirected it
/// prints that line once per epoch; verbose 2 always prints one line per epoch. Batch metrics are read at
/// most every <see cref="RefreshInterval"/>, so the display adds no device syncs per step.</summary>
public sealed class ProgbarLogger : Callback
{
    private readonly TextWriter _out;
    private readonly Stopwatch _epochClock = new();
    private readonly Stopwatch _refresh = new();
    private int _verbose;
    private int _epochs;
    private int _steps;
    private int _seen;
    private bool _inPlace;
    private int _lastWidth;
    private string _mode = "train";

    /// <summary>Writes to <paramref name="output"/> (the console by default).</summary>
    public ProgbarLogger(TextWriter? output = null, bool? inPlace = null)
    {
        _out = output ?? Console.Out;
        _inPlaceOverride = inPlace;
    }

    private readonly bool? _inPlaceOverride;

    /// <summary>How often the bar redraws.</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>A hook for notebooks: when set, the whole current line is handed to it instead of being
    /// written with a carriage return (the notebook formatter updates its display in place).</summary>
    public static Action<string>? LineSink { get; set; }

    private void Configure()
    {
        _verbose = Params.TryGetValue("verbose", out var v) ? (int)v : 1;
        _epochs = Params.TryGetValue("epochs", out var e) ? (int)e : 1;
        _steps = Params.TryGetValue("steps", out var s) && s is int si ? si : 0;
        _inPlace = _inPlaceOverride ?? (LineSink is not null || (ReferenceEquals(_out, Console.Out) && !Console.IsOutputRedirected));
    }

    /// <inheritdoc/>
    public override void OnTrainBegin(IReadOnlyDictionary<string, float> logs)
    {
        Configure();
        _mode = "train";
    }

    /// <inheritdoc/>
    public override void OnEpochBegin(int epoch, IReadOnlyDictionary<string, float> logs)
    {
        if (_verbose == 0) return;
        WriteLine($"Epoch {epoch + 1}/{_epochs}");
        _seen = 0;
        _epochClock.Restart();
        _refresh.Restart();
        _lastWidth = 0;
    }

    /// <inheritdoc/>
    public override void OnTrainBatchEnd(int batch, IReadOnlyDictionary<string, float> logs)
    {
        _seen = batch + 1;
        if (_verbose != 1 || !_inPlace || _mode != "train") return;
        if (_refresh.Elapsed < RefreshInterval && _seen < _steps) return;
        _refresh.Restart();
        Redraw(Line(logs, final: false));
    }

    /// <inheritdoc/>
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, float> logs)
    {
        if (_verbose == 0) return;
        string line = Line(logs, final: true);
        if (_verbose == 1 && _inPlace) { Redraw(line); Finish(); }
        else WriteLine(line);
    }

    /// <inheritdoc/>
    public override void OnTestBegin(IReadOnlyDictionary<string, float> logs)
    {
        if (Params.ContainsKey("in_fit")) return;
        Configure();
        _mode = "test";
        _seen = 0;
        _epochClock.Restart();
        _refresh.Restart();
    }

    /// <inheritdoc/>
    public override void OnTestBatchEnd(int batch, IReadOnlyDictionary<string, float> logs)
    {
        if (_mode != "test") return;
        _seen = batch + 1;
        if (_verbose != 1 || !_inPlace) return;
        if (_refresh.Elapsed < RefreshInterval && _seen < _steps) return;
        _refresh.Restart();
        Redraw(Line(logs, final: false));
    }

    /// <inheritdoc/>
    public override void OnTestEnd(IReadOnlyDictionary<string, float> logs)
    {
        if (_mode != "test" || _verbose == 0) return;
        string line = Line(logs, final: true);
        if (_verbose == 1 && _inPlace) { Redraw(line); Finish(); }
        else WriteLine(line);
        _mode = "train";
    }

    /// <inheritdoc/>
    public override void OnPredictBegin(IReadOnlyDictionary<string, float> logs)
    {
        Configure();
        _mode = "predict";
        _seen = 0;
        _epochClock.Restart();
    }

    /// <inheritdoc/>
    public override void OnPredictBatchEnd(int batch, IReadOnlyDictionary<string, float> logs) => _seen = batch + 1;

    /// <inheritdoc/>
    public override void OnPredictEnd(IReadOnlyDictionary<string, float> logs)
    {
        if (_verbose == 0) return;
        WriteLine(Line(new Dictionary<string, float>(), final: true));
        _mode = "train";
    }

    private string Line(IReadOnlyDictionary<string, float> logs, bool final)
    {
        var sb = new StringBuilder();
        int width = _steps.ToString(CultureInfo.InvariantCulture).Length;
        sb.Append(_seen.ToString(CultureInfo.InvariantCulture).PadLeft(width)).Append('/').Append(_steps);
        double elapsed = _epochClock.Elapsed.TotalSeconds;
        if (_verbose == 1)
        {
            const int BarWidth = 20;
            int filled = _steps == 0 ? BarWidth : (int)((long)BarWidth * _seen / _steps);
            sb.Append(' ').Append('━', filled).Append('─', BarWidth - filled).Append(' ');
        }
        else sb.Append(" - ");
        if (final || _seen >= _steps)
        {
            sb.Append(FormatTime(elapsed));
            double perStep = _seen == 0 ? 0 : elapsed / _seen;
            sb.Append(_verbose == 1 ? " " : " - ").Append(FormatPerStep(perStep));
        }
        else
        {
            double eta = _seen == 0 ? 0 : elapsed / _seen * (_steps - _seen);
            sb.Append("ETA: ").Append(FormatTime(eta));
        }
        foreach (var (k, v) in logs.OrderBy(p => p.Key.StartsWith("val_", StringComparison.Ordinal) ? 1 : 0).ThenBy(p => p.Key, StringComparer.Ordinal))
            sb.Append(" - ").Append(k).Append(": ").Append(FormatValue(v));
        return sb.ToString();
    }

    private static string FormatTime(double seconds) => seconds >= 1 || seconds == 0
        ? $"{Math.Round(seconds).ToString(CultureInfo.InvariantCulture)}s"
        : $"{Math.Round(seconds * 1000).ToString(CultureInfo.InvariantCulture)}ms";

    private static string FormatPerStep(double seconds) => seconds >= 1
        ? $"{Math.Round(seconds).ToString(CultureInfo.InvariantCulture)}s/step"
        : seconds >= 1e-3 ? $"{Math.Round(seconds * 1e3).ToString(CultureInfo.InvariantCulture)}ms/step"
        : $"{Math.Round(seconds * 1e6).ToString(CultureInfo.InvariantCulture)}us/step";

    /// <summary>Keras's metric formatting: 4 decimals, or scientific for tiny values.</summary>
    internal static string FormatValue(float v) => Math.Abs(v) > 1e-3 || v == 0
        ? v.ToString("F4", CultureInfo.InvariantCulture)
        : v.ToString("0.0000e+00", CultureInfo.InvariantCulture);

    private void Redraw(string line)
    {
        if (LineSink is { } sink) { sink(line); return; }
        string padded = line.Length < _lastWidth ? line + new string(' ', _lastWidth - line.Length) : line;
        _lastWidth = line.Length;
        _out.Write('\r');
        _out.Write(padded);
        _out.Flush();
    }

    private void Finish()
    {
        if (LineSink is null) _out.WriteLine();
        _lastWidth = 0;
    }

    private void WriteLine(string line)
    {
        if (LineSink is { } sink) sink(line);
        else _out.WriteLine(line);
    }
}
