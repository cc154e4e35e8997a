using System.Text.Json.Nodes;
using KerasNet.Constraints;
using KerasNet.Initializers;
using KerasNet.Regularizers;
using KerasNet.Saving;

namespace KerasNet.Layers;

/// <summary>Resolution of constructor arguments that Keras accepts as objects or string identifiers
/// (initializers, regularizers, constraints), and their config form.</summary>
internal static class LayerArgs
{
    /// <summary>An initializer from an <see cref="Initializer"/>, a name ("glorot_uniform") or a config node.</summary>
    public static Initializer Initializer(object? value, string fallback, string argument, string layerClass) => value switch
    {
        null => KerasRegistry.Get<Initializer>(fallback),
        Initializer i => i,
        string s => KerasRegistry.Get<Initializer>(s),
        JsonNode n => KerasRegistry.Deserialize<Initializer>(n),
        _ => throw new ArgumentException($"{layerClass}: {argument} must be an Initializer or a name such as \"{fallback}\"; got {value.GetType().Name}.", argument),
    };

    /// <summary>A regularizer (or none) from a <see cref="Regularizer"/>, a name ("l2") or a config node.</summary>
    public static Regularizer? Regularizer(object? value, string argument, string layerClass) => value switch
    {
        null => null,
        Regularizer r => r,
        string s => KerasRegistry.Get<Regularizer>(s),
        JsonNode n => KerasRegistry.Deserialize<Regularizer>(n),
        _ => throw new ArgumentException($"{layerClass}: {argument} must be a Regularizer or a name such as \"l2\"; got {value.GetType().Name}.", argument),
    };

    /// <summary>A constraint (or none) from a <see cref="Constraint"/>, a name ("non_neg") or a config node.</summary>
    public static Constraint? Constraint(object? value, string argument, string layerClass) => value switch
    {
        null => null,
        Constraint c => c,
        string s => KerasRegistry.Get<Constraint>(s),
        JsonNode n => KerasRegistry.Deserialize<Constraint>(n),
        _ => throw new ArgumentException($"{layerClass}: {argument} must be a Constraint or a name such as \"non_neg\"; got {value.GetType().Name}.", argument),
    };

    /// <summary>Keras's serialized form of an initializer, regularizer or constraint (null stays null).</summary>
    public static JsonNode? Serialize(IKerasObject? obj, string module) => obj is null ? null : KerasRegistry.Serialize(obj, module);

    /// <summary>A copy of a config entry, for handing to a constructor argument (null when absent).</summary>
    public static JsonNode? Node(JsonObject config, string key) => config[key]?.DeepClone();

    /// <summary>A config entry that must be present, with an error naming the layer class and the key.</summary>
    public static int RequiredInt(JsonObject config, string key, string layerClass) =>
        config.GetIntOrNull(key) ?? throw new ArgumentException($"A {layerClass} config needs \"{key}\"; got {config.ToJsonString()}.", nameof(config));

    /// <summary>An int list, or null, as a JSON array.</summary>
    public static JsonNode? IntList(IReadOnlyList<int>? values) => values is null ? null : values.ToJsonArray();

    /// <summary>A shape with unknown dimensions (-1) written as null, as Keras writes None.</summary>
    public static JsonArray ShapeList(IEnumerable<int> dims) =>
        new(dims.Select(d => d < 0 ? null : (JsonNode?)JsonValue.Create(d)).ToArray());

    /// <summary>Reads a shape list in which null (None) means unknown (-1).</summary>
    public static int[]? ShapeFromList(JsonObject config, string key) => config[key] switch
    {
        JsonArray a => a.Select(n => n is null ? -1 : ToInt(n, key)).ToArray(),
        null => null,
        var other => throw new ArgumentException($"Config key '{key}' should be a list of integers; got {other.ToJsonString()}.", nameof(config)),
    };

    /// <summary>An integer from a JSON number of any backing type (int, long or a whole double).</summary>
    public static int ToInt(JsonNode node, string key)
    {
        if (node is JsonValue v)
        {
            if (v.TryGetValue(out int i)) return i;
            if (v.TryGetValue(out long l)) return checked((int)l);
            if (v.TryGetValue(out double d) && d == Math.Floor(d)) return (int)d;
        }
        throw new ArgumentException($"Config key '{key}' should hold integers; got {node.ToJsonString()}.");
    }

    /// <summary>A 64-bit integer (a seed) from a JSON number.</summary>
    public static long ToLong(JsonNode node, string key)
    {
        if (node is JsonValue v)
        {
            if (v.TryGetValue(out long l)) return l;
            if (v.TryGetValue(out int i)) return i;
            if (v.TryGetValue(out double d) && d == Math.Floor(d)) return (long)d;
        }
        throw new ArgumentException($"Config key '{key}' should hold an integer; got {node.ToJsonString()}.");
    }

    /// <summary>"(None, 3)"-style text of a shape for errors.</summary>
    public static string Text(Shape s) => Models.KerasTensor.ShapeText(s);
}
