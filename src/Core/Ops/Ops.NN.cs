using KerasNet.Backend;

namespace KerasNet;

public static partial class Ops
{
    /// <summary>Softmax along <paramref name="axis"/>.</summary>
    public static Tensor Softmax(Tensor x, int axis = -1) => SoftmaxImpl(x, axis, log: false);

    /// <summary>Log-softmax along <paramref name="axis"/>, computed stably.</summary>
    public static Tensor LogSoftmax(Tensor x, int axis = -1) => SoftmaxImpl(x, axis, log: true);

    private static Tensor SoftmaxImpl(Tensor x, int axis, bool log)
    {
        string name = log ? "LogSoftmax" : "Softmax";
        CheckFloat(x, name);
        var s = x.Shape;
        if (s.Rank == 0) throw new ArgumentException($"{name} needs a tensor of rank 1 or more; got a scalar.", nameof(x));
        int a = s.NormalizeAxis(axis);
        Tensor y;
        if (a == s.Rank - 1)
        {
            y = Tensor.Empty(s, DType.Float32, x.Backend);
            int cols = s[-1];
            x.Backend.Softmax(x.Buffer, y.Buffer, cols == 0 ? 0 : (int)(s.Size / cols), cols, log);
        }
        else
        {
            Span<int> perm = stackalloc int[s.Rank];
            for (int i = 0; i < s.Rank; i++) perm[i] = i;
            perm[a] = s.Rank - 1;
            perm[s.Rank - 1] = a;
            var ps = new Shape(perm);
            using var t = TransposeNoRecord(x, ps);
            using var st = Tensor.Empty(t.Shape, DType.Float32, x.Backend);
            int cols = t.Shape[-1];
            x.Backend.Softmax(t.Buffer, st.Buffer, (int)(t.Size / Math.Max(cols, 1)), cols, log);
            y = TransposeNoRecord(st, ps);
        }
        if (GradientTape.ShouldRecord(x) is { } tape)
        {
            var node = new TapeNode { Op = log ? OpCode.LogSoftmax : OpCode.Softmax, A = x, Out = y, I0 = a };
            tape.Record(ref node);
        }
        return y;
    }

    /// <summary>Per-example cross-entropy between integer class labels and logits over the last axis
    /// (fused softmax; stable for any logits). labels has logits.shape[:-1]; an out-of-range label is an error.</summary>
    public static Tensor SparseSoftmaxCrossEntropy(Tensor labels, Tensor logits)
    {
        if (!labels.DType.IsInteger())
            throw new ArgumentException($"SparseSoftmaxCrossEntropy expects int32 or int64 labels; got {labels.DType.KerasName()}. Cast float labels with Ops.Cast(labels, DType.Int32).", nameof(labels));
        return SoftmaxCrossEntropyImpl(labels, logits, sparse: true);
    }

    /// <summary>Per-example cross-entropy between probability targets and logits over the last axis (fused
    /// softmax). labels has the logits' shape.</summary>
    public static Tensor SoftmaxCrossEntropy(Tensor labels, Tensor logits)
    {
        CheckFloat(labels, "SoftmaxCrossEntropy", nameof(labels));
        return SoftmaxCrossEntropyImpl(labels, logits, sparse: false);
    }

