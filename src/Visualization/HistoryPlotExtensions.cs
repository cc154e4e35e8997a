using KerasNet.Callbacks;

namespace KerasNet.Visualization;

/// <summary>Training curves of a <see cref="History"/> as an SVG chart: one panel per metric (loss,
/// accuracy, ...), each metric against the epoch (1-based), the training series as a solid line and its
/// "val_" series as a dashed line of another colour, with 1-2-5 ticks, axis labels, a legend and a title.</summary>
public static class HistoryPlotExtensions
{
    /// <summary>The chart as an SVG document. <paramref name="metrics"/> picks and orders the panels
    /// ("loss", "accuracy"; a "val_" name means the same panel); by default every metric gets one, "loss"
    /// first and the others in the order Fit logged them.</summary>
    /// <exception cref="ArgumentException">A metric the history does not have (the message lists those it has).</exception>
    public static string ToSvg(this History history, IEnumerable<string>? metrics = null, PlotOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(history);
        var panels = Panels(history, metrics);
        return SvgLineChart.Render(panels, options ?? new PlotOptions(), "epoch",
            emptyMessage: history.Keys.Count == 0 ? "no epoch has ended yet: the history is empty" : "no metric chosen to plot");
    }

    /// <summary>Draws the chart (see <see cref="ToSvg"/>) and saves it as SVG at <paramref name="path"/>,
    /// atomically (a temporary file renamed over the target). Returns the SVG text. Only SVG is written:
    /// a path ending in another extension is refused.</summary>
    public static string Plot(this History history, string path, IEnumerable<string>? metrics = null, PlotOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string ext = Path.GetExtension(path);
        if (!ext.Equals(".svg", StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"History.Plot writes SVG only; '{path}' asks for '{(ext.Length == 0 ? "no extension" : ext)}'. " +
                "Name the file *.svg (a browser or a notebook shows it; convert it to PNG with any SVG renderer if needed).", nameof(path));
        string svg = history.ToSvg(metrics, options);
        AtomicFile.WriteAllText(path, svg);
        return svg;
    }

    /// <summary>The panels of <paramref name="history"/>: one per base metric, with its training series (if
    /// logged) and its "val_" series (if logged).</summary>
    internal static List<ChartPanel> Panels(History history, IEnumerable<string>? metrics)
    {
        var keys = history.Keys;
        // "loss" first (the panel everyone looks at), then the others in the order Fit logged them.
        var bases = keys.Select(BaseName).Distinct(StringComparer.Ordinal).OrderBy(b => b == "loss" ? 0 : 1).ToList();
        List<string> chosen;
        if (metrics is null) chosen = bases;
        else
        {
            chosen = [];
            foreach (var m in metrics)
            {
                ArgumentNullException.ThrowIfNull(m, nameof(metrics));
                string b = BaseName(m);
                if (!bases.Contains(b, StringComparer.Ordinal))
                    throw new ArgumentException($"The history has no metric '{m}'. It has: {(keys.Count == 0 ? "nothing yet (no epoch has ended)" : string.Join(", ", keys))}.", nameof(metrics));
                if (!chosen.Contains(b, StringComparer.Ordinal)) chosen.Add(b);
            }
        }
        var panels = new List<ChartPanel>(chosen.Count);
        foreach (var b in chosen)
        {
            var series = new List<ChartSeries>(2);
            if (history.HistoryData.TryGetValue(b, out var train)) series.Add(new ChartSeries(b, false, Points(history, train)));
            if (history.HistoryData.TryGetValue("val_" + b, out var val)) series.Add(new ChartSeries("val_" + b, true, Points(history, val)));
            panels.Add(new ChartPanel(b, series));
        }
        return panels;
    }

    private static string BaseName(string key) => key.StartsWith("val_", StringComparison.Ordinal) && key.Length > 4 ? key[4..] : key;

    /// <summary>(epoch, value) pairs, epochs 1-based. A series logged every epoch takes the recorded epoch
    /// numbers; one logged every k-th epoch (Fit's validationFreq = k) takes epochs k, 2k, ...; any other
    /// length is numbered 1, 2, ....</summary>
    private static List<(double X, double Y)> Points(History history, IReadOnlyList<float> values)
    {
        var epochs = history.Epoch;
        int n = values.Count;
        var pts = new List<(double, double)>(n);
        for (int i = 0; i < n; i++)
        {
            double x;
            if (n == epochs.Count) x = epochs[i] + 1;
            else if (n > 0 && n < epochs.Count && epochs.Count % n == 0) x = epochs[(i + 1) * (epochs.Count / n) - 1] + 1;
            else x = i + 1;
            pts.Add((x, values[i]));
        }
        return pts;
    }
}
