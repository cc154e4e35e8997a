using System.Globalization;
using System.Text;

namespace KerasNet.Callbacks;

/// <summary>Streams epoch results to a CSV file, as keras.callbacks.CSVLogger. The columns are "epoch"
/// (0-based) then the first epoch's log keys sorted; when that epoch has no "val_" key, a "val_" column is
/// added for each key (filled with "NA" when missing), as Keras does. Values are written as Python writes
/// floats (<c>0.6931471824645996</c>), rows end in "\r\n" (Python's csv "excel" dialect), and the file is
/// flushed after every epoch. With <c>append</c>, rows are added to an existing file and the header is
/// written only when the file is empty.</summary>
public sealed class CSVLogger : Callback
{
    private StreamWriter? _writer;
    private List<string>? _keys;
    private bool _appendHeader = true;
    private bool _headerPending;

    /// <summary>Creates the logger.</summary>
    /// <param name="filename">The CSV file, e.g. "run/log.csv".</param>
    /// <param name="separator">The one-character field separator.</param>
    /// <param name="append">Append to an existing file (to continue training) rather than overwrite it.</param>
    public CSVLogger(string filename, string separator = ",", bool append = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(filename);
        ArgumentNullException.ThrowIfNull(separator);
        if (separator.Length != 1)
            throw new ArgumentException($"The CSV separator must be a single character (Python's csv module requires a 1-character delimiter); got \"{separator}\".", nameof(separator));
        if (separator[0] is '"' or '\r' or '\n')
            throw new ArgumentException("The CSV separator cannot be a quote or a line break.", nameof(separator));
        Filename = filename;
        Separator = separator;
        Append = append;
    }

    /// <summary>The CSV file.</summary>
    public string Filename { get; }

    /// <summary>The field separator.</summary>
    public string Separator { get; }

    /// <summary>Whether rows are appended to an existing file.</summary>
    public bool Append { get; }

    /// <inheritdoc/>
    public override void OnTrainBegin(IReadOnlyDictionary<string, float> logs)
    {
        FileMode mode;
        if (Append)
        {
            // Keras reads the first line: the header is written only when the file is empty.
            if (File.Exists(Filename)) _appendHeader = new FileInfo(Filename).Length == 0;
            mode = FileMode.Append;
        }
        else mode = FileMode.Create;
        Close();
        string? dir = Path.GetDirectoryName(Path.GetFullPath(Filename));
        if (dir is not null && !Directory.Exists(dir))
            throw new DirectoryNotFoundException($"CSVLogger cannot create '{Filename}': the directory '{dir}' does not exist.");
        var stream = new FileStream(Filename, mode, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        _writer = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)) { NewLine = "\r\n" };
        _keys = null;
        _headerPending = true;
    }

    /// <inheritdoc/>
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, float> logs)
    {
        if (_writer is null) OnTrainBegin(logs);
        var writer = _writer!;
        if (_keys is null)
        {
            _keys = logs.Keys.OrderBy(k => k, StringComparer.Ordinal).ToList();
            if (_keys.Count > 0 && !_keys.Any(k => k.StartsWith("val_", StringComparison.Ordinal)))
                _keys.AddRange(_keys.Select(k => "val_" + k).ToList());
        }
        if (_headerPending)
        {
            _headerPending = false;
            if (_appendHeader) WriteRow(writer, ["epoch", .. _keys]);
        }
        var row = new List<string>(_keys.Count + 1) { epoch.ToString(CultureInfo.InvariantCulture) };
        foreach (var k in _keys) row.Add(logs.TryGetValue(k, out float v) ? PythonFormat.Repr(v) : "NA");
        WriteRow(writer, row);
        writer.Flush();
    }

    /// <inheritdoc/>
    public override void OnTrainEnd(IReadOnlyDictionary<string, float> logs) => Close();

    private void WriteRow(StreamWriter writer, IReadOnlyList<string> fields)
    {
        char sep = Separator[0];
        for (int i = 0; i < fields.Count; i++)
        {
            if (i > 0) writer.Write(sep);
            writer.Write(Quote(fields[i], sep));
        }
        writer.WriteLine();
    }

    // Python's csv QUOTE_MINIMAL: quote a field holding the separator, a quote or a line break.
    private static string Quote(string field, char sep) =>
        field.IndexOfAny([sep, '"', '\r', '\n']) >= 0 ? "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : field;

    private void Close()
    {
        _writer?.Dispose();
        _writer = null;
    }
}
