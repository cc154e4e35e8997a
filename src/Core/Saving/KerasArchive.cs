using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace KerasNet.Saving;

/// <summary>The zip archive of a <c>.keras</c> file: config.json, metadata.json and the weights entry. Every
/// way a file can fail to be one (missing, not a zip, truncated, no config.json, HDF5 weights) becomes an
/// exception that names the file and what is wrong.</summary>
internal sealed class KerasArchive
{
    private KerasArchive(JsonObject config, JsonObject? metadata, SafeTensorsFile weights)
    {
        Config = config;
        Metadata = metadata;
        Weights = weights;
    }

    /// <summary>config.json: the serialized model with build_config and compile_config.</summary>
    public JsonObject Config { get; }

    /// <summary>metadata.json, when present.</summary>
    public JsonObject? Metadata { get; }

    /// <summary>The weights (model.weights.safetensors).</summary>
    public SafeTensorsFile Weights { get; }

    /// <summary>Writes the archive. Entries are stored as Keras stores them (metadata.json, config.json, then
    /// the weights); the JSON entries are deflated, the weights stored uncompressed.</summary>
    public static void Write(Stream stream, JsonObject config, JsonObject metadata, IReadOnlyList<SafeTensor> weights,
        IReadOnlyDictionary<string, string> weightsMetadata)
    {
        using var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
        WriteText(zip, ModelIO.MetadataFileName, metadata.ToKerasJson());
        WriteText(zip, ModelIO.ConfigFileName, config.ToKerasJson());
        var entry = zip.CreateEntry(ModelIO.WeightsFileName, CompressionLevel.NoCompression);
        using (var s = entry.Open()) SafeTensors.Write(s, weights, weightsMetadata);
        AtomicFile.Stage(ModelIO.WeightsFileName);
    }

    private static void WriteText(ZipArchive zip, string name, string text)
    {
        var entry = zip.CreateEntry(name, CompressionLevel.Optimal);
        using (var s = entry.Open()) s.Write(Encoding.UTF8.GetBytes(text));
        AtomicFile.Stage(name);
    }

    /// <summary>Reads and checks the archive at <paramref name="path"/>.</summary>
    public static KerasArchive Read(string path)
    {
        ModelIO.CheckExists(path);
        List<string> names;
        byte[]? configBytes = null, metadataBytes = null, weightBytes = null;
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            using var zip = new ZipArchive(file, ZipArchiveMode.Read);
            names = zip.Entries.Select(e => e.FullName).ToList();
            if (zip.GetEntry(ModelIO.ConfigFileName) is { } ce) configBytes = ReadEntry(ce);
            if (zip.GetEntry(ModelIO.MetadataFileName) is { } me) metadataBytes = ReadEntry(me);
            if (zip.GetEntry(ModelIO.WeightsFileName) is { } we) weightBytes = ReadEntry(we);
        }
        catch (InvalidDataException e)
        {
            // System.IO.Compression's errors: no end of central directory, a bad local header, a CRC mismatch.
            throw new InvalidDataException($"'{path}' is not a valid .keras file (a zip archive); it may be truncated or corrupt: {e.Message}", e);
        }
        string holds = names.Count == 0 ? "it is empty" : $"it holds: {string.Join(", ", names)}";
        if (configBytes is null)
            throw new InvalidDataException($"'{path}' is a zip archive but not a Keras model file: it has no {ModelIO.ConfigFileName} ({holds}).");
        if (weightBytes is null)
        {
            if (names.Contains("model.weights.h5"))
                throw new NotSupportedException($"'{path}' holds its weights as HDF5 (model.weights.h5), as Keras writes them; HDF5 is not supported " +
                    $"by KerasNet, which reads weights in safetensors ({ModelIO.WeightsFileName}). Rebuild the model from its config.json " +
                    "(ModelIO.ModelFromJson) and set the weights yourself, or export them from Keras as safetensors.");
            if (names.Contains("model.weights.npz"))
                throw new NotSupportedException($"'{path}' holds its weights as NumPy npz (model.weights.npz), which KerasNet does not read; it reads {ModelIO.WeightsFileName}.");
            throw new InvalidDataException($"'{path}' has a {ModelIO.ConfigFileName} but no weights ({ModelIO.WeightsFileName}); {holds}.");
        }
        var config = ParseJson(configBytes, path, ModelIO.ConfigFileName) as JsonObject
            ?? throw new InvalidDataException($"'{path}': {ModelIO.ConfigFileName} is not a JSON object.");
        var metadata = metadataBytes is null ? null : ParseJson(metadataBytes, path, ModelIO.MetadataFileName) as JsonObject;
        var weights = SafeTensors.Read(weightBytes, $"{path}!{ModelIO.WeightsFileName}");
        return new KerasArchive(config, metadata, weights);
    }

    private static byte[] ReadEntry(ZipArchiveEntry entry)
    {
        using var s = entry.Open();
        using var ms = new MemoryStream();
        s.CopyTo(ms);
        return ms.ToArray();
    }

    private static JsonNode? ParseJson(byte[] bytes, string path, string entry)
    {
        try { return JsonNode.Parse(bytes); }
        catch (JsonException e) { throw new InvalidDataException($"'{path}': {entry} is not valid JSON ({e.Message}).", e); }
    }
}
