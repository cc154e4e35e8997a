using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using KerasNet.Losses;
using KerasNet.Metrics;
using KerasNet.Models;
using KerasNet.Optimizers;

namespace KerasNet.Saving;

/// <summary>Whole-model saving and loading in Keras 3's <c>.keras</c> layout (a zip of config.json,
/// metadata.json and the weights), with the weights in safetensors rather than HDF5; and weights-only files
/// (<c>.weights.safetensors</c>). See docs/saving.md for the layout.</summary>
public static class ModelIO
{
    /// <summary>The archive entry holding the serialized model.</summary>
    public const string ConfigFileName = "config.json";

    /// <summary>The archive entry holding the writer's version and the date.</summary>
    public const string MetadataFileName = "metadata.json";

    /// <summary>The archive entry holding every variable (Keras writes model.weights.h5 here).</summary>
    public const string WeightsFileName = "model.weights.safetensors";

    /// <summary>The extension of weights-only files.</summary>
    public const string WeightsExtension = ".weights.safetensors";

    /// <summary>The Keras release whose <c>.keras</c> schema the files follow (written as metadata.json's keras_version).</summary>
    public const string KerasFormatVersion = "3.8.0";

    /// <summary>The prefix of optimizer variables in the weights ("optimizer/iteration", "optimizer/dense_kernel_momentum").</summary>
    public const string OptimizerPrefix = "optimizer/";

    /// <summary>KerasNet's version, as written in metadata.json.</summary>
    public static string WriterVersion { get; } = ReadWriterVersion();

    private static string ReadWriterVersion()
    {
        var asm = typeof(ModelIO).Assembly;
        string? v = asm.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? asm.GetName().Version?.ToString();
        if (v is null) return "0.0.0";
        int plus = v.IndexOf('+', StringComparison.Ordinal);
        return plus >= 0 ? v[..plus] : v;
    }

    // ----- whole models -----

    /// <summary>Saves <paramref name="model"/> to a <c>.keras</c> file: architecture, weights, compile
    /// configuration and optimizer state. The write is atomic: the destination is replaced only once the
    /// whole file is on disk.</summary>
    public static void SaveModel(Model model, string path, bool overwrite = true)
    {
        ArgumentNullException.ThrowIfNull(model);
        CheckExtension(path, ".keras", "a whole model");
        var config = SerializeModel(model);
        var metadata = new JsonObject
        {
            ["keras_version"] = KerasFormatVersion,
            ["date_saved"] = DateTime.Now.ToString("yyyy-MM-dd@HH:mm:ss", CultureInfo.InvariantCulture),
            ["writer"] = "KerasNet",
            ["writer_version"] = WriterVersion,
        };
        var tensors = CollectTensors(model);
        AtomicFile.Write(path, overwrite, s => KerasArchive.Write(s, config, metadata, tensors, WeightsMetadata()));
    }

    /// <summary>Loads a model saved by <see cref="SaveModel"/> (or by Keras, when its weights are safetensors):
    /// rebuilds the architecture from config.json, sets every weight, and, when <paramref name="compile"/>,
    /// compiles it from compile_config and restores the optimizer's iteration count and slot variables, so
    /// training continues exactly where it stopped.</summary>
    public static Model LoadModel(string path, bool compile = true)
    {
        CheckExtension(path, ".keras", "a whole model");
        var archive = KerasArchive.Read(path);
        var model = ModelFromConfig(archive.Config, compile, $"'{path}'");
        LoadState(model, archive.Weights, $"{path}!{WeightsFileName}", restoreOptimizer: compile);
        return model;
    }

