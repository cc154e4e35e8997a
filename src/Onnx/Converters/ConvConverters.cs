using KerasNet.Layers;

namespace KerasNet.Onnx.Converters;

/// <summary>Convolutions, pooling and the spatial reshaping layers. Keras computes them channels-last; ONNX's
/// Conv, ConvTranspose, MaxPool, AveragePool and Resize take NCHW (NCW for 1-D), so each converter transposes
/// its input to channels-first and its output back: Transposes that undo one another are not emitted, so
/// consecutive layers stay in NCHW. Kernels are stored HWIO by Keras and OIHW by ONNX; "same" padding
/// becomes explicit pads computed as Keras computes them (the extra pixel of an odd total at the end).</summary>
internal static partial class LayerConverters
{
    private static void RegisterConvolutional(Dictionary<Type, LayerConverter> r)
    {
        r[typeof(Conv1D)] = ConvertConv;
        r[typeof(Conv2D)] = ConvertConv;
        r[typeof(DepthwiseConv2D)] = ConvertDepthwise;
        r[typeof(SeparableConv2D)] = ConvertSeparable;
        r[typeof(Conv2DTranspose)] = ConvertConvTranspose;

        r[typeof(MaxPooling1D)] = ConvertPool;
        r[typeof(MaxPooling2D)] = ConvertPool;
        r[typeof(AveragePooling1D)] = ConvertPool;
        r[typeof(AveragePooling2D)] = ConvertPool;
        r[typeof(GlobalMaxPooling1D)] = ConvertGlobalPool;
        r[typeof(GlobalMaxPooling2D)] = ConvertGlobalPool;
        r[typeof(GlobalAveragePooling1D)] = ConvertGlobalPool;
        r[typeof(GlobalAveragePooling2D)] = ConvertGlobalPool;

        r[typeof(ZeroPadding2D)] = c =>
        {
            var (top, bottom, left, right) = ((ZeroPadding2D)c.Layer).Padding;
            return [c.Output(PadLayout(c.Graph, c.Input.Name, [0, top, left, 0], [0, bottom, right, 0]))];
        };
        r[typeof(Cropping2D)] = ConvertCropping;
        r[typeof(UpSampling2D)] = ConvertUpSampling;
    }

    // ----- helpers -----

    /// <summary><paramref name="data"/> of shape <paramref name="dims"/> transposed by <paramref name="perm"/>
    /// (output axis i is input axis perm[i]).</summary>
    internal static float[] TransposeData(float[] data, int[] dims, int[] perm, out int[] newDims)
    {
        int rank = dims.Length;
        newDims = perm.Select(p => dims[p]).ToArray();
        var inStrides = new int[rank];
        for (int i = rank - 1, s = 1; i >= 0; s *= dims[i], i--) inStrides[i] = s;
        var result = new float[data.Length];
        var index = new int[rank];
        for (int o = 0; o < result.Length; o++)
        {
            int src = 0;
            for (int i = 0; i < rank; i++) src += index[i] * inStrides[perm[i]];
            result[o] = data[src];
            for (int i = rank - 1; i >= 0; i--)
            {
                if (++index[i] < newDims[i]) break;
                index[i] = 0;
            }
        }
        return result;
    }

    /// <summary>A Keras kernel (spatial..., in, out) as an ONNX Conv weight (out, in, spatial...).</summary>
    private static string ConvWeight(GraphBuilder g, float[] data, int[] dims, string hint)
    {
        int spatial = dims.Length - 2;
        var perm = new[] { spatial + 1, spatial }.Concat(Enumerable.Range(0, spatial)).ToArray();
        var w = TransposeData(data, dims, perm, out var wDims);
        return g.Constant(w, wDims, hint);
    }

