using KerasNet.Layers;

namespace KerasNet.Onnx.Converters;

/// <summary>Dense, Embedding, the layers that are the identity at inference, and the reshaping layers.</summary>
internal static partial class LayerConverters
{
    private static void RegisterCore(Dictionary<Type, LayerConverter> r)
    {
        r[typeof(Dense)] = ConvertDense;
        r[typeof(Embedding)] = ConvertEmbedding;

        // The identity at inference (Predict runs layers with training=false).
        r[typeof(Identity)] = PassThrough;
        r[typeof(Dropout)] = PassThrough;
        r[typeof(SpatialDropout1D)] = PassThrough;
        r[typeof(SpatialDropout2D)] = PassThrough;
        r[typeof(GaussianDropout)] = PassThrough;
        r[typeof(GaussianNoise)] = PassThrough;
        r[typeof(ActivityRegularization)] = PassThrough;

        r[typeof(Flatten)] = ConvertFlatten;
        r[typeof(Reshape)] = c =>
        {
            var l = (Reshape)c.Layer;
            // 0 copies the batch size from the input; the target holds positive sizes and at most one -1.
            var shape = c.Graph.Int64s([0, .. l.TargetShape]);
            return [c.Output(c.Graph.Op("Reshape", [c.Input.Name, shape]))];
        };
        r[typeof(Permute)] = c =>
        {
            var l = (Permute)c.Layer;
            return [c.Output(c.Graph.Transpose(c.Input.Name, [0, .. l.Dims]))];
        };
        r[typeof(RepeatVector)] = c =>
        {
            var l = (RepeatVector)c.Layer;
            var g = c.Graph;
            var expanded = g.Op("Unsqueeze", [c.Input.Name, g.Int64s(1)]);
            return [c.Output(g.Op("Tile", [expanded, g.Int64s(1, l.N, 1)]))];
        };
    }

    private static OnnxValue[] ConvertDense(ConversionContext c)
    {
        var l = (Dense)c.Layer;
        var g = c.Graph;
        var x = c.Input;
        var kernel = g.Constant(ConversionContext.Data(l.Kernel), l.Kernel.Shape.ToArray(), "kernel");
        string y;
        if (x.Rank == 2)
        {
            // Gemm: x @ kernel + bias in one node.
            y = l.Bias is { } b
                ? g.Op("Gemm", [x.Name, kernel, g.Constant(ConversionContext.Data(b), b.Shape.ToArray(), "bias")])
                : g.Op("Gemm", [x.Name, kernel]);
        }
        else
        {
            // (..., in) @ (in, units) broadcasts over the leading axes, as the layer computes it.
            y = g.Op("MatMul", [x.Name, kernel]);
            if (l.Bias is { } b) y = g.Op("Add", [y, g.Constant(ConversionContext.Data(b), b.Shape.ToArray(), "bias")]);
        }
        var pre = new OnnxValue(y, c.OutputShapes[0], DType.Float32);
        return [c.Output(ApplyActivation(c, l.Activation, pre))];
    }

    private static OnnxValue[] ConvertEmbedding(ConversionContext c)
    {
        var l = (Embedding)c.Layer;
        var g = c.Graph;
        var indices = c.Input.Name;
        // The layer casts non-integer indices to int32 (truncating toward zero); Gather takes int32 or int64.
        if (c.Input.DType is not (DType.Int32 or DType.Int64)) indices = g.Op("Cast", indices, Attr.Int("to", 7));
        var table = g.Constant(ConversionContext.Data(l.Embeddings), l.Embeddings.Shape.ToArray(), "embeddings");
        // mask_zero: the output mask is inputs != 0 (compared in the inputs' own type, as the layer does).
        c.SetsMasks = true;
        string? mask = l.MaskZero ? g.Op("Not", g.Op("Equal", [c.Input.Name, g.ScalarOf(c.Input.DType, 0)])) : null;
        return [c.Output(g.Op("Gather", [table, indices], Attr.Int("axis", 0)), mask: mask)];
    }

    private static OnnxValue[] ConvertFlatten(ConversionContext c)
    {
        var l = (Flatten)c.Layer;
        var g = c.Graph;
        var x = c.Input.Name;
        int rank = c.Input.Rank;
        // Channels-last values are already in Keras's element order (the transposes around convolutions
        // bring them back to NHWC before this), so the flatten is a reshape.
        if (l.DataFormat == "channels_first" && rank > 2) x = g.Transpose(x, GraphBuilder.ToChannelsLast(rank));
        if (rank == 2) return [c.Output(x)];
        return [c.Output(g.Op("Reshape", [x, g.Int64s(0, -1)]))];
    }
}
