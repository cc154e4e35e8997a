using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace KerasNet.Saving;

/// <summary>An object that Keras can serialize: its class name and a config of constructor arguments
/// (Keras's snake_case names) from which an equal object can be rebuilt.</summary>
public interface IKerasObject
{
    /// <summary>The Keras class name ("Dense", "Adam", "SparseCategoricalCrossentropy").</summary>
    string ClassName { get; }

    /// <summary>The constructor arguments under their Keras names.</summary>
    JsonObject GetConfig();
}

/// <summary>Marks a class as deserializable from Keras configs. The class needs a public static
/// <c>FromConfig(JsonObject)</c> method returning it.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class KerasSerializableAttribute(string className, params string[] aliases) : Attribute
{
    /// <summary>The Keras class name.</summary>
    public string ClassName { get; } = className;

    /// <summary>String identifiers Keras's <c>get</c> accepts for it ("adam", "mse").</summary>
    public string[] Aliases { get; } = aliases;
}

/// <summary>Keras's <c>serialize</c> / <c>deserialize</c> / <c>get</c> over every family of objects
/// (layers, losses, metrics, optimizers, initializers, regularizers, constraints, schedules), found by
/// <see cref="KerasSerializableAttribute"/> in the loaded KerasNet assemblies.</summary>
public static class KerasRegistry
{
    private static readonly object Gate = new();
    private static readonly Dictionary<(Type Base, string Name), Func<JsonObject, object>> Factories = new();
    private static readonly HashSet<Assembly> Scanned = [];

    /// <summary>Registers a factory for <paramref name="className"/> (and aliases) under base type <typeparamref name="TBase"/>.</summary>
    public static void Register<TBase>(string className, Func<JsonObject, TBase> fromConfig, params string[] aliases) where TBase : class
    {
        lock (Gate)
        {
            Factories[(typeof(TBase), className)] = c => fromConfig(c);
            foreach (var a in aliases) Factories[(typeof(TBase), a)] = c => fromConfig(c);
        }
    }

    /// <summary>{"module", "class_name", "config", "registered_name"} as Keras writes it.</summary>
    public static JsonObject Serialize(IKerasObject obj, string module)
    {
        ArgumentNullException.ThrowIfNull(obj);
        return new JsonObject
        {
            ["module"] = module,
            ["class_name"] = obj.ClassName,
            ["config"] = obj.GetConfig(),
            ["registered_name"] = null,
        };
    }

    /// <summary>Rebuilds an object from a Keras config (<c>{"class_name": ..., "config": {...}}</c>) or a
    /// string identifier.</summary>
    public static TBase Deserialize<TBase>(JsonNode config) where TBase : class
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config is JsonValue v && v.TryGetValue(out string? s)) return Get<TBase>(s);
        if (config is not JsonObject o || o["class_name"]?.GetValue<string>() is not { } name)
            throw new ArgumentException($"A {Family<TBase>()} config must be a string or an object with \"class_name\" and \"config\"; got {config.ToJsonString()}.", nameof(config));
        var inner = o["config"] as JsonObject ?? [];
        return Create<TBase>(name, (JsonObject)inner.DeepClone());
    }

    /// <summary>Keras's <c>get</c>: an object from its string identifier (class name or alias), with
    /// default arguments. An unknown name lists the known ones.</summary>
    public static TBase Get<TBase>(string identifier) where TBase : class
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(identifier);
        return Create<TBase>(identifier, []);
    }

    /// <summary>The names (class names and aliases) known for <typeparamref name="TBase"/>.</summary>
    public static IReadOnlyList<string> KnownNames<TBase>()
    {
        lock (Gate)
        {
            ScanAssemblies();
            return Factories.Keys.Where(k => k.Base == typeof(TBase)).Select(k => k.Name).OrderBy(n => n, StringComparer.Ordinal).ToArray();
        }
    }

    private static TBase Create<TBase>(string name, JsonObject config) where TBase : class
    {
        Func<JsonObject, object>? factory;
        lock (Gate)
        {
            ScanAssemblies();
            Factories.TryGetValue((typeof(TBase), name), out factory);
        }
        if (factory is null)
            throw new ArgumentException($"Unknown {Family<TBase>()} '{name}'. Known names: {string.Join(", ", KnownNames<TBase>())}.", nameof(name));
        return (TBase)factory(config);
    }

    private static string Family<TBase>() => typeof(TBase).Name.ToLowerInvariant() switch
    {
        "learningrateschedule" => "learning-rate schedule",
        var n => n,
    };

    private static void ScanAssemblies()
    {
        foreach (var name in new[] { "KerasNet.Layers", "KerasNet.Callbacks" })
        {
            try { Assembly.Load(new AssemblyName(name)); }
            catch (FileNotFoundException) { }
        }
        foreach (var asm in AppDomain.CurrentDomain.GetAssemblies())
        {
            if (!asm.GetName().Name!.StartsWith("KerasNet", StringComparison.Ordinal) || !Scanned.Add(asm)) continue;
            foreach (var type in SafeTypes(asm))
            {
                var attr = type.GetCustomAttribute<KerasSerializableAttribute>();
                if (attr is null) continue;
                var method = type.GetMethod("FromConfig", BindingFlags.Public | BindingFlags.Static, [typeof(JsonObject)])
                    ?? throw new InvalidOperationException($"{type.FullName} is marked [KerasSerializable] but has no public static FromConfig(JsonObject).");
                var bases = BaseChain(type).ToArray();
                foreach (var b in bases)
                {
                    Func<JsonObject, object> f = c =>
                    {
                        try { return method.Invoke(null, [c])!; }
                        catch (TargetInvocationException e) when (e.InnerException is not null) { throw e.InnerException; }
                    };
                    Factories.TryAdd((b, attr.ClassName), f);
                    foreach (var a in attr.Aliases) Factories.TryAdd((b, a), f);
                }
            }
        }
    }

    private static IEnumerable<Type> BaseChain(Type t)
    {
        // The class itself and each base: Deserialize<Model>("Functional") and Deserialize<Layer>(...) both work.
        for (var b = t; b is not null && b != typeof(object); b = b.BaseType) yield return b;
    }

    private static Type[] SafeTypes(Assembly asm)
    {
        try { return asm.GetTypes(); }
        catch (ReflectionTypeLoadException e) { return e.Types.Where(t => t is not null).ToArray()!; }
    }
}

