using KerasNet.Backend;

namespace KerasNet.Backends.Native.Cuda;

internal sealed unsafe partial class CudaBackend
{
    /// <summary>The im2col workspace is cut into image chunks of at most this many bytes (one image at least).</summary>
    private const long ScratchLimit = 256L << 20;

    private CudaBuffer? _scratch;
    private readonly List<CudaBuffer> _retiredScratch = [];

    /// <summary>TF32 tensor-core math for GEMMs (about 10 bits of mantissa in the products), off unless asked for.</summary>
    public static bool AllowTf32 { get; set; }

    public void MatMul(in MatMulParams p, DeviceBuffer a, long aOffset, DeviceBuffer b, long bOffset, DeviceBuffer c, long cOffset) =>
        MatMul(p, a, aOffset, b, bOffset, c, cOffset, null, FusedActivation.None);

    public void MatMul(in MatMulParams p, DeviceBuffer a, long aOffset, DeviceBuffer b, long bOffset, DeviceBuffer c, long cOffset,
        DeviceBuffer? bias, FusedActivation activation)
    {
        var ca = Cuda(a, nameof(a));
        var cb = Cuda(b, nameof(b));
        var cc = Cuda(c, nameof(c));
        if (p.Batch > 0 && p.M > 0 && p.N > 0)
        {
            CheckMatrix(ca, aOffset, p.Batch, p.StrideA, p.TransA ? p.K : p.M, p.TransA ? p.M : p.K, p.Lda, nameof(a));
            CheckMatrix(cb, bOffset, p.Batch, p.StrideB, p.TransB ? p.N : p.K, p.TransB ? p.K : p.N, p.Ldb, nameof(b));
            CheckMatrix(cc, cOffset, p.Batch, p.StrideC, p.M, p.N, p.Ldc, nameof(c));
        }
        if (bias != null && bias.ByteLength < (long)p.N * sizeof(float))
            throw new ArgumentException($"The bias holds {bias.ByteLength} bytes but the product has {p.N} columns.", nameof(bias));
        if ((bias != null || activation != FusedActivation.None) && p.Batch > 1 && p.StrideC == 0)
            throw new ArgumentException($"A fused bias or activation needs one C per batch entry; got {p.Batch} products accumulated into one C (StrideC 0). Add the bias and apply the activation after the accumulation.", nameof(p));
        bool relu = IsRelu(activation);
        var biasBuffer = bias is null ? null : Cuda(bias, nameof(bias));
        if (p.Batch <= 0 || p.M <= 0 || p.N <= 0) return;
        using var scope = Enter();
        Touch(ca, cb, cc);
        if (biasBuffer is not null) Touch(biasBuffer);
        Gemm(p, ca.Pointer + (ulong)(aOffset * sizeof(float)), cb.Pointer + (ulong)(bOffset * sizeof(float)), cc.Pointer + (ulong)(cOffset * sizeof(float)));
        if (biasBuffer is not null || relu)
        {
            int batch = p.StrideC == 0 ? 1 : p.Batch;
            Epilogue(cc.Pointer + (ulong)(cOffset * sizeof(float)), p.Ldc, p.StrideC, batch, p.M, p.N, biasBuffer?.Pointer ?? 0, relu, scale: null);
        }
    }

    /// <summary>One row-major product on cuBLAS through <see cref="GemmMapping"/> (pointers already offset).</summary>
    private void Gemm(in MatMulParams p, ulong a, ulong b, ulong c)
    {
        if (p.K == 0)
        {
            // No products: C = beta·C (cuBLAS's handling of k = 0 is not documented, so do it here); a shared C
            // (batch stride 0) is scaled once per batch entry, as the entries run in order.
            if (p.StrideC == 0)
                for (int i = 0; i < p.Batch; i++) Epilogue(c, p.Ldc, 0, 1, p.M, p.N, 0, false, p.Beta);
            else
                Epilogue(c, p.Ldc, p.StrideC, p.Batch, p.M, p.N, 0, false, p.Beta);
            return;
        }
        var g = GemmMapping.Map(p);
        if (!g.Sequential)
        {
            // At most GemmMapping.MaxBatchPerCall entries per call (larger batches have failed inside cuBLAS).
            for (int first = 0; first < g.Batch; first += GemmMapping.MaxBatchPerCall)
            {
                var part = GemmMapping.Part(g, first);
                _cublas.Gemm(_cublasHandle, part, b + (ulong)(first * g.StrideA * sizeof(float)),
                    a + (ulong)(first * g.StrideB * sizeof(float)), c + (ulong)(first * g.StrideC * sizeof(float)), AllowTf32);
            }
            return;
        }
        var one = g with { Batch = 1 };
        for (int i = 0; i < g.Batch; i++)
            _cublas.Gemm(_cublasHandle, one, b + (ulong)(i * g.StrideA * sizeof(float)), a + (ulong)(i * g.StrideB * sizeof(float)), c, AllowTf32);
    }

