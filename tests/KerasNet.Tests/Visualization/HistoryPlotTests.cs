using System.Globalization;
using System.Xml.Linq;
using KerasNet.Callbacks;
using KerasNet.Layers;
using KerasNet.Models;
using KerasNet.Visualization;
using Xunit;

namespace KerasNet.Tests.Visualization;

/// <summary>The SVG training curves: document structure (well-formed XML, one polyline per series with one
/// point per epoch, tick labels, legend entries, axis labels, title) and geometry (each point's position
/// maps its epoch and value linearly through the labelled ticks).</summary>
public class HistoryPlotTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    internal static readonly float[] Loss = [0.92f, 0.61f, 0.47f, 0.40f, 0.36f, 0.33f, 0.35f];
    internal static readonly float[] ValLoss = [0.95f, 0.70f, 0.58f, 0.52f, 0.50f, 0.51f, 0.55f];
    internal static readonly float[] Accuracy = [0.55f, 0.71f, 0.80f, 0.84f, 0.86f, 0.88f, 0.87f];
    internal static readonly float[] ValAccuracy = [0.52f, 0.66f, 0.74f, 0.78f, 0.79f, 0.79f, 0.78f];

    internal static History SampleHistory()
    {
        var h = new History();
        for (int e = 0; e < Loss.Length; e++)
            h.OnEpochEnd(e, new Dictionary<string, float>
            {
                ["accuracy"] = Accuracy[e], ["loss"] = Loss[e], ["val_accuracy"] = ValAccuracy[e], ["val_loss"] = ValLoss[e],
            });
        return h;
    }

    private static double D(XElement e, string attr) => double.Parse((string)e.Attribute(attr)!, CultureInfo.InvariantCulture);

    private static List<(double X, double Y)> PointsOf(XElement polyline) =>
        ((string)polyline.Attribute("points")!).Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split(','))
            .Select(p => (double.Parse(p[0], CultureInfo.InvariantCulture), double.Parse(p[1], CultureInfo.InvariantCulture)))
            .ToList();

    private static XElement Panel(XDocument doc, string metric) =>
        doc.Descendants(Svg + "g").Single(g => (string?)g.Attribute("class") == "panel" && (string?)g.Attribute("data-metric") == metric);

    private static IEnumerable<XElement> WithClass(XElement root, string name, string cls) =>
        root.Descendants(Svg + name).Where(e => ((string?)e.Attribute("class"))?.Split(' ').Contains(cls) == true);

    [Fact]
    public void SvgIsWellFormedWithOnePolylinePerSeriesAndAPointPerEpoch()
    {
        string svg = SampleHistory().ToSvg();
        var doc = XDocument.Parse(svg);
        Assert.Equal(Svg + "svg", doc.Root!.Name);
        Assert.True(D(doc.Root, "width") > 0 && D(doc.Root, "height") > 0);
        Assert.Equal("Training history", WithClass(doc.Root, "text", "chart-title").Single().Value);

        var polylines = doc.Descendants(Svg + "polyline").ToList();
        Assert.Equal(4, polylines.Count);
        Assert.Equal(["accuracy", "loss", "val_accuracy", "val_loss"], polylines.Select(p => (string)p.Attribute("data-series")!).Order(StringComparer.Ordinal));
        foreach (var p in polylines) Assert.Equal(Loss.Length, PointsOf(p).Count);

        // Two panels, "loss" first, each with its own title, axis labels, legend and tick labels.
        var panels = doc.Descendants(Svg + "g").Where(g => (string?)g.Attribute("class") == "panel").ToList();
        Assert.Equal(["loss", "accuracy"], panels.Select(p => (string)p.Attribute("data-metric")!));
        foreach (var panel in panels)
        {
            string metric = (string)panel.Attribute("data-metric")!;
            Assert.Equal(metric, WithClass(panel, "text", "panel-title").Single().Value);
            Assert.Equal("epoch", WithClass(panel, "text", "axis-label").Single(e => e.Attribute("class")!.Value.EndsWith(" x", StringComparison.Ordinal)).Value);
            Assert.Equal(metric, WithClass(panel, "text", "axis-label").Single(e => e.Attribute("class")!.Value.EndsWith(" y", StringComparison.Ordinal)).Value);
            var legend = WithClass(panel, "g", "legend-entry").ToList();
            Assert.Equal([metric, "val_" + metric], legend.Select(l => l.Descendants(Svg + "text").Single().Value));
            Assert.Equal(["1", "2", "3", "4", "5", "6", "7"], panel.Descendants(Svg + "text").Where(t => (string?)t.Attribute("class") == "tick-label x").Select(t => t.Value));
            var yLabels = panel.Descendants(Svg + "text").Where(t => (string?)t.Attribute("class") == "tick-label y").ToList();
            Assert.InRange(yLabels.Count, 3, 8);
            // Evenly spaced values on a 1-2-5 step, labelled with the decimals the step needs.
            var values = yLabels.Select(t => double.Parse(t.Value, CultureInfo.InvariantCulture)).ToList();
            double step = values[1] - values[0];
            double mantissa = step / Math.Pow(10, Math.Floor(Math.Log10(step)));
            Assert.Contains(Math.Round(mantissa, 6), new[] { 1.0, 2.0, 5.0 });
            for (int i = 1; i < values.Count; i++) Assert.Equal(step, values[i] - values[i - 1], 9);
            var data = metric == "loss" ? Loss.Concat(ValLoss) : Accuracy.Concat(ValAccuracy);
            Assert.True(values[0] <= data.Min() && values[^1] >= data.Max(), $"the {metric} axis [{values[0]}, {values[^1]}] covers the data");
        }
    }

    [Fact]
    public void PointsMapEpochsAndValuesLinearlyThroughTheTicks()
    {
        var doc = XDocument.Parse(SampleHistory().ToSvg());
        foreach (var (metric, train, val) in new[] { ("loss", Loss, ValLoss), ("accuracy", Accuracy, ValAccuracy) })
        {
            var panel = Panel(doc, metric);
            var yTicks = panel.Descendants(Svg + "text").Where(t => (string?)t.Attribute("class") == "tick-label y").ToList();
            var xTicks = panel.Descendants(Svg + "text").Where(t => (string?)t.Attribute("class") == "tick-label x").ToList();
            // Tick labels sit 4px below their tick's y (vertically centred text) and centred on their tick's x.
            double v0 = D(yTicks[0], "data-value"), y0 = D(yTicks[0], "y") - 4, v1 = D(yTicks[^1], "data-value"), y1 = D(yTicks[^1], "y") - 4;
            double e0 = D(xTicks[0], "data-value"), x0 = D(xTicks[0], "x"), e1 = D(xTicks[^1], "data-value"), x1 = D(xTicks[^1], "x");
            double range = v1 - v0;
            foreach (var (name, values) in new[] { (metric, train), ("val_" + metric, val) })
            {
                var pts = PointsOf(panel.Descendants(Svg + "polyline").Single(p => (string?)p.Attribute("data-series") == name));
                for (int i = 0; i < values.Length; i++)
                {
                    double value = v0 + (pts[i].Y - y0) / (y1 - y0) * (v1 - v0);
                    double epoch = e0 + (pts[i].X - x0) / (x1 - x0) * (e1 - e0);
                    Assert.True(Math.Abs(value - values[i]) < range * 1e-3, $"{name}[{i}] reads {value}, expected {values[i]}");
                    Assert.True(Math.Abs(epoch - (i + 1)) < 1e-2, $"{name}[{i}] sits at epoch {epoch}, expected {i + 1}");
                }
                // SVG's y grows downwards: the smallest value is the lowest point, the largest the highest.
                int argMin = Array.IndexOf(values, values.Min()), argMax = Array.IndexOf(values, values.Max());
                Assert.Equal(pts.Max(p => p.Y), pts[argMin].Y);
                Assert.Equal(pts.Min(p => p.Y), pts[argMax].Y);
                // Points go left to right with the epochs.
                for (int i = 1; i < pts.Count; i++) Assert.True(pts[i].X > pts[i - 1].X);
            }
        }
    }

    [Fact]
    public void ValidationSeriesIsDashedAndOfAnotherColour()
    {
        var doc = XDocument.Parse(SampleHistory().ToSvg());
        var train = doc.Descendants(Svg + "polyline").Single(p => (string?)p.Attribute("data-series") == "loss");
        var val = doc.Descendants(Svg + "polyline").Single(p => (string?)p.Attribute("data-series") == "val_loss");
        Assert.Null(train.Attribute("stroke-dasharray"));
        Assert.NotNull(val.Attribute("stroke-dasharray"));
        Assert.NotEqual((string)train.Attribute("stroke")!, (string)val.Attribute("stroke")!);
        // The legend's samples match the lines they name.
        var legendVal = doc.Descendants(Svg + "g").First(g => (string?)g.Attribute("class") == "legend-entry" && (string?)g.Attribute("data-series") == "val_loss");
        Assert.Equal((string)val.Attribute("stroke")!, (string)legendVal.Element(Svg + "line")!.Attribute("stroke")!);
        Assert.NotNull(legendVal.Element(Svg + "line")!.Attribute("stroke-dasharray"));
    }

    [Fact]
    public void PlotWritesTheSvgAtomicallyAndReturnsIt()
    {
        string dir = Path.Combine(Path.GetTempPath(), "kerasnet-plot-" + Guid.NewGuid().ToString("N"));
        try
        {
            string path = Path.Combine(dir, "sub", "history.svg");
            var h = SampleHistory();
            string svg = h.Plot(path);
            Assert.Equal(svg, File.ReadAllText(path));
            Assert.Equal(h.ToSvg(), svg);
            // Overwrites in place and leaves no temporary file behind.
            h.Plot(path, ["accuracy"]);
            Assert.Single(Directory.GetFiles(Path.Combine(dir, "sub")));
            Assert.Single(XDocument.Parse(File.ReadAllText(path)).Descendants(Svg + "g"), g => (string?)g.Attribute("class") == "panel");

            var ex = Assert.Throws<ArgumentException>(() => h.Plot(Path.Combine(dir, "history.png")));
            Assert.Contains("SVG only", ex.Message);
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void MetricsPickAndOrderThePanels()
    {
        var h = SampleHistory();
        var doc = XDocument.Parse(h.ToSvg(["val_accuracy", "loss"]));
        Assert.Equal(["accuracy", "loss"], doc.Descendants(Svg + "g").Where(g => (string?)g.Attribute("class") == "panel").Select(g => (string)g.Attribute("data-metric")!));
        var ex = Assert.Throws<ArgumentException>(() => h.ToSvg(["precision"]));
        Assert.Contains("'precision'", ex.Message);
        Assert.Contains("val_loss", ex.Message);
    }

    [Fact]
    public void OneEpochShowsAsMarkersAndAnEmptyHistoryAsAMessage()
    {
        var h = new History();
        h.OnEpochEnd(0, new Dictionary<string, float> { ["loss"] = 0.7f, ["val_loss"] = 0.75f });
        var doc = XDocument.Parse(h.ToSvg());
        Assert.Equal(["1"], doc.Descendants(Svg + "text").Where(t => (string?)t.Attribute("class") == "tick-label x").Select(t => t.Value));
        Assert.Equal(2, doc.Descendants(Svg + "circle").Count());
        var yTicks = doc.Descendants(Svg + "text").Where(t => (string?)t.Attribute("class") == "tick-label y").Select(t => double.Parse(t.Value, CultureInfo.InvariantCulture)).ToList();
        Assert.True(yTicks[0] <= 0.7 && yTicks[^1] >= 0.75);

        var empty = XDocument.Parse(new History().ToSvg());
        Assert.Empty(empty.Descendants(Svg + "polyline"));
        Assert.Contains("empty", empty.Descendants(Svg + "text").Single(t => (string?)t.Attribute("class") == "empty").Value);
    }

    [Fact]
    public void NonFiniteValuesAreLeftOutAndNamesAreEscaped()
    {
        var h = new History();
        for (int e = 0; e < 4; e++)
            h.OnEpochEnd(e, new Dictionary<string, float> { ["loss"] = e == 2 ? float.NaN : 1f / (e + 1), ["a<b>&\"c"] = e, ["nan_only"] = float.PositiveInfinity });
        var doc = XDocument.Parse(h.ToSvg());
        var loss = doc.Descendants(Svg + "polyline").Single(p => (string?)p.Attribute("data-series") == "loss");
        Assert.Equal(3, PointsOf(loss).Count);
        Assert.Contains(doc.Descendants(Svg + "text"), t => t.Value == "a<b>&\"c");
        Assert.Contains("no finite values", Panel(doc, "nan_only").Value);
    }

    [Fact]
    public void ValidationLoggedEveryKthEpochSitsAtThoseEpochs()
    {
        // Fit(validationFreq: 2) logs val_loss after epochs 2 and 4 only.
        var h = new History();
        for (int e = 0; e < 4; e++)
        {
            var logs = new Dictionary<string, float> { ["loss"] = 1f - e * 0.1f };
            if ((e + 1) % 2 == 0) logs["val_loss"] = 1.1f - e * 0.1f;
            h.OnEpochEnd(e, logs);
        }
        var doc = XDocument.Parse(h.ToSvg());
        var train = PointsOf(doc.Descendants(Svg + "polyline").Single(p => (string?)p.Attribute("data-series") == "loss"));
        var val = PointsOf(doc.Descendants(Svg + "polyline").Single(p => (string?)p.Attribute("data-series") == "val_loss"));
        Assert.Equal(2, val.Count);
        Assert.Equal(train[1].X, val[0].X, 6);
        Assert.Equal(train[3].X, val[1].X, 6);
    }

    [Theory]
    [InlineData(0.13, 0.2)]
    [InlineData(0.9, 1.0)]
    [InlineData(0.2, 0.2)]
    [InlineData(0.21, 0.5)]
    [InlineData(3.0, 5.0)]
    [InlineData(7.0, 10.0)]
    [InlineData(0.00042, 0.0005)]
    [InlineData(1200.0, 2000.0)]
    public void NiceStepIsTheNextOneTwoFive(double rough, double expected) => Assert.Equal(expected, NiceScale.NiceStep(rough), 12);

    [Fact]
    public void ValueScaleWidensToNiceBoundsAndFormatsWithTheStepsDecimals()
    {
        var s = NiceScale.ForValues(0.13, 0.87, maxTicks: 6);
        Assert.Equal(0.2, s.Step, 12);
        Assert.Equal(["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"], s.Ticks.Select(s.Format));
        var flat = NiceScale.ForValues(0.5, 0.5);
        Assert.True(flat.Min < 0.5 && flat.Max > 0.5);
        var tiny = NiceScale.ForValues(1e-5, 4e-5, maxTicks: 4);
        Assert.Equal("2e-5", tiny.Format(2e-5));
        var ints = NiceScale.ForIntegers(1, 50, maxTicks: 8);
        Assert.Equal([10.0, 20, 30, 40, 50], ints.Ticks);
        Assert.Equal([1.0], NiceScale.ForIntegers(1, 1).Ticks);
        Assert.Equal([1.0, 2, 3], NiceScale.ForIntegers(1, 3).Ticks);
    }

    [Fact]
    public void LivePlotRedrawsTheFileAtEveryEpochOfAFit()
    {
        string dir = Path.Combine(Path.GetTempPath(), "kerasnet-liveplot-" + Guid.NewGuid().ToString("N"));
        try
        {
            string path = Path.Combine(dir, "live.svg");
            var model = new Sequential([new InputLayer([1]), new Dense(1)]);
            model.Compile("sgd", "mse");
            var x = new float[16, 1];
            var y = new float[16, 1];
            for (int i = 0; i < 16; i++) { x[i, 0] = i / 16f; y[i, 0] = 2 * x[i, 0] + 1; }
            var live = new LivePlot(path);
            var frames = new List<LivePlotFrame>();
            var polylinesPerFrame = new List<int>();
            live.Redrawn += f =>
            {
                frames.Add(f);
                // The file on disk is the frame just drawn.
                var doc = XDocument.Parse(File.ReadAllText(path));
                polylinesPerFrame.Add(PointsOf(doc.Descendants(Svg + "polyline").Single(p => (string?)p.Attribute("data-series") == "loss")).Count);
            };
            var history = model.Fit(x, y, batchSize: 8, epochs: 3, verbose: 0, callbacks: [live], validationSplit: 0.25f);
            Assert.Equal([0, 1, 2], frames.Select(f => f.Frame));
            Assert.Equal([0, 1, 2], frames.Select(f => f.Epoch));
            Assert.Equal([1, 2, 3], polylinesPerFrame);
            Assert.Equal(history.ToSvg(), live.LatestSvg);
            Assert.Equal(live.LatestSvg, File.ReadAllText(path));

            // A second Fit starts a new chart.
            model.Fit(x, y, batchSize: 8, epochs: 1, verbose: 0, callbacks: [live]);
            Assert.Equal(0, frames[^1].Frame);
            Assert.Single(live.History["loss"]);
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }
}