    private static Tensor SoftmaxCrossEntropyImpl(Tensor labels, Tensor logits, bool sparse)
    {
        CheckFloat(logits, "SoftmaxCrossEntropy", nameof(logits));
        CheckSameBackend(labels, logits, "SoftmaxCrossEntropy");
        var s = logits.Shape;
        if (s.Rank < 1) throw new ArgumentException("SoftmaxCrossEntropy needs logits of rank 1 or more; got a scalar.", nameof(logits));
        var rowShape = new Shape(s.Dims[..^1]);
        if (sparse ? labels.Shape.Size != rowShape.Size : labels.Shape != s)
            throw new ArgumentException(sparse
                ? $"Sparse cross-entropy: labels of shape {labels.Shape} do not match logits of shape {s} (expected labels of shape {rowShape})."
                : $"Cross-entropy: labels of shape {labels.Shape} do not match logits of shape {s}.", nameof(labels));
        int cols = s[-1];
        int rows = checked((int)rowShape.Size);
        var loss = Tensor.Empty(rowShape, DType.Float32, logits.Backend);
        var tape = GradientTape.ShouldRecord(logits, sparse ? default : labels);
        var grad = tape is null ? default : Tensor.Empty(s, DType.Float32, logits.Backend);
        logits.Backend.SoftmaxCrossEntropy(logits.Buffer, labels.Buffer, labels.DType, loss.Buffer, tape is null ? null : grad.Buffer, rows, cols);
        if (tape is not null)
        {
            var node = new TapeNode { Op = OpCode.SoftmaxCrossEntropy, A = logits, B = sparse ? default : labels, Out = loss, Saved = grad, Flag0 = sparse };
            tape.Record(ref node);
        }
        return loss;
    }

    // ----- convolution -----

    /// <summary>Output size and leading padding of one spatial axis, with Keras's "valid"/"same" rules.</summary>
    internal static (int Out, int PadBefore) ConvAxis(int input, int kernel, int stride, int dilation, string padding, string op)
    {
        int effective = (kernel - 1) * dilation + 1;
        switch (padding)
        {
            case "valid":
                if (input < effective)
                    throw new ArgumentException($"{op}: the kernel (size {kernel}, dilation {dilation}, so {effective} wide) is larger than the input ({input}) with padding \"valid\".");
                return ((input - effective) / stride + 1, 0);
            case "same":
                int output = (input + stride - 1) / stride;
                int total = Math.Max((output - 1) * stride + effective - input, 0);
                return (output, total / 2);
            default:
                throw new ArgumentException($"{op}: padding must be \"valid\" or \"same\"; got \"{padding}\".", nameof(padding));
        }
    }

    /// <summary>N-D convolution (1-D or 2-D), channels_last, as keras.ops.conv: inputs (N, [H,] W, C),
    /// kernel ([KH,] KW, C/groups, OutC). The group count is C / kernel's input channels.</summary>
    public static Tensor Conv(Tensor inputs, Tensor kernel, int strides = 1, string padding = "valid", int dilationRate = 1) =>
        Conv(inputs, kernel, [strides, strides], padding, [dilationRate, dilationRate]);

    /// <summary>Convolution with per-axis strides and dilation (one entry per spatial axis; a single entry applies to all).</summary>
    public static Tensor Conv(Tensor inputs, Tensor kernel, ReadOnlySpan<int> strides, string padding, ReadOnlySpan<int> dilationRate) =>
        Conv(inputs, kernel, strides, padding, dilationRate, default, FusedActivation.None);

    /// <summary>A convolution layer's forward pass as one fused kernel: <c>act(conv(inputs, kernel) + bias)</c>,
    /// with bias (OutC) or null; the bias and activation are applied while each block of output is in cache.</summary>
    public static Tensor Conv(Tensor inputs, Tensor kernel, ReadOnlySpan<int> strides, string padding, ReadOnlySpan<int> dilationRate,
        Tensor bias, FusedActivation activation)
    {
        var p = ConvSetup(inputs, kernel, strides, padding, dilationRate, "Conv", out bool oneD);
        if (!bias.IsNull)
        {
            CheckFloat(bias, "Conv", "bias");
            CheckSameBackend(inputs, bias, "Conv");
            if (bias.Shape.Rank != 1 || bias.Shape[0] != p.OutC)
                throw new ArgumentException($"Conv: the bias must have shape ({p.OutC}); got {bias.Shape}.", nameof(bias));
        }
        var y = Tensor.Empty(oneD ? new Shape(p.N, p.OutW, p.OutC) : new Shape(p.N, p.OutH, p.OutW, p.OutC), DType.Float32, inputs.Backend);
        inputs.Backend.Conv2D(p, inputs.Buffer, kernel.Buffer, y.Buffer, bias.IsNull ? null : bias.Buffer, activation);
        if (GradientTape.ShouldRecord(inputs, kernel, bias) is { } tape)
        {
            var node = new TapeNode { Op = OpCode.Conv, A = inputs, B = kernel, C = bias, Out = y, Conv = p, I0 = (int)activation };
            tape.Record(ref node);
        }
        return y;
    }

