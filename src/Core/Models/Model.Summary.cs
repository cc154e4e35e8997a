using System.Globalization;
using System.Text;

namespace KerasNet.Models;

public partial class Model
{
    /// <summary>Keras's summary table (Layer (type) | Output Shape | Param #, plus Connected to for graphs
    /// that are not a plain stack), then the parameter totals with their sizes. Printed to the console and
    /// returned.</summary>
    public string Summary(int? lineLength = null, Action<string>? printFn = null)
    {
        string text = SummaryText(lineLength);
        (printFn ?? Console.Write)(text);
        return text;
    }

    /// <summary>The summary as text, without printing it.</summary>
    public string SummaryText(int? lineLength = null)
    {
        if (!Built || (this is Sequential && !IsGraphNetwork))
            throw new InvalidOperationException($"Model '{Name}' has not yet been built, so it has no summary. Build it first by calling Build(inputShape), " +
                "by starting it with an InputLayer (or Keras.Input), or by calling it on a batch of data.");
        var rows = new List<string[]>();
        bool sequentialLike = this is Sequential || !IsGraphNetwork || IsPlainChain();
        foreach (var layer in Layers)
        {
            string shape = layer.InboundNodes.Count > 0
                ? string.Join(", ", layer.InboundNodes[0].Outputs.Select(o => KerasTensor.ShapeText(o.Shape)))
                : "?";
            if (layer.InboundNodes.Count > 0 && layer.InboundNodes[0].Outputs.Length > 1) shape = "[" + shape + "]";
            string param = layer.CountParams().ToString("N0", CultureInfo.InvariantCulture);
            var row = new List<string> { $"{layer.Name} ({layer.ClassName})", shape, param };
            if (!sequentialLike)
            {
                var node = layer.InboundNodes.Count > 0 ? layer.InboundNodes[0] : null;
                row.Add(node is null || node.Inputs.Length == 0 ? "-"
                    : string.Join(", ", node.Inputs.Select(t => $"{t.Producer!.Name}[{t.NodeIndex}][{t.OutputIndex}]")));
            }
            rows.Add(row.ToArray());
        }
        string[] headers = sequentialLike ? ["Layer (type)", "Output Shape", "Param #"] : ["Layer (type)", "Output Shape", "Param #", "Connected to"];
        int total = lineLength ?? (sequentialLike ? 79 : 98);
        double[] fractions = sequentialLike ? [0.42, 0.30, 0.28] : [0.31, 0.25, 0.13, 0.31];
        var widths = fractions.Select(f => Math.Max(8, (int)(total * f) - 3)).ToArray();
        for (int c = 0; c < headers.Length; c++)
            widths[c] = Math.Max(widths[c], Math.Max(headers[c].Length, rows.Count == 0 ? 0 : rows.Max(r => r[c].Length)));
        var sb = new StringBuilder();
        sb.Append("Model: \"").Append(Name).Append("\"\n");
        string Line(char left, char fill, char mid, char right) =>
            left + string.Join(mid, widths.Select(w => new string(fill, w + 2))) + right + "\n";
        string Row(string[] cells, char sep) =>
            sep + string.Join(sep, cells.Select((cell, c) => " " + (c == 2 ? cell.PadLeft(widths[c]) : cell.PadRight(widths[c])) + " ")) + sep + "\n";
        sb.Append(Line('┏', '━', '┳', '┓'));
        sb.Append(Row(headers, '┃'));
        sb.Append(Line('┡', '━', '╇', '┩'));
        for (int i = 0; i < rows.Count; i++)
        {
            sb.Append(Row(rows[i], '│'));
            sb.Append(i < rows.Count - 1 ? Line('├', '─', '┼', '┤') : Line('└', '─', '┴', '┘'));
        }
        if (rows.Count == 0) sb.Append(Line('└', '─', '┴', '┘'));
        long trainable = CollectTrainable().Sum(w => w.Shape.Size);
        long all = Weights.Sum(w => w.Shape.Size);
        sb.Append(" Total params: ").Append(Count(all)).Append('\n');
        sb.Append(" Trainable params: ").Append(Count(trainable)).Append('\n');
        sb.Append(" Non-trainable params: ").Append(Count(all - trainable)).Append('\n');
        if (Optimizer is { Built: true } opt)
        {
            long optParams = opt.Variables.Skip(1).Sum(v => v.Shape.Size);
            sb.Append(" Optimizer params: ").Append(Count(optParams)).Append('\n');
        }
        return sb.ToString();
    }

    private bool IsPlainChain()
    {
        if (!IsGraphNetwork || _inputs!.Length != 1 || _outputs!.Length != 1) return false;
        foreach (var step in _steps)
            if (step.Node.Inputs.Length != 1 || step.Node.Outputs.Length != 1) return false;
        return true;
    }

    private static string Count(long n) => $"{n.ToString("N0", CultureInfo.InvariantCulture)} ({ReadableSize(n * 4)})";

    /// <summary>Keras's readable_memory_size: B, KB, MB, GB with two decimals (base 1024).</summary>
    internal static string ReadableSize(double bytes)
    {
        string[] units = ["B", "KB", "MB", "GB", "TB"];
        int u = 0;
        while (bytes >= 1024 && u < units.Length - 1) { bytes /= 1024; u++; }
        return bytes.ToString("F2", CultureInfo.InvariantCulture) + " " + units[u];
    }
}