    /// <summary>ONNX pads [begin..., end...] for Keras's padding of each spatial axis, or null when an input size
    /// is unknown and "same" must be left to auto_pad SAME_UPPER (which places padding as Keras does).</summary>
    private static long[]? Pads(OnnxValue x, IReadOnlyList<int> kernel, IReadOnlyList<int> strides, IReadOnlyList<int> dilation, string padding)
    {
        int n = kernel.Count;
        var pads = new long[2 * n];
        for (int i = 0; i < n; i++)
        {
            int effective = (kernel[i] - 1) * dilation[i] + 1;
            switch (padding)
            {
                case "valid": break;
                case "causal":
                    pads[i] = effective - 1;
                    break;
                default:
                    int input = x.Shape[i + 1];
                    if (input < 0) return null;
                    int output = (input + strides[i] - 1) / strides[i];
                    int total = Math.Max((output - 1) * strides[i] + effective - input, 0);
                    pads[i] = total / 2;
                    pads[n + i] = total - total / 2;
                    break;
            }
        }
        return pads;
    }

    private static Protobuf.AttributeProto[] WindowAttributes(long[]? pads, IReadOnlyList<int> kernel, IReadOnlyList<int> strides, IReadOnlyList<int>? dilation)
    {
        var attrs = new List<Protobuf.AttributeProto> { Attr.Ints("kernel_shape", kernel), Attr.Ints("strides", strides) };
        if (dilation is not null) attrs.Add(Attr.Ints("dilations", dilation));
        if (pads is null) attrs.Add(Attr.Str("auto_pad", "SAME_UPPER"));
        else attrs.Add(Attr.Ints("pads", pads.Select(p => (int)p)));
        return [.. attrs];
    }

    /// <summary>Transposes channels-last x to channels-first, applies <paramref name="emit"/>, transposes back.</summary>
    private static string ChannelsFirst(GraphBuilder g, string x, int rank, Func<string, string> emit) =>
        g.Transpose(emit(g.Transpose(x, GraphBuilder.ToChannelsFirst(rank))), GraphBuilder.ToChannelsLast(rank));

    private static OnnxValue[] Finish(ConversionContext c, string y, Func<Tensor, Tensor> activation) =>
        [c.Output(ApplyActivation(c, activation, new OnnxValue(y, c.OutputShapes[0], DType.Float32)))];

    // ----- convolutions -----

    private static OnnxValue[] ConvertConv(ConversionContext c)
    {
        var l = (BaseConv)c.Layer;
        var g = c.Graph;
        var kernel = l.Kernel!;
        var weight = ConvWeight(g, ConversionContext.Data(kernel), kernel.Shape.ToArray(), "kernel");
        var pads = Pads(c.Input, l.KernelSize, l.Strides, l.DilationRate, l.Padding);
        var attrs = WindowAttributes(pads, l.KernelSize, l.Strides, l.DilationRate).Append(Attr.Int("group", l.Groups)).ToArray();
        var inputs = new List<string> { "", weight };
        if (l.Bias is { } bias) inputs.Add(g.Constant(ConversionContext.Data(bias), bias.Shape.ToArray(), "bias"));
        var y = ChannelsFirst(g, c.Input.Name, c.Input.Rank, x =>
        {
            inputs[0] = x;
            return g.Op("Conv", inputs, attrs);
        });
        return Finish(c, y, l.Activation);
    }

    /// <summary>A depthwise kernel (KH, KW, C, M) as the weight of a C-group Conv: (C*M, 1, KH, KW), output
    /// channel c*M + m, as Keras's view of it as (KH, KW, 1, C*M).</summary>
    private static string DepthwiseWeight(GraphBuilder g, Variable kernel, string hint)
    {
        var d = kernel.Shape.ToArray();
        return ConvWeight(g, ConversionContext.Data(kernel), [d[0], d[1], 1, d[2] * d[3]], hint);
    }

    private static OnnxValue[] ConvertDepthwise(ConversionContext c)
    {
        var l = (DepthwiseConv2D)c.Layer;
        var g = c.Graph;
        int channels = c.Input.Shape[-1];
        var pads = Pads(c.Input, l.KernelSize, l.Strides, l.DilationRate, l.Padding);
        var inputs = new List<string> { "", DepthwiseWeight(g, l.Kernel!, "kernel") };
        if (l.Bias is { } bias) inputs.Add(g.Constant(ConversionContext.Data(bias), bias.Shape.ToArray(), "bias"));
        var attrs = WindowAttributes(pads, l.KernelSize, l.Strides, l.DilationRate).Append(Attr.Int("group", channels)).ToArray();
        var y = ChannelsFirst(g, c.Input.Name, 4, x =>
        {
            inputs[0] = x;
            return g.Op("Conv", inputs, attrs);
        });
        return Finish(c, y, l.Activation);
    }