/// <summary>Typed reads from a Keras config, with the key named in every error.</summary>
public static class ConfigExtensions
{
    /// <summary>A float, or <paramref name="fallback"/> when the key is absent or null.</summary>
    public static float GetFloat(this JsonObject c, string key, float fallback) => c[key] is JsonValue v ? (float)Num(v, key) : fallback;

    /// <summary>A nullable float.</summary>
    public static float? GetFloatOrNull(this JsonObject c, string key) => c[key] is JsonValue v ? (float)Num(v, key) : null;

    /// <summary>An int, or <paramref name="fallback"/>.</summary>
    public static int GetInt(this JsonObject c, string key, int fallback) => c[key] is JsonValue v ? (int)Num(v, key) : fallback;

    /// <summary>A nullable int.</summary>
    public static int? GetIntOrNull(this JsonObject c, string key) => c[key] is JsonValue v ? (int)Num(v, key) : null;

    /// <summary>A JSON number as an int, whether parsed from text or built in memory.</summary>
    public static int AsInt(this JsonNode node) => (int)Num((JsonValue)node, "value");

    private static double Num(JsonValue v, string key)
    {
        if (v.TryGetValue(out double d)) return d;
        if (v.TryGetValue(out int i)) return i;
        if (v.TryGetValue(out long l)) return l;
        if (v.TryGetValue(out float f)) return f;
        throw new ArgumentException($"Config key '{key}' should be a number; got {v.ToJsonString()}.");
    }

    /// <summary>A bool, or <paramref name="fallback"/>.</summary>
    public static bool GetBool(this JsonObject c, string key, bool fallback) => c[key] is JsonValue v ? v.GetValue<bool>() : fallback;

    /// <summary>A string, or <paramref name="fallback"/>.</summary>
    public static string? GetString(this JsonObject c, string key, string? fallback) => c[key] is JsonValue v ? v.GetValue<string>() : fallback;

    /// <summary>An int list (a single number becomes a one-element list), or null.</summary>
    public static int[]? GetInts(this JsonObject c, string key) => c[key] switch
    {
        JsonArray a => a.Select(x => (int)Num((JsonValue)x!, key)).ToArray(),
        JsonValue v => [(int)Num(v, key)],
        _ => null,
    };

    /// <summary>A nested object or string config, or null.</summary>
    public static JsonNode? GetNode(this JsonObject c, string key) => c[key];

    /// <summary>Writes an int list the way Keras does (a JSON array).</summary>
    public static JsonArray ToJsonArray(this IEnumerable<int> values) => new(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());

    /// <summary>Compact JSON as Keras's config.json holds it.</summary>
    public static string ToKerasJson(this JsonNode node) => node.ToJsonString(new JsonSerializerOptions { WriteIndented = false });
}
