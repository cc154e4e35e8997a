using KerasNet.Layers;
using KerasNet.Models;

namespace KerasNet.Onnx.Converters;

/// <summary>Attention and MultiHeadAttention from primitives, as the layers compute them. MultiHeadAttention: per-head projections (MatMul with the
/// (features, heads·dim) kernel, Reshape to heads, Transpose), scaled dot products, the combined mask (query,
/// value and key masks, causal mask, attention_mask) filling -1e9, Softmax over the keys, the weighted values
/// and the output projection.</summary>
internal static partial class LayerConverters
{
    private static void RegisterAttention(Dictionary<Type, LayerConverter> r)
    {
        r[typeof(MultiHeadAttention)] = ConvertMultiHeadAttention;
        r[typeof(Attention)] = ConvertAttention;
    }

    /// <summary>The causal mask (1, T, S), j ≤ i, for the sequence lengths (axis 1) of <paramref name="queries"/> and
    /// <paramref name="keys"/>, known only at run time.</summary>
    private static string CausalMask(GraphBuilder g, string queries, string keys)
    {
        string Length(string x) => g.Op("Squeeze", [g.Op("Shape", x, Attr.Int("start", 1), Attr.Int("end", 2)), g.Int64s(0)]);
        var zero = g.ScalarOf(DType.Int64, 0);
        var one = g.ScalarOf(DType.Int64, 1);
        var rows = g.Op("Unsqueeze", [g.Op("Range", [zero, Length(queries), one]), g.Int64s(1)]);
        var cols = g.Op("Unsqueeze", [g.Op("Range", [zero, Length(keys), one]), g.Int64s(0)]);
        return g.Op("Unsqueeze", [g.Op("GreaterOrEqual", [rows, cols]), g.Int64s(0)]);
    }

    /// <summary>keras.layers.Attention: dot (optionally scaled) or concat (tanh) scores, the value mask and causal
    /// mask subtracting 1e9, Softmax, the weighted values, zeroed at masked queries.</summary>
    private static OnnxValue[] ConvertAttention(ConversionContext c)
    {
        var l = (Attention)c.Layer;
        var g = c.Graph;
        var q = c.Inputs[0];
        var v = c.Inputs[1];
        var k = c.Inputs.Length > 2 ? c.Inputs[2] : v;
        var scale = l.Weights.FirstOrDefault(w => w.Name == "scale");
        string? Scalar(Variable? w) => w is null ? null : g.Constant(ConversionContext.Data(w), Array.Empty<int>(), w.Name);
        string scores;
        if (l.ScoreMode == "dot")
        {
            scores = g.Op("MatMul", [q.Name, g.Transpose(k.Name, [0, 2, 1])]);
            if (Scalar(scale) is { } sc) scores = g.Op("Mul", [scores, sc]);
        }
        else
        {
            var sum = g.Op("Add", [g.Op("Unsqueeze", [q.Name, g.Int64s(2)]), g.Op("Unsqueeze", [k.Name, g.Int64s(1)])]);
            if (Scalar(scale) is { } sc) sum = g.Op("Mul", [sc, sum]);
            var weight = Scalar(l.Weights.First(w => w.Name == "concat_score_weight"))!;
            scores = g.Op("Mul", [weight, g.Reduce("ReduceSum", g.Op("Tanh", sum), [3], keepDims: false)]);
        }
        string? mask = v.Mask is { } vm ? g.Op("Unsqueeze", [vm, g.Int64s(1)]) : null;
        if (l.UseCausalMask)
        {
            var causal = CausalMask(g, q.Name, k.Name);
            mask = mask is null ? causal : g.Op("And", [mask, causal]);
        }
        if (mask is not null)
            scores = g.Op("Sub", [scores, g.Op("Mul", [g.Op("Cast", g.Op("Not", mask), Attr.Int("to", 1)), g.Scalar(1e9f)])]);
        var weights = g.Op("Softmax", scores, Attr.Int("axis", -1));
        var result = g.Op("MatMul", [weights, v.Name]);
        if (q.Mask is { } qm) result = g.Op("Mul", [result, g.Op("Unsqueeze", [g.Op("Cast", qm, Attr.Int("to", 1)), g.Int64s(2)])]);
        c.SetsMasks = true;
        var outputs = new List<OnnxValue> { c.Output(result, mask: q.Mask) };
        if (l.ReturnAttentionScores) outputs.Add(c.Output(weights, 1));
        return [.. outputs];
    }