    /// <summary>Depthwise convolution, as keras.ops.depthwise_conv: kernel ([KH,] KW, C, multiplier).</summary>
    public static Tensor DepthwiseConv(Tensor inputs, Tensor kernel, ReadOnlySpan<int> strides, string padding, ReadOnlySpan<int> dilationRate)
    {
        var ks = kernel.Shape;
        if (ks.Rank < 3) throw new ArgumentException($"DepthwiseConv expects a kernel of rank 3 or 4; got {ks}.", nameof(kernel));
        // (.., C, M) viewed as (.., 1, C*M) is a grouped convolution with C groups.
        Span<int> d = stackalloc int[ks.Rank];
        ks.Dims.CopyTo(d);
        d[^1] = ks[-2] * ks[-1];
        d[^2] = 1;
        var k = Reshape(kernel, new Shape(d));
        var y = Conv(inputs, k, strides, padding, dilationRate);
        // A recording tape's Conv node reads the reshaped kernel in the backward pass; the scope frees it then.
        if (GradientTape.ShouldRecord(inputs, kernel) is null) k.Dispose();
        return y;
    }

    /// <summary>Transposed convolution, as keras.ops.conv_transpose: kernel ([KH,] KW, OutC, C); output
    /// size in*stride for "same", (in-1)*stride + (k-1)*dilation + 1 for "valid", plus outputPadding.</summary>
    public static Tensor ConvTranspose(Tensor inputs, Tensor kernel, ReadOnlySpan<int> strides, string padding, ReadOnlySpan<int> outputPadding = default, ReadOnlySpan<int> dilationRate = default)
    {
        CheckFloat(inputs, "ConvTranspose", nameof(inputs));
        CheckFloat(kernel, "ConvTranspose", nameof(kernel));
        var xs = inputs.Shape;
        var ks = kernel.Shape;
        bool oneD = xs.Rank == 3;
        if (xs.Rank is not (3 or 4))
            throw new ArgumentException($"ConvTranspose expects inputs of rank 3 or 4; got shape {xs}.", nameof(inputs));
        if (ks.Rank != xs.Rank)
            throw new ArgumentException($"ConvTranspose expects a kernel of rank {xs.Rank} for inputs {xs}; got {ks}.", nameof(kernel));
        if (ks[-1] != xs[-1])
            throw new ArgumentException($"ConvTranspose: the kernel {ks} expects {ks[-1]} input channels; the inputs {xs} have {xs[-1]}.", nameof(kernel));
        int sh = oneD ? 1 : Pick(strides, 0), sw = Pick(strides, oneD ? 0 : 1);
        int dh = oneD ? 1 : Pick(dilationRate, 0), dw = Pick(dilationRate, oneD ? 0 : 1);
        int oph = oneD ? 0 : PickOr(outputPadding, 0, 0), opw = PickOr(outputPadding, oneD ? 0 : 1, 0);
        int inH = oneD ? 1 : xs[1], inW = xs[-2];
        int kh = oneD ? 1 : ks[0], kw = ks[-3];
        int outH = TransposedSize(inH, kh, sh, dh, padding, oph), outW = TransposedSize(inW, kw, sw, dw, padding, opw);
        // The forward convolution that maps the output back to the input defines the padding.
        int padH = padding == "same" ? Math.Max((inH - 1) * sh + (kh - 1) * dh + 1 - outH, 0) / 2 : 0;
        int padW = padding == "same" ? Math.Max((inW - 1) * sw + (kw - 1) * dw + 1 - outW, 0) / 2 : 0;
        var p = new ConvParams
        {
            N = xs[0], H = outH, W = outW, C = ks[-2], OutH = inH, OutW = inW, OutC = xs[-1],
            KH = kh, KW = kw, StrideH = sh, StrideW = sw, DilationH = dh, DilationW = dw,
            PadTop = padH, PadLeft = padW, Groups = 1,
        };
        // The kernel (KH, KW, OutC_t, C_t) is exactly the forward kernel (KH, KW, C=OutC_t, OutC=C_t).
        var y = Tensor.Empty(oneD ? new Shape(p.N, outW, p.C) : new Shape(p.N, outH, outW, p.C), DType.Float32, inputs.Backend);
        inputs.Backend.Conv2DBackwardInput(p, inputs.Buffer, kernel.Buffer, y.Buffer);
        if (GradientTape.ShouldRecord(inputs, kernel) is { } tape)
        {
            var node = new TapeNode { Op = OpCode.ConvTranspose, A = inputs, B = kernel, Out = y, Conv = p };
            tape.Record(ref node);
        }
        return y;
    }

