using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Html;

namespace KerasNet.Interactive;

/// <summary>Turns <see cref="Callbacks.ProgbarLogger"/>'s lines into one display per training run that
/// updates in place, as Keras's bar does in Jupyter: "Epoch 1/N" headers stay, and each epoch's bar line
/// is replaced as it advances.
/// <para>ProgbarLogger hands its sink whole lines without saying whether a line is new or a redraw, so the
/// rules are: "Epoch 1/N", or output from another cell, starts a new display; an "Epoch e/N" header is
/// appended; any other line replaces the bar line after the last header, unless its step total (the n of
/// "k/n") differs from that bar's (Evaluate or Predict after a Fit in the same cell), when it is appended.</para></summary>
public sealed partial class NotebookProgress
{
    private readonly INotebookDisplay _display;
    private readonly object _gate = new();
    private readonly List<string> _lines = [];
    private INotebookDisplayHandle? _handle;
    private object? _cell;
    private bool _barOpen;

    /// <summary>Progress shown on <paramref name="display"/>.</summary>
    public NotebookProgress(INotebookDisplay display)
    {
        ArgumentNullException.ThrowIfNull(display);
        _display = display;
    }

    /// <summary>The lines of the current display.</summary>
    public IReadOnlyList<string> Lines
    {
        get { lock (_gate) return _lines.ToArray(); }
    }

    [GeneratedRegex(@"^Epoch (\d+)/(\d+)$")]
    private static partial Regex Header();

    [GeneratedRegex(@"^\s*\d+/(\d+)\b")]
    private static partial Regex Steps();

    /// <summary>Takes one line from ProgbarLogger (the value of <c>ProgbarLogger.LineSink</c>).</summary>
    public void OnLine(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        lock (_gate)
        {
            var cell = _display.CurrentCell;
            var header = Header().Match(line);
            bool newRun = _handle is null || !ReferenceEquals(cell, _cell) || (header.Success && header.Groups[1].Value == "1");
            if (newRun)
            {
                _lines.Clear();
                _handle = null;
                _barOpen = false;
                _cell = cell;
            }
            if (header.Success)
            {
                _lines.Add(line);
                _barOpen = false;
            }
            else if (_barOpen && SameTotal(_lines[^1], line)) _lines[^1] = line;
            else
            {
                _lines.Add(line);
                _barOpen = true;
            }
            var html = Render();
            if (_handle is null) _handle = _display.Display(html);
            else _handle.Update(html);
        }
    }

    private static bool SameTotal(string previous, string line)
    {
        var a = Steps().Match(previous);
        var b = Steps().Match(line);
        return !a.Success || !b.Success || a.Groups[1].Value == b.Groups[1].Value;
    }

    private HtmlString Render()
    {
        var sb = new StringBuilder("<pre class=\"kerasnet-progress\" style=\"margin:0\">");
        for (int i = 0; i < _lines.Count; i++)
        {
            if (i > 0) sb.Append('\n');
            sb.Append(System.Net.WebUtility.HtmlEncode(_lines[i]));
        }
        sb.Append("</pre>");
        return new HtmlString(sb.ToString());
    }
}
