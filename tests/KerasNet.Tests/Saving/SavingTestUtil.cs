using KerasNet.Data;
using Xunit;

namespace KerasNet.Tests.Saving;

/// <summary>A fresh directory under the system temp folder, deleted on dispose.</summary>
public sealed class TempDir : IDisposable
{
    public TempDir() => Directory.CreateDirectory(Root = Path.Combine(Path.GetTempPath(), "kerasnet-saving-" + Guid.NewGuid().ToString("N")));

    public string Root { get; }

    public string File(string name) => Path.Combine(Root, name);

    /// <summary>The names of every file in the directory (temp files included).</summary>
    public string[] Files() => Directory.Exists(Root) ? Directory.GetFiles(Root).Select(f => Path.GetFileName(f)).ToArray() : [];

    public void Dispose()
    {
        try { if (Directory.Exists(Root)) Directory.Delete(Root, recursive: true); }
        catch (IOException) { }
    }
}

internal static class SavingTestUtil
{
    public static float[,] Matrix(int seed, int rows, int cols)
    {
        var rng = new Random(seed);
        var m = new float[rows, cols];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
                m[i, j] = (float)(rng.NextDouble() * 2 - 1);
        return m;
    }

    /// <summary>Asserts two float sequences are the same bit for bit (NaN payloads and signed zeros included).</summary>
    public static void AssertBitIdentical(IReadOnlyList<float> expected, IReadOnlyList<float> actual, string what)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
                Assert.Fail($"{what}: element {i} differs: {expected[i]:R} (0x{BitConverter.SingleToInt32Bits(expected[i]):X8}) vs {actual[i]:R} (0x{BitConverter.SingleToInt32Bits(actual[i]):X8}).");
    }

    public static float[] Values(Tensor t) => t.ToArray();

    public static ArrayData Data(float[,] m) => ArrayData.From(m);
}
