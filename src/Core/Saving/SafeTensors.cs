using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace KerasNet.Saving;

/// <summary>One named tensor of a safetensors file: dtype, shape and the raw little-endian bytes in
/// row-major order.</summary>
public sealed class SafeTensor
{
    private readonly byte[] _data;

    /// <summary>A tensor from raw little-endian bytes; their count must be the shape's size times the dtype's.</summary>
    public SafeTensor(string name, DType dtype, Shape shape, byte[] data)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(data);
        long expected = shape.Size * dtype.SizeOf();
        if (data.LongLength != expected)
            throw new ArgumentException($"Tensor '{name}' of shape {shape} ({dtype.KerasName()}) needs {expected} bytes; got {data.LongLength}.", nameof(data));
        Name = name;
        DType = dtype;
        Shape = shape;
        _data = data;
    }

    /// <summary>The tensor's name in the file (for KerasNet models, the variable's path, e.g. "dense/kernel").</summary>
    public string Name { get; }

    /// <summary>The element type.</summary>
    public DType DType { get; }

    /// <summary>The shape (row-major, outermost axis first).</summary>
    public Shape Shape { get; }

    /// <summary>The raw bytes, little-endian, row-major.</summary>
    public ReadOnlyMemory<byte> Data => _data;

    /// <summary>A copy of <paramref name="tensor"/>'s current value under <paramref name="name"/>.</summary>
    public static SafeTensor FromTensor(string name, Tensor tensor)
    {
        var bytes = new byte[tensor.Size * tensor.DType.SizeOf()];
        tensor.Backend.Download(tensor.Buffer, 0, bytes);
        if (!BitConverter.IsLittleEndian) SafeTensors.SwapElements(bytes, tensor.DType.SizeOf());
        return new SafeTensor(name, tensor.DType, tensor.Shape, bytes);
    }

    /// <summary>A new tensor holding these values.</summary>
    public Tensor ToTensor() => DType switch
    {
        DType.Float32 => Tensor.FromArray<float>(HostValues<float>(), Shape),
        DType.Int32 => Tensor.FromArray<int>(HostValues<int>(), Shape),
        DType.Int64 => Tensor.FromArray<long>(HostValues<long>(), Shape),
        DType.Bool => Tensor.FromArray<byte>(_data, Shape),
        _ => throw new NotSupportedException($"dtype {DType} is not supported."),
    };

    /// <summary>Writes these values into <paramref name="variable"/>, whose shape and dtype must match.</summary>
    public void AssignTo(Variable variable)
    {
        ArgumentNullException.ThrowIfNull(variable);
        if (variable.Shape != Shape || variable.DType != DType)
            throw new ArgumentException($"Tensor '{Name}' is {DType.KerasName()} {Shape}; variable '{variable.Path}' is {variable.DType.KerasName()} {variable.Shape}.", nameof(variable));
        switch (DType)
        {
            case DType.Float32: variable.Assign<float>(HostValues<float>()); break;
            case DType.Int32: variable.Assign<int>(HostValues<int>()); break;
            case DType.Int64: variable.Assign<long>(HostValues<long>()); break;
            case DType.Bool: variable.Assign<byte>(_data); break;
        }
    }

    /// <summary>The values as host elements of type <typeparamref name="T"/> (which must match the dtype's size).</summary>
    private T[] HostValues<T>() where T : unmanaged
    {
        var values = new T[Shape.Size];
        var bytes = MemoryMarshal.AsBytes(values.AsSpan());
        _data.CopyTo(bytes);
        if (!BitConverter.IsLittleEndian) SafeTensors.SwapElements(bytes, DType.SizeOf());
        return values;
    }
}

/// <summary>The contents of a safetensors file: its tensors in file order and the optional string metadata.</summary>
public sealed class SafeTensorsFile
{
    private readonly Dictionary<string, SafeTensor> _byName;

    internal SafeTensorsFile(IReadOnlyList<SafeTensor> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        Tensors = tensors;
        Metadata = metadata;
        _byName = tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
    }

    /// <summary>The tensors, in the order of their data in the file.</summary>
    public IReadOnlyList<SafeTensor> Tensors { get; }

    /// <summary>The "__metadata__" entries (empty when the file has none).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The tensor names.</summary>
    public IEnumerable<string> Names => Tensors.Select(t => t.Name);

    /// <summary>The tensor named <paramref name="name"/>, if present.</summary>
    public bool TryGet(string name, out SafeTensor tensor) => _byName.TryGetValue(name, out tensor!);

