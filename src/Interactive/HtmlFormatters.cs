using System.Net;
using System.Text;
using KerasNet.Callbacks;
using KerasNet.Models;
using KerasNet.Visualization;

namespace KerasNet.Interactive;

/// <summary>The HTML a notebook shows for KerasNet objects: a <see cref="History"/> as its training-curve
/// chart (inline SVG), a <see cref="Model"/> as its summary table, a <see cref="Tensor"/> as its shape,
/// dtype and first values, a <see cref="LivePlot"/> as its latest chart.</summary>
public static class HtmlFormatters
{
    /// <summary>Values shown in a tensor's preview.</summary>
    public const int TensorPreviewElements = 24;

    /// <summary>The history's chart as inline SVG.</summary>
    public static string History(History history)
    {
        ArgumentNullException.ThrowIfNull(history);
        return "<div class=\"kerasnet-history\">" + history.ToSvg() + "</div>";
    }

    /// <summary>The live plot's latest chart, or a note that no epoch has ended yet.</summary>
    public static string LivePlot(LivePlot plot)
    {
        ArgumentNullException.ThrowIfNull(plot);
        return plot.LatestSvg is { } svg ? "<div class=\"kerasnet-history\">" + svg + "</div>"
            : "<div class=\"kerasnet-history\"><i>LivePlot: no epoch has ended yet.</i></div>";
    }

    /// <summary>Keras's summary as an HTML table: the model's name, a row per layer with the same columns
    /// as <see cref="Model.SummaryText"/> (Layer (type), Output Shape, Param #, and Connected to for
    /// graphs), then the parameter totals. An unbuilt model shows why it has no summary.</summary>
    public static string Model(Model model)
    {
        ArgumentNullException.ThrowIfNull(model);
        string text;
        try
        {
            text = model.SummaryText();
        }
        catch (InvalidOperationException e)
        {
            return "<div class=\"kerasnet-summary\"><p><i>" + Encode(e.Message) + "</i></p></div>";
        }
        var sb = new StringBuilder("<div class=\"kerasnet-summary\">\n");
        var lines = text.Split('\n');
        string[]? header = null;
        var rows = new List<string[]>();
        var totals = new List<string>();
        string title = "";
        foreach (var line in lines)
        {
            if (line.StartsWith("Model:", StringComparison.Ordinal)) title = line;
            else if (line.StartsWith('┃')) header = Cells(line, '┃');
            else if (line.StartsWith('│')) rows.Add(Cells(line, '│'));
            else if (line.StartsWith(' ') && line.Contains("params:", StringComparison.Ordinal)) totals.Add(line.Trim());
        }
        sb.Append("<p><b>").Append(Encode(title)).Append("</b></p>\n");
        sb.Append("<table style=\"border-collapse:collapse\">\n<thead><tr>");
        foreach (var (h, i) in (header ?? []).Select((h, i) => (h, i)))
            sb.Append("<th style=\"text-align:").Append(i == 2 ? "right" : "left").Append(";padding:2px 10px;border-bottom:2px solid #888\">").Append(Encode(h)).Append("</th>");
        sb.Append("</tr></thead>\n<tbody>\n");
        foreach (var row in rows)
        {
            sb.Append("<tr>");
            for (int i = 0; i < row.Length; i++)
                sb.Append("<td style=\"text-align:").Append(i == 2 ? "right" : "left").Append(";padding:2px 10px;border-bottom:1px solid #ddd\">")
                  .Append(i == 1 ? "<code>" + Encode(row[i]) + "</code>" : Encode(row[i])).Append("</td>");
            sb.Append("</tr>\n");
        }
        sb.Append("</tbody>\n</table>\n");
        foreach (var t in totals)
        {
            int colon = t.IndexOf(':', StringComparison.Ordinal);
            sb.Append("<div><b>").Append(Encode(t[..(colon + 1)])).Append("</b>").Append(Encode(t[(colon + 1)..])).Append("</div>\n");
        }
        sb.Append("</div>");
        return sb.ToString();
    }

    private static string[] Cells(string line, char separator) =>
        line.Split(separator)[1..^1].Select(c => c.Trim()).ToArray();

    /// <summary>The tensor's shape and dtype, and its first <see cref="TensorPreviewElements"/> values
    /// (flattened, as <see cref="Tensor.AppendPreview"/> lists them).</summary>
    public static string Tensor(Tensor tensor)
    {
        if (tensor.IsNull) return "<div class=\"kerasnet-tensor\"><code>Tensor(null)</code></div>";
        if (tensor.IsDisposed) return "<div class=\"kerasnet-tensor\"><code>Tensor(disposed)</code></div>";
        var preview = new StringBuilder();
        tensor.AppendPreview(preview, TensorPreviewElements);
        var sb = new StringBuilder("<div class=\"kerasnet-tensor\">");
        sb.Append("<div><b>Tensor</b> <code>shape=").Append(Encode(tensor.Shape.ToString())).Append("</code> <code>dtype=")
          .Append(Encode(tensor.DType.KerasName())).Append("</code> <code>size=").Append(tensor.Size).Append("</code></div>");
        sb.Append("<pre style=\"margin:4px 0\">").Append(Encode(preview.ToString())).Append("</pre></div>");
        return sb.ToString();
    }

    private static string Encode(string s) => WebUtility.HtmlEncode(s);
}
