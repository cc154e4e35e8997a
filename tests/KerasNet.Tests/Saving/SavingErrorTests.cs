using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using KerasNet.Layers;
using KerasNet.Models;
using KerasNet.Saving;
using Xunit;
using static KerasNet.Tests.Saving.SavingTestUtil;

namespace KerasNet.Tests.Saving;

/// <summary>Every way a load can fail names the file and what is wrong; a failed save leaves neither a
/// partial destination nor a temporary file.</summary>
public class SavingErrorTests
{
    private static Sequential Model() => new([new InputLayer([6]), new Dense(16, activation: "relu", name: "hidden"), new Dense(3, name: "out")], name: "net");

    private static string SaveOne(TempDir dir, string name = "model.keras")
    {
        var model = Model();
        model.Compile("adam", "mse");
        model.Fit(Matrix(1, 8, 6), Matrix(2, 8, 3), batchSize: 4, epochs: 1, verbose: 0, shuffle: false);
        string path = dir.File(name);
        model.Save(path);
        return path;
    }

    /// <summary>Copies a .keras archive, passing each entry through <paramref name="transform"/> (null drops it).</summary>
    private static string Rewrite(string source, string destination, Func<string, byte[], byte[]?> transform)
    {
        using var input = ZipFile.OpenRead(source);
        using var output = ZipFile.Open(destination, ZipArchiveMode.Create);
        foreach (var entry in input.Entries)
        {
            byte[] bytes;
            using (var s = entry.Open())
            using (var ms = new MemoryStream())
            {
                s.CopyTo(ms);
                bytes = ms.ToArray();
            }
            if (transform(entry.FullName, bytes) is not { } replaced) continue;
            using var w = output.CreateEntry(entry.FullName).Open();
            w.Write(replaced);
        }
        return destination;
    }

    private static byte[]? EditWeights(string name, byte[] bytes, Func<SafeTensor, SafeTensor?> edit)
    {
        if (name != ModelIO.WeightsFileName) return bytes;
        var file = SafeTensors.Read(bytes);
        return SafeTensors.Serialize(file.Tensors.Select(edit).OfType<SafeTensor>(), file.Metadata);
    }

    private static byte[]? EditConfig(string name, byte[] bytes, Func<string, string> edit) =>
        name == ModelIO.ConfigFileName ? Encoding.UTF8.GetBytes(edit(Encoding.UTF8.GetString(bytes))) : bytes;

    [Fact]
    public void ANonExistentPathIsAFileNotFoundNamingIt()
    {
        using var dir = new TempDir();
        string path = dir.File("nowhere.keras");
        var e = Assert.Throws<FileNotFoundException>(() => Keras.LoadModel(path));
        Assert.Contains(path, e.Message);
        Assert.Equal(path, e.FileName);
        var model = Model();
        string weights = dir.File("nowhere.weights.safetensors");
        Assert.Contains(weights, Assert.Throws<FileNotFoundException>(() => model.LoadWeights(weights)).Message);
        Assert.Throws<FileNotFoundException>(() => model.LoadWeights(path));
    }

    [Fact]
    public void ATruncatedKerasFileIsReportedAsCorrupt()
    {
        using var dir = new TempDir();
        string path = SaveOne(dir);
        var bytes = File.ReadAllBytes(path);
        string cut = dir.File("cut.keras");
        foreach (int length in new[] { 0, 10, bytes.Length / 3, bytes.Length / 2, bytes.Length - 30, bytes.Length - 1 })
        {
            File.WriteAllBytes(cut, bytes.AsSpan(0, length).ToArray());
            var e = Assert.Throws<InvalidDataException>(() => Keras.LoadModel(cut));
            Assert.Contains(cut, e.Message);
            Assert.Contains("truncated or corrupt", e.Message);
        }
    }

