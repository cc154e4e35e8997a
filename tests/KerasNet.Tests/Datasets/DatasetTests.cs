using System.IO.Compression;
using KerasNet.Datasets;
using Xunit;

namespace KerasNet.Tests.Datasets;

public class DatasetTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "kerasnet-datasets-" + Guid.NewGuid().ToString("N"));

    public DatasetTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Writes an IDX file of unsigned bytes as the format defines it: 0, 0, 0x08, rank, big-endian dims, data.</summary>
    private void WriteIdx(string name, int[] dims, byte[] data, bool gzip = true)
    {
        using var file = File.Create(Path.Combine(_dir, name + (gzip ? ".gz" : "")));
        using Stream s = gzip ? new GZipStream(file, CompressionLevel.Fastest) : file;
        s.Write([0, 0, 0x08, (byte)dims.Length]);
        foreach (int d in dims) s.Write([(byte)(d >> 24), (byte)(d >> 16), (byte)(d >> 8), (byte)d]);
        s.Write(data);
    }

    private void WriteSet(int train, int test, bool gzip = true)
    {
        byte[] Pixels(int n) => Enumerable.Range(0, n * 4 * 3).Select(i => (byte)(i * 7 % 256)).ToArray();
        WriteIdx("train-images-idx3-ubyte", [train, 4, 3], Pixels(train), gzip);
        WriteIdx("train-labels-idx1-ubyte", [train], Enumerable.Range(0, train).Select(i => (byte)(i % 10)).ToArray(), gzip);
        WriteIdx("t10k-images-idx3-ubyte", [test, 4, 3], Pixels(test), gzip);
        WriteIdx("t10k-labels-idx1-ubyte", [test], Enumerable.Range(0, test).Select(i => (byte)(9 - i % 10)).ToArray(), gzip);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ReadsImagesAndLabelsExactly(bool gzip)
    {
        WriteSet(5, 2, gzip);
        var ((x, y), (xt, yt)) = FashionMnist.LoadData(_dir);
        Assert.Equal([5, 4, 3], new[] { x.GetLength(0), x.GetLength(1), x.GetLength(2) });
        // Element (n, r, c) is byte n*12 + r*3 + c of the data, as a float 0..255.
        Assert.Equal((1 * 12 + 2 * 3 + 1) * 7 % 256, x[1, 2, 1]);
        Assert.Equal((4 * 12 + 3 * 3 + 2) * 7 % 256, x[4, 3, 2]);
        Assert.Equal([0, 1, 2, 3, 4], y);
        Assert.Equal(2, xt.GetLength(0));
        Assert.Equal([9, 8], yt);
    }

    [Fact]
    public void AMissingDirectorySaysHowToInstallTheDataset()
    {
        var e = Assert.Throws<DirectoryNotFoundException>(() => FashionMnist.LoadData(Path.Combine(_dir, "nowhere")));
        Assert.Contains("apt-get install dataset-fashion-mnist", e.Message);
        Assert.Contains("nowhere", e.Message);
    }

    [Fact]
    public void AMissingFileNamesTheFileAndTheSet()
    {
        WriteSet(3, 1);
        File.Delete(Path.Combine(_dir, "t10k-labels-idx1-ubyte.gz"));
        var e = Assert.Throws<FileNotFoundException>(() => Mnist.LoadData(_dir));
        Assert.Contains("t10k-labels-idx1-ubyte", e.Message);
        Assert.Contains("MNIST", e.Message);
    }

    [Fact]
    public void TruncatedAndForeignFilesAreReportedAsSuch()
    {
        WriteIdx("short", [10, 4, 3], new byte[20]);
        var e = Assert.Throws<InvalidDataException>(() => Idx.Read(Path.Combine(_dir, "short.gz")));
        Assert.Contains("truncated", e.Message);
        File.WriteAllText(Path.Combine(_dir, "text"), "hello world");
        var f = Assert.Throws<InvalidDataException>(() => Idx.Read(Path.Combine(_dir, "text")));
        Assert.Contains("not an IDX file", f.Message);
    }

    [Fact]
    public void CsvGivesFeaturesAndLabels()
    {
        string path = Path.Combine(_dir, "data.csv");
        File.WriteAllText(path, "a,b,label\n1.5,2,0\n-3,4e1,2\n");
        var (x, y) = Csv.Load(path, labelColumn: 2);
        Assert.Equal(new float[,] { { 1.5f, 2f }, { -3f, 40f } }, x);
        Assert.Equal([0, 2], y!);
        File.WriteAllText(path, "1,2\n3,x\n");
        var e = Assert.Throws<FormatException>(() => Csv.Load(path));
        Assert.Contains("line 2, column 2", e.Message);
    }

    [Fact]
    public void TheRealFashionMnistLoadsWhenInstalled()
    {
        if (!Directory.Exists(FashionMnist.DefaultDirectory)) return; // CI installs it; a bare machine may not have it
        var ((x, y), (xt, yt)) = FashionMnist.LoadData();
        Assert.Equal(60000, x.GetLength(0));
        Assert.Equal(10000, yt.Length);
        Assert.Equal(9, y[0]); // the first training image is an ankle boot
        double sum = 0;
        foreach (var v in x) { Assert.InRange(v, 0f, 255f); sum += v; }
        Assert.InRange(sum / x.Length, 60, 90); // Fashion-MNIST's mean pixel is about 72.9
    }
}
