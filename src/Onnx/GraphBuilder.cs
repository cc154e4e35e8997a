using System.Runtime.InteropServices;
using Google.Protobuf;
using KerasNet.Onnx.Protobuf;

namespace KerasNet.Onnx;

/// <summary>Accumulates an ONNX graph: nodes in the order they are added (which is topological, since a node
/// is only added once its inputs exist), initializers, and unique value names. Knows which values are
/// transposes of which, so that a Transpose back to a layout already at hand returns that value instead of
/// adding a node (the NHWC-to-NCHW pairs around consecutive convolutions cancel), and so that elementwise
/// operators can be applied before a transpose rather than after it.</summary>
internal sealed class GraphBuilder
{
    private readonly List<NodeProto> _nodes = [];
    private readonly List<TensorProto> _initializers;
    private readonly HashSet<string> _names;
    private readonly Dictionary<string, (string Source, int[] Perm)> _transposeOf = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _transposeCache = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _constantCache;
    private readonly Dictionary<int, List<TensorProto>> _tensorsByHash;

    public GraphBuilder(int opset)
    {
        Opset = opset;
        _initializers = [];
        _names = new HashSet<string>(StringComparer.Ordinal);
        _constantCache = new Dictionary<string, string>(StringComparer.Ordinal);
        _tensorsByHash = [];
    }

    private GraphBuilder(GraphBuilder parent)
    {
        Opset = parent.Opset;
        Scope = parent.Scope;
        // One namespace with the outer graph (ONNX forbids a subgraph to redefine an outer name); constants and
        // weights go to the outer graph's initializers, which the subgraph reads from its enclosing scope.
        _initializers = parent._initializers;
        _names = parent._names;
        _constantCache = parent._constantCache;
        _tensorsByHash = parent._tensorsByHash;
    }

    /// <summary>A builder for the body of a control-flow node (Scan): its own nodes, the outer graph's names and
    /// initializers.</summary>
    public GraphBuilder Subgraph() => new(this);

    /// <summary>The graph of a subgraph builder, with its inputs and outputs.</summary>
    public GraphProto ToGraph(string name, IEnumerable<ValueInfoProto> inputs, IEnumerable<ValueInfoProto> outputs)
    {
        var graph = new GraphProto { Name = name };
        graph.Node.AddRange(_nodes);
        graph.Input.AddRange(inputs);
        graph.Output.AddRange(outputs);
        return graph;
    }