    private void Epilogue(ulong c, long ldc, long strideC, int batch, int rows, int cols, ulong bias, bool relu, float? scale)
    {
        int r = relu ? 1 : 0, scaleC = scale.HasValue ? 1 : 0;
        float s = scale ?? 1f;
        void** args = stackalloc void*[] { &c, &ldc, &strideC, &batch, &rows, &cols, &bias, &r, &scaleC, &s };
        Launch("bias_act", (long)batch * rows * cols, args);
    }

    private static bool IsRelu(FusedActivation activation) => activation switch
    {
        FusedActivation.None => false,
        FusedActivation.Relu => true,
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown fused activation."),
    };

    private static void CheckMatrix(CudaBuffer buffer, long offset, int batch, long stride, int rows, int cols, int ld, string name)
    {
        if (rows == 0 || cols == 0) return;
        if (offset < 0 || stride < 0 || (rows > 1 && ld < cols))
            throw new ArgumentOutOfRangeException(name, $"Invalid matrix layout: offset {offset}, batch stride {stride}, leading dimension {ld} for {rows}×{cols}.");
        long end = offset + (batch - 1) * stride + (long)(rows - 1) * ld + cols;
        if (end * sizeof(float) > buffer.ByteLength)
            throw new ArgumentOutOfRangeException(name, $"The matrix product reads or writes up to element {end} but the buffer holds {buffer.ByteLength / sizeof(float)} floats.");
    }

    // ----- convolution: im2col + cuBLAS, depthwise directly -----

    public void Conv2D(in ConvParams p, DeviceBuffer x, DeviceBuffer w, DeviceBuffer y) => Conv2D(p, x, w, y, null, FusedActivation.None);

    public void Conv2D(in ConvParams p, DeviceBuffer x, DeviceBuffer w, DeviceBuffer y, DeviceBuffer? bias, FusedActivation activation)
    {
        CheckConv(p, x, w, y, nameof(x), nameof(y));
        if (bias != null) CheckFloats(bias, p.OutC, nameof(bias));
        bool relu = IsRelu(activation);
        CudaBuffer xb = Cuda(x, nameof(x)), wb = Cuda(w, nameof(w)), yb = Cuda(y, nameof(y));
        var biasBuffer = bias is null ? null : Cuda(bias, nameof(bias));
        if (p.N == 0) return;
        using var scope = Enter();
        Touch(xb, wb, yb);
        if (biasBuffer is not null) Touch(biasBuffer);
        var ca = ConvArgs.From(p);
        ulong xp = xb.Pointer, wp = wb.Pointer, yp = yb.Pointer, bp = biasBuffer?.Pointer ?? 0;
        if (IsDepthwise(p))
        {
            int r = relu ? 1 : 0;
            void** args = stackalloc void*[] { &xp, &wp, &yp, &ca, &bp, &r };
            Launch("depthwise_fwd_f32", (long)p.N * p.OutH * p.OutW * p.OutC, args);
            return;
        }
        int pixels = p.OutH * p.OutW, cg = p.C / p.Groups, ocg = p.OutC / p.Groups, kd = p.KH * p.KW * cg;
        if (IsPointwise(p))
        {
            Gemm(MatMulParams.Dense(1, p.N * pixels, p.OutC, p.C), xp, wp, yp);
        }
        else
        {
            int chunk = ImagesPerChunk(p, (long)pixels * kd * p.Groups);
            ulong cols = Scratch((long)chunk * pixels * kd * p.Groups * sizeof(float));
            for (int n0 = 0; n0 < p.N; n0 += chunk)
            {
                int count = Math.Min(chunk, p.N - n0);
                Im2Col(xp, cols, ca, n0, count, (long)count * pixels * kd * p.Groups);
                int rows = count * pixels;
                var mm = new MatMulParams
                {
                    Batch = p.Groups, M = rows, N = ocg, K = kd, Lda = kd, Ldb = p.OutC, Ldc = p.OutC,
                    StrideA = (long)rows * kd, StrideB = ocg, StrideC = ocg, Alpha = 1f, Beta = 0f,
                };
                Gemm(mm, cols, wp, yp + (ulong)((long)n0 * pixels * p.OutC * sizeof(float)));
            }
        }
        if (bp != 0 || relu) Epilogue(yp, p.OutC, 0, 1, p.N * pixels, p.OutC, bp, relu, scale: null);
    }

