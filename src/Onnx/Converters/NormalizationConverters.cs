using KerasNet.Layers;

namespace KerasNet.Onnx.Converters;

/// <summary>BatchNormalization (inference form, ONNX's BatchNormalization with the moving statistics),
/// LayerNormalization (ONNX's LayerNormalization over trailing axes, else the formula) and GroupNormalization.</summary>
internal static partial class LayerConverters
{
    private static void RegisterNormalization(Dictionary<Type, LayerConverter> r)
    {
        r[typeof(BatchNormalization)] = ConvertBatchNorm;
        r[typeof(LayerNormalization)] = ConvertLayerNorm;
        r[typeof(GroupNormalization)] = ConvertGroupNorm;
    }

    private static float[] Filled(int n, float value)
    {
        var a = new float[n];
        Array.Fill(a, value);
        return a;
    }

    private static OnnxValue[] ConvertBatchNorm(ConversionContext c)
    {
        var l = (BatchNormalization)c.Layer;
        var g = c.Graph;
        int rank = c.Input.Rank;
        int axis = c.Input.Shape.NormalizeAxis(l.Axis);
        if (axis == 0 || rank < 2) throw c.Unsupported($"ONNX normalizes over a channel axis after the batch axis; this layer's axis is {l.Axis} for inputs of shape {c.Input.Shape}.");
        int channels = l.MovingMean!.Shape[0];
        // ONNX's BatchNormalization takes the channels on axis 1: move them there and back. For channels-last
        // images this is the NHWC/NCHW pair a convolution before it already made, so the transposes cancel.
        int[] perm = axis == rank - 1 ? GraphBuilder.ToChannelsFirst(rank)
            : new[] { 0, axis }.Concat(Enumerable.Range(1, rank - 1).Where(i => i != axis)).ToArray();
        var x = g.Transpose(c.Input.Name, perm);
        var scale = l.Gamma is { } gamma ? ConversionContext.Data(gamma) : Filled(channels, 1f);
        var bias = l.Beta is { } beta ? ConversionContext.Data(beta) : Filled(channels, 0f);
        var y = g.Op("BatchNormalization",
            [x, g.Constant(scale, [channels], "gamma"), g.Constant(bias, [channels], "beta"),
             g.Constant(ConversionContext.Data(l.MovingMean!), [channels], "moving_mean"),
             g.Constant(ConversionContext.Data(l.MovingVariance!), [channels], "moving_variance")],
            Attr.Float("epsilon", (float)l.Epsilon));
        return [c.Output(g.Transpose(y, GraphBuilder.Inverse(perm)))];
    }

    private static OnnxValue[] ConvertLayerNorm(ConversionContext c)
    {
        var l = (LayerNormalization)c.Layer;
        var g = c.Graph;
        var shape = c.Input.Shape;
        int rank = shape.Rank;
        var axes = l.Axes.Select(a => shape.NormalizeAxis(a)).ToArray();
        var sorted = axes.Order().ToArray();
        // The weights have the axes' sizes in the order given; the layer reshapes them (not transposes) to a
        // rank-r shape with those sizes at the axes' positions.
        var broadcast = Enumerable.Repeat(1, rank).ToArray();
        foreach (int a in axes) broadcast[a] = shape[a];
        bool trailing = sorted[^1] == rank - 1 && sorted.Length == rank - sorted[0];
        if (trailing && !l.RmsScaling && sorted[0] > 0)
        {
            int first = sorted[0];
            var normalized = broadcast[first..];
            int size = normalized.Aggregate(1, (p, d) => p * d);
            var scale = g.Constant(l.Gamma is { } gamma ? ConversionContext.Data(gamma) : Filled(size, 1f), normalized, "gamma");
            var inputs = new List<string> { c.Input.Name, scale };
            if (l.Beta is { } beta) inputs.Add(g.Constant(ConversionContext.Data(beta), normalized, "beta"));
            var y = g.AddNode("LayerNormalization", inputs, 1, Attr.Int("axis", first), Attr.Float("epsilon", (float)l.Epsilon))[0];
            return [c.Output(y)];
        }
        // Otherwise the layer's formula: moments over the axes, then x·inv + (beta − mean·inv), or x·inv·gamma
        // for rms_scaling (which, as in Keras, divides by the standard deviation).
        var x = c.Input.Name;
        var mean = g.Reduce("ReduceMean", x, sorted, keepDims: true);
        var diff = g.Op("Sub", [x, mean]);
        var variance = g.Reduce("ReduceMean", g.Op("Mul", [diff, diff]), sorted, keepDims: true);
        var inv = g.Op("Reciprocal", g.Op("Sqrt", g.Op("Add", [variance, g.Scalar((float)l.Epsilon)])));
        string? gammaB = l.Gamma is { } gm ? g.Constant(ConversionContext.Data(gm), broadcast, "gamma") : null;
        if (l.RmsScaling)
        {
            var scaled = g.Op("Mul", [x, inv]);
            return [c.Output(gammaB is null ? scaled : g.Op("Mul", [scaled, gammaB]))];
        }
        if (gammaB is not null) inv = g.Op("Mul", [inv, gammaB]);
        var res = g.Op("Neg", g.Op("Mul", [mean, inv]));
        if (l.Beta is { } bt) res = g.Op("Add", [res, g.Constant(ConversionContext.Data(bt), broadcast, "beta")]);
        return [c.Output(g.Op("Add", [g.Op("Mul", [x, inv]), res]))];
    }