    [Fact]
    public void ATruncatedWeightsFileIsReportedAsTruncated()
    {
        using var dir = new TempDir();
        var model = Model();
        string path = dir.File("w.weights.safetensors");
        model.SaveWeights(path);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes.AsSpan(0, bytes.Length - 7).ToArray());
        var e = Assert.Throws<InvalidDataException>(() => model.LoadWeights(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void AZipOfSomethingElseSaysItHasNoConfig()
    {
        using var dir = new TempDir();
        string path = dir.File("photos.keras");
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        using (var w = new StreamWriter(zip.CreateEntry("holiday/readme.txt").Open()))
            w.Write("not a model");
        var e = Assert.Throws<InvalidDataException>(() => Keras.LoadModel(path));
        Assert.Contains("no config.json", e.Message);
        Assert.Contains("holiday/readme.txt", e.Message);

        string text = dir.File("text.keras");
        File.WriteAllText(text, "just some text, not a zip archive");
        Assert.Contains("not a valid .keras file", Assert.Throws<InvalidDataException>(() => Keras.LoadModel(text)).Message);
    }

    [Fact]
    public void AConfigNamingAnUnknownLayerNamesItAndListsTheKnownOnes()
    {
        using var dir = new TempDir();
        string path = Rewrite(SaveOne(dir), dir.File("unknown.keras"),
            (n, b) => EditConfig(n, b, c => c.Replace("\"class_name\":\"Dense\"", "\"class_name\":\"FancyDense\"", StringComparison.Ordinal)));
        var e = Assert.Throws<InvalidDataException>(() => Keras.LoadModel(path));
        Assert.Contains("Unknown layer 'FancyDense'", e.Message);
        Assert.Contains("Known names:", e.Message);
        Assert.Contains("Dense", e.Message.Split("Known names:")[1]);
        Assert.Contains("BatchNormalization", e.Message);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void AWeightOfTheWrongShapeNamesTheVariableAndBothShapes()
    {
        using var dir = new TempDir();
        string path = Rewrite(SaveOne(dir), dir.File("shape.keras"), (n, b) => EditWeights(n, b, t => t.Name == "hidden/kernel"
            ? SafeTensor.FromTensor(t.Name, Ops.Zeros(new Shape(6, 17)))
            : t));
        var e = Assert.Throws<InvalidDataException>(() => Keras.LoadModel(path));
        Assert.Contains("'hidden/kernel'", e.Message);
        Assert.Contains("(6, 16) in the model", e.Message);
        Assert.Contains("(6, 17)", e.Message);

        // The same through LoadWeights, into a model whose layer is wider.
        string weights = dir.File("w.weights.safetensors");
        Model().SaveWeights(weights);
        var wider = new Sequential([new InputLayer([6]), new Dense(20, name: "hidden"), new Dense(3, name: "out")]);
        var e2 = Assert.Throws<InvalidDataException>(() => wider.LoadWeights(weights));
        Assert.Contains("'hidden/kernel' has shape (6, 20) in the model but (6, 16)", e2.Message);
    }

    [Fact]
    public void AMissingWeightIsNamedAndNothingIsAssigned()
    {
        using var dir = new TempDir();
        string path = Rewrite(SaveOne(dir), dir.File("missing.keras"), (n, b) => EditWeights(n, b, t => t.Name == "out/bias" ? null : t));
        var e = Assert.Throws<InvalidDataException>(() => Keras.LoadModel(path));
        Assert.Contains("no value for 1 weight(s)", e.Message);
        Assert.Contains("'out/bias' (3,)", e.Message);

        // LoadWeights checks everything before assigning anything.
        var model = Model();
        var before = model.Weights.Select(w => w.Value.ToArray()).ToList();
        Assert.Throws<InvalidDataException>(() => model.LoadWeights(path));
        for (int i = 0; i < before.Count; i++) AssertBitIdentical(before[i], model.Weights[i].Value.ToArray(), model.Weights[i].Path);
    }

    [Fact]
    public void AnUnexpectedWeightIsNamed()
    {
        using var dir = new TempDir();
        string path = Rewrite(SaveOne(dir), dir.File("extra.keras"), (n, b) => n != ModelIO.WeightsFileName ? b
            : SafeTensors.Serialize(SafeTensors.Read(b).Tensors.Append(SafeTensor.FromTensor("ghost/kernel", Ops.Zeros(new Shape(2))))));
        var e = Assert.Throws<InvalidDataException>(() => Keras.LoadModel(path));
        Assert.Contains("does not have: 'ghost/kernel' (2,)", e.Message);
    }

    [Fact]
    public void ACompileConfigThatCannotBeRebuiltSaysSoAndCompileFalseStillLoads()
    {
        using var dir = new TempDir();
        var model = Model();
        model.Compile("adam", (Func<Tensor, Tensor, Tensor>)((y, p) => Ops.Mean(Ops.Square(Ops.Subtract(y, p)))));
        string path = dir.File("custom_loss.keras");
        model.Save(path);
        var e = Assert.Throws<InvalidDataException>(() => Keras.LoadModel(path));
        Assert.Contains("Cannot compile the model", e.Message);
        Assert.Contains("compile: false", e.Message);
        var loaded = Keras.LoadModel(path, compile: false);
        Assert.False(loaded.Compiled);
        Assert.Equal(model.Weights.Count, loaded.Weights.Count);
    }

    [Fact]
    public void Hdf5IsRefusedWithAClearMessage()
    {
        using var dir = new TempDir();
        var model = Model();
        Assert.Contains("HDF5 (.h5) is not supported", Assert.Throws<NotSupportedException>(() => model.SaveWeights(dir.File("m.weights.h5"))).Message);
        Assert.Contains("HDF5 (.h5) is not supported", Assert.Throws<NotSupportedException>(() => model.LoadWeights(dir.File("m.weights.h5"))).Message);
        Assert.Contains("HDF5", Assert.Throws<NotSupportedException>(() => model.Save(dir.File("m.h5"))).Message);
        Assert.Contains("'.weights.safetensors'", Assert.Throws<ArgumentException>(() => model.SaveWeights(dir.File("m.bin"))).Message);
        Assert.Contains("'.keras'", Assert.Throws<ArgumentException>(() => model.Save(dir.File("m.zip"))).Message);
        Assert.Empty(dir.Files());

        // A .keras written by Keras holds model.weights.h5.
        string keras = Rewrite(SaveOne(dir), dir.File("keras_h5.keras"), (n, b) => n == ModelIO.WeightsFileName ? null : b);
        using (var zip = ZipFile.Open(keras, ZipArchiveMode.Update)) zip.CreateEntry("model.weights.h5");
        var e = Assert.Throws<NotSupportedException>(() => Keras.LoadModel(keras));
        Assert.Contains("HDF5 (model.weights.h5)", e.Message);
    }

    // ----- atomic writes -----

    private static void WithFailureAt(string stage, Action action)
    {
        AtomicFile.StageHook.Value = s => { if (s == stage) throw new IOException($"injected failure after {stage}"); };
        try
        {
            var e = Assert.Throws<IOException>(action);
            Assert.Contains("injected", e.Message);
        }
        finally
        {
            AtomicFile.StageHook.Value = null;
        }
    }

    [Theory]
    [InlineData("metadata.json")]
    [InlineData("config.json")]
    [InlineData("model.weights.safetensors")]
    [InlineData("commit")]
    public void AFailedSaveLeavesTheOldFileIntactAndNoTempFile(string stage)
    {
        using var dir = new TempDir();
        string path = SaveOne(dir);
        var old = File.ReadAllBytes(path);
        var model = Model();
        WithFailureAt(stage, () => model.Save(path));
        Assert.Equal(["model.keras"], dir.Files());
        Assert.Equal(old, File.ReadAllBytes(path));
        Keras.LoadModel(path); // still a good file
    }

    [Theory]
    [InlineData("config.json")]
    [InlineData("commit")]
    public void AFailedFirstSaveLeavesNoFileAtAll(string stage)
    {
        using var dir = new TempDir();
        var model = Model();
        WithFailureAt(stage, () => model.Save(dir.File("new.keras")));
        WithFailureAt(".weights.safetensors", () => model.SaveWeights(dir.File("new.weights.safetensors")));
        Assert.Empty(dir.Files());
    }

    [Fact]
    public void ADirectoryThatVanishesMidSaveLeavesNothingBehind()
    {
        if (OperatingSystem.IsWindows()) return; // an open file's directory cannot be deleted there
        using var dir = new TempDir();
        string sub = Path.Combine(dir.Root, "run");
        Directory.CreateDirectory(sub);
        string path = Path.Combine(sub, "model.keras");
        AtomicFile.StageHook.Value = s => { if (s == "config.json") Directory.Delete(sub, recursive: true); };
        try
        {
            Assert.ThrowsAny<IOException>(() => Model().Save(path));
        }
        finally
        {
            AtomicFile.StageHook.Value = null;
        }
        Assert.False(Directory.Exists(sub));
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void SavingIntoAMissingDirectoryFailsBeforeWritingAnything()
    {
        using var dir = new TempDir();
        string path = Path.Combine(dir.Root, "absent", "model.keras");
        var e = Assert.Throws<DirectoryNotFoundException>(() => Model().Save(path));
        Assert.Contains("does not exist", e.Message);
        Assert.False(Directory.Exists(Path.Combine(dir.Root, "absent")));
    }

    [Fact]
    public void OverwriteFalseKeepsAnExistingFile()
    {
        using var dir = new TempDir();
        string path = SaveOne(dir);
        var old = File.ReadAllBytes(path);
        Assert.Throws<IOException>(() => Model().Save(path, overwrite: false));
        Assert.Equal(old, File.ReadAllBytes(path));
        Assert.Single(dir.Files());
    }

    [Fact]
    public void TwoLayersWithTheSameNameCannotBeSaved()
    {
        using var dir = new TempDir();
        var inner1 = new Sequential([new InputLayer([3]), new Dense(2, name: "twin")], name: "first");
        var inner2 = new Sequential([new InputLayer([2]), new Dense(2, name: "twin")], name: "second");
        var input = Keras.Input([3]);
        var model = new KerasNet.Models.Model(input, inner2.Apply(inner1.Apply(input)));
        var e = Assert.Throws<InvalidOperationException>(() => model.Save(dir.File("twins.keras")));
        Assert.Contains("'twin/kernel'", e.Message);
        Assert.Empty(dir.Files());
    }
}