    public void Conv2DBackwardInput(in ConvParams p, DeviceBuffer dy, DeviceBuffer w, DeviceBuffer dx)
    {
        CheckConv(p, dx, w, dy, nameof(dx), nameof(dy));
        CudaBuffer dyb = Cuda(dy, nameof(dy)), wb = Cuda(w, nameof(w)), dxb = Cuda(dx, nameof(dx));
        if (p.N == 0) return;
        using var scope = Enter();
        Touch(dyb, wb, dxb);
        var ca = ConvArgs.From(p);
        ulong dyp = dyb.Pointer, wp = wb.Pointer, dxp = dxb.Pointer;
        if (IsDepthwise(p))
        {
            void** args = stackalloc void*[] { &dyp, &wp, &dxp, &ca };
            Launch("depthwise_bwd_input_f32", (long)p.N * p.H * p.W * p.C, args);
            return;
        }
        int pixels = p.OutH * p.OutW, cg = p.C / p.Groups, ocg = p.OutC / p.Groups, kd = p.KH * p.KW * cg;
        if (IsPointwise(p))
        {
            Gemm(MatMulParams.Dense(1, p.N * pixels, p.C, p.OutC, transB: true), dyp, wp, dxp);
            return;
        }
        int chunk = ImagesPerChunk(p, (long)pixels * kd * p.Groups);
        ulong cols = Scratch((long)chunk * pixels * kd * p.Groups * sizeof(float));
        for (int n0 = 0; n0 < p.N; n0 += chunk)
        {
            int count = Math.Min(chunk, p.N - n0);
            int rows = count * pixels;
            var mm = new MatMulParams
            {
                Batch = p.Groups, M = rows, N = kd, K = ocg, TransB = true, Lda = p.OutC, Ldb = p.OutC, Ldc = kd,
                StrideA = ocg, StrideB = ocg, StrideC = (long)rows * kd, Alpha = 1f, Beta = 0f,
            };
            Gemm(mm, dyp + (ulong)((long)n0 * pixels * p.OutC * sizeof(float)), wp, cols);
            Col2Im(cols, dxp, ca, n0, count, (long)count * p.H * p.W * p.C);
        }
    }

    public void Conv2DBackwardFilter(in ConvParams p, DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dw)
    {
        CheckConv(p, x, dw, dy, nameof(x), nameof(dy));
        CudaBuffer xb = Cuda(x, nameof(x)), dyb = Cuda(dy, nameof(dy)), dwb = Cuda(dw, nameof(dw));
        using var scope = Enter();
        Touch(xb, dyb, dwb);
        var ca = ConvArgs.From(p);
        ulong xp = xb.Pointer, dyp = dyb.Pointer, dwp = dwb.Pointer;
        int pixels = p.OutH * p.OutW, cg = p.C / p.Groups, ocg = p.OutC / p.Groups, kd = p.KH * p.KW * cg;
        if (p.N == 0)
        {
            _cu.Check(_cu.cuMemsetD32Async(dwp, 0, (nuint)((long)kd * p.OutC), _stream), "cuMemsetD32Async");
            return;
        }
        if (IsDepthwise(p))
        {
            void** args = stackalloc void*[] { &xp, &dyp, &dwp, &ca };
            LaunchGrid("depthwise_bwd_filter_f32", RowBlocks((long)p.KH * p.KW * p.OutC), BlockSize, 1, 0, args);
            return;
        }
        if (IsPointwise(p))
        {
            Gemm(MatMulParams.Dense(1, p.C, p.OutC, p.N * pixels, transA: true), xp, dyp, dwp);
            return;
        }
        int chunk = ImagesPerChunk(p, (long)pixels * kd * p.Groups);
        ulong cols = Scratch((long)chunk * pixels * kd * p.Groups * sizeof(float));
        for (int n0 = 0; n0 < p.N; n0 += chunk)
        {
            int count = Math.Min(chunk, p.N - n0);
            int rows = count * pixels;
            Im2Col(xp, cols, ca, n0, count, (long)rows * kd * p.Groups);
            var mm = new MatMulParams
            {
                Batch = p.Groups, M = kd, N = ocg, K = rows, TransA = true, Lda = kd, Ldb = p.OutC, Ldc = p.OutC,
                StrideA = (long)rows * kd, StrideB = ocg, StrideC = ocg, Alpha = 1f, Beta = n0 == 0 ? 0f : 1f,
            };
            Gemm(mm, cols, dyp + (ulong)((long)n0 * pixels * p.OutC * sizeof(float)), dwp);
        }
    }