    private static OnnxValue[] ConvertGroupNorm(ConversionContext c)
    {
        var l = (GroupNormalization)c.Layer;
        var g = c.Graph;
        var shape = c.Input.Shape;
        int rank = shape.Rank;
        int axis = shape.NormalizeAxis(l.Axis);
        int channels = shape[axis], groups = l.Groups;
        // (..., C, ...) to (..., G, C/G, ...); statistics over all but the batch and group axes.
        var grouped = new List<(int Size, int FromAxis)>();
        for (int i = 0; i < rank; i++)
        {
            if (i == axis)
            {
                grouped.Add((groups, -1));
                grouped.Add((channels / groups, -1));
            }
            else grouped.Add((shape[i], i));
        }
        var x = g.Op("Reshape", [c.Input.Name, ShapeOf(g, c.Input.Name, grouped, sameTensor: true)]);
        var axes = Enumerable.Range(1, rank).Where(i => i != axis).ToArray();
        var mean = g.Reduce("ReduceMean", x, axes, keepDims: true);
        var diff = g.Op("Sub", [x, mean]);
        var variance = g.Reduce("ReduceMean", g.Op("Mul", [diff, diff]), axes, keepDims: true);
        var inv = g.Op("Reciprocal", g.Op("Sqrt", g.Op("Add", [variance, g.Scalar((float)l.Epsilon)])));
        var paramShape = Enumerable.Repeat(1, rank + 1).ToArray();
        paramShape[axis] = groups;
        paramShape[axis + 1] = channels / groups;
        if (l.Gamma is { } gamma) inv = g.Op("Mul", [inv, g.Constant(ConversionContext.Data(gamma), paramShape, "gamma")]);
        var res = g.Op("Neg", g.Op("Mul", [mean, inv]));
        if (l.Beta is { } beta) res = g.Op("Add", [res, g.Constant(ConversionContext.Data(beta), paramShape, "beta")]);
        var normalized = g.Op("Add", [g.Op("Mul", [x, inv]), res]);
        return [c.Output(g.Op("Reshape", [normalized, g.Op("Shape", c.Input.Name)]))];
    }

    /// <summary>A shape tensor (for Reshape or Expand): each entry a fixed size, or <paramref name="source"/>'s size on
    /// axis FromAxis (Size -1), or inferred (Size and FromAxis -1). A constant when that suffices (0 copies the size at
    /// the same position when the tensor reshaped is <paramref name="source"/> itself; one unknown entry becomes -1),
    /// else assembled from Shape(source).</summary>
    internal static string ShapeOf(GraphBuilder g, string source, IReadOnlyList<(int Size, int FromAxis)> dims, bool sameTensor)
    {
        var constant = new long[dims.Count];
        int unknown = 0;
        for (int i = 0; i < dims.Count; i++)
        {
            var (size, from) = dims[i];
            if (size >= 0) constant[i] = size;
            else if (sameTensor && from == i) constant[i] = 0;
            else
            {
                constant[i] = -1;
                unknown++;
            }
        }
        if (unknown <= 1) return g.Int64s(constant);
        var parts = dims.Select(d => d.Size >= 0 ? g.Int64s(d.Size)
            : d.FromAxis >= 0 ? g.Op("Shape", source, Attr.Int("start", d.FromAxis), Attr.Int("end", d.FromAxis + 1))
            : g.Int64s(-1)).ToArray();
        return g.Op("Concat", parts, Attr.Int("axis", 0));
    }
}
