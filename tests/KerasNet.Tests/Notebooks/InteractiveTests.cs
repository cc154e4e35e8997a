using System.Net;
using System.Reflection;
using System.Runtime.Loader;
using System.Xml.Linq;
using KerasNet.Callbacks;
using KerasNet.Data;
using KerasNet.Interactive;
using KerasNet.Layers;
using KerasNet.Models;
using KerasNet.Tests.Visualization;
using KerasNet.Visualization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace KerasNet.Tests.Notebooks;

/// <summary>The notebook formatters' HTML (History, Model, Tensor) through .NET Interactive's Formatter.</summary>
public class InteractiveFormatterTests
{
    public InteractiveFormatterTests() => KerasNetInteractive.RegisterFormatters();

    [Fact]
    public void HistoryShowsAsItsSvgChart()
    {
        var history = HistoryPlotTests.SampleHistory();
        string html = KerasNetInteractive.Format(history);
        Assert.StartsWith("<div class=\"kerasnet-history\"><svg ", html, StringComparison.Ordinal);
        Assert.Contains(history.ToSvg(), html, StringComparison.Ordinal);
        XElement.Parse(html); // the HTML is well-formed XML too
        Assert.Contains("text/html", KerasNetInteractive.PreferredMimeTypes(typeof(History)));
    }

    [Fact]
    public void SequentialModelShowsAsASummaryTable()
    {
        var model = new Sequential([new InputLayer([4]), new Dense(8, activation: "relu", name: "hidden"), new Dense(3, name: "out")], name: "mlp");
        string html = KerasNetInteractive.Format(model);
        var div = XElement.Parse(html);
        Assert.Equal("Model: \"mlp\"", WebUtility.HtmlDecode(div.Element("p")!.Value));
        var table = div.Element("table")!;
        Assert.Equal(["Layer (type)", "Output Shape", "Param #"], table.Element("thead")!.Descendants("th").Select(th => th.Value));
        var rows = table.Element("tbody")!.Elements("tr").Select(tr => tr.Elements("td").Select(td => td.Value).ToArray()).ToList();
        Assert.Equal(2, rows.Count);
        Assert.Equal(["hidden (Dense)", "(None, 8)", "40"], rows[0]);
        Assert.Equal(["out (Dense)", "(None, 3)", "27"], rows[1]);
        var totals = div.Elements("div").Select(d => d.Value).ToList();
        Assert.Contains("Total params: 67 (268.00 B)", totals);
        Assert.Contains("Trainable params: 67 (268.00 B)", totals);
    }

    [Fact]
    public void FunctionalModelTableHasConnectedTo()
    {
        var a = Keras.Input([3], name: "left");
        var b = Keras.Input([5], name: "right");
        var merged = new Concatenate(name: "merge").Apply(a, b);
        var model = new Model([a, b], [new Dense(2, name: "head").Apply(merged)], name: "two_inputs");
        var div = XElement.Parse(KerasNetInteractive.Format(model));
        Assert.Equal(["Layer (type)", "Output Shape", "Param #", "Connected to"], div.Descendants("th").Select(th => th.Value));
        var merge = div.Descendants("tr").Single(tr => tr.Elements("td").FirstOrDefault()?.Value == "merge (Concatenate)");
        Assert.Equal(["merge (Concatenate)", "(None, 8)", "0", "left[0][0], right[0][0]"], merge.Elements("td").Select(td => td.Value));
    }

    [Fact]
    public void UnbuiltModelSaysWhyItHasNoSummary()
    {
        var model = new Sequential([new Dense(3)], name: "lazy");
        string html = KerasNetInteractive.Format(model);
        Assert.Contains("has not yet been built", html);
        Assert.DoesNotContain("<table", html);
    }

    [Fact]
    public void TensorShowsShapeDtypeAndAPreview()
    {
        var t = Tensor.FromArray([1f, 2.5f, -3f, 4f, 5f, 6f], 2, 3);
        var div = XElement.Parse(KerasNetInteractive.Format(t));
        string text = div.Value;
        Assert.Contains("shape=(2, 3)", text);
        Assert.Contains("dtype=float32", text);
        Assert.Equal("[1, 2.5, -3, 4, 5, 6]", div.Element("pre")!.Value);

        var big = Ops.Zeros(new Shape(100, 100));
        var pre = XElement.Parse(KerasNetInteractive.Format(big)).Element("pre")!.Value;
        Assert.EndsWith(", ...]", pre, StringComparison.Ordinal);
        Assert.Equal(HtmlFormatters.TensorPreviewElements, pre.Split(',').Length - 1);
        Assert.Equal(t.ToString(), KerasNetInteractive.Format(t, "text/plain"));
    }
}