    private void Im2Col(ulong x, ulong cols, ConvArgs ca, int n0, int count, long elements)
    {
        void** args = stackalloc void*[] { &x, &cols, &ca, &n0, &count };
        Launch("im2col_f32", elements, args);
    }

    private void Col2Im(ulong cols, ulong dx, ConvArgs ca, int n0, int count, long elements)
    {
        void** args = stackalloc void*[] { &cols, &dx, &ca, &n0, &count };
        Launch("col2im_f32", elements, args);
    }

    /// <summary>One input channel per group: computed directly, no im2col.</summary>
    private static bool IsDepthwise(in ConvParams p) => p.Groups > 1 && p.C == p.Groups;

    /// <summary>A 1×1, stride-1, unpadded, ungrouped convolution is one GEMM over the NHWC data as it is.</summary>
    private static bool IsPointwise(in ConvParams p) =>
        p.KH == 1 && p.KW == 1 && p.StrideH == 1 && p.StrideW == 1 && p.PadTop == 0 && p.PadLeft == 0 && p.Groups == 1
        && p.OutH == p.H && p.OutW == p.W;

    private static int ImagesPerChunk(in ConvParams p, long floatsPerImage) =>
        (int)Math.Clamp(ScratchLimit / Math.Max(floatsPerImage * sizeof(float), 1), 1, Math.Max(p.N, 1));

    /// <summary>The device's workspace of at least <paramref name="bytes"/>. A workspace outgrown while a CUDA
    /// graph may still replay kernels that use it is kept until the graphs are gone.</summary>
    private ulong Scratch(long bytes)
    {
        if (_scratch is { } s && s.ByteLength >= bytes)
        {
            _capture?.Touch(s);
            return s.Pointer;
        }
        if (_scratch is { } old)
        {
            if (_liveGraphs > 0) _retiredScratch.Add(old);
            else if (old.MarkFreed())
            {
                // Kernels queued on the stream may still read the old workspace: cuMemFree is not stream-ordered.
                _cu.Check(_cu.cuStreamSynchronize(_stream), "cuStreamSynchronize");
                FreeRaw(old.Pointer);
            }
        }
        long size = Math.Max(bytes, 1L << 20);
        _scratch = new CudaBuffer(this, AllocRaw(size), size);
        _capture?.Touch(_scratch);
        return _scratch.Pointer;
    }

    private void ReleaseScratch()
    {
        if (_liveGraphs > 0) return;
        foreach (var r in _retiredScratch) if (r.MarkFreed()) FreeRaw(r.Pointer);
        _retiredScratch.Clear();
        if (_scratch is { } s && s.MarkFreed()) FreeRaw(s.Pointer);
        _scratch = null;
    }