    private static Variable? WeightAt(Layer layer, string path) =>
        layer.Weights.FirstOrDefault(w => w.Path.EndsWith("/" + path, StringComparison.Ordinal));

    private static OnnxValue[] ConvertMultiHeadAttention(ConversionContext c)
    {
        var l = (MultiHeadAttention)c.Layer;
        var g = c.Graph;
        int heads = l.NumHeads, keyDim = l.KeyDim, valueDim = l.ValueDim;
        var query = c.Inputs[0];
        var value = c.Inputs.Length > 1 ? c.Inputs[1] : query;
        bool separateKey = c.Inputs.Length > 2 && c.Inputs[2].Name != value.Name;
        var key = separateKey ? c.Inputs[2] : value;
        var attentionMask = c.Inputs.Length > 3 ? c.Inputs[3] : null;
        var qInner = query.Shape.Dims[1..^1].ToArray();
        var vInner = value.Shape.Dims[1..^1].ToArray();

        // Inputs of rank above 3 attend over all their inner axes: flattened into one sequence axis.
        string Flat(OnnxValue x, int[] inner)
        {
            if (x.Rank == 3) return x.Name;
            int length = inner.All(d => d >= 0) ? inner.Aggregate(1, (p, d) => p * d) : -1;
            if (length < 0 && x.Shape[-1] < 0) throw c.Unsupported($"inputs of rank above 3 need known sizes; got {x.Shape}.");
            return g.Op("Reshape", [x.Name, g.Int64s(0, length, x.Shape[-1])]);
        }

        // (B, L, features) @ (features, heads·dim) + bias, as (B, heads, L, dim).
        string Project(string x, string name, int features, int dim)
        {
            var kernel = WeightAt(l, name + "/kernel") ?? throw c.Unsupported($"its {name} projection has no kernel (is the layer built?).");
            var y = g.Op("MatMul", [x, g.Constant(ConversionContext.Data(kernel), [features, heads * dim], name + "_kernel")]);
            if (WeightAt(l, name + "/bias") is { } bias) y = g.Op("Add", [y, g.Constant(ConversionContext.Data(bias), [heads * dim], name + "_bias")]);
            return g.Transpose(g.Op("Reshape", [y, g.Int64s(0, 0, heads, dim)]), [0, 2, 1, 3]);
        }

        var qFlat = Flat(query, qInner);
        var vFlat = Flat(value, vInner);
        var kFlat = separateKey ? Flat(key, key.Shape.Dims[1..^1].ToArray()) : vFlat;
        var q = Project(qFlat, "query", query.Shape[-1], keyDim);
        var k = Project(kFlat, "key", key.Shape[-1], keyDim);
        var v = Project(vFlat, "value", value.Shape[-1], valueDim);
        q = g.Op("Mul", [q, g.Scalar((float)(1.0 / Math.Sqrt(keyDim)))]);
        var scores = g.Op("MatMul", [q, g.Transpose(k, [0, 1, 3, 2])]);                 // (B, N, T, S)

        var mask = CombinedAttentionMask(c, l, query, value, separateKey ? key : null, attentionMask, qFlat, vFlat, qInner.Length + vInner.Length);
        if (mask is not null) scores = g.Op("Where", [g.Op("Unsqueeze", [mask, g.Int64s(1)]), scores, g.Scalar(-1e9f)]);
        var probs = g.Op("Softmax", scores, Attr.Int("axis", -1));
        var o = g.Op("MatMul", [probs, v]);                                               // (B, N, T, V)
        o = g.Op("Reshape", [g.Transpose(o, [0, 2, 1, 3]), g.Int64s(0, 0, heads * valueDim)]);
        var outTail = l.OutputShape?.ToArray() ?? [query.Shape[-1]];
        int outSize = outTail.Aggregate(1, (p, d) => p * d);
        var outKernel = WeightAt(l, "attention_output/kernel") ?? throw c.Unsupported("its output projection has no kernel.");
        var y = g.Op("MatMul", [o, g.Constant(ConversionContext.Data(outKernel), [heads * valueDim, outSize], "output_kernel")]);
        if (WeightAt(l, "attention_output/bias") is { } outBias) y = g.Op("Add", [y, g.Constant(ConversionContext.Data(outBias), [outSize], "output_bias")]);
        var outShape = c.OutputShapes[0];
        if (outShape.Rank != 3) y = g.Op("Reshape", [y, ShapeOf(g, query.Name, outShape.ToArray().Select((d, i) => (d, i < outShape.Rank - outTail.Length ? i : -1)).ToList(), sameTensor: false)]);

        // The output carries the query's mask, as the layer's ComputeMasks gives it.
        c.SetsMasks = true;
        var outputs = new List<OnnxValue> { c.Output(y, mask: query.Mask) };
        if (l.ReturnAttentionScores)
        {
            var scoreShape = c.OutputShapes[1];
            if (scoreShape.Rank != 4)
                probs = g.Op("Reshape", [probs, g.Int64s(scoreShape.ToArray().Select((d, i) => (long)(i == 0 ? 0 : d)).ToArray())]);
            outputs.Add(c.Output(probs, 1));
        }
        return [.. outputs];
    }

