using System.Diagnostics;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using KerasNet.Interactive;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Scripting;
using Microsoft.CodeAnalysis.Scripting;

namespace KerasNet.Tests.Notebooks;

/// <summary>One code cell of a notebook: its position among all cells and among the code cells, and its text.</summary>
public sealed record NotebookCell(int Index, int CodeIndex, string Source);

/// <summary>What running one cell gave: the formatted value of its trailing expression (HTML, as the
/// notebook shows it; null when the cell ends in a statement), what it wrote to the console (standard
/// output and error), and how long it took.</summary>
public sealed record CellResult(NotebookCell Cell, string? Html, string Console, TimeSpan Elapsed);

/// <summary>Runs a Polyglot Notebook's C# cells in order the way .NET Interactive's C# kernel does: with Roslyn
/// scripting, the first cell through <see cref="CSharpScript.RunAsync(string, ScriptOptions, object, Type, CancellationToken)"/>
/// and each later one through <see cref="ScriptState.ContinueWithAsync(string, ScriptOptions, CancellationToken)"/>,
/// so variables, types and usings carry from cell to cell.
/// <para>Package references: a notebook loads KerasNet as a user would, with <c>#r "nuget: KerasNet, 0.1.0"</c>
/// (also KerasNet.&lt;Part&gt;). A test cannot restore that package, so such a line is removed from its cell
/// and the KerasNet assemblies of this build (Core, Layers, the native backend, Visualization, Interactive)
/// are referenced instead. Any other <c>#r "nuget: ..."</c> line, and kernel magic commands (<c>#!</c>), are
/// errors. The scripts get the .NET framework's assemblies and the C# kernel's default usings (System,
/// System.Collections.Generic, System.Linq, System.Text, System.Threading.Tasks).</para></summary>
public static partial class NotebookRunner
{
    /// <summary>The assemblies that stand for the KerasNet package.</summary>
    public static readonly IReadOnlyList<Assembly> KerasNetAssemblies =
    [
        typeof(Tensor).Assembly,                                          // KerasNet.Core
        typeof(KerasNet.Layers.Dense).Assembly,                           // KerasNet.Layers
        typeof(KerasNet.Backends.Native.NativeBackendProvider).Assembly,  // KerasNet.Backends.Native
        typeof(KerasNet.Visualization.HistoryPlotExtensions).Assembly,    // KerasNet.Visualization
        typeof(KerasNetInteractive).Assembly,                             // KerasNet.Interactive
    ];

    /// <summary>The C# kernel's default usings.</summary>
    public static readonly IReadOnlyList<string> DefaultImports =
        ["System", "System.Collections.Generic", "System.Linq", "System.Text", "System.Threading.Tasks"];

    [GeneratedRegex(@"^\s*#r\s+""nuget:\s*(?<id>[^,""\s]+)\s*(,\s*(?<version>[^""]*))?""\s*$")]
    private static partial Regex NugetReference();

    /// <summary>The code cells of the notebook at <paramref name="path"/>, in order.</summary>
    public static List<NotebookCell> CodeCells(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var cells = new List<NotebookCell>();
        int index = 0, code = 0;
        foreach (var cell in doc.RootElement.GetProperty("cells").EnumerateArray())
        {
            index++;
            if (cell.GetProperty("cell_type").GetString() != "code") continue;
            code++;
            var source = cell.GetProperty("source");
            string text = source.ValueKind == JsonValueKind.Array
                ? string.Concat(source.EnumerateArray().Select(s => s.GetString()))
                : source.GetString() ?? "";
            cells.Add(new NotebookCell(index, code, text));
        }
        return cells;
    }

    /// <summary>The cell's code with <c>#r "nuget: KerasNet..."</c> lines removed (they are replaced by
    /// references to the built assemblies). Throws for other package references and magic commands.</summary>
    public static string TranslateDirectives(string source, out bool referencedKerasNet)
    {
        referencedKerasNet = false;
        var sb = new StringBuilder();
        foreach (var line in source.Split('\n'))
        {
            var m = NugetReference().Match(line.TrimEnd('\r'));
            if (m.Success)
            {
                string id = m.Groups["id"].Value;
                if (id != "KerasNet" && !id.StartsWith("KerasNet.", StringComparison.Ordinal))
                    throw new NotSupportedException($"the notebook references the package '{id}'; the test runner can only stand the built KerasNet assemblies in for '#r \"nuget: KerasNet, ...\"'.");
                referencedKerasNet = true;
                sb.Append('\n'); // keep the line numbers of the rest of the cell
                continue;
            }
            if (line.TrimStart().StartsWith("#!", StringComparison.Ordinal))
                throw new NotSupportedException($"the magic command '{line.Trim()}' needs the .NET Interactive kernel, which the test runner does not have.");
            sb.Append(line).Append('\n');
        }
        return sb.ToString(0, Math.Max(0, sb.Length - 1));
    }