/// <summary>Enable wires ProgbarLogger.LineSink and LivePlot.DisplaySink to a display that updates in place.
/// These hooks are process-wide, so the tests run in the serial collection and put back what they found.</summary>
[Collection(SerialCollection.Name)]
public class InteractiveEnableTests
{
    private static (ArrayData X, ArrayData Y) LineData()
    {
        var x = new float[64, 1];
        var y = new float[64, 1];
        for (int i = 0; i < 64; i++) { x[i, 0] = i / 64f; y[i, 0] = 3 * x[i, 0] - 1; }
        return (x, y);
    }

    private static Sequential LineModel()
    {
        var model = new Sequential([new InputLayer([1]), new Dense(1)]);
        model.Compile("sgd", "mse");
        return model;
    }

    private static void WithHooks(Action body)
    {
        var line = ProgbarLogger.LineSink;
        var plot = LivePlot.DisplaySink;
        try { body(); }
        finally
        {
            KerasNetInteractive.Disable();
            ProgbarLogger.LineSink = line;
            LivePlot.DisplaySink = plot;
        }
    }

    [Fact]
    public void EnableWiresTheProgressLinesToOneDisplayPerTrainingRun() => WithHooks(() =>
    {
        var display = new FakeNotebookDisplay();
        Assert.True(KerasNetInteractive.Enable(display));
        Assert.NotNull(ProgbarLogger.LineSink);
        Assert.NotNull(LivePlot.DisplaySink);
        Assert.Same(display, KerasNetInteractive.Display);
        // Enabling again without a display keeps this one.
        Assert.True(KerasNetInteractive.Enable());
        Assert.Same(display, KerasNetInteractive.Display);

        var (x, y) = LineData();
        var model = LineModel();
        model.Fit(x, y, batchSize: 16, epochs: 3, verbose: 1, validationSplit: 0.25f);
        var output = Assert.Single(display.Outputs);
        Assert.True(output.Values.Count >= 6, $"one display, updated in place ({output.Values.Count} values)");
        var final = XElement.Parse(output.Current);
        Assert.Equal("pre", final.Name.LocalName);
        var lines = final.Value.Split('\n');
        Assert.Equal(6, lines.Length);
        Assert.Equal(["Epoch 1/3", "Epoch 2/3", "Epoch 3/3"], lines.Where((_, i) => i % 2 == 0));
        foreach (var bar in lines.Where((_, i) => i % 2 == 1))
        {
            Assert.StartsWith("3/3 ━━━━━━━━━━━━━━━━━━━━", bar, StringComparison.Ordinal);
            Assert.Contains(" - loss: ", bar);
            Assert.Contains(" - val_loss: ", bar);
        }

        // The next cell's evaluation gets a display of its own.
        display.CurrentCell = new object();
        model.Evaluate(x, y, batchSize: 16, verbose: 1);
        Assert.Equal(2, display.Outputs.Count);
        var eval = XElement.Parse(display.Outputs[1].Current).Value;
        Assert.StartsWith("4/4 ━━━━━━━━━━━━━━━━━━━━", eval, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', eval);

        // A new Fit in the same cell starts a new display too (at "Epoch 1/N").
        model.Fit(x, y, batchSize: 16, epochs: 1, verbose: 2);
        Assert.Equal(3, display.Outputs.Count);

        KerasNetInteractive.Disable();
        Assert.Null(ProgbarLogger.LineSink);
        Assert.Null(LivePlot.DisplaySink);
        Assert.Null(KerasNetInteractive.Display);
    });

    [Fact]
    public void LivePlotFramesShowAsOneChartUpdatedInPlace() => WithHooks(() =>
    {
        var display = new FakeNotebookDisplay();
        KerasNetInteractive.Enable(display);
        var (x, y) = LineData();
        var live = new LivePlot();
        LineModel().Fit(x, y, batchSize: 16, epochs: 4, verbose: 0, callbacks: [live]);
        var output = Assert.Single(display.Outputs);
        Assert.Equal(4, output.Values.Count);
        for (int i = 0; i < 4; i++)
        {
            var points = XElement.Parse(output.Values[i]).Descendants(XName.Get("polyline", "http://www.w3.org/2000/svg")).Single().Attribute("points")!.Value;
            Assert.Equal(i + 1, points.Split(' ').Length);
        }
        Assert.Contains(live.LatestSvg!, output.Current, StringComparison.Ordinal);
    });

    [Fact]
    public void OutsideANotebookEnableRegistersFormattersOnly() => WithHooks(() =>
    {
        KerasNetInteractive.Disable();
        ProgbarLogger.LineSink = null;
        Assert.Null(DotNetInteractiveDisplay.TryFind());
        Assert.False(KerasNetInteractive.Enable());
        Assert.Null(ProgbarLogger.LineSink);
        Assert.StartsWith("<div class=\"kerasnet-history\">", KerasNetInteractive.Format(new History()), StringComparison.Ordinal);
    });
}

/// <summary>The progress rules on ProgbarLogger's lines, and the reflection path to a .NET Interactive kernel.</summary>
public class NotebookProgressTests
{
    [Fact]
    public void HeadersStayAndEachEpochsBarIsReplaced()
    {
        var display = new FakeNotebookDisplay();
        var p = new NotebookProgress(display);
        foreach (var line in new[]
        {
            "Epoch 1/2", " 5/10 ━━━━━━━━━━────────── ETA: 1s - loss: 0.5", "10/10 ━━━━━━━━━━━━━━━━━━━━ 2s 200ms/step - loss: 0.4",
            "Epoch 2/2", "10/10 ━━━━━━━━━━━━━━━━━━━━ 2s 200ms/step - loss: 0.3",
            // Evaluate in the same cell: another step total, so its own line.
            "3/3 ━━━━━━━━━━━━━━━━━━━━ 0s 1ms/step - loss: 0.31",
        })
            p.OnLine(line);
        Assert.Equal(["Epoch 1/2", "10/10 ━━━━━━━━━━━━━━━━━━━━ 2s 200ms/step - loss: 0.4", "Epoch 2/2",
            "10/10 ━━━━━━━━━━━━━━━━━━━━ 2s 200ms/step - loss: 0.3", "3/3 ━━━━━━━━━━━━━━━━━━━━ 0s 1ms/step - loss: 0.31"], p.Lines);
        var output = Assert.Single(display.Outputs);
        Assert.Equal(6, output.Values.Count);

        // "Epoch 1/N" starts a new display; the lines are HTML-encoded.
        p.OnLine("Epoch 1/1");
        p.OnLine("1/1 - loss: <b>");
        Assert.Equal(2, display.Outputs.Count);
        Assert.Equal("<pre class=\"kerasnet-progress\" style=\"margin:0\">Epoch 1/1\n1/1 - loss: &lt;b&gt;</pre>", display.Outputs[1].Current);
    }