    private static OnnxValue[] ConvertSeparable(ConversionContext c)
    {
        var l = (SeparableConv2D)c.Layer;
        var g = c.Graph;
        int channels = c.Input.Shape[-1];
        var pads = Pads(c.Input, l.KernelSize, l.Strides, l.DilationRate, l.Padding);
        var depthwise = DepthwiseWeight(g, l.DepthwiseKernel!, "depthwise_kernel");
        var pointwise = ConvWeight(g, ConversionContext.Data(l.PointwiseKernel!), l.PointwiseKernel!.Shape.ToArray(), "pointwise_kernel");
        var depthAttrs = WindowAttributes(pads, l.KernelSize, l.Strides, l.DilationRate).Append(Attr.Int("group", channels)).ToArray();
        var y = ChannelsFirst(g, c.Input.Name, 4, x =>
        {
            var d = g.Op("Conv", [x, depthwise], depthAttrs);
            var inputs = new List<string> { d, pointwise };
            if (l.Bias is { } bias) inputs.Add(g.Constant(ConversionContext.Data(bias), bias.Shape.ToArray(), "bias"));
            return g.Op("Conv", inputs, Attr.Ints("kernel_shape", [1, 1]));
        });
        return Finish(c, y, l.Activation);
    }

    /// <summary>Conv2DTranspose: ONNX's ConvTranspose with the kernel (KH, KW, out, in) as (in, out, KH, KW).
    /// The layer's output is a window of the full transposed convolution (size (in-1)·s + k_eff), extended
    /// with zeros where it is longer: pads crop the window, output_padding extends at the end.</summary>
    private static OnnxValue[] ConvertConvTranspose(ConversionContext c)
    {
        var l = (Conv2DTranspose)c.Layer;
        var g = c.Graph;
        var kernel = l.Kernel!;
        var w = TransposeData(ConversionContext.Data(kernel), kernel.Shape.ToArray(), [3, 2, 0, 1], out var wDims);
        var inputs = new List<string> { "", g.Constant(w, wDims, "kernel") };
        if (l.Bias is { } bias) inputs.Add(g.Constant(ConversionContext.Data(bias), bias.Shape.ToArray(), "bias"));
        var pads = new int[4];
        var outputPadding = new int[2];
        for (int i = 0; i < 2; i++)
        {
            int input = c.Input.Shape[i + 1];
            if (input < 0) throw c.Unsupported($"its input needs known spatial sizes; got {c.Input.Shape}.");
            int k = (l.KernelSize[i] - 1) * l.DilationRate[i] + 1, s = l.Strides[i];
            int full = (input - 1) * s + k;
            int length = c.OutputShapes[0][i + 1];
            int before = l.Padding == "same" ? Math.Max(full - length, 0) / 2 : 0;
            int end = full - before - length;
            pads[i] = before;
            if (end >= 0) pads[2 + i] = end;
            else outputPadding[i] = -end;
        }
        var attrs = new[]
        {
            Attr.Ints("kernel_shape", l.KernelSize), Attr.Ints("strides", l.Strides), Attr.Ints("dilations", l.DilationRate),
            Attr.Ints("pads", pads), Attr.Ints("output_padding", outputPadding),
        };
        var y = ChannelsFirst(g, c.Input.Name, 4, x =>
        {
            inputs[0] = x;
            return g.Op("ConvTranspose", inputs, attrs);
        });
        return Finish(c, y, l.Activation);
    }

    // ----- pooling -----

    private static OnnxValue[] ConvertPool(ConversionContext c)
    {
        var l = (BasePooling)c.Layer;
        bool max = l is MaxPooling1D or MaxPooling2D;
        var pads = Pads(c.Input, l.PoolSize, l.Strides, Enumerable.Repeat(1, l.Rank).ToArray(), l.Padding);
        var attrs = WindowAttributes(pads, l.PoolSize, l.Strides, null).ToList();
        // "same" windows average only their in-bounds elements, as Keras does.
        if (!max) attrs.Add(Attr.Int("count_include_pad", 0));
        var g = c.Graph;
        return [c.Output(ChannelsFirst(g, c.Input.Name, c.Input.Rank, x => g.Op(max ? "MaxPool" : "AveragePool", [x], [.. attrs])))];
    }

