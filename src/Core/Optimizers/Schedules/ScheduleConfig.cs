using System.Text.Json.Nodes;

namespace KerasNet.Optimizers.Schedules;

/// <summary>Number handling shared by the schedules' configs.</summary>
internal static class ScheduleConfig
{
    /// <summary>An integral value as a JSON integer (as Keras writes a Python int), anything else as a double.</summary>
    public static JsonNode Number(double value) =>
        value == Math.Floor(value) && Math.Abs(value) < 9e15 ? JsonValue.Create((long)value) : JsonValue.Create(value);

    /// <summary>A required number.</summary>
    public static double Required(JsonObject c, string key, string className) => c[key] switch
    {
        JsonValue v => ReadDouble(v, key),
        _ => throw new ArgumentException($"{className} config needs '{key}'.", nameof(c)),
    };

    /// <summary>An optional number.</summary>
    public static double Optional(JsonObject c, string key, double fallback) => c[key] is JsonValue v ? ReadDouble(v, key) : fallback;

    /// <summary>An optional nullable number.</summary>
    public static double? OptionalOrNull(JsonObject c, string key) => c[key] is JsonValue v ? ReadDouble(v, key) : null;

    /// <summary>A list of numbers.</summary>
    public static double[] List(JsonObject c, string key, string className) => c[key] switch
    {
        JsonArray a => a.Select(x => x is JsonValue v ? ReadDouble(v, key) : throw new ArgumentException($"{className}: '{key}' must hold numbers.")).ToArray(),
        _ => throw new ArgumentException($"{className} config needs the list '{key}'.", nameof(c)),
    };

    private static double ReadDouble(JsonValue v, string key)
    {
        if (v.TryGetValue(out double d)) return d;
        if (v.TryGetValue(out long l)) return l;
        if (v.TryGetValue(out int i)) return i;
        if (v.TryGetValue(out float f)) return f;
        throw new ArgumentException($"Config key '{key}' should be a number; got {v.ToJsonString()}.");
    }

    /// <summary>Throws unless <paramref name="decaySteps"/> is positive.</summary>
    public static void CheckDecaySteps(double decaySteps, string name = "decaySteps")
    {
        if (!(decaySteps > 0))
            throw new ArgumentOutOfRangeException(name, decaySteps, $"{name} must be > 0.");
    }
}
