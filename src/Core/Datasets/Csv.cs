using System.Globalization;

namespace KerasNet.Datasets;

/// <summary>Reads a numeric CSV file into arrays.</summary>
public static class Csv
{
    /// <summary>Reads every row of <paramref name="path"/> as floats. With <paramref name="labelColumn"/> set,
    /// that column becomes integer labels and the rest the features. A header row is skipped when its first
    /// cell is not a number.</summary>
    public static (float[,] X, int[]? Y) Load(string path, int? labelColumn = null, char separator = ',')
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"CSV file not found: {path}", path);
        var rows = new List<float[]>();
        int width = -1, lineNo = 0;
        foreach (var raw in File.ReadLines(path))
        {
            lineNo++;
            var line = raw.Trim();
            if (line.Length == 0) continue;
            var cells = line.Split(separator);
            if (rows.Count == 0 && width < 0 && !float.TryParse(cells[0], NumberStyles.Float, CultureInfo.InvariantCulture, out _))
            {
                width = -2; // header seen
                continue;
            }
            var values = new float[cells.Length];
            for (int i = 0; i < cells.Length; i++)
                if (!float.TryParse(cells[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]))
                    throw new FormatException($"{path}, line {lineNo}, column {i + 1}: '{cells[i]}' is not a number.");
            if (rows.Count > 0 && values.Length != rows[0].Length)
                throw new FormatException($"{path}, line {lineNo}: {values.Length} columns where earlier rows have {rows[0].Length}.");
            rows.Add(values);
        }
        if (rows.Count == 0) throw new FormatException($"{path} holds no data rows.");
        int cols = rows[0].Length;
        if (labelColumn is int lc && (lc < 0 || lc >= cols))
            throw new ArgumentOutOfRangeException(nameof(labelColumn), lc, $"labelColumn must be in [0, {cols}) for {path}.");
        int featureCols = labelColumn is null ? cols : cols - 1;
        var x = new float[rows.Count, featureCols];
        int[]? y = labelColumn is null ? null : new int[rows.Count];
        for (int r = 0; r < rows.Count; r++)
        {
            for (int c = 0, k = 0; c < cols; c++)
            {
                if (c == labelColumn) { y![r] = (int)rows[r][c]; continue; }
                x[r, k++] = rows[r][c];
            }
        }
        return (x, y);
    }
}