    private static OnnxValue[] ConvertGlobalPool(ConversionContext c)
    {
        var l = (BaseGlobalPooling)c.Layer;
        var g = c.Graph;
        bool max = l is GlobalMaxPooling1D or GlobalMaxPooling2D;
        int rank = c.Input.Rank;
        var toLast = GraphBuilder.ToChannelsLast(rank);
        // After a convolution the channels-first value is at hand: pool it with GlobalAveragePool/GlobalMaxPool.
        if (g.TryGetTransposeSource(c.Input.Name, out var source, out var perm) && perm.SequenceEqual(toLast))
        {
            var pooled = g.Op(max ? "GlobalMaxPool" : "GlobalAveragePool", source);
            return [c.Output(l.Keepdims ? g.Transpose(pooled, toLast) : g.Op("Flatten", pooled, Attr.Int("axis", 1)))];
        }
        var axes = Enumerable.Range(1, rank - 2).ToArray();
        return [c.Output(g.Reduce(max ? "ReduceMax" : "ReduceMean", c.Input.Name, axes, l.Keepdims))];
    }

    // ----- spatial reshaping -----

    /// <summary>Pads with zeros by per-axis amounts of the Keras layout; for a transposed value, pads its source
    /// (the amounts permuted) and transposes after, so that the layout of a convolution stack is kept.</summary>
    private static string PadLayout(GraphBuilder g, string x, int[] begin, int[] end)
    {
        int rank = begin.Length;
        if (g.TryGetTransposeSource(x, out var source, out var perm))
        {
            // x axis i is source axis perm[i].
            var b = new int[rank];
            var e = new int[rank];
            for (int i = 0; i < rank; i++)
            {
                b[perm[i]] = begin[i];
                e[perm[i]] = end[i];
            }
            return g.Transpose(g.Op("Pad", [source, g.Int64s([.. b, .. e])], Attr.Str("mode", "constant")), perm);
        }
        return g.Op("Pad", [x, g.Int64s([.. begin, .. end])], Attr.Str("mode", "constant"));
    }

    private static OnnxValue[] ConvertCropping(ConversionContext c)
    {
        var (top, bottom, left, right) = ((Cropping2D)c.Layer).Cropping;
        var g = c.Graph;
        // Negative ends count from the end; an end of 0 would mean "before the start", so use the largest.
        long End(int crop) => crop > 0 ? -crop : long.MaxValue;
        string Crop(string x, int[] axes) => g.Op("Slice", [x, g.Int64s(top, left), g.Int64s(End(bottom), End(right)), g.Int64s(axes)]);
        // On a transposed value, crop its source (x axis i is source axis perm[i]) and transpose after.
        if (g.TryGetTransposeSource(c.Input.Name, out var source, out var perm))
            return [c.Output(g.Transpose(Crop(source, [perm[1], perm[2]]), perm))];
        return [c.Output(Crop(c.Input.Name, [1, 2]))];
    }

    private static OnnxValue[] ConvertUpSampling(ConversionContext c)
    {
        var l = (UpSampling2D)c.Layer;
        var g = c.Graph;
        var scales = g.Constant([1f, 1f, l.Size[0], l.Size[1]], [4], "scales");
        // Nearest: output i reads input floor(i / f). Bilinear: half-pixel centers, clamped at the edges.
        var attrs = l.Interpolation == "nearest"
            ? new[] { Attr.Str("mode", "nearest"), Attr.Str("coordinate_transformation_mode", "asymmetric"), Attr.Str("nearest_mode", "floor") }
            : new[] { Attr.Str("mode", "linear"), Attr.Str("coordinate_transformation_mode", "half_pixel") };
        return [c.Output(ChannelsFirst(g, c.Input.Name, 4, x => g.Op("Resize", [x, "", scales], attrs)))];
    }
}