    /// <summary>The tensor named <paramref name="name"/>.</summary>
    public SafeTensor this[string name] => _byName.TryGetValue(name, out var t) ? t
        : throw new KeyNotFoundException($"The safetensors file has no tensor '{name}'. It has: {string.Join(", ", _byName.Keys)}.");
}

/// <summary>Reads and writes Hugging Face's safetensors format: an 8-byte little-endian header length N, N
/// bytes of UTF-8 JSON mapping each tensor name to {"dtype", "shape", "data_offsets": [begin, end]} (offsets
/// into the data that follows the header) plus an optional "__metadata__" object of strings, then the
/// tensors' raw little-endian bytes, contiguous, in row-major order. KerasNet's dtypes map to "F32", "I32",
/// "I64" and "BOOL".</summary>
public static class SafeTensors
{
    /// <summary>The largest header the reader accepts (as the reference implementation, 100 MB).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    private const string MetadataKey = "__metadata__";

    /// <summary>The safetensors dtype code of a KerasNet dtype.</summary>
    public static string DTypeCode(DType dtype) => dtype switch
    {
        DType.Float32 => "F32",
        DType.Int32 => "I32",
        DType.Int64 => "I64",
        DType.Bool => "BOOL",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    };

    private static DType? FromCode(string code) => code switch
    {
        "F32" => DType.Float32,
        "I32" => DType.Int32,
        "I64" => DType.Int64,
        "BOOL" => DType.Bool,
        _ => null,
    };