    /// <summary>The (B or 1, T, S) bool mask the layer attends under, or null: the query mask (B, T, 1), the value
    /// and key masks (B, 1, S), the causal mask (1, T, S) and the attention_mask, combined with And.</summary>
    private static string? CombinedAttentionMask(ConversionContext c, MultiHeadAttention l, OnnxValue query, OnnxValue value, OnnxValue? key,
        OnnxValue? attentionMask, string qFlat, string vFlat, int innerRank)
    {
        var g = c.Graph;
        string? auto = null;
        void And(string m) => auto = auto is null ? m : g.Op("And", [auto, m]);
        string Flat2(string mask, int rank) => rank == 2 ? mask : g.Op("Reshape", [mask, g.Int64s(0, -1)]);
        if (query.Mask is { } qm) And(g.Op("Unsqueeze", [Flat2(qm, query.Rank - 1), g.Int64s(2)]));
        if (value.Mask is { } vm) And(g.Op("Unsqueeze", [Flat2(vm, value.Rank - 1), g.Int64s(1)]));
        if (key?.Mask is { } km) And(g.Op("Unsqueeze", [Flat2(km, key.Rank - 1), g.Int64s(1)]));
        if (l.UseCausalMask) And(CausalMask(g, qFlat, vFlat));
        if (attentionMask is not null)
        {
            var am = attentionMask.DType == DType.Bool ? attentionMask.Name : g.Op("Cast", attentionMask.Name, Attr.Int("to", 9));
            int rank = attentionMask.Rank;
            if (rank == innerRank) am = g.Op("Unsqueeze", [am, g.Int64s(0)]);
            if (innerRank != 2)
            {
                var dims = attentionMask.Shape.Dims[(rank - innerRank)..].ToArray();
                int qn = query.Rank - 2;
                if (dims.Any(d => d < 0)) throw c.Unsupported($"an attention_mask over inputs of rank above 3 needs known sizes; got {attentionMask.Shape}.");
                am = g.Op("Reshape", [am, g.Int64s(0, dims[..qn].Aggregate(1, (p, d) => p * d), dims[qn..].Aggregate(1, (p, d) => p * d))]);
            }
            auto = auto is null ? am : g.Op("And", [am, auto]);
        }
        return auto;
    }
}