    private static int TransposedSize(int input, int kernel, int stride, int dilation, string padding, int outputPadding) => padding switch
    {
        "same" => input * stride + outputPadding,
        "valid" => (input - 1) * stride + (kernel - 1) * dilation + 1 + outputPadding,
        _ => throw new ArgumentException($"ConvTranspose: padding must be \"valid\" or \"same\"; got \"{padding}\".", nameof(padding)),
    };

    private static int Pick(ReadOnlySpan<int> values, int i) => values.IsEmpty ? 1 : values.Length == 1 ? values[0] : values[i];

    private static int PickOr(ReadOnlySpan<int> values, int i, int fallback) => values.IsEmpty ? fallback : values.Length == 1 ? values[0] : values[i];

    private static ConvParams ConvSetup(Tensor inputs, Tensor kernel, ReadOnlySpan<int> strides, string padding, ReadOnlySpan<int> dilation, string op, out bool oneD)
    {
        CheckFloat(inputs, op, nameof(inputs));
        CheckFloat(kernel, op, nameof(kernel));
        CheckSameBackend(inputs, kernel, op);
        var xs = inputs.Shape;
        var ks = kernel.Shape;
        if (xs.Rank is not (3 or 4))
            throw new ArgumentException($"{op} expects inputs of rank 3 (batch, width, channels) or 4 (batch, height, width, channels); got shape {xs}.", nameof(inputs));
        oneD = xs.Rank == 3;
        if (ks.Rank != xs.Rank)
            throw new ArgumentException($"{op} expects a kernel of rank {xs.Rank} for inputs of shape {xs}; got kernel shape {ks}.", nameof(kernel));
        int c = xs[-1], kc = ks[-2], oc = ks[-1];
        if (kc <= 0 || c % kc != 0)
            throw new ArgumentException($"{op}: the inputs have {c} channels, which the kernel's {kc} input channels (shape {ks}) do not divide.", nameof(kernel));
        int groups = c / kc;
        if (oc % groups != 0)
            throw new ArgumentException($"{op}: {groups} groups do not divide the kernel's {oc} output channels.", nameof(kernel));
        int sh = oneD ? 1 : Pick(strides, 0), sw = Pick(strides, oneD ? 0 : 1);
        int dh = oneD ? 1 : Pick(dilation, 0), dw = Pick(dilation, oneD ? 0 : 1);
        if (sh <= 0 || sw <= 0 || dh <= 0 || dw <= 0)
            throw new ArgumentException($"{op}: strides and dilation must be positive.");
        int h = oneD ? 1 : xs[1], w = xs[-2];
        int kh = oneD ? 1 : ks[0], kw = ks[-3];
        var (outH, padTop) = oneD ? (1, 0) : ConvAxis(h, kh, sh, dh, padding, op);
        var (outW, padLeft) = ConvAxis(w, kw, sw, dw, padding, op);
        return new ConvParams
        {
            N = xs[0], H = h, W = w, C = c, OutH = outH, OutW = outW, OutC = oc, KH = kh, KW = kw,
            StrideH = sh, StrideW = sw, DilationH = dh, DilationW = dw, PadTop = padTop, PadLeft = padLeft, Groups = groups,
        };
    }