    /// <summary>The config.json of <paramref name="model"/>: Keras's <c>serialize_keras_object</c> form
    /// ({"module", "class_name", "config", "registered_name", "build_config", "compile_config"}).</summary>
    public static JsonObject SerializeModel(Model model)
    {
        ArgumentNullException.ThrowIfNull(model);
        bool functional = model.GetType() == typeof(Model);
        string module = model is Sequential ? "keras" : functional ? "keras.src.models.functional" : model.GetType().Namespace ?? "";
        var obj = KerasRegistry.Serialize(model, module);
        obj = JsonNode.Parse(obj.ToJsonString())!.AsObject();
        if (functional) obj["registered_name"] = "Functional";
        // Sequential.GetConfig takes "dtype" from the functional config, which has none; Keras writes the policy.
        if (model is Sequential && obj["config"] is JsonObject sc && sc["dtype"] is null)
            sc["dtype"] = new JsonObject
            {
                ["module"] = "keras",
                ["class_name"] = "DTypePolicy",
                ["config"] = new JsonObject { ["name"] = "float32" },
                ["registered_name"] = null,
            };
        else if (model is not Sequential) obj["registered_name"] = model.ClassName;
        if (BuildInputShape(model) is { } shape)
        {
            if (model is Sequential && obj["config"] is JsonObject inner) inner["build_input_shape"] = shape.DeepClone();
            if (!functional) obj["build_config"] = new JsonObject { ["input_shape"] = shape };
        }
        if (model.CompileConfig is { } cc)
        {
            var compile = JsonNode.Parse(cc.ToJsonString())!.AsObject();
            // The optimizer as it is now (a learning rate set since Compile is kept), as Keras serializes the live object.
            if (model.Optimizer is { } opt) compile["optimizer"] = JsonNode.Parse(KerasRegistry.Serialize(opt, "keras.optimizers").ToJsonString());
            foreach (var (key, value) in new (string, JsonNode?)[] { ("loss_weights", null), ("weighted_metrics", null), ("run_eagerly", false), ("steps_per_execution", 1), ("jit_compile", false) })
                if (!compile.ContainsKey(key)) compile[key] = value;
            obj["compile_config"] = compile;
        }
        return obj;
    }

    private static JsonArray? BuildInputShape(Model model)
    {
        static JsonArray Dims(Shape s) => new(s.ToArray().Select(d => d < 0 ? null : (JsonNode?)JsonValue.Create(d)).ToArray());
        if (model.IsGraphNetwork)
            return model.Inputs.Count == 1 ? Dims(model.Inputs[0].Shape) : new JsonArray(model.Inputs.Select(i => (JsonNode?)Dims(i.Shape)).ToArray());
        return model.BuildInputShape is { } b ? Dims(b) : null;
    }

