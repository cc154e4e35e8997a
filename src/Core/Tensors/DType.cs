namespace KerasNet;

/// <summary>Element type of a tensor. Float32 is the training type; the integer types carry
/// labels and indices, Bool carries masks and comparison results.</summary>
public enum DType
{
    /// <summary>32-bit IEEE float (Keras "float32").</summary>
    Float32,
    /// <summary>32-bit signed integer (Keras "int32").</summary>
    Int32,
    /// <summary>64-bit signed integer (Keras "int64").</summary>
    Int64,
    /// <summary>Boolean, stored one byte per element (Keras "bool").</summary>
    Bool,
}

/// <summary>Helpers over <see cref="DType"/>.</summary>
public static class DTypes
{
    /// <summary>Bytes per element.</summary>
    public static int SizeOf(this DType dtype) => dtype switch
    {
        DType.Float32 => 4,
        DType.Int32 => 4,
        DType.Int64 => 8,
        DType.Bool => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    };

    /// <summary>The Keras name of the dtype ("float32", "int32", "int64", "bool").</summary>
    public static string KerasName(this DType dtype) => dtype switch
    {
        DType.Float32 => "float32",
        DType.Int32 => "int32",
        DType.Int64 => "int64",
        DType.Bool => "bool",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    };

    /// <summary>Parses a Keras dtype name.</summary>
    public static DType Parse(string name) => name switch
    {
        "float32" => DType.Float32,
        "int32" => DType.Int32,
        "int64" => DType.Int64,
        "bool" => DType.Bool,
        _ => throw new ArgumentException($"Unknown dtype '{name}'. Known dtypes: float32, int32, int64, bool.", nameof(name)),
    };

    internal static bool IsInteger(this DType dtype) => dtype is DType.Int32 or DType.Int64;
}
