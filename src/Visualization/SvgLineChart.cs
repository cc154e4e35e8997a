using System.Globalization;
using System.Text;

namespace KerasNet.Visualization;

/// <summary>One line of a panel: its name ("loss", "val_loss"), whether it is the validation series, and
/// its (x, y) points. Non-finite values are left out of the line and of the axis range.</summary>
internal sealed record ChartSeries(string Name, bool IsValidation, IReadOnlyList<(double X, double Y)> Points);

/// <summary>One panel: a metric and its training and validation series.</summary>
internal sealed record ChartPanel(string Metric, IReadOnlyList<ChartSeries> Series);

/// <summary>Renders panels of line series as a standalone SVG document: per panel a title, a legend, a
/// plot area with grid lines, axes with 1-2-5 ticks and their labels, and the axis labels.</summary>
internal static class SvgLineChart
{
    private const string Font = "DejaVu Sans, Helvetica, Arial, sans-serif";
    private const int TitleHeight = 40;
    private const double PlotLeft = 66, PlotRight = 18, PlotTop = 62, PlotBottom = 48;
    private const double TickCharWidth = 7.0; // 11px DejaVu Sans digits are about 7px wide

    public static string Render(IReadOnlyList<ChartPanel> panels, PlotOptions options, string xLabel, string? emptyMessage = null)
    {
        options.Validate();
        int columns = Math.Max(1, Math.Min(options.MaxColumns, panels.Count));
        int rows = Math.Max(1, (panels.Count + columns - 1) / columns);
        int width = columns * options.PanelWidth;
        int height = TitleHeight + rows * options.PanelHeight;
        var sb = new StringBuilder(4096);
        sb.Append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").Append(width).Append("\" height=\"").Append(height)
          .Append("\" viewBox=\"0 0 ").Append(width).Append(' ').Append(height).Append("\" font-family=\"").Append(Font).Append("\">\n");
        sb.Append("<title>").Append(Escape(options.Title)).Append("</title>\n");
        sb.Append("<rect x=\"0\" y=\"0\" width=\"").Append(width).Append("\" height=\"").Append(height).Append("\" fill=\"#ffffff\"/>\n");
        sb.Append("<text class=\"chart-title\" x=\"").Append(F(width / 2.0)).Append("\" y=\"27\" text-anchor=\"middle\" font-size=\"18\" font-weight=\"bold\" fill=\"#222222\">")
          .Append(Escape(options.Title)).Append("</text>\n");
        if (panels.Count == 0)
        {
            sb.Append("<text class=\"empty\" x=\"").Append(F(width / 2.0)).Append("\" y=\"").Append(F(TitleHeight + options.PanelHeight / 2.0))
              .Append("\" text-anchor=\"middle\" font-size=\"14\" fill=\"#666666\">").Append(Escape(emptyMessage ?? "nothing to plot")).Append("</text>\n");
        }
        for (int i = 0; i < panels.Count; i++)
        {
            double ox = i % columns * options.PanelWidth;
            double oy = TitleHeight + i / columns * options.PanelHeight;
            RenderPanel(sb, panels[i], options, ox, oy, xLabel);
        }
        sb.Append("</svg>\n");
        return sb.ToString();
    }

    private static void RenderPanel(StringBuilder sb, ChartPanel panel, PlotOptions o, double ox, double oy, string xLabel)
    {
        double top = oy + PlotTop, bottom = oy + o.PanelHeight - PlotBottom;
        var finite = panel.Series.SelectMany(s => s.Points).Where(p => double.IsFinite(p.Y) && double.IsFinite(p.X)).ToList();
        var ys = finite.Count == 0 ? null
            : NiceScale.ForValues(finite.Min(p => p.Y), finite.Max(p => p.Y), maxTicks: Math.Max(3, Math.Min(7, (int)((bottom - top) / 40) + 1)));
        // The plot area starts right of the widest y tick label, which starts right of the rotated axis label.
        double labelWidth = ys is null ? 0 : ys.Ticks.Max(t => ys.Format(t).Length) * TickCharWidth;
        double left = ox + Math.Max(PlotLeft, 36 + labelWidth), right = ox + o.PanelWidth - PlotRight;
        sb.Append("<g class=\"panel\" data-metric=\"").Append(Escape(panel.Metric)).Append("\">\n");
        sb.Append("<text class=\"panel-title\" x=\"").Append(F((left + right) / 2)).Append("\" y=\"").Append(F(oy + 20))
          .Append("\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\" fill=\"#222222\">").Append(Escape(panel.Metric)).Append("</text>\n");

        RenderLegend(sb, panel, o, (left + right) / 2, oy + 42);

        // Axis labels.
        sb.Append("<text class=\"axis-label x\" x=\"").Append(F((left + right) / 2)).Append("\" y=\"").Append(F(oy + o.PanelHeight - 8))
          .Append("\" text-anchor=\"middle\" font-size=\"13\" fill=\"#333333\">").Append(Escape(xLabel)).Append("</text>\n");
        double yMid = (top + bottom) / 2, yLabelX = ox + 16;
        sb.Append("<text class=\"axis-label y\" x=\"").Append(F(yLabelX)).Append("\" y=\"").Append(F(yMid))
          .Append("\" text-anchor=\"middle\" font-size=\"13\" fill=\"#333333\" transform=\"rotate(-90 ").Append(F(yLabelX)).Append(' ').Append(F(yMid)).Append(")\">")
          .Append(Escape(panel.Metric)).Append("</text>\n");

        if (ys is null)
        {
            Frame(sb, left, right, top, bottom);
            sb.Append("<text class=\"empty\" x=\"").Append(F((left + right) / 2)).Append("\" y=\"").Append(F(yMid))
              .Append("\" text-anchor=\"middle\" font-size=\"13\" fill=\"#666666\">no finite values</text>\n</g>\n");
            return;
        }

        int xMin = (int)Math.Floor(finite.Min(p => p.X)), xMax = (int)Math.Ceiling(finite.Max(p => p.X));
        var xs = NiceScale.ForIntegers(xMin, xMax, maxTicks: Math.Max(2, (int)((right - left) / 45)));
        // A margin either side, so the first and last points (and their markers) clear the frame.
        double xPad = xs.Max - xs.Min > 1.5 ? (xs.Max - xs.Min) * 0.03 : xs.Max - xs.Min > 0.5 ? 0.06 : 0;
        double x0 = xs.Min - xPad, x1 = xs.Max + xPad;
        double MapX(double x) => left + (x - x0) / (x1 - x0) * (right - left);
        double MapY(double y) => bottom - (y - ys.Min) / (ys.Max - ys.Min) * (bottom - top);

        // Grid lines and ticks.
        sb.Append("<g class=\"grid\" stroke=\"#e3e3e3\" stroke-width=\"1\">\n");
        foreach (double t in ys.Ticks) Line(sb, left, MapY(t), right, MapY(t));
        foreach (double t in xs.Ticks) Line(sb, MapX(t), top, MapX(t), bottom);
        sb.Append("</g>\n");
        Frame(sb, left, right, top, bottom);
        sb.Append("<g class=\"ticks\" stroke=\"#333333\" stroke-width=\"1\">\n");
        foreach (double t in ys.Ticks) Line(sb, left - 5, MapY(t), left, MapY(t));
        foreach (double t in xs.Ticks) Line(sb, MapX(t), bottom, MapX(t), bottom + 5);
        sb.Append("</g>\n");
        foreach (double t in ys.Ticks)
            sb.Append("<text class=\"tick-label y\" x=\"").Append(F(left - 8)).Append("\" y=\"").Append(F(MapY(t) + 4))
              .Append("\" text-anchor=\"end\" font-size=\"11\" fill=\"#333333\" data-value=\"").Append(R(t)).Append("\">").Append(ys.Format(t)).Append("</text>\n");
        foreach (double t in xs.Ticks)
            sb.Append("<text class=\"tick-label x\" x=\"").Append(F(MapX(t))).Append("\" y=\"").Append(F(bottom + 18))
              .Append("\" text-anchor=\"middle\" font-size=\"11\" fill=\"#333333\" data-value=\"").Append(R(t)).Append("\">")
              .Append(t.ToString("0", CultureInfo.InvariantCulture)).Append("</text>\n");

        // The series, validation first so the training line is drawn on top of it.
        int maxPoints = panel.Series.Max(s => s.Points.Count);
        bool markers = o.Markers ?? maxPoints <= 40;
        foreach (var s in panel.Series.OrderBy(s => s.IsValidation ? 0 : 1))
        {
            string color = s.IsValidation ? o.ValidationColor : o.TrainingColor;
            var pts = s.Points.Where(p => double.IsFinite(p.Y) && double.IsFinite(p.X)).ToList();
            sb.Append("<polyline class=\"series").Append(s.IsValidation ? " validation" : " training").Append("\" data-series=\"").Append(Escape(s.Name))
              .Append("\" fill=\"none\" stroke=\"").Append(Escape(color)).Append("\" stroke-width=\"2.2\" stroke-linejoin=\"round\" stroke-linecap=\"round\"");
            if (s.IsValidation) sb.Append(" stroke-dasharray=\"7 4\"");
            sb.Append(" points=\"");
            for (int i = 0; i < pts.Count; i++)
            {
                if (i > 0) sb.Append(' ');
                sb.Append(F(MapX(pts[i].X))).Append(',').Append(F(MapY(pts[i].Y)));
            }
            sb.Append("\"/>\n");
            if (markers)
            {
                sb.Append("<g class=\"markers\" data-series=\"").Append(Escape(s.Name)).Append("\" fill=\"").Append(s.IsValidation ? "#ffffff" : Escape(color))
                  .Append("\" stroke=\"").Append(Escape(color)).Append("\" stroke-width=\"1.5\">\n");
                foreach (var p in pts)
                    sb.Append("<circle cx=\"").Append(F(MapX(p.X))).Append("\" cy=\"").Append(F(MapY(p.Y))).Append("\" r=\"3\"/>\n");
                sb.Append("</g>\n");
            }
        }
        sb.Append("</g>\n");
    }

    private static void RenderLegend(StringBuilder sb, ChartPanel panel, PlotOptions o, double centerX, double y)
    {
        const double Sample = 26, Gap = 6, Between = 22, CharWidth = 7.0;
        double total = panel.Series.Sum(s => Sample + Gap + s.Name.Length * CharWidth) + Between * Math.Max(0, panel.Series.Count - 1);
        double x = centerX - total / 2;
        sb.Append("<g class=\"legend\">\n");
        foreach (var s in panel.Series)
        {
            string color = s.IsValidation ? o.ValidationColor : o.TrainingColor;
            sb.Append("<g class=\"legend-entry\" data-series=\"").Append(Escape(s.Name)).Append("\">");
            sb.Append("<line x1=\"").Append(F(x)).Append("\" y1=\"").Append(F(y - 4)).Append("\" x2=\"").Append(F(x + Sample)).Append("\" y2=\"").Append(F(y - 4))
              .Append("\" stroke=\"").Append(Escape(color)).Append("\" stroke-width=\"2.2\"");
            if (s.IsValidation) sb.Append(" stroke-dasharray=\"7 4\"");
            sb.Append("/>");
            sb.Append("<text x=\"").Append(F(x + Sample + Gap)).Append("\" y=\"").Append(F(y)).Append("\" font-size=\"12\" fill=\"#333333\">")
              .Append(Escape(s.Name)).Append("</text></g>\n");
            x += Sample + Gap + s.Name.Length * CharWidth + Between;
        }
        sb.Append("</g>\n");
    }

    private static void Frame(StringBuilder sb, double left, double right, double top, double bottom)
    {
        sb.Append("<g class=\"axes\" stroke=\"#333333\" stroke-width=\"1.2\">\n");
        Line(sb, left, bottom, right, bottom);
        Line(sb, left, top, left, bottom);
        sb.Append("</g>\n");
    }

    private static void Line(StringBuilder sb, double x1, double y1, double x2, double y2) =>
        sb.Append("<line x1=\"").Append(F(x1)).Append("\" y1=\"").Append(F(y1)).Append("\" x2=\"").Append(F(x2)).Append("\" y2=\"").Append(F(y2)).Append("\"/>\n");

    private static string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);

    private static string R(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    internal static string Escape(string s)
    {
        var sb = new StringBuilder(s.Length);
        foreach (char c in s)
        {
            switch (c)
            {
                case '&': sb.Append("&amp;"); break;
                case '<': sb.Append("&lt;"); break;
                case '>': sb.Append("&gt;"); break;
                case '"': sb.Append("&quot;"); break;
                case '\'': sb.Append("&apos;"); break;
                default:
                    // Characters XML 1.0 cannot carry at all are dropped rather than breaking the document.
                    if (c < 0x20 && c is not ('\t' or '\n' or '\r')) continue;
                    sb.Append(c);
                    break;
            }
        }
        return sb.ToString();
    }
}