    [Fact]
    public void TheKernelsDisplayIsFoundByReflection()
    {
        // A stand-in for Microsoft.DotNet.Interactive's Kernel.display / DisplayedValue.Update /
        // KernelInvocationContext.Current, compiled here and loaded into its own context. Its assembly is not
        // named Microsoft.DotNet.Interactive, so that Enable() elsewhere in this process never finds it.
        const string source = """
            namespace Microsoft.DotNet.Interactive
            {
                public class DisplayedValue
                {
                    public System.Collections.Generic.List<object> Values { get; } = new();
                    public void Update(object updatedValue) => Values.Add(updatedValue);
                }
                public partial class Kernel
                {
                    public static System.Collections.Generic.List<(DisplayedValue Shown, object Value, string[] MimeTypes)> Log { get; } = new();
                    public static DisplayedValue display(object value, params string[] mimeTypes)
                    {
                        var d = new DisplayedValue();
                        Log.Add((d, value, mimeTypes));
                        return d;
                    }
                }
                public class KernelInvocationContext
                {
                    public static KernelInvocationContext Current { get; } = new();
                }
            }
            """;
        var refs = new[] { typeof(object), typeof(List<>), typeof(ValueTuple<,,>) }
            .Select(t => t.Assembly.Location).Append(Path.Combine(Path.GetDirectoryName(typeof(object).Assembly.Location)!, "System.Runtime.dll"))
            .Distinct().Select(p => MetadataReference.CreateFromFile(p));
        var compilation = CSharpCompilation.Create("FakeKernel", [CSharpSyntaxTree.ParseText(source)], refs,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        using var ms = new MemoryStream();
        var emit = compilation.Emit(ms);
        Assert.True(emit.Success, string.Join("\n", emit.Diagnostics));
        var context = new AssemblyLoadContext("fake-kernel", isCollectible: true);
        try
        {
            ms.Position = 0;
            var assembly = context.LoadFromStream(ms);
            var display = DotNetInteractiveDisplay.TryFind([typeof(object).Assembly, assembly], assemblyName: "FakeKernel");
            Assert.NotNull(display);
            var kernel = assembly.GetType("Microsoft.DotNet.Interactive.Kernel")!;
            Assert.Same(assembly.GetType("Microsoft.DotNet.Interactive.KernelInvocationContext")!.GetProperty("Current")!.GetValue(null), display.CurrentCell);

            var handle = display.Display("first");
            handle.Update("second");
            var log = (System.Collections.IList)kernel.GetProperty("Log")!.GetValue(null)!;
            var entry = (System.Runtime.CompilerServices.ITuple)log[0]!;
            Assert.Equal("first", entry[1]);
            Assert.Equal(["text/html"], (string[])entry[2]!);
            var values = (System.Collections.IList)entry[0]!.GetType().GetProperty("Values")!.GetValue(entry[0])!;
            Assert.Equal("second", Assert.Single(values.Cast<object>()));
        }
        finally
        {
            context.Unload();
        }
    }
}
