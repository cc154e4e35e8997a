using System.Runtime.CompilerServices;
using KerasNet.Callbacks;
using KerasNet.Models;
using KerasNet.Visualization;
using Microsoft.AspNetCore.Html;
using Microsoft.DotNet.Interactive.Formatting;

namespace KerasNet.Interactive;

/// <summary>KerasNet in Polyglot Notebooks (.NET Interactive). <see cref="Enable"/> registers the HTML
/// formatters (a History shows as its chart, a Model as its summary table, a Tensor as shape, dtype and a
/// preview) and routes training progress and <see cref="LivePlot"/> charts to displays that update in place.
/// The package's extension script calls it when a notebook loads KerasNet; calling it again is harmless.</summary>
public static class KerasNetInteractive
{
    private static readonly object Gate = new();
    private static readonly ConditionalWeakTable<LivePlot, PlotDisplay> PlotDisplays = new();
    private static bool _formattersRegistered;
    private static Action<string>? _lineSink;
    private static Action<LivePlotFrame>? _plotSink;

    /// <summary>The display progress and live plots go to, or <c>null</c> when none is hooked.</summary>
    public static INotebookDisplay? Display { get; private set; }

    /// <summary>The progress display state, while enabled with a display.</summary>
    public static NotebookProgress? Progress { get; private set; }

    /// <summary>Registers the formatters and hooks progress and live plots to <paramref name="display"/>;
    /// without one, to the running .NET Interactive kernel if this process hosts one (and to the display
    /// already hooked, if any). Returns whether a display is hooked: outside a notebook it is not, and
    /// progress stays on the console.</summary>
    public static bool Enable(INotebookDisplay? display = null)
    {
        lock (Gate)
        {
            RegisterFormatters();
            display ??= Display ?? DotNetInteractiveDisplay.TryFind();
            if (display is null) return false;
            if (ReferenceEquals(display, Display) && ReferenceEquals(ProgbarLogger.LineSink, _lineSink)) return true;
            Display = display;
            var progress = new NotebookProgress(display);
            Progress = progress;
            _lineSink = progress.OnLine;
            _plotSink = frame => ShowFrame(display, frame);
            ProgbarLogger.LineSink = _lineSink;
            LivePlot.DisplaySink = _plotSink;
            return true;
        }
    }

    /// <summary>Unhooks progress and live plots (those hooks set by <see cref="Enable"/> only); the
    /// formatters stay registered.</summary>
    public static void Disable()
    {
        lock (Gate)
        {
            if (ReferenceEquals(ProgbarLogger.LineSink, _lineSink)) ProgbarLogger.LineSink = null;
            if (ReferenceEquals(LivePlot.DisplaySink, _plotSink)) LivePlot.DisplaySink = null;
            _lineSink = null;
            _plotSink = null;
            Display = null;
            Progress = null;
        }
    }

    /// <summary>Registers the "text/html" formatters for <see cref="History"/>, <see cref="Model"/> (and its
    /// subclasses), <see cref="Tensor"/> and <see cref="LivePlot"/> with .NET Interactive's
    /// <see cref="Formatter"/>, once per process (again after <see cref="Formatter.ResetToDefault"/>
    /// only through <see cref="ReregisterFormatters"/>).</summary>
    public static void RegisterFormatters()
    {
        lock (Gate)
        {
            if (_formattersRegistered) return;
            ReregisterFormatters();
        }
    }

    /// <summary>Registers the formatters even if they were registered before (after the kernel reset its
    /// formatters).</summary>
    public static void ReregisterFormatters()
    {
        lock (Gate)
        {
            Formatter.Register<History>((h, w) => w.Write(HtmlFormatters.History(h)), HtmlFormatter.MimeType);
            Formatter.Register<Model>((m, w) => w.Write(HtmlFormatters.Model(m)), HtmlFormatter.MimeType);
            Formatter.Register<Tensor>((t, w) => w.Write(HtmlFormatters.Tensor(t)), HtmlFormatter.MimeType);
            Formatter.Register<LivePlot>((p, w) => w.Write(HtmlFormatters.LivePlot(p)), HtmlFormatter.MimeType);
            Formatter.Register<Tensor>((t, w) => w.Write(t.ToString()), PlainTextFormatter.MimeType);
            foreach (var t in new[] { typeof(History), typeof(Model), typeof(Tensor), typeof(LivePlot) })
                Formatter.SetPreferredMimeTypesFor(t, HtmlFormatter.MimeType);
            _formattersRegistered = true;
        }
    }

    /// <summary>Formats <paramref name="value"/> as the notebook would show it for
    /// <paramref name="mimeType"/> ("text/html" by default), with the registered formatters (registering
    /// KerasNet's first).</summary>
    public static string Format(object? value, string mimeType = HtmlFormatter.MimeType)
    {
        RegisterFormatters();
        return value.ToDisplayString(mimeType);
    }

    /// <summary>The MIME types a notebook prefers for <paramref name="type"/>.</summary>
    public static IReadOnlyCollection<string> PreferredMimeTypes(Type type)
    {
        RegisterFormatters();
        return Formatter.GetPreferredMimeTypesFor(type);
    }

    private static void ShowFrame(INotebookDisplay display, LivePlotFrame frame)
    {
        var html = new HtmlString("<div class=\"kerasnet-history\">" + frame.Svg + "</div>");
        var cell = display.CurrentCell;
        lock (Gate)
        {
            var state = PlotDisplays.GetOrCreateValue(frame.Source);
            if (frame.Frame == 0 || state.Handle is null || !ReferenceEquals(state.Cell, cell))
            {
                state.Handle = display.Display(html);
                state.Cell = cell;
            }
            else state.Handle.Update(html);
        }
    }

    private sealed class PlotDisplay
    {
        public INotebookDisplayHandle? Handle;
        public object? Cell;
    }
}