    /// <summary>Script options: the framework's assemblies, the KerasNet assemblies and the default usings.</summary>
    public static ScriptOptions Options()
    {
        var framework = ((string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Where(p =>
            {
                string name = Path.GetFileNameWithoutExtension(p);
                return name.StartsWith("System.", StringComparison.Ordinal) || name is "System" or "netstandard" or "mscorlib" or "Microsoft.CSharp" or "Microsoft.Win32.Primitives";
            })
            .Select(p => MetadataReference.CreateFromFile(p));
        return ScriptOptions.Default
            .WithReferences(framework)
            .AddReferences(KerasNetAssemblies)
            .WithImports(DefaultImports)
            .WithLanguageVersion(Microsoft.CodeAnalysis.CSharp.LanguageVersion.Latest)
            .WithEmitDebugInformation(false);
    }

    /// <summary>Runs every code cell of <paramref name="path"/> in order. A cell that does not compile or
    /// throws ends the run with an exception naming the notebook and the cell.</summary>
    public static async Task<List<CellResult>> RunAsync(string path)
    {
        string name = Path.GetFileName(path);
        var options = Options();
        var results = new List<CellResult>();
        ScriptState<object>? state = null;
        bool referenced = false;
        foreach (var cell in CodeCells(path))
        {
            string where = $"{name}, cell {cell.Index} (code cell {cell.CodeIndex})";
            string code;
            try
            {
                code = TranslateDirectives(cell.Source, out bool refs);
                referenced |= refs;
            }
            catch (NotSupportedException e)
            {
                throw new NotebookCellException($"{where}: {e.Message}", cell);
            }
            if (!referenced && code.Contains("KerasNet", StringComparison.Ordinal))
                throw new NotebookCellException($"{where} uses KerasNet before any cell references the package with #r \"nuget: KerasNet, ...\".", cell);
            var console = new StringWriter();
            var previousOut = Console.Out;
            var previousError = Console.Error;
            var clock = Stopwatch.StartNew();
            try
            {
                Console.SetOut(console);
                Console.SetError(console);
                state = state is null
                    ? await CSharpScript.RunAsync(code, options)
                    : await state.ContinueWithAsync(code, options);
            }
            catch (CompilationErrorException e)
            {
                throw new NotebookCellException($"{where} does not compile:\n{string.Join("\n", e.Diagnostics)}\n--- cell ---\n{cell.Source}", cell, e);
            }
            catch (Exception e)
            {
                throw new NotebookCellException($"{where} threw {e.GetType().Name}: {e.Message}\n--- cell ---\n{cell.Source}", cell, e);
            }
            finally
            {
                Console.SetOut(previousOut);
                Console.SetError(previousError);
            }
            clock.Stop();
            string? html = null;
            // A trailing expression is displayed, formatted as the notebook would (void ends give null).
            if (state.ReturnValue is { } value)
            {
                try { html = KerasNetInteractive.Format(value); }
                catch (Exception e) { throw new NotebookCellException($"{where}: its value ({value.GetType().Name}) could not be formatted: {e.Message}", cell, e); }
            }
            results.Add(new CellResult(cell, html, console.ToString(), clock.Elapsed));
        }
        return results;
    }

    /// <summary>The run as an HTML page: each cell's code, console output and displayed value, for looking
    /// at what a notebook shows.</summary>
    public static string ToHtml(string notebook, IReadOnlyList<CellResult> results)
    {
        var sb = new StringBuilder("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>")
            .Append(System.Net.WebUtility.HtmlEncode(notebook))
            .Append("</title><style>body{font-family:sans-serif;max-width:1000px;margin:20px auto}pre.code{background:#f4f4f4;padding:8px}pre.out{color:#333;border-left:3px solid #ccc;padding-left:8px}.value{margin:6px 0 24px}</style></head><body>\n<h1>")
            .Append(System.Net.WebUtility.HtmlEncode(notebook)).Append("</h1>\n");
        foreach (var r in results)
        {
            sb.Append("<pre class=\"code\">").Append(System.Net.WebUtility.HtmlEncode(r.Cell.Source)).Append("</pre>\n");
            if (r.Console.Length > 0) sb.Append("<pre class=\"out\">").Append(System.Net.WebUtility.HtmlEncode(r.Console)).Append("</pre>\n");
            if (r.Html is not null) sb.Append("<div class=\"value\">").Append(r.Html).Append("</div>\n");
        }
        return sb.Append("</body></html>\n").ToString();
    }
}

/// <summary>A notebook cell that failed, with the cell.</summary>
public sealed class NotebookCellException(string message, NotebookCell cell, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The cell that failed.</summary>
    public NotebookCell Cell { get; } = cell;
}