    internal static Tensor ConvBackwardInput(in ConvParams p, Tensor dy, Tensor kernel, Shape inputShape)
    {
        var dx = Tensor.Empty(inputShape, DType.Float32, dy.Backend);
        dy.Backend.Conv2DBackwardInput(p, dy.Buffer, kernel.Buffer, dx.Buffer);
        return dx;
    }

    internal static Tensor ConvBackwardFilter(in ConvParams p, Tensor x, Tensor dy, Shape kernelShape)
    {
        var dw = Tensor.Empty(kernelShape, DType.Float32, dy.Backend);
        dy.Backend.Conv2DBackwardFilter(p, x.Buffer, dy.Buffer, dw.Buffer);
        return dw;
    }

    internal static Tensor ConvForward(in ConvParams p, Tensor x, Tensor kernel, Shape outShape)
    {
        var y = Tensor.Empty(outShape, DType.Float32, x.Backend);
        x.Backend.Conv2D(p, x.Buffer, kernel.Buffer, y.Buffer);
        return y;
    }

    // ----- pooling -----

    /// <summary>Max pooling, channels_last, rank 3 (1-D) or 4 (2-D) inputs.</summary>
    public static Tensor MaxPool(Tensor inputs, ReadOnlySpan<int> poolSize, ReadOnlySpan<int> strides = default, string padding = "valid") =>
        Pool(PoolKind.Max, inputs, poolSize, strides, padding, "MaxPool");

    /// <summary>Average pooling, channels_last; "same" windows average only their in-bounds elements.</summary>
    public static Tensor AveragePool(Tensor inputs, ReadOnlySpan<int> poolSize, ReadOnlySpan<int> strides = default, string padding = "valid") =>
        Pool(PoolKind.Average, inputs, poolSize, strides, padding, "AveragePool");

    private static Tensor Pool(PoolKind kind, Tensor x, ReadOnlySpan<int> poolSize, ReadOnlySpan<int> strides, string padding, string op)
    {
        CheckFloat(x, op, "inputs");
        var xs = x.Shape;
        if (xs.Rank is not (3 or 4))
            throw new ArgumentException($"{op} expects inputs of rank 3 (batch, steps, channels) or 4 (batch, height, width, channels); got shape {xs}.", "inputs");
        bool oneD = xs.Rank == 3;
        int ph = oneD ? 1 : Pick(poolSize, 0), pw = Pick(poolSize, oneD ? 0 : 1);
        int sh = oneD ? 1 : (strides.IsEmpty ? ph : Pick(strides, 0)), sw = strides.IsEmpty ? pw : Pick(strides, oneD ? 0 : 1);
        int h = oneD ? 1 : xs[1], w = xs[-2];
        var (outH, padTop) = oneD ? (1, 0) : ConvAxis(h, ph, sh, 1, padding, op);
        var (outW, padLeft) = ConvAxis(w, pw, sw, 1, padding, op);
        var p = new PoolParams
        {
            Kind = kind, N = xs[0], H = h, W = w, C = xs[-1], OutH = outH, OutW = outW, PoolH = ph, PoolW = pw,
            StrideH = sh, StrideW = sw, PadTop = padTop, PadLeft = padLeft,
        };
        var y = Tensor.Empty(oneD ? new Shape(p.N, outW, p.C) : new Shape(p.N, outH, outW, p.C), DType.Float32, x.Backend);
        x.Backend.Pool2D(p, x.Buffer, y.Buffer);
        if (GradientTape.ShouldRecord(x) is { } tape)
        {
            var node = new TapeNode { Op = OpCode.Pool, A = x, Out = y, Pool = p };
            tape.Record(ref node);
        }
        return y;
    }

    internal static Tensor PoolBackward(in PoolParams p, Tensor x, Tensor y, Tensor dy)
    {
        var dx = Tensor.Empty(x.Shape, DType.Float32, x.Backend);
        x.Backend.Pool2DBackward(p, x.Buffer, y.Buffer, dy.Buffer, dx.Buffer);
        return dx;
    }
}
