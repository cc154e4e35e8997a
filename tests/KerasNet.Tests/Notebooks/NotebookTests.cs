using System.Text.Json;
using KerasNet.Visualization;
using Xunit;
using Xunit.Abstractions;

namespace KerasNet.Tests.Notebooks;

/// <summary>Every notebook under notebooks/ runs: its code cells execute in order with Roslyn scripting (see
/// <see cref="NotebookRunner"/> for how <c>#r "nuget: KerasNet, ..."</c> becomes references to this build),
/// and any cell that fails to compile or throws fails the test, naming the notebook and the cell. The
/// notebooks share process-wide state (the random seed, the formatters), so they run in the serial
/// collection. Each run's outputs are written to notebook-outputs/NAME.html beside the test assembly.</summary>
[Collection(SerialCollection.Name)]
public class NotebookTests(ITestOutputHelper output)
{
    public static string NotebookDirectory
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "notebooks");
                if (File.Exists(Path.Combine(dir.FullName, "KerasNet.sln")) && Directory.Exists(candidate)) return candidate;
            }
            throw new DirectoryNotFoundException($"No notebooks/ folder beside KerasNet.sln above {AppContext.BaseDirectory}.");
        }
    }

    public static TheoryData<string> Notebooks()
    {
        var data = new TheoryData<string>();
        foreach (var path in Directory.GetFiles(NotebookDirectory, "*.ipynb").Order(StringComparer.Ordinal)) data.Add(Path.GetFileName(path));
        return data;
    }

    [Fact]
    public void TheFourExampleNotebooksArePresent() =>
        Assert.Equal(["01-quickstart.ipynb", "02-fashion-mnist-cnn.ipynb", "03-functional-api.ipynb", "04-custom-training-loop.ipynb"],
            Directory.GetFiles(NotebookDirectory, "*.ipynb").Select(Path.GetFileName).Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(Notebooks))]
    public void NotebookIsAPolyglotCSharpNotebook(string notebook)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(NotebookDirectory, notebook)));
        var root = doc.RootElement;
        Assert.Equal(4, root.GetProperty("nbformat").GetInt32());
        var meta = root.GetProperty("metadata");
        var kernelspec = meta.GetProperty("kernelspec");
        Assert.Equal(".net-csharp", kernelspec.GetProperty("name").GetString());
        Assert.Equal("C#", kernelspec.GetProperty("language").GetString());
        Assert.Equal(".NET (C#)", kernelspec.GetProperty("display_name").GetString());
        Assert.Equal("csharp", meta.GetProperty("polyglot_notebook").GetProperty("kernelInfo").GetProperty("defaultKernelName").GetString());
        var cells = root.GetProperty("cells").EnumerateArray().ToList();
        Assert.Equal("markdown", cells[0].GetProperty("cell_type").GetString());
        var code = cells.Where(c => c.GetProperty("cell_type").GetString() == "code").ToList();
        Assert.True(code.Count >= 4, $"{notebook} has {code.Count} code cells");
        foreach (var c in code)
        {
            var m = c.GetProperty("metadata");
            Assert.Equal("csharp", m.GetProperty("dotnet_interactive").GetProperty("language").GetString());
            Assert.Equal("csharp", m.GetProperty("polyglot_notebook").GetProperty("kernelName").GetString());
            Assert.Empty(c.GetProperty("outputs").EnumerateArray());
        }
        // The package is loaded as a user would: the first code cell is the #r line.
        Assert.Equal("#r \"nuget: KerasNet, 0.1.0\"", NotebookRunner.CodeCells(Path.Combine(NotebookDirectory, notebook))[0].Source.Trim());
    }

    [Theory]
    [MemberData(nameof(Notebooks))]
    public async Task NotebookRunsEveryCell(string notebook)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        List<CellResult> results;
        try
        {
            results = await NotebookRunner.RunAsync(Path.Combine(NotebookDirectory, notebook));
        }
        catch (NotebookCellException e)
        {
            Assert.Fail(e.Message + (e.InnerException is { } inner ? "\n" + inner : ""));
            return;
        }
        string outDir = Path.Combine(AppContext.BaseDirectory, "notebook-outputs");
        AtomicFile.WriteAllText(Path.Combine(outDir, Path.ChangeExtension(notebook, ".html")), NotebookRunner.ToHtml(notebook, results));
        foreach (var r in results)
            output.WriteLine($"{notebook} code cell {r.Cell.CodeIndex}: {r.Elapsed.TotalSeconds:F2}s{(r.Html is null ? "" : ", displays " + r.Html.Length + " chars of HTML")}");
        output.WriteLine($"{notebook}: {clock.Elapsed.TotalSeconds:F1}s in all");
        // A notebook that trains on broken data still runs: Fit's warning about a NaN or infinite loss fails it.
        foreach (var r in results)
            Assert.False(r.Console.Contains("Warning: the training loss", StringComparison.Ordinal),
                $"{notebook}, cell {r.Cell.Index} (code cell {r.Cell.CodeIndex}) trained to a non-finite loss:\n{r.Console}");
        Assert.NotEmpty(results);
    }

    [Fact]
    public void TheNugetLineBecomesReferencesAndOtherPackagesAreRefused()
    {
        Assert.Equal("\nvar x = 1;", NotebookRunner.TranslateDirectives("#r \"nuget: KerasNet, 0.1.0\"\nvar x = 1;", out bool refs));
        Assert.True(refs);
        NotebookRunner.TranslateDirectives("#r \"nuget:KerasNet.Visualization\"", out refs);
        Assert.True(refs);
        var e = Assert.Throws<NotSupportedException>(() => NotebookRunner.TranslateDirectives("#r \"nuget: Plotly.NET, 4.0.0\"", out _));
        Assert.Contains("Plotly.NET", e.Message);
        Assert.Throws<NotSupportedException>(() => NotebookRunner.TranslateDirectives("#!time\nvar x = 1;", out _));
    }

    [Fact]
    public async Task AFailingCellIsNamed()
    {
        string dir = Path.Combine(Path.GetTempPath(), "kerasnet-nb-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string path = Path.Combine(dir, "broken.ipynb");
            static object Code(string s) => new { cell_type = "code", execution_count = (int?)null, metadata = new { }, outputs = Array.Empty<object>(), source = new[] { s } };
            File.WriteAllText(path, JsonSerializer.Serialize(new
            {
                cells = new object[]
                {
                    new { cell_type = "markdown", metadata = new { }, source = new[] { "# broken" } },
                    Code("#r \"nuget: KerasNet, 0.1.0\""),
                    Code("var t = KerasNet.Tensor.FromArray(new float[] { 1, 2 }, 2);"),
                    Code("var u = KerasNet.Ops.Add(t, KerasNet.Tensor.FromArray(new float[] { 1, 2, 3 }, 3));"),
                },
                metadata = new { },
                nbformat = 4,
                nbformat_minor = 2,
            }));
            var e = await Assert.ThrowsAsync<NotebookCellException>(() => NotebookRunner.RunAsync(path));
            Assert.StartsWith("broken.ipynb, cell 4 (code cell 3) threw", e.Message, StringComparison.Ordinal);
            Assert.Equal(3, e.Cell.CodeIndex);

            File.WriteAllText(path, File.ReadAllText(path).Replace("var u = KerasNet.Ops.Add", "var u = KerasNet.Ops.NoSuchOp", StringComparison.Ordinal));
            e = await Assert.ThrowsAsync<NotebookCellException>(() => NotebookRunner.RunAsync(path));
            Assert.StartsWith("broken.ipynb, cell 4 (code cell 3) does not compile", e.Message, StringComparison.Ordinal);
            Assert.Contains("NoSuchOp", e.Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