    /// <summary>Rebuilds a model from a config.json text (Keras's <c>model_from_json</c> extended to
    /// build_config and compile_config); the weights are freshly initialized.</summary>
    public static Model ModelFromJson(string json, bool compile = true)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonObject config;
        try { config = JsonNode.Parse(json) as JsonObject ?? throw new InvalidDataException("The model JSON is not an object."); }
        catch (JsonException e) { throw new InvalidDataException($"The model JSON is not valid JSON ({e.Message}).", e); }
        return ModelFromConfig(config, compile, "the model JSON");
    }

    private static Model ModelFromConfig(JsonObject config, bool compile, string source)
    {
        string className = config["class_name"] is JsonValue cv && cv.TryGetValue(out string? cn) ? cn
            : throw new InvalidDataException($"The model config in {source} has no \"class_name\"; it is not a serialized Keras model.");
        Layer layer;
        try
        {
            layer = KerasRegistry.Deserialize<Layer>(config.DeepClone());
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException or KeyNotFoundException or InvalidCastException)
        {
            throw new InvalidDataException($"Cannot rebuild the model saved in {source}: {e.Message}", e);
        }
        var model = layer as Model ?? throw new InvalidDataException($"{source} describes a {className} layer, not a model.");
        if (!model.Built && config["build_config"] is JsonObject bc && bc["input_shape"] is JsonArray shape)
        {
            try
            {
                var shapes = shape.Count > 0 && shape.All(n => n is JsonArray)
                    ? shape.Select(n => ReadShape((JsonArray)n!)).ToArray()
                    : [ReadShape(shape)];
                model.EnsureBuilt(shapes);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException)
            {
                throw new InvalidDataException($"Cannot build the model saved in {source} from its build_config {bc.ToJsonString()}: {e.Message}", e);
            }
        }
        if (compile && config["compile_config"] is JsonObject cc) CompileFromConfig(model, cc, source);
        return model;
    }

    private static float Number(JsonNode n) => float.Parse(n.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture);

    private static Shape ReadShape(JsonArray dims) => new(dims.Select(n => n is null ? -1 : n.AsInt()).ToArray());

    /// <summary>Keras's <c>compile_from_config</c>: Compile with the deserialized optimizer, loss(es),
    /// metrics and loss weights.</summary>
    private static void CompileFromConfig(Model model, JsonObject cc, string source)
    {
        try
        {
            object optimizer = cc["optimizer"] is JsonNode o ? KerasRegistry.Deserialize<Optimizer>(o) : "rmsprop";
            var outputNames = model.IsGraphNetwork ? model.Outputs.Select(t => t.Producer!.Name).ToList() : [];
            object loss = cc["loss"] switch
            {
                null => throw new InvalidDataException("compile_config has no loss."),
                JsonArray a => a.Select(n => (object)KerasRegistry.Deserialize<Loss>(n!)).ToList(),
                JsonObject d when !d.ContainsKey("class_name") => outputNames.Select(n => (object)KerasRegistry.Deserialize<Loss>(
                    d[n] ?? throw new InvalidDataException($"compile_config's loss has no entry for output '{n}'."))).ToList(),
                JsonNode n => KerasRegistry.Deserialize<Loss>(n),
            };
            var metrics = new List<object>();
            if (cc["metrics"] is JsonArray ms)
                foreach (var m in ms)
                    metrics.Add(m switch
                    {
                        JsonValue v when v.TryGetValue(out string? s) => s,
                        JsonObject mo => KerasRegistry.Deserialize<Metric>(mo),
                        _ => throw new NotSupportedException($"compile_config metric {m?.ToJsonString() ?? "null"} is not supported (per-output metric lists are not)."),
                    });
            float[]? lossWeights = cc["loss_weights"] switch
            {
                null => null,
                JsonArray a => a.Select(n => Number(n!)).ToArray(),
                JsonObject d => outputNames.Select(n => d[n] is JsonNode w ? Number(w) : 1f).ToArray(),
                JsonValue v => [Number(v)],
                _ => throw new InvalidDataException($"compile_config's loss_weights {cc["loss_weights"]!.ToJsonString()} is not a list, a mapping or a number."),
            };
            model.Compile(optimizer, loss, metrics, lossWeights);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or InvalidDataException or NotSupportedException or FormatException)
        {
            throw new InvalidDataException($"Cannot compile the model saved in {source} from its compile_config: {e.Message} " +
                "Load it with compile: false and call Compile yourself.", e);
        }
    }

    // ----- weights -----

    /// <summary>Saves every weight of <paramref name="model"/> (and, when compiled, its optimizer's state) to
    /// a <c>.weights.safetensors</c> file, atomically.</summary>
    public static void SaveWeights(Model model, string path, bool overwrite = true)
    {
        ArgumentNullException.ThrowIfNull(model);
        CheckExtension(path, WeightsExtension, "weights");
        var tensors = CollectTensors(model);
        AtomicFile.Write(path, overwrite, s =>
        {
            SafeTensors.Write(s, tensors, WeightsMetadata());
            AtomicFile.Stage(WeightsExtension);
        });
    }

    /// <summary>Sets every weight of <paramref name="model"/> from a <c>.weights.safetensors</c> or <c>.keras</c>
    /// file; a compiled model also gets the optimizer state the file holds. Nothing is assigned unless every
    /// weight is present with its shape.</summary>
    public static void LoadWeights(Model model, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (path.EndsWith(".keras", StringComparison.OrdinalIgnoreCase))
        {
            LoadState(model, KerasArchive.Read(path).Weights, $"{path}!{WeightsFileName}", restoreOptimizer: true);
            return;
        }
        CheckExtension(path, WeightsExtension, "weights");
        CheckExists(path);
        LoadState(model, SafeTensors.Read(path), path, restoreOptimizer: true);
    }

    private static Dictionary<string, string> WeightsMetadata() => new()
    {
        ["format"] = "keras",
        ["writer"] = "KerasNet",
        ["writer_version"] = WriterVersion,
    };

    /// <summary>The model's variables under their file names: each variable's path ("dense/kernel").</summary>
    internal static List<(string Key, Variable Variable)> ModelEntries(Model model)
    {
        var result = new List<(string, Variable)>();
        var seen = new Dictionary<string, Variable>(StringComparer.Ordinal);
        foreach (var v in model.Weights)
        {
            string key = v.Path.Length > 0 ? v.Path : v.Name;
            if (seen.TryGetValue(key, out var other) && !ReferenceEquals(other, v))
                throw new InvalidOperationException($"Model '{model.Name}' has two different weights with the path '{key}' (two layers share a name), " +
                    "so their values could not be told apart in a saved file. Give the layers unique names.");
            if (seen.TryAdd(key, v)) result.Add((key, v));
        }
        return result;
    }

    /// <summary>The optimizer's variables under "optimizer/...": the iteration count, then each slot in creation order.</summary>
    internal static List<(string Key, Variable Variable)> OptimizerEntries(Optimizer optimizer)
    {
        var result = new List<(string, Variable)>();
        string own = optimizer.Name + "/";
        foreach (var v in optimizer.Variables)
        {
            string path = v.Path.Length > 0 ? v.Path : v.Name;
            result.Add((OptimizerPrefix + (path.StartsWith(own, StringComparison.Ordinal) ? path[own.Length..] : path), v));
        }
        return result;
    }

    private static List<SafeTensor> CollectTensors(Model model)
    {
        var entries = ModelEntries(model);
        if (model.Optimizer is { } opt) entries.AddRange(OptimizerEntries(opt));
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, _) in entries)
            if (!names.Add(key))
                throw new InvalidOperationException($"Two variables of model '{model.Name}' would be saved as '{key}' (a layer named 'optimizer'?). Rename the layer.");
        return entries.Select(e => SafeTensor.FromTensor(e.Key, e.Variable.Value)).ToList();
    }

    /// <summary>Checks every tensor against the model before assigning any, then assigns them. Weights are
    /// matched by path when the file has every path of the model (always so for a model loaded from its own
    /// config); otherwise, when the file holds exactly as many weights as the model, by position, as Keras
    /// matches a same-architecture model whose layers were named differently. A missing weight, a shape or
    /// dtype that differs, or a tensor the model has no variable for is an error naming it.</summary>
    private static void LoadState(Model model, SafeTensorsFile file, string source, bool restoreOptimizer)
    {
        var plan = new List<(SafeTensor Tensor, Variable Variable)>();
        var entries = ModelEntries(model);
        var modelKeys = entries.Select(e => e.Key).ToHashSet(StringComparer.Ordinal);
        var saved = file.Tensors.Where(t => !modelKeys.Contains(t.Name)).ToList();
        var savedWeights = saved.Where(t => !t.Name.StartsWith(OptimizerPrefix, StringComparison.Ordinal)).ToList();
        var savedOptimizer = saved.Where(t => t.Name.StartsWith(OptimizerPrefix, StringComparison.Ordinal)).ToList();
        bool byPath = entries.All(e => file.TryGet(e.Key, out _));
        if (byPath)
        {
            foreach (var (key, v) in entries)
            {
                var t = file[key];
                CheckMatch($"'{key}'", v, t, source);
                plan.Add((t, v));
            }
            if (savedWeights.Count > 0)
                throw new InvalidDataException($"'{source}' holds weights that model '{model.Name}' does not have: {string.Join(", ", savedWeights.Select(Describe))}. " +
                    $"The model's weights: {string.Join(", ", entries.Select(e => Describe(e.Key, e.Variable)))}.");
        }
        else
        {
            var fileWeights = file.Tensors.Where(t => !t.Name.StartsWith(OptimizerPrefix, StringComparison.Ordinal)).ToList();
            if (fileWeights.Count != entries.Count)
            {
                var missing = entries.Where(e => !file.TryGet(e.Key, out _)).Select(e => Describe(e.Key, e.Variable)).ToList();
                throw new InvalidDataException($"'{source}' has no value for {missing.Count} weight(s) of model '{model.Name}': {string.Join(", ", missing)}. " +
                    $"The file holds {fileWeights.Count} weight(s) and the model has {entries.Count}: {string.Join(", ", fileWeights.Select(Describe))}.");
            }
            for (int i = 0; i < entries.Count; i++)
            {
                var (key, v) = entries[i];
                CheckMatch(fileWeights[i].Name == key ? $"'{key}'" : $"'{key}' (matched by position with '{fileWeights[i].Name}')", v, fileWeights[i], source);
                plan.Add((fileWeights[i], v));
            }
        }

        long? iterations = null;
        if (restoreOptimizer && model.Optimizer is { } opt && savedOptimizer.Count > 0)
        {
            string iterKey = OptimizerPrefix + "iteration";
            if (!file.TryGet(iterKey, out var it))
                throw new InvalidDataException($"'{source}' holds optimizer variables but no '{iterKey}'.");
            if (it.DType != DType.Int64 || it.Shape.Rank != 0)
                throw new InvalidDataException($"'{source}': '{iterKey}' should be an int64 scalar; it is {it.DType.KerasName()} {it.Shape}.");
            iterations = System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(it.Data.Span);
            var savedSlots = savedOptimizer.Where(t => t.Name != iterKey).ToList();
            if (savedSlots.Count > 0)
            {
                // The slots exist only after the first update; build them for the model's trainable variables
                // (as the first update would), then fill each from the file.
                opt.Build(model.TrainableWeights);
                var slots = OptimizerEntries(opt).Skip(1).ToList();
                string Known() => $"The file's optimizer variables: {string.Join(", ", savedSlots.Select(Describe))}; the {opt.ClassName} optimizer's: " +
                    $"{string.Join(", ", slots.Select(s => Describe(s.Key, s.Variable)))}. (Were layers frozen or unfrozen between training and saving?)";
                if (byPath)
                {
                    var slotMissing = slots.Where(s => !file.TryGet(s.Key, out _)).Select(s => $"'{s.Key}'").ToList();
                    if (slotMissing.Count > 0)
                        throw new InvalidDataException($"'{source}' has no value for {slotMissing.Count} variable(s) of the optimizer: {string.Join(", ", slotMissing)}. {Known()}");
                    var slotKeys = slots.Select(s => s.Key).ToHashSet(StringComparer.Ordinal);
                    var extra = savedSlots.Where(t => !slotKeys.Contains(t.Name)).Select(t => $"'{t.Name}'").ToList();
                    if (extra.Count > 0)
                        throw new InvalidDataException($"'{source}' holds optimizer variables that the optimizer of model '{model.Name}' does not have: {string.Join(", ", extra)}. {Known()}");
                    foreach (var (key, v) in slots)
                    {
                        var st = file[key];
                        CheckMatch($"'{key}'", v, st, source);
                        plan.Add((st, v));
                    }
                }
                else
                {
                    if (savedSlots.Count != slots.Count)
                        throw new InvalidDataException($"'{source}' holds {savedSlots.Count} optimizer slot variable(s); the optimizer of model '{model.Name}' has {slots.Count}. {Known()}");
                    for (int i = 0; i < slots.Count; i++)
                    {
                        CheckMatch($"'{slots[i].Key}' (matched by position with '{savedSlots[i].Name}')", slots[i].Variable, savedSlots[i], source);
                        plan.Add((savedSlots[i], slots[i].Variable));
                    }
                }
            }
        }
        foreach (var (t, v) in plan) t.AssignTo(v);
        if (iterations is long n) model.Optimizer!.SetIterations(n);
    }

    private static string Describe(SafeTensor t) => $"'{t.Name}' {t.Shape}";

    private static string Describe(string key, Variable v) => $"'{key}' {v.Shape}";

    /// <summary>Checks a tensor against its variable; <paramref name="label"/> names the variable in the error.</summary>
    private static void CheckMatch(string label, Variable v, SafeTensor t, string source)
    {
        if (t.Shape != v.Shape)
            throw new InvalidDataException($"Weight {label} has shape {v.Shape} in the model but {t.Shape} in '{source}'.");
        if (t.DType != v.DType)
            throw new InvalidDataException($"Weight {label} is {v.DType.KerasName()} in the model but {t.DType.KerasName()} in '{source}'.");
    }

    // ----- paths -----

    internal static void CheckExists(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (Directory.Exists(path))
            throw new FileNotFoundException($"'{path}' is a directory, not a saved model or weights file.", path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"No such file: '{path}' (full path '{Path.GetFullPath(path)}').", path);
    }

    private static void CheckExtension(string path, string extension, string what)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (path.EndsWith(".h5", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".hdf5", StringComparison.OrdinalIgnoreCase))
            throw new NotSupportedException($"'{path}': HDF5 (.h5) is not supported. KerasNet saves {what} as '{extension}'" +
                (extension == WeightsExtension ? " (safetensors, where Keras writes .weights.h5)." : " (a zip with safetensors weights)."));
        if (!path.EndsWith(extension, StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"Invalid path '{path}': {what} is saved and loaded with a '{extension}' extension.", nameof(path));
    }
}