    /// <summary>Writes <paramref name="tensors"/> (names must be unique) and optional string
    /// <paramref name="metadata"/> to <paramref name="stream"/>. The header is padded with spaces so the data
    /// starts 8-byte aligned, as the reference writer does.</summary>
    public static void Write(Stream stream, IEnumerable<SafeTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(tensors);
        var list = tensors.ToList();
        var header = new JsonObject();
        if (metadata is { Count: > 0 })
        {
            var m = new JsonObject();
            foreach (var (k, v) in metadata) m[k] = v;
            header[MetadataKey] = m;
        }
        long offset = 0;
        foreach (var t in list)
        {
            if (t.Name == MetadataKey) throw new ArgumentException($"'{MetadataKey}' is reserved and cannot name a tensor.", nameof(tensors));
            if (header.ContainsKey(t.Name)) throw new ArgumentException($"Two tensors are named '{t.Name}'; safetensors names must be unique.", nameof(tensors));
            long end = offset + t.Data.Length;
            header[t.Name] = new JsonObject
            {
                ["dtype"] = DTypeCode(t.DType),
                ["shape"] = new JsonArray(t.Shape.ToArray().Select(d => (JsonNode?)JsonValue.Create((long)d)).ToArray()),
                ["data_offsets"] = new JsonArray(offset, end),
            };
            offset = end;
        }
        var json = Encoding.UTF8.GetBytes(header.ToJsonString());
        int padded = (json.Length + 7) / 8 * 8;
        Span<byte> prefix = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)padded);
        stream.Write(prefix);
        stream.Write(json);
        for (int i = json.Length; i < padded; i++) stream.WriteByte((byte)' ');
        foreach (var t in list) stream.Write(t.Data.Span);
    }

    /// <summary>The file's bytes for <paramref name="tensors"/> (see <see cref="Write"/>).</summary>
    public static byte[] Serialize(IEnumerable<SafeTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        using var ms = new MemoryStream();
        Write(ms, tensors, metadata);
        return ms.ToArray();
    }

    /// <summary>Reads a safetensors file from disk.</summary>
    public static SafeTensorsFile Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Read(File.ReadAllBytes(path), path);
    }

    /// <summary>Parses safetensors <paramref name="bytes"/>; <paramref name="source"/> names them in errors.
    /// Every rule of the format is checked: a truncated file, a header that is not a JSON object, an unknown
    /// dtype, offsets that disagree with the shape, overlap or holes in the data, and trailing bytes are all
    /// reported as <see cref="InvalidDataException"/>.</summary>
    public static SafeTensorsFile Read(ReadOnlySpan<byte> bytes, string source = "the safetensors data")
    {
        string Bad(string what) => $"'{source}' is not a valid safetensors file: {what}";
        if (bytes.Length < 8)
            throw new InvalidDataException(Bad($"it is truncated ({bytes.Length} bytes; even the 8-byte header length is missing)."));
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (headerLength > MaxHeaderBytes)
            throw new InvalidDataException(Bad($"the header length reads {headerLength} bytes, more than the {MaxHeaderBytes} allowed (a corrupt or non-safetensors file)."));
        if ((ulong)(bytes.Length - 8) < headerLength)
            throw new InvalidDataException(Bad($"it is truncated: the header should be {headerLength} bytes but only {bytes.Length - 8} follow the length."));
        var headerBytes = bytes.Slice(8, (int)headerLength);
        if (headerBytes.Length == 0 || headerBytes[0] != (byte)'{')
            throw new InvalidDataException(Bad("the header does not start with '{'."));
        JsonObject header;
        try
        {
            header = JsonNode.Parse(headerBytes.TrimEnd((byte)' '), documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false }) as JsonObject
                ?? throw new InvalidDataException(Bad("the header is not a JSON object."));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException(Bad($"the header is not valid JSON ({e.Message})."), e);
        }
        var data = bytes[(8 + (int)headerLength)..];
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var entries = new List<(string Name, DType DType, Shape Shape, long Begin, long End)>();
        foreach (var (name, node) in header)
        {
            if (name == MetadataKey)
            {
                if (node is not JsonObject m) throw new InvalidDataException(Bad($"\"{MetadataKey}\" must be an object of strings."));
                foreach (var (k, v) in m)
                    metadata[k] = v is JsonValue sv && sv.TryGetValue(out string? s) ? s
                        : throw new InvalidDataException(Bad($"metadata entry '{k}' is not a string."));
                continue;
            }
            if (node is not JsonObject info) throw new InvalidDataException(Bad($"the entry for tensor '{name}' is not an object."));
            string code = info["dtype"] is JsonValue dv && dv.TryGetValue(out string? c) ? c
                : throw new InvalidDataException(Bad($"tensor '{name}' has no \"dtype\"."));
            var dtype = FromCode(code) ?? throw new InvalidDataException(Bad(
                $"tensor '{name}' has dtype {code}, which KerasNet does not hold (it reads F32, I32, I64 and BOOL)."));
            if (info["shape"] is not JsonArray shapeNode || shapeNode.Count > Shape.MaxRank)
                throw new InvalidDataException(Bad($"tensor '{name}' needs a \"shape\" list of at most {Shape.MaxRank} sizes."));
            var dims = new int[shapeNode.Count];
            for (int i = 0; i < dims.Length; i++)
                dims[i] = shapeNode[i] is JsonValue sv && sv.TryGetValue(out long d) && d >= 0 && d <= int.MaxValue ? (int)d
                    : throw new InvalidDataException(Bad($"tensor '{name}' has an invalid shape {shapeNode.ToJsonString()}."));
            if (info["data_offsets"] is not JsonArray { Count: 2 } offsets
                || offsets[0] is not JsonValue b || !b.TryGetValue(out long begin)
                || offsets[1] is not JsonValue e || !e.TryGetValue(out long end) || begin < 0 || end < begin)
                throw new InvalidDataException(Bad($"tensor '{name}' needs \"data_offsets\": [begin, end] with 0 <= begin <= end."));
            var shape = new Shape(dims);
            long expected;
            try { expected = checked(shape.Size * dtype.SizeOf()); }
            catch (OverflowException) { throw new InvalidDataException(Bad($"tensor '{name}' has an impossible shape {shape}.")); }
            if (end - begin != expected)
                throw new InvalidDataException(Bad($"tensor '{name}' ({code} {shape}) should span {expected} bytes, but its data_offsets [{begin}, {end}] span {end - begin}."));
            entries.Add((name, dtype, shape, begin, end));
        }
        entries.Sort((x, y) => x.Begin != y.Begin ? x.Begin.CompareTo(y.Begin) : x.End.CompareTo(y.End));
        long cursor = 0;
        foreach (var en in entries)
        {
            if (en.Begin != cursor)
                throw new InvalidDataException(Bad(en.Begin > cursor
                    ? $"the data has a hole of {en.Begin - cursor} bytes before tensor '{en.Name}'."
                    : $"tensor '{en.Name}' overlaps the tensor before it."));
            cursor = en.End;
        }
        if (cursor > data.Length)
            throw new InvalidDataException(Bad($"it is truncated: the tensors need {cursor} bytes of data but only {data.Length} follow the header."));
        if (cursor < data.Length)
            throw new InvalidDataException(Bad($"{data.Length - cursor} bytes follow the last tensor's data."));
        var tensors = new List<SafeTensor>(entries.Count);
        foreach (var en in entries) tensors.Add(new SafeTensor(en.Name, en.DType, en.Shape, data[(int)en.Begin..(int)en.End].ToArray()));
        return new SafeTensorsFile(tensors, metadata);
    }

    internal static void SwapElements(Span<byte> bytes, int size)
    {
        if (size == 1) return;
        for (int i = 0; i + size <= bytes.Length; i += size) bytes.Slice(i, size).Reverse();
    }
}
