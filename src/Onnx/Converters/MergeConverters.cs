using KerasNet.Layers;

namespace KerasNet.Onnx.Converters;

/// <summary>The merge layers: Add, Subtract, Multiply, Average, Maximum, Minimum (elementwise with numpy
/// broadcasting, as ONNX's binary operators), Concatenate and Dot.</summary>
internal static partial class LayerConverters
{
    private static void RegisterMerging(Dictionary<Type, LayerConverter> r)
    {
        r[typeof(Add)] = c => [c.Output(Fold(c, "Add"))];
        r[typeof(Subtract)] = c => [c.Output(Fold(c, "Sub"))];
        r[typeof(Multiply)] = c => [c.Output(Fold(c, "Mul"))];
        r[typeof(Maximum)] = c => [c.Output(Fold(c, "Max"))];
        r[typeof(Minimum)] = c => [c.Output(Fold(c, "Min"))];
        r[typeof(Average)] = c =>
        {
            // The running sum, then one division by the count, as the layer does it.
            var n = c.Graph.Scalar(c.Inputs.Length);
            return [c.Output(EmitMerge(c, names => c.Graph.Op("Div", [FoldNames(c.Graph, "Add", names), n])))];
        };
        r[typeof(Concatenate)] = c =>
        {
            var l = (Concatenate)c.Layer;
            int rank = c.Input.Rank;
            int axis = l.Axis < 0 ? l.Axis + rank : l.Axis;
            return [c.Output(c.Graph.Op("Concat", c.Inputs.Select(i => i.Name).ToArray(), Attr.Int("axis", axis)))];
        };
        r[typeof(Dot)] = ConvertDot;
    }

    private static string Fold(ConversionContext c, string op) => EmitMerge(c, names => FoldNames(c.Graph, op, names));

    /// <summary>((x0 op x1) op x2) ..., left to right as the layers accumulate.</summary>
    private static string FoldNames(GraphBuilder g, string op, IReadOnlyList<string> names)
    {
        var acc = names[0];
        for (int i = 1; i < names.Count; i++) acc = g.Op(op, [acc, names[i]]);
        return acc;
    }

    /// <summary>Brings the inputs to one rank as the Merge base class does (lower-rank inputs get size-1 axes
    /// inserted at position 1), then emits the elementwise merge. When every input is the same transpose of
    /// some value (a residual connection between convolutions), merges those values and transposes once.</summary>
    private static string EmitMerge(ConversionContext c, Func<IReadOnlyList<string>, string> merge)
    {
        var g = c.Graph;
        int maxRank = c.Inputs.Max(i => i.Rank);
        var names = new string[c.Inputs.Length];
        for (int i = 0; i < names.Length; i++)
        {
            var x = c.Inputs[i];
            names[i] = x.Rank == maxRank ? x.Name : g.Op("Unsqueeze", [x.Name, g.Int64s(Enumerable.Range(1, maxRank - x.Rank))]);
        }
        int[]? common = null;
        var sources = new string[names.Length];
        bool allTransposed = names.Length > 1;
        for (int i = 0; i < names.Length && allTransposed; i++)
        {
            if (!g.TryGetTransposeSource(names[i], out sources[i], out var perm)) allTransposed = false;
            else if (common is null) common = perm;
            else if (!common.AsSpan().SequenceEqual(perm)) allTransposed = false;
        }
        // Only same-shape inputs: with broadcasting, the shapes before the transpose would not line up.
        bool sameShapes = c.Inputs.All(i => i.Shape == c.Inputs[0].Shape);
        if (allTransposed && sameShapes) return g.Transpose(merge(sources), common!);
        return merge(names);
    }

    /// <summary>Keras's batch_dot as the Dot layer computes it: the reduced axis of x moved last, that of y to
    /// position 1, both flattened to rank 3 when higher, one batched MatMul, then the shape restored.</summary>
    private static OnnxValue[] ConvertDot(ConversionContext c)
    {
        var l = (Dot)c.Layer;
        var g = c.Graph;
        Shape s1 = c.Inputs[0].Shape, s2 = c.Inputs[1].Shape;
        int a0 = l.Axes[0], a1 = l.Axes.Count == 2 ? l.Axes[1] : l.Axes[0];
        if (a0 < 0) a0 = ((a0 % s1.Rank) + s1.Rank) % s1.Rank;
        if (a1 < 0) a1 = ((a1 % s2.Rank) + s2.Rank) % s2.Rank;
        string x = c.Inputs[0].Name, y = c.Inputs[1].Name;
        if (l.Normalize)
        {
            x = L2Normalize(g, x, a0);
            y = L2Normalize(g, y, a1);
        }
        var xs = s1.ToArray().ToList();
        var ys = s2.ToArray().ToList();
        if (xs.Count == 2)
        {
            x = g.Op("Unsqueeze", [x, g.Int64s(1)]);
            xs.Insert(1, 1);
            a0 += 1;
        }
        if (ys.Count == 2)
        {
            y = g.Op("Unsqueeze", [y, g.Int64s(2)]);
            ys.Add(1);
        }
        int xr = xs.Count, yr = ys.Count;
        if (a0 != xr - 1)
        {
            var p = Enumerable.Range(0, xr).Where(i => i != a0).Append(a0).ToArray();
            x = g.Transpose(x, p);
            xs = p.Select(i => xs[i]).ToList();
        }
        if (a1 != 1)
        {
            var p = new[] { 0, a1 }.Concat(Enumerable.Range(1, yr - 1).Where(i => i != a1)).ToArray();
            y = g.Transpose(y, p);
            ys = p.Select(i => ys[i]).ToList();
        }
        var xMid = xs.Skip(1).Take(xr - 2).ToArray();
        var yTrail = ys.Skip(2).ToArray();
        if ((xr > 3 || yr > 3) && (xMid.Any(d => d < 0) || yTrail.Any(d => d < 0) || xs[^1] < 0 || ys[1] < 0))
            throw c.Unsupported($"inputs of rank above 3 need known non-batch sizes; got {s1} and {s2}.");
        if (xr > 3) x = g.Op("Reshape", [x, g.Int64s(0, xMid.Aggregate(1, (p, d) => p * d), xs[^1])]);
        if (yr > 3) y = g.Op("Reshape", [y, g.Int64s(0, ys[1], yTrail.Aggregate(1, (p, d) => p * d))]);
        var result = g.Op("MatMul", [x, y]);
        if (xr > 3 || yr > 3) result = g.Op("Reshape", [result, g.Int64s([0, .. xMid, .. yTrail])]);
        if (s1.Rank == 2) result = g.Op("Squeeze", [result, g.Int64s(1)]);
        else if (s2.Rank == 2) result = g.Op("Squeeze", [result, g.Int64s(xMid.Length + yTrail.Length)]);
        return [c.Output(result)];
    }

    /// <summary>x / max(‖x‖₂ along axis, 1e-7), as the Dot layer normalizes.</summary>
    private static string L2Normalize(GraphBuilder g, string x, int axis)
    {
        var norm = g.Op("Sqrt", g.Reduce("ReduceSum", g.Op("Mul", [x, x]), [axis], keepDims: true));
        return g.Op("Div", [x, g.Op("Max", [norm, g.Scalar(1e-7f)])]);
    }
}
