using System.Buffers.Binary;
using System.IO.Compression;

namespace KerasNet.Datasets;

/// <summary>Reads the IDX files of the MNIST family (optionally gzip-compressed): a big-endian header of
/// magic (0x0000, type 0x08 = unsigned byte, rank), one int32 per dimension, then the data.</summary>
public static class Idx
{
    /// <summary>Reads an IDX file of unsigned bytes; returns the dimensions and the raw bytes.</summary>
    public static (int[] Dims, byte[] Data) Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"IDX file not found: {path}", path);
        using var file = File.OpenRead(path);
        using Stream stream = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(file, CompressionMode.Decompress) : file;
        Span<byte> header = stackalloc byte[4];
        ReadExactly(stream, header, path);
        if (header[0] != 0 || header[1] != 0)
            throw new InvalidDataException($"{path} is not an IDX file (its magic number starts {header[0]:x2}{header[1]:x2}, expected 0000).");
        if (header[2] != 0x08)
            throw new InvalidDataException($"{path} holds IDX type 0x{header[2]:x2}; only unsigned bytes (0x08) are supported.");
        int rank = header[3];
        var dims = new int[rank];
        Span<byte> four = stackalloc byte[4];
        long size = 1;
        for (int i = 0; i < rank; i++)
        {
            ReadExactly(stream, four, path);
            dims[i] = BinaryPrimitives.ReadInt32BigEndian(four);
            if (dims[i] < 0) throw new InvalidDataException($"{path} declares a negative dimension {dims[i]}.");
            size *= dims[i];
        }
        var data = new byte[checked((int)size)];
        ReadExactly(stream, data, path);
        return (dims, data);
    }

    private static void ReadExactly(Stream s, Span<byte> buffer, string path)
    {
        try { s.ReadExactly(buffer); }
        catch (EndOfStreamException) { throw new InvalidDataException($"{path} ends early: the IDX file is truncated."); }
    }

    /// <summary>Images as float32 (N, rows, cols) with the raw 0..255 values (Keras returns uint8; divide by 255 to scale).</summary>
    internal static float[,,] Images(string path)
    {
        var (dims, data) = Read(path);
        if (dims.Length != 3) throw new InvalidDataException($"{path} should hold images (rank 3); it has rank {dims.Length}.");
        var result = new float[dims[0], dims[1], dims[2]];
        // GetArrayDataReference(Array) is a ref byte: reinterpret it as the float elements.
        var flat = System.Runtime.InteropServices.MemoryMarshal.CreateSpan(
            ref System.Runtime.CompilerServices.Unsafe.As<byte, float>(ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(result)), result.Length);
        for (int i = 0; i < data.Length; i++) flat[i] = data[i];
        return result;
    }

    /// <summary>Labels as int32 (N,).</summary>
    internal static int[] Labels(string path)
    {
        var (dims, data) = Read(path);
        if (dims.Length != 1) throw new InvalidDataException($"{path} should hold labels (rank 1); it has rank {dims.Length}.");
        return Array.ConvertAll(data, b => (int)b);
    }
}

/// <summary>Loaders for the MNIST-format image sets. Nothing is ever downloaded: the files are read from a
/// directory holding train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and
/// t10k-labels-idx1-ubyte.gz (the .gz suffix is optional).</summary>
internal static class MnistFormat
{
    private static readonly string[] Files = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"];

    public static ((float[,,] X, int[] Y) Train, (float[,,] X, int[] Y) Test) Load(string directory, string dataset, string howToInstall)
    {
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"{dataset} was not found: the directory {directory} does not exist. {howToInstall}");
        string Find(string stem)
        {
            foreach (var name in new[] { stem + ".gz", stem })
            {
                var p = Path.Combine(directory, name);
                if (File.Exists(p)) return p;
            }
            throw new FileNotFoundException($"{dataset}: {directory} has no {stem}.gz (nor {stem}); it needs the four files {string.Join(", ", Files.Select(f => f + ".gz"))}. {howToInstall}");
        }
        var xTrain = Idx.Images(Find(Files[0]));
        var yTrain = Idx.Labels(Find(Files[1]));
        var xTest = Idx.Images(Find(Files[2]));
        var yTest = Idx.Labels(Find(Files[3]));
        if (xTrain.GetLength(0) != yTrain.Length || xTest.GetLength(0) != yTest.Length)
            throw new InvalidDataException($"{dataset} in {directory}: the image and label counts differ ({xTrain.GetLength(0)} vs {yTrain.Length}, {xTest.GetLength(0)} vs {yTest.Length}).");
        return ((xTrain, yTrain), (xTest, yTest));
    }
}

/// <summary>Fashion-MNIST (60,000 training and 10,000 test 28x28 grey images in 10 classes), as
/// keras.datasets.fashion_mnist. The default directory is where Debian's dataset-fashion-mnist package
/// puts it.</summary>
public static class FashionMnist
{
    /// <summary>Where Debian's dataset-fashion-mnist package installs the files.</summary>
    public const string DefaultDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>The class names, index = label.</summary>
    public static readonly IReadOnlyList<string> ClassNames = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>((xTrain, yTrain), (xTest, yTest)) with images as float32 (N, 28, 28) in 0..255 and int labels.
    /// <code>var ((xTrain, yTrain), (xTest, yTest)) = FashionMnist.LoadData();</code></summary>
    public static ((float[,,] X, int[] Y) Train, (float[,,] X, int[] Y) Test) LoadData(string? directory = null) =>
        MnistFormat.Load(directory ?? DefaultDirectory, "Fashion-MNIST",
            "Install it with `sudo apt-get install dataset-fashion-mnist` (Debian/Ubuntu), or pass the directory that holds the files.");
}

/// <summary>MNIST handwritten digits, as keras.datasets.mnist, from a directory holding the four IDX files
/// (no Debian package ships them; nothing is downloaded).</summary>
public static class Mnist
{
    /// <summary>The default directory looked in.</summary>
    public const string DefaultDirectory = "/usr/share/datasets/mnist";

    /// <summary>((xTrain, yTrain), (xTest, yTest)) with images as float32 (N, 28, 28) in 0..255 and int labels.</summary>
    public static ((float[,,] X, int[] Y) Train, (float[,,] X, int[] Y) Test) LoadData(string? directory = null) =>
        MnistFormat.Load(directory ?? DefaultDirectory, "MNIST",
            "Put train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz in a directory and pass it.");
}