    private static void CheckConv(in ConvParams p, DeviceBuffer input, DeviceBuffer kernel, DeviceBuffer output, string inputName, string outputName)
    {
        if (p.N < 0 || p.H < 1 || p.W < 1 || p.C < 1 || p.OutH < 1 || p.OutW < 1 || p.OutC < 1 || p.KH < 1 || p.KW < 1)
            throw new ArgumentException($"Convolution sizes must be positive (N {p.N}, H {p.H}, W {p.W}, C {p.C}, OutH {p.OutH}, OutW {p.OutW}, OutC {p.OutC}, KH {p.KH}, KW {p.KW}).", nameof(p));
        if (p.StrideH < 1 || p.StrideW < 1 || p.DilationH < 1 || p.DilationW < 1)
            throw new ArgumentException($"Convolution strides ({p.StrideH}, {p.StrideW}) and dilations ({p.DilationH}, {p.DilationW}) must be at least 1.", nameof(p));
        if (p.PadTop < 0 || p.PadLeft < 0)
            throw new ArgumentException($"Convolution padding ({p.PadTop}, {p.PadLeft}) cannot be negative.", nameof(p));
        if (p.Groups < 1 || p.C % p.Groups != 0 || p.OutC % p.Groups != 0)
            throw new ArgumentException($"Groups ({p.Groups}) must divide both the input channels ({p.C}) and the output channels ({p.OutC}).", nameof(p));
        CheckFloats(input, (long)p.N * p.H * p.W * p.C, inputName);
        CheckFloats(kernel, (long)p.KH * p.KW * (p.C / p.Groups) * p.OutC, "kernel");
        CheckFloats(output, (long)p.N * p.OutH * p.OutW * p.OutC, outputName);
    }

    // ----- pooling -----

    public void Pool2D(in PoolParams p, DeviceBuffer x, DeviceBuffer y)
    {
        CheckPool(p, x, y, null);
        CudaBuffer xb = Cuda(x, nameof(x)), yb = Cuda(y, nameof(y));
        using var scope = Enter();
        Touch(xb, yb);
        var pa = PoolArgs.From(p);
        ulong xp = xb.Pointer, yp = yb.Pointer;
        void** args = stackalloc void*[] { &xp, &yp, &pa };
        Launch("pool_fwd_f32", (long)p.N * p.OutH * p.OutW * p.C, args);
    }

    public void Pool2DBackward(in PoolParams p, DeviceBuffer x, DeviceBuffer y, DeviceBuffer dy, DeviceBuffer dx)
    {
        // y is not needed: the max pass recomputes each window's first maximum from x.
        CheckPool(p, x, dy, dx);
        CudaBuffer xb = Cuda(x, nameof(x)), dyb = Cuda(dy, nameof(dy)), dxb = Cuda(dx, nameof(dx));
        using var scope = Enter();
        Touch(xb, dyb, dxb);
        var pa = PoolArgs.From(p);
        ulong xp = xb.Pointer, dyp = dyb.Pointer, dxp = dxb.Pointer;
        void** args = stackalloc void*[] { &xp, &dyp, &dxp, &pa };
        Launch("pool_bwd_f32", (long)p.N * p.H * p.W * p.C, args);
    }

    private static void CheckPool(in PoolParams p, DeviceBuffer x, DeviceBuffer outputShaped, DeviceBuffer? dx)
    {
        if (p.Kind != PoolKind.Max && p.Kind != PoolKind.Average)
            throw new ArgumentException($"Unknown pooling kind {p.Kind}.", nameof(p));
        if (p.N < 0 || p.H < 1 || p.W < 1 || p.C < 1 || p.OutH < 1 || p.OutW < 1 || p.PoolH < 1 || p.PoolW < 1)
            throw new ArgumentException($"Pooling sizes must be positive (N {p.N}, H {p.H}, W {p.W}, C {p.C}, OutH {p.OutH}, OutW {p.OutW}, PoolH {p.PoolH}, PoolW {p.PoolW}).", nameof(p));
        if (p.StrideH < 1 || p.StrideW < 1 || p.PadTop < 0 || p.PadLeft < 0)
            throw new ArgumentException($"Pooling strides ({p.StrideH}, {p.StrideW}) must be at least 1 and padding ({p.PadTop}, {p.PadLeft}) non-negative.", nameof(p));
        long input = (long)p.N * p.H * p.W * p.C, output = (long)p.N * p.OutH * p.OutW * p.C;
        CheckFloats(x, input, nameof(x));
        if (dx != null) CheckFloats(dx, input, nameof(dx));
        CheckFloats(outputShaped, output, "y");
    }
}