    /// <summary>A value's name, element type and shape (null dimensions unknown, dimension 0 of rank > 0 named
    /// "batch" when unknown).</summary>
    public static ValueInfoProto ValueInfo(string name, int elemType, IReadOnlyList<long?> dims, string dimPrefix)
    {
        var shape = new TensorShapeProto();
        for (int d = 0; d < dims.Count; d++)
        {
            var dim = new TensorShapeProto.Types.Dimension();
            if (dims[d] is long v) dim.DimValue = v;
            else dim.DimParam = d == 0 ? "batch" : $"{dimPrefix}{d}";
            shape.Dim.Add(dim);
        }
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = elemType, Shape = shape } },
        };
    }

    /// <summary>The ai.onnx operator-set version nodes are written for.</summary>
    public int Opset { get; }

    /// <summary>The prefix of the names given to new nodes and values: the layer being converted.</summary>
    public string Scope { get; set; } = "";

    public IReadOnlyList<NodeProto> Nodes => _nodes;

    public IReadOnlyList<TensorProto> Initializers => _initializers;

    /// <summary>Claims <paramref name="name"/> exactly (graph inputs and outputs); fails if it is taken.</summary>
    public string Reserve(string name)
    {
        if (!_names.Add(name)) throw new InvalidOperationException($"The ONNX value name '{name}' is used twice.");
        return name;
    }

    /// <summary>Claims <paramref name="name"/> if it is free.</summary>
    public bool TryReserve(string name) => _names.Add(name);

    /// <summary>An unused name built from <paramref name="hint"/>: the hint itself, else hint_1, hint_2, ...</summary>
    public string Unique(string hint)
    {
        if (_names.Add(hint)) return hint;
        for (int i = 1; ; i++)
        {
            string candidate = $"{hint}_{i}";
            if (_names.Add(candidate)) return candidate;
        }
    }

    private string Scoped(string what) => Scope.Length == 0 ? what : $"{Scope}/{what}";

    // ----- nodes -----

    /// <summary>Adds a node with <paramref name="outputCount"/> outputs and returns their names.</summary>
    public string[] AddNode(string op, IReadOnlyList<string> inputs, int outputCount, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op };
        node.Input.AddRange(inputs);
        var outputs = new string[outputCount];
        for (int i = 0; i < outputCount; i++) outputs[i] = Unique(Scoped(outputCount == 1 ? op : $"{op}_{i}"));
        node.Output.AddRange(outputs);
        node.Name = outputs.Length > 0 ? outputs[0] : Unique(Scoped(op));
        node.Attribute.AddRange(attributes);
        _nodes.Add(node);
        return outputs;
    }

    /// <summary>Adds a one-output node whose output has the name <paramref name="output"/> (already reserved).</summary>
    public void AddNodeWithOutput(string op, IReadOnlyList<string> inputs, string output, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = Unique(Scoped(op)) };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        _nodes.Add(node);
    }

    /// <summary>Adds a one-output node and returns its output's name.</summary>
    public string Op(string op, IReadOnlyList<string> inputs, params AttributeProto[] attributes) => AddNode(op, inputs, 1, attributes)[0];

    /// <summary>Adds a one-input, one-output node.</summary>
    public string Op(string op, string input, params AttributeProto[] attributes) => AddNode(op, [input], 1, attributes)[0];

    // ----- constants -----

    /// <summary>A float initializer of <paramref name="dims"/> holding <paramref name="data"/> (row-major). Equal
    /// tensors are stored once: a layer applied at several places of the graph (a shared embedding) keeps one
    /// copy of its weights.</summary>
    public string Constant(ReadOnlySpan<float> data, ReadOnlySpan<long> dims, string hint)
    {
        long size = 1;
        foreach (long d in dims) size *= d;
        if (size != data.Length) throw new ArgumentException($"A constant of shape [{string.Join(", ", dims.ToArray())}] needs {size} values; got {data.Length}.");
        var raw = LittleEndianBytes(data);
        var hash = new HashCode();
        foreach (long d in dims) hash.Add(d);
        hash.AddBytes(raw.Span);
        int key = hash.ToHashCode();
        if (!_tensorsByHash.TryGetValue(key, out var same)) _tensorsByHash[key] = same = [];
        foreach (var existing in same)
            if (existing.Dims.SequenceEqual(dims.ToArray()) && existing.RawData.Span.SequenceEqual(raw.Span)) return existing.Name;
        var t = new TensorProto { Name = Unique(Scoped(hint)), DataType = (int)TensorProto.Types.DataType.Float, RawData = raw };
        t.Dims.AddRange(dims.ToArray());
        _initializers.Add(t);
        same.Add(t);
        return t.Name;
    }

    /// <summary>A float initializer with <paramref name="dims"/> from int dimensions.</summary>
    public string Constant(ReadOnlySpan<float> data, int[] dims, string hint) => Constant(data, dims.Select(d => (long)d).ToArray(), hint);

    /// <summary>A float scalar (rank 0), shared between uses of the same value.</summary>
    public string Scalar(float value)
    {
        string key = "f:" + BitConverter.SingleToInt32Bits(value).ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (_constantCache.TryGetValue(key, out var name)) return name;
        var t = new TensorProto { Name = Unique("const/" + FormatFloat(value)), DataType = (int)TensorProto.Types.DataType.Float };
        t.RawData = LittleEndianBytes([value]);
        _initializers.Add(t);
        return _constantCache[key] = t.Name;
    }

    /// <summary>A scalar of <paramref name="dtype"/> (comparisons with integer inputs), shared between uses.</summary>
    public string ScalarOf(DType dtype, long value)
    {
        if (dtype == DType.Float32) return Scalar(value);
        string key = $"{dtype}:{value}";
        if (_constantCache.TryGetValue(key, out var name)) return name;
        var t = new TensorProto { Name = Unique($"const/{dtype.ToString().ToLowerInvariant()}_{value}"), DataType = OnnxExport.ElementType(dtype) };
        t.RawData = dtype switch
        {
            DType.Int32 => LittleEndianBytes<int>([checked((int)value)]),
            DType.Int64 => LittleEndianBytes<long>([value]),
            _ => ByteString.CopyFrom((byte)(value != 0 ? 1 : 0)),
        };
        _initializers.Add(t);
        return _constantCache[key] = t.Name;
    }

    /// <summary>A 1-D int64 constant (shapes, axes, pads, split sizes), shared between uses of the same values.</summary>
    public string Int64s(params long[] values)
    {
        string key = "i:" + string.Join(",", values);
        if (_constantCache.TryGetValue(key, out var name)) return name;
        var t = new TensorProto { Name = Unique("const/i64_" + string.Join("_", values.Select(v => v < 0 ? $"m{-v}" : v.ToString(System.Globalization.CultureInfo.InvariantCulture)))), DataType = (int)TensorProto.Types.DataType.Int64 };
        t.Dims.Add(values.Length);
        t.RawData = LittleEndianBytes<long>(values);
        _initializers.Add(t);
        return _constantCache[key] = t.Name;
    }

    /// <summary>A 1-D int64 constant from ints.</summary>
    public string Int64s(IEnumerable<int> values) => Int64s(values.Select(v => (long)v).ToArray());

    private static string FormatFloat(float v) => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture);

    private static ByteString LittleEndianBytes<T>(ReadOnlySpan<T> data) where T : unmanaged
    {
        var bytes = MemoryMarshal.AsBytes(data).ToArray();
        if (!BitConverter.IsLittleEndian)
        {
            int size = Marshal.SizeOf<T>();
            for (int i = 0; i < bytes.Length; i += size) Array.Reverse(bytes, i, size);
        }
        return ByteString.CopyFrom(bytes);
    }

    // ----- transposes -----

    /// <summary>Transpose(x, perm), without a node when <paramref name="perm"/> is the identity or undoes the
    /// transpose that made <paramref name="x"/>, and once per (value, perm).</summary>
    public string Transpose(string x, int[] perm)
    {
        if (IsIdentity(perm)) return x;
        if (_transposeOf.TryGetValue(x, out var t))
        {
            // x = Transpose(src, p0), so Transpose(x, perm) = Transpose(src, p0[perm[i]]).
            var composed = new int[perm.Length];
            for (int i = 0; i < perm.Length; i++) composed[i] = t.Perm[perm[i]];
            if (IsIdentity(composed)) return t.Source;
        }
        string key = x + "|" + string.Join(",", perm);
        if (_transposeCache.TryGetValue(key, out var cached)) return cached;
        string y = Op("Transpose", x, Attr.Ints("perm", perm));
        _transposeOf[y] = (x, (int[])perm.Clone());
        // The way back is known too.
        _transposeCache[y + "|" + string.Join(",", Inverse(perm))] = x;
        return _transposeCache[key] = y;
    }

    /// <summary>Whether <paramref name="x"/> is the output of a Transpose; gives its input and permutation.</summary>
    public bool TryGetTransposeSource(string x, out string source, out int[] perm)
    {
        if (_transposeOf.TryGetValue(x, out var t))
        {
            source = t.Source;
            perm = t.Perm;
            return true;
        }
        source = "";
        perm = [];
        return false;
    }

    public static int[] Inverse(int[] perm)
    {
        var inv = new int[perm.Length];
        for (int i = 0; i < perm.Length; i++) inv[perm[i]] = i;
        return inv;
    }

    private static bool IsIdentity(int[] perm)
    {
        for (int i = 0; i < perm.Length; i++) if (perm[i] != i) return false;
        return true;
    }

    /// <summary>Channels-last to channels-first: (N, d1, ..., dk, C) to (N, C, d1, ..., dk).</summary>
    public static int[] ToChannelsFirst(int rank)
    {
        var p = new int[rank];
        p[0] = 0;
        p[1] = rank - 1;
        for (int i = 2; i < rank; i++) p[i] = i - 1;
        return p;
    }

    /// <summary>Channels-first to channels-last: (N, C, d1, ..., dk) to (N, d1, ..., dk, C).</summary>
    public static int[] ToChannelsLast(int rank) => Inverse(ToChannelsFirst(rank));

    // ----- opset-dependent forms -----

    /// <summary>A Reduce* node over <paramref name="axes"/>: axes as an attribute before the operator's
    /// opset-18 (ReduceSum: opset-13) form, as an input from then on.</summary>
    public string Reduce(string op, string x, int[] axes, bool keepDims)
    {
        bool axesAsInput = op == "ReduceSum" ? Opset >= 13 : Opset >= 18;
        return axesAsInput
            ? Op(op, [x, Int64s(axes)], Attr.Int("keepdims", keepDims ? 1 : 0))
            : Op(op, x, Attr.Ints("axes", axes), Attr.Int("keepdims", keepDims ? 1 : 0));
    }

    // ----- finishing -----

    /// <summary>Renames value <paramref name="from"/> to <paramref name="to"/> everywhere (the node that makes it
    /// and every consumer).</summary>
    public void Rename(string from, string to) => Rename(_nodes, from, to);

    private static void Rename(IEnumerable<NodeProto> nodes, string from, string to)
    {
        foreach (var n in nodes)
        {
            for (int i = 0; i < n.Input.Count; i++) if (n.Input[i] == from) n.Input[i] = to;
            for (int i = 0; i < n.Output.Count; i++) if (n.Output[i] == from) n.Output[i] = to;
            foreach (var a in n.Attribute)
                if (a.G is { } body)
                {
                    Rename(body.Node, from, to);
                    foreach (var o in body.Output) if (o.Name == from) o.Name = to;
                }
        }
    }

    /// <summary>Every value a node reads, those its subgraphs read from the enclosing scope included.</summary>
    private static IEnumerable<string> Reads(NodeProto node)
    {
        foreach (var input in node.Input) if (input.Length > 0) yield return input;
        foreach (var a in node.Attribute)
            if (a.G is { } body)
                foreach (var n in body.Node)
                    foreach (var r in Reads(n)) yield return r;
    }

    /// <summary>Whether a node of the graph produces <paramref name="value"/>.</summary>
    public bool IsNodeOutput(string value) => _nodes.Any(n => n.Output.Contains(value));

    /// <summary>Drops the nodes none of whose outputs reach <paramref name="outputs"/> (transposes made redundant
    /// by later cancellations, unused states) and the initializers nothing reads.</summary>
    public void Prune(IEnumerable<string> outputs)
    {
        var live = new HashSet<string>(outputs, StringComparer.Ordinal);
        var keep = new bool[_nodes.Count];
        for (int i = _nodes.Count - 1; i >= 0; i--)
        {
            var n = _nodes[i];
            if (!n.Output.Any(live.Contains)) continue;
            keep[i] = true;
            foreach (var input in Reads(n)) live.Add(input);
        }
        var kept = _nodes.Where((_, i) => keep[i]).ToList();
        _nodes.Clear();
        _nodes.AddRange(kept);
        _initializers.RemoveAll(t => !live.Contains(t.Name));
    }
}

/// <summary>Node attributes.</summary>
internal static class Attr
{
    public static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Float(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    public static AttributeProto Str(string name, string value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    public static AttributeProto Graph(string name, GraphProto value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Graph, G = value };

    public static AttributeProto Ints(string name, IEnumerable<int> values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values.Select(v => (long)v));
        return a;
    }

    public static AttributeProto Floats(string name, IEnumerable<float> values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Floats };
        a.Floats.AddRange(values);
        return a;
    }

    public static AttributeProto Strs(string name, IEnumerable<string> values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Strings };
        a.Strings.AddRange(values.Select(ByteString.CopyFromUtf8));
        return a;
    }
}
