using System.Runtime.InteropServices;
using KerasNet.Backend;
using KerasNet.Backends.Native.Cpu;
using KerasNet.Tests.Reference;
using Xunit;

namespace KerasNet.Tests.Conformance;

/// <summary>The fused kernels of the backend contract against double-precision references written from
/// their documented definitions (never from the code under test):
/// <list type="bullet">
/// <item>MatMul with an epilogue: C = act(alpha·op(A)·op(B) + beta·C + bias[col]), a naive triple loop.</item>
/// <item>Conv2D with an epilogue: y = act(conv(x, w) + bias[oc]), the naive 7-loop NHWC convolution, on
/// every CPU path: groups = 1 (im2col and the 1x1 direct GEMM; bias/ReLU fused into the GEMM), 1 &lt; groups
/// &lt; C (applied after each GEMM chunk), depthwise (applied per output row), and the per-thread split.</item>
/// <item>The activation-gradient binary ops ReluBackward (a where b &gt; 0 else 0), SigmoidBackward
/// (a·b·(1−b)) and TanhBackward (a·(1−b²)), contiguous and broadcast.</item>
/// </list>
/// The fused optimizer update is covered by <see cref="OptimizerKernelTests"/>; its thread-count and
/// allocation checks are in the serial classes here and there.
/// <para>Tolerances follow <see cref="ConvPoolConformanceTests"/> and GemmTests: an element that is a sum of
/// L float products passes when |got − ref| ≤ 1e-5 · max(1, √L) · (its magnitude scale), the scale being
/// max(1, |ref before the activation|) for convolutions and |alpha|·Σ|a·b| + |beta·c| + |bias| for MatMul.
/// The activation gradients are a few roundings each: 1e-6 of |a|·|b|·(1+|b|) (sigmoid) or |a|·(1+b²)
/// (tanh); ReLU's gradient selects and must be exact. With ReLU every output must also be ≥ 0 exactly.
/// Output buffers start filled with a sentinel (or NaN), so a kernel that accumulates into its output,
/// or skips an element, fails.</para></summary>
public class FusedKernelConformanceTests
{
    public static IEnumerable<object[]> Backends => BackendsUnderTest.Names;

    // =================================================================================================
    // MatMul with a fused bias + ReLU epilogue.
    // =================================================================================================

    /// <summary>One fused matrix product: dense operands laid out per the transposes, C with PadC extra
    /// columns per row (which must stay untouched), element offsets into every device buffer.</summary>
    internal sealed record MatMulCase(int Batch, int M, int N, int K, bool TransA = false, bool TransB = false,
        float Alpha = 1f, float Beta = 0f, bool Bias = true, bool Relu = true, int PadC = 0, bool NaNC = false)
    {
        public const int AOff = 3, BOff = 5, COff = 7;

        public MatMulParams Params => new()
        {
            Batch = Batch, M = M, N = N, K = K, TransA = TransA, TransB = TransB,
            Lda = Math.Max(TransA ? M : K, 1), Ldb = Math.Max(TransB ? K : N, 1), Ldc = N + PadC,
            StrideA = (long)M * K, StrideB = (long)K * N, StrideC = (long)M * (N + PadC),
            Alpha = Alpha, Beta = Beta,
        };

        public FusedActivation Activation => Relu ? FusedActivation.Relu : FusedActivation.None;

        public override string ToString() =>
            $"batch {Batch} M {M} N {N} K {K} transA {TransA} transB {TransB} alpha {Alpha} beta {Beta} bias {Bias} relu {Relu} padC {PadC}";
    }

    /// <summary>Host data of a <see cref="MatMulCase"/> and its reference.</summary>
    internal sealed class MatMulData
    {
        public required MatMulCase Case;
        public required float[] A, B, C0, BiasBuf; // A, B, C0 include the leading offset elements
        public required double[] Want, Tol;        // per element of C0; Tol < 0 marks padding (must be unchanged)

        public static MatMulData Make(MatMulCase c, int seed)
        {
            var rnd = new Random(seed);
            var p = c.Params;
            float[] a = Prefixed(RandomArray(rnd, c.Batch * c.M * c.K), MatMulCase.AOff);
            float[] b = Prefixed(RandomArray(rnd, c.Batch * c.K * c.N), MatMulCase.BOff);
            int cSize = c.Batch * c.M * (c.N + c.PadC);
            float[] c0 = Prefixed(c.NaNC ? Enumerable.Repeat(float.NaN, cSize).ToArray() : RandomArray(rnd, cSize), MatMulCase.COff);
            // The bias buffer is longer than N: only its first N elements may be read.
            float[] bias = RandomArray(rnd, c.N).Concat([1000f, -1000f, 1000f]).ToArray();
            var want = new double[c0.Length];
            var tol = Enumerable.Repeat(-1.0, c0.Length).ToArray();
            for (int bi = 0; bi < c.Batch; bi++)
            for (int i = 0; i < c.M; i++)
            for (int j = 0; j < c.N; j++)
            {
                double sum = 0, mag = 0;
                for (int k = 0; k < c.K; k++)
                {
                    double av = c.TransA ? a[MatMulCase.AOff + bi * p.StrideA + (long)k * p.Lda + i] : a[MatMulCase.AOff + bi * p.StrideA + (long)i * p.Lda + k];
                    double bv = c.TransB ? b[MatMulCase.BOff + bi * p.StrideB + (long)j * p.Ldb + k] : b[MatMulCase.BOff + bi * p.StrideB + (long)k * p.Ldb + j];
                    sum += av * bv;
                    mag += Math.Abs(av * bv);
                }
                long ci = MatMulCase.COff + bi * p.StrideC + (long)i * p.Ldc + j;
                double cv = c.Beta == 0 ? 0 : (double)c.Beta * c0[ci];
                double bv2 = c.Bias ? bias[j] : 0;
                double v = (double)c.Alpha * sum + cv + bv2;
                want[ci] = c.Relu ? Math.Max(v, 0) : v;
                tol[ci] = 1e-5 * Math.Sqrt(Math.Max(c.K, 1)) * (Math.Abs(c.Alpha) * mag + Math.Abs(cv) + Math.Abs(bv2)) + 1e-30;
            }
            return new MatMulData { Case = c, A = a, B = b, C0 = c0, BiasBuf = bias, Want = want, Tol = tol };
        }

        public void Verify(float[] got, string what)
        {
            for (int i = 0; i < got.Length; i++)
            {
                if (Tol[i] < 0)
                {
                    if (BitConverter.SingleToInt32Bits(got[i]) != BitConverter.SingleToInt32Bits(C0[i]))
                        Assert.Fail($"{what} {Case}: element {i} outside the output (offset or row padding) changed from {C0[i]} to {got[i]}");
                    continue;
                }
                if (Case.Relu && !(got[i] >= 0))
                    Assert.Fail($"{what} {Case}: element {i} is {got[i]:R} after a fused ReLU");
                if (!(Math.Abs(got[i] - Want[i]) <= Tol[i]))
                    Assert.Fail($"{what} {Case}: element {i} is {got[i]:R}, expected {Want[i]:R} (tolerance {Tol[i]:E2})");
            }
        }

        public float[] Run(IBackend backend)
        {
            using var d = new DeviceArrays(backend);
            var ba = d.Up(A);
            var bb = d.Up(B);
            var bc = d.Up(C0);
            var bias = Case.Bias ? d.Up(BiasBuf) : null;
            backend.MatMul(Case.Params, ba, MatMulCase.AOff, bb, MatMulCase.BOff, bc, MatMulCase.COff, bias, Case.Activation);
            return d.Down<float>(bc, C0.Length);
        }
    }

    /// <summary>Shapes on the CPU's direct GEMM path (B fits in L2, or few rows): every transpose, batches,
    /// alpha/beta, row padding of C, bias only, ReLU only, both, and NaN in C with beta = 0.</summary>
    internal static readonly MatMulCase[] DirectCases =
    [
        new(1, 1, 1, 1),
        new(1, 7, 33, 129),
        new(1, 33, 7, 1, TransA: true, Relu: false),
        new(1, 12, 16, 8, TransB: true, Bias: false),
        new(2, 13, 40, 17, TransA: true, TransB: true, Alpha: 1.5f, Beta: 0.5f, PadC: 3),
        new(3, 5, 300, 17, TransB: true, Beta: 1f, Bias: false),
        new(1, 40, 70, 600, Alpha: -0.75f, Beta: 0.5f), // several k blocks: the epilogue only after the last
        new(2, 9, 17, 5, TransA: true, NaNC: true),     // beta = 0 overwrites NaN
        new(1, 26, 35, 9, Bias: false, Relu: false, Beta: 0.25f),
    ];

    [Theory, MemberData(nameof(Backends))]
    public void MatMul_Epilogue_DirectShapes(string backend)
    {
        var b = BackendsUnderTest.Get(backend);
        for (int i = 0; i < DirectCases.Length; i++)
        {
            var data = MatMulData.Make(DirectCases[i], 100 + i);
            data.Verify(data.Run(b), "MatMul");
        }
    }

    /// <summary>B larger than L2 with many row tiles: the CPU packs B into panels and splits K into three
    /// blocks, and the bias/ReLU must be applied once, after the last block.</summary>
    [Theory, MemberData(nameof(Backends))]
    public void MatMul_Epilogue_PackedPath_SeveralKBlocks(string backend)
    {
        var b = BackendsUnderTest.Get(backend);
        var data = MatMulData.Make(new MatMulCase(1, 100, 520, 520, Beta: 0.5f, PadC: 1), 120);
        data.Verify(data.Run(b), "MatMul");
        data = MatMulData.Make(new MatMulCase(2, 30, 513, 520, TransA: true, TransB: true, Alpha: 0.5f, Relu: false), 121);
        data.Verify(data.Run(b), "MatMul");
    }

    /// <summary>With K = 0 or alpha = 0 there is no product, but beta·C, the bias and the ReLU still apply.</summary>
    [Theory, MemberData(nameof(Backends))]
    public void MatMul_Epilogue_WithoutAProduct(string backend)
    {
        var b = BackendsUnderTest.Get(backend);
        var data = MatMulData.Make(new MatMulCase(2, 4, 9, 0, Beta: 0.5f), 130);
        data.Verify(data.Run(b), "MatMul");
        data = MatMulData.Make(new MatMulCase(1, 6, 10, 0, NaNC: true), 131);
        data.Verify(data.Run(b), "MatMul");
        data = MatMulData.Make(new MatMulCase(1, 6, 10, 8, Alpha: 0f, Beta: 2f), 132);
        data.Verify(data.Run(b), "MatMul");
    }

    /// <summary>The fused ReLU treats NaN as the ReLU op does (NaN stays NaN), on every GEMM path: a NaN in A
    /// poisons its row of the product, and the epilogue must not turn it into 0. Sizes cover the direct path and
    /// the packed path with full and edge tiles.</summary>
    [Theory, MemberData(nameof(Backends))]
    public void MatMul_FusedReluKeepsNaN(string backend)
    {
        using var d = new DeviceArrays(BackendsUnderTest.Get(backend));
        foreach (var (m, n, k) in new[] { (4, 10, 3), (30, 70, 300), (13, 33, 700) })
        {
            var a = new float[m * k];
            var w = new float[k * n];
            for (int i = 0; i < a.Length; i++) a[i] = 1f;
            for (int i = 0; i < w.Length; i++) w[i] = -1f;     // every product is negative: ReLU gives 0...
            for (int j = 0; j < k; j++) a[1 * k + j] = float.NaN; // ...except row 1, which is NaN throughout
            var bias = new float[n];
            var c = d.Alloc<float>((long)m * n);
            d.Backend.MatMul(MatMulParams.Dense(1, m, n, k), d.Up(a), 0, d.Up(w), 0, c, 0, d.Up(bias), FusedActivation.Relu);
            var got = d.Down<float>(c, (long)m * n);
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                {
                    float v = got[i * n + j];
                    if (i == 1) Assert.True(float.IsNaN(v), $"{m}x{n}x{k}: C[1,{j}] = {v}, expected NaN");
                    else Assert.Equal(0f, v);
                }
        }
    }

    [Theory, MemberData(nameof(Backends))]
    public void MatMul_RejectsShortBiasAndUnknownActivation(string backend)
    {
        using var d = new DeviceArrays(BackendsUnderTest.Get(backend));
        var bias = d.Alloc<float>(16);
        int n = (int)(bias.ByteLength / sizeof(float)) + 1; // one column more than the bias holds
        var p = MatMulParams.Dense(1, 4, n, 3);
        var a = d.Alloc<float>(4 * 3);
        var w = d.Alloc<float>(3 * n);
        var c = d.Alloc<float>(4 * n);
        var ex = Assert.ThrowsAny<ArgumentException>(() => d.Backend.MatMul(p, a, 0, w, 0, c, 0, bias, FusedActivation.None));
        Assert.Equal("bias", ex.ParamName);
        var full = d.Alloc<float>(n);
        ex = Assert.ThrowsAny<ArgumentException>(() => d.Backend.MatMul(p, a, 0, w, 0, c, 0, full, (FusedActivation)7));
        Assert.Equal("activation", ex.ParamName);
        // Two products accumulated into one C cannot take a fused epilogue (it would apply per product).
        var shared = MatMulParams.Dense(2, 4, n, 3) with { StrideC = 0 };
        var a2 = d.Alloc<float>(2 * 4 * 3);
        var w2 = d.Alloc<float>(2 * 3 * n);
        ex = Assert.ThrowsAny<ArgumentException>(() => d.Backend.MatMul(shared, a2, 0, w2, 0, c, 0, null, FusedActivation.Relu));
        Assert.Equal("p", ex.ParamName);
        Assert.Contains("StrideC 0", ex.Message);
    }

    // =================================================================================================
    // Conv2D with a fused bias + ReLU epilogue.
    // =================================================================================================

    private static (int Out, int PadBefore) Axis(int input, int kernel, int stride, int dilation, bool same)
    {
        if (!same) return ((input - (kernel - 1) * dilation - 1) / stride + 1, 0);
        int output = (input + stride - 1) / stride;
        int total = Math.Max((output - 1) * stride + (kernel - 1) * dilation + 1 - input, 0);
        return (output, total / 2);
    }

    internal static ConvParams Conv(int n, int h, int w, int c, int outC, int kh, int kw,
        int sh = 1, int sw = 1, int dh = 1, int dw = 1, bool same = false, int groups = 1)
    {
        var (outH, padTop) = Axis(h, kh, sh, dh, same);
        var (outW, padLeft) = Axis(w, kw, sw, dw, same);
        return new ConvParams
        {
            N = n, H = h, W = w, C = c, OutH = outH, OutW = outW, OutC = outC, KH = kh, KW = kw,
            StrideH = sh, StrideW = sw, DilationH = dh, DilationW = dw, PadTop = padTop, PadLeft = padLeft, Groups = groups,
        };
    }

    internal static int XSize(in ConvParams p) => p.N * p.H * p.W * p.C;
    internal static int WSize(in ConvParams p) => p.KH * p.KW * (p.C / p.Groups) * p.OutC;
    internal static int YSize(in ConvParams p) => p.N * p.OutH * p.OutW * p.OutC;

    /// <summary>Host data of a fused convolution and its reference before the bias and activation.</summary>
    internal sealed class ConvData
    {
        public required ConvParams P;
        public required float[] X, W, BiasBuf;
        public required double[] Conv; // conv(x, w) alone, in double

        public static ConvData Make(ConvParams p, int seed)
        {
            var rnd = new Random(seed);
            float[] x = RandomArray(rnd, XSize(p)), w = RandomArray(rnd, WSize(p));
            float[] bias = RandomArray(rnd, p.OutC).Concat([1000f, -1000f]).ToArray(); // only OutC may be read
            return new ConvData { P = p, X = x, W = w, BiasBuf = bias, Conv = ReferenceConv(p, x, w) };
        }

        /// <summary>y[n,oh,ow,o] = Σ_{kh,kw,c'} x[n, oh·sh − pt + kh·dh, ow·sw − pl + kw·dw, g·C/G + c'] · w[kh,kw,c',o],
        /// g = o / (OutC/G); taps outside the input read zero.</summary>
        private static double[] ReferenceConv(in ConvParams p, float[] x, float[] w)
        {
            int cg = p.C / p.Groups, ocg = p.OutC / p.Groups;
            var y = new double[YSize(p)];
            for (int n = 0; n < p.N; n++)
            for (int oh = 0; oh < p.OutH; oh++)
            for (int ow = 0; ow < p.OutW; ow++)
            for (int o = 0; o < p.OutC; o++)
            {
                int g = o / ocg;
                double s = 0;
                for (int kh = 0; kh < p.KH; kh++)
                for (int kw = 0; kw < p.KW; kw++)
                for (int c = 0; c < cg; c++)
                {
                    int ih = oh * p.StrideH - p.PadTop + kh * p.DilationH, iw = ow * p.StrideW - p.PadLeft + kw * p.DilationW;
                    if (ih < 0 || ih >= p.H || iw < 0 || iw >= p.W) continue;
                    s += (double)x[((n * p.H + ih) * p.W + iw) * p.C + g * cg + c] * w[((kh * p.KW + kw) * cg + c) * p.OutC + o];
                }
                y[((n * p.OutH + oh) * p.OutW + ow) * p.OutC + o] = s;
            }
            return y;
        }

        public float[] Run(IBackend backend, bool bias, bool relu)
        {
            using var d = new DeviceArrays(backend);
            var bx = d.Up(X);
            var bw = d.Up(W);
            var by = d.Up(Enumerable.Repeat(12345f, YSize(P)).ToArray()); // must be overwritten
            backend.Conv2D(P, bx, bw, by, bias ? d.Up(BiasBuf) : null, relu ? FusedActivation.Relu : FusedActivation.None);
            return d.Down<float>(by, YSize(P));
        }

        public void Verify(float[] got, bool bias, bool relu, string what)
        {
            Assert.Equal(Conv.Length, got.Length);
            double scale = 1e-5 * Math.Max(1.0, Math.Sqrt(P.KH * P.KW * (P.C / P.Groups)));
            for (int i = 0; i < got.Length; i++)
            {
                double pre = Conv[i] + (bias ? BiasBuf[i % P.OutC] : 0);
                double want = relu ? Math.Max(pre, 0) : pre;
                double tol = scale * Math.Max(1.0, Math.Abs(pre));
                if (relu && !(got[i] >= 0))
                    Assert.Fail($"{what} (bias {bias}, relu {relu}): element {i} is {got[i]:R} after a fused ReLU, for {Describe(P)}");
                if (!(Math.Abs(got[i] - want) <= tol))
                    Assert.Fail($"{what} (bias {bias}, relu {relu}): element {i} (channel {i % P.OutC}) is {got[i]:R}, expected {want:R} (tolerance {tol:E2}) for {Describe(P)}");
            }
        }

        /// <summary>Runs and checks every combination of bias and ReLU (including neither, the plain overload's case).</summary>
        public void CheckAllEpilogues(IBackend backend, string what)
        {
            foreach (bool bias in new[] { true, false })
                foreach (bool relu in new[] { true, false })
                    Verify(Run(backend, bias, relu), bias, relu, what);
        }
    }

    internal static string Describe(in ConvParams c) =>
        $"conv N{c.N} {c.H}x{c.W}x{c.C} -> {c.OutH}x{c.OutW}x{c.OutC}, kernel {c.KH}x{c.KW}, strides {c.StrideH},{c.StrideW}, dilation {c.DilationH},{c.DilationW}, pad {c.PadTop},{c.PadLeft}, groups {c.Groups}";

    /// <summary>groups = 1 through im2col: bias and ReLU are fused into the GEMM's store.</summary>
    [Theory, MemberData(nameof(Backends))]
    public void Conv_Epilogue_Groups1_Im2Col(string backend)
    {
        var b = BackendsUnderTest.Get(backend);
        ConvData.Make(Conv(2, 7, 6, 3, 5, 3, 3, same: true), 200).CheckAllEpilogues(b, "groups 1");
        ConvData.Make(Conv(2, 9, 8, 4, 6, 3, 3, sh: 2, sw: 2, dh: 2, dw: 2, same: true), 201).CheckAllEpilogues(b, "groups 1, strided, dilated");
        ConvData.Make(Conv(2, 7, 6, 4, 5, 1, 1, sh: 2, sw: 2), 202).CheckAllEpilogues(b, "1x1 strided (im2col, not direct)");
        ConvData.Make(Conv(3, 1, 17, 4, 33, 1, 5, sw: 2, dw: 2), 203).CheckAllEpilogues(b, "1-D, OutC over one register tile");
    }

    /// <summary>groups = 1, 1x1, stride 1, unpadded: one GEMM over x itself with the fused epilogue.</summary>
    [Theory, MemberData(nameof(Backends))]
    public void Conv_Epilogue_Groups1_Direct1x1(string backend)
    {
        var b = BackendsUnderTest.Get(backend);
        ConvData.Make(Conv(2, 5, 6, 8, 7, 1, 1), 210).CheckAllEpilogues(b, "1x1 direct");
        ConvData.Make(Conv(1, 3, 3, 3, 40, 1, 1), 211).CheckAllEpilogues(b, "1x1 direct, wide");
    }

    /// <summary>1 &lt; groups &lt; C: one batched GEMM per chunk of rows, the epilogue applied after it.</summary>
    [Theory, MemberData(nameof(Backends))]
    public void Conv_Epilogue_Grouped(string backend)
    {
        var b = BackendsUnderTest.Get(backend);
        ConvData.Make(Conv(2, 6, 5, 4, 6, 3, 3, same: true, groups: 2), 220).CheckAllEpilogues(b, "groups 2");
        ConvData.Make(Conv(2, 11, 9, 6, 9, 3, 3, sh: 2, sw: 2, dh: 2, dw: 2, same: true, groups: 3), 221).CheckAllEpilogues(b, "groups 3, strided, dilated");
        ConvData.Make(Conv(2, 4, 5, 6, 4, 1, 1, groups: 2), 222).CheckAllEpilogues(b, "1x1 direct, groups 2");
        ConvData.Make(Conv(2, 5, 5, 8, 12, 3, 3, groups: 4), 223).CheckAllEpilogues(b, "groups 4 (C/G = 2)");
    }

    /// <summary>Depthwise (groups = C): direct loops, the epilogue applied per output row; multipliers 1
    /// and 2, channel counts below, at and above a vector width.</summary>
    [Theory, MemberData(nameof(Backends))]
    public void Conv_Epilogue_Depthwise(string backend)
    {
        var b = BackendsUnderTest.Get(backend);
        ConvData.Make(Conv(2, 6, 7, 5, 5, 3, 3, same: true, groups: 5), 230).CheckAllEpilogues(b, "depthwise");
        ConvData.Make(Conv(2, 9, 8, 20, 20, 3, 3, sh: 2, sw: 2, same: true, groups: 20), 231).CheckAllEpilogues(b, "depthwise, 20 channels, strided");
        ConvData.Make(Conv(2, 6, 6, 3, 6, 3, 3, same: true, groups: 3), 232).CheckAllEpilogues(b, "depthwise, multiplier 2");
        ConvData.Make(Conv(2, 10, 9, 4, 8, 3, 3, sh: 2, sw: 2, dh: 2, dw: 2, same: true, groups: 4), 233).CheckAllEpilogues(b, "depthwise, multiplier 2, strided, dilated");
        ConvData.Make(Conv(3, 1, 17, 9, 27, 1, 3, same: true, groups: 9), 234).CheckAllEpilogues(b, "depthwise 1-D, multiplier 3");
    }

    /// <summary>Enough im2col rows for several chunks per call, with groups 1 (fused into each chunk's
    /// GEMM) and groups 2 (applied after each chunk's GEMM).</summary>
    [Theory, MemberData(nameof(Backends))]
    public void Conv_Epilogue_SeveralChunks(string backend)
    {
        var b = BackendsUnderTest.Get(backend);
        var grouped = ConvData.Make(Conv(2, 32, 32, 64, 16, 3, 3, same: true, groups: 2), 240);
        grouped.Verify(grouped.Run(b, true, true), true, true, "groups 2, chunked");
        var single = ConvData.Make(Conv(2, 32, 32, 64, 8, 3, 3, same: true), 241);
        single.Verify(single.Run(b, true, true), true, true, "groups 1, chunked");
    }

    [Theory, MemberData(nameof(Backends))]
    public void Conv_RejectsShortBiasAndUnknownActivation(string backend)
    {
        using var d = new DeviceArrays(BackendsUnderTest.Get(backend));
        var bias = d.Alloc<float>(16);
        int outC = (int)(bias.ByteLength / sizeof(float)) + 1;
        foreach (int groups in new[] { 1, 2 })
        {
            var p = Conv(1, 4, 4, 2, outC * 2, 3, 3, same: true, groups: groups);
            var x = d.Alloc<float>(XSize(p));
            var w = d.Alloc<float>(WSize(p));
            var y = d.Alloc<float>(YSize(p));
            var ex = Assert.ThrowsAny<ArgumentException>(() => d.Backend.Conv2D(p, x, w, y, bias, FusedActivation.Relu));
            Assert.Equal("bias", ex.ParamName);
            ex = Assert.ThrowsAny<ArgumentException>(() => d.Backend.Conv2D(p, x, w, y, null, (FusedActivation)7));
            Assert.Equal("activation", ex.ParamName);
        }
    }

    // =================================================================================================
    // Activation gradients: ReluBackward, SigmoidBackward, TanhBackward.
    // =================================================================================================

    public static readonly BinaryOp[] GradientOps = [BinaryOp.ReluBackward, BinaryOp.SigmoidBackward, BinaryOp.TanhBackward];

    public static IEnumerable<object[]> GradientCases =>
        from b in BackendsUnderTest.Names from op in GradientOps select new object[] { b[0], op };

    internal static double GradientReference(BinaryOp op, double a, double b) => op switch
    {
        BinaryOp.ReluBackward => b > 0 ? a : 0,
        BinaryOp.SigmoidBackward => a * b * (1 - b),
        BinaryOp.TanhBackward => a * (1 - b * b),
        _ => throw new ArgumentOutOfRangeException(nameof(op)),
    };

    /// <summary>The tolerance of one element: ReLU's gradient selects and is exact; the others are a few
    /// float roundings of a product, 1e-6 of its magnitude scale.</summary>
    private static double GradientTolerance(BinaryOp op, double a, double b) => op switch
    {
        BinaryOp.ReluBackward => 0,
        BinaryOp.SigmoidBackward => 1e-6 * Math.Abs(a) * Math.Abs(b) * (1 + Math.Abs(b)),
        _ => 1e-6 * Math.Abs(a) * (1 + b * b),
    };

    /// <summary>Incoming gradients (a) in [-3, 3]; activation outputs (b) in the activation's range, with
    /// the range's end points and, for ReLU, exact zeros of both signs.</summary>
    internal static (float[] A, float[] B) GradientOperands(BinaryOp op, int na, int nb, Random rnd)
    {
        var a = new float[na];
        for (int i = 0; i < na; i++) a[i] = (float)(rnd.NextDouble() * 6 - 3);
        var b = new float[nb];
        for (int i = 0; i < nb; i++)
        {
            double u = rnd.NextDouble();
            b[i] = op switch
            {
                BinaryOp.ReluBackward => (i % 7) switch { 0 => 0f, 1 => -0f, _ => (float)(u * 2 - 1) },
                BinaryOp.SigmoidBackward => (i % 11) switch { 0 => 0f, 1 => 1f, _ => (float)u },
                _ => (i % 11) switch { 0 => 1f, 1 => -1f, 2 => 0f, _ => (float)(u * 2 - 1) },
            };
        }
        return (a, b);
    }

    internal static void CheckGradient(DeviceArrays d, BinaryOp op, int[] sa, int[] sb, int seed)
    {
        var rnd = new Random(seed);
        var (a, b) = GradientOperands(op, Ref.Size(sa), Ref.Size(sb), rnd);
        var os = Ref.BroadcastShape(sa, sb);
        var plan = BroadcastPlan.Create(new Shape(os), new Shape(sa), new Shape(sb));
        var y = d.Up(Enumerable.Repeat(12345f, Ref.Size(os)).ToArray());
        d.Backend.Binary(op, d.Up(a), d.Up(b), y, DType.Float32, plan);
        var got = d.Down<float>(y, Ref.Size(os));
        var ea = Ref.BroadcastTo(a.Select(v => (double)v).ToArray(), sa, os);
        var eb = Ref.BroadcastTo(b.Select(v => (double)v).ToArray(), sb, os);
        for (int i = 0; i < got.Length; i++)
        {
            double want = GradientReference(op, ea[i], eb[i]);
            double tol = GradientTolerance(op, ea[i], eb[i]);
            if (!(Math.Abs(got[i] - want) <= tol))
                Assert.Fail($"{op} of {new Shape(sa)} with {new Shape(sb)}: element {i} (a {ea[i]:R}, b {eb[i]:R}) is {got[i]:R}, expected {want:R} (tolerance {tol:E2})");
        }
    }

    /// <summary>Lengths around every vector width (4, 8, 16 floats), so both the vector loop and the
    /// scalar tail run, and one above the parallel threshold (split into segments when there are threads).</summary>
    public static readonly int[] ContiguousLengths = [1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 1003, 40_003];

    [Theory, MemberData(nameof(GradientCases))]
    public void ActivationGradient_Contiguous(string backend, BinaryOp op)
    {
        using var d = new DeviceArrays(BackendsUnderTest.Get(backend));
        foreach (int n in ContiguousLengths) CheckGradient(d, op, [n], [n], n);
        CheckGradient(d, op, [3, 37], [3, 37], 1); // rank 2, coalesced into one run
    }

    /// <summary>(a shape, b shape) pairs: scalar b, scalar a, row broadcast (contiguous rows of a few
    /// elements), column broadcast and both-sides broadcast (the scalar loop), and large ones above the
    /// parallel threshold.</summary>
    public static readonly (int[] A, int[] B)[] BroadcastShapes =
    [
        ([19], []),
        ([], [19]),
        ([3, 4], [4]),
        ([1, 5], [3, 5]),
        ([3, 4], [3, 1]),
        ([3, 1], [3, 4]),
        ([2, 1, 5], [3, 1]),
        ([4, 1], [1, 6]),
        ([70_001], []),
        ([], [70_001]),
        ([200, 301], [301]),
        ([301, 1], [1, 200]),
    ];

    [Theory, MemberData(nameof(GradientCases))]
    public void ActivationGradient_Broadcast(string backend, BinaryOp op)
    {
        using var d = new DeviceArrays(BackendsUnderTest.Get(backend));
        int seed = 50;
        foreach (var (sa, sb) in BroadcastShapes) CheckGradient(d, op, sa, sb, seed++);
    }

    /// <summary>ReLU's gradient at the edges, in the vector body and in the tail alike: b = ±0 and negative
    /// denormals pass nothing, positive denormals pass a, NaN in b passes nothing (NaN &gt; 0 is false), and
    /// a NaN or infinite gradient passes where b &gt; 0.</summary>
    [Theory, MemberData(nameof(Backends))]
    public void ReluGradient_Edges(string backend)
    {
        using var d = new DeviceArrays(BackendsUnderTest.Get(backend));
        (float A, float B)[] pairs =
        [
            (1.5f, 0f), (-2f, -0f), (3f, float.Epsilon), (4f, -float.Epsilon), (5f, float.NaN), (6f, 1e-30f),
            (7f, -1e-30f), (8f, float.PositiveInfinity), (9f, float.NegativeInfinity), (float.NaN, 1f),
            (float.NaN, -1f), (float.PositiveInfinity, 0.5f), (float.NegativeInfinity, -0.5f), (-0f, 2f),
        ];
        var all = Enumerable.Repeat(pairs, 3).SelectMany(x => x).ToArray(); // 42 elements: vector body and tail
        float[] a = all.Select(p => p.A).ToArray(), b = all.Select(p => p.B).ToArray();
        var y = d.Alloc<float>(a.Length);
        d.Backend.Binary(BinaryOp.ReluBackward, d.Up(a), d.Up(b), y, DType.Float32,
            BroadcastPlan.Create(new Shape(a.Length), new Shape(a.Length), new Shape(a.Length)));
        var got = d.Down<float>(y, a.Length);
        for (int i = 0; i < a.Length; i++)
        {
            float want = b[i] > 0 ? a[i] : 0f;
            Assert.True(Close.Within(want, got[i], 0, 0),
                $"ReluBackward element {i}: a {a[i]:R}, b {b[i]:R} gave {got[i]:R}, expected {want:R}");
        }
    }

    /// <summary>The gradient may be written over either input in place.</summary>
    [Theory, MemberData(nameof(GradientCases))]
    public void ActivationGradient_OutputMayAliasAnInput(string backend, BinaryOp op)
    {
        using var d = new DeviceArrays(BackendsUnderTest.Get(backend));
        foreach (int n in new[] { 37, 50_001 })
        {
            var (a, b) = GradientOperands(op, n, n, new Random(n));
            var plan = BroadcastPlan.Create(new Shape(n), new Shape(n), new Shape(n));
            foreach (bool intoA in new[] { true, false })
            {
                var ba = d.Up(a);
                var bb = d.Up(b);
                d.Backend.Binary(op, ba, bb, intoA ? ba : bb, DType.Float32, plan);
                var got = d.Down<float>(intoA ? ba : bb, n);
                for (int i = 0; i < n; i++)
                {
                    double want = GradientReference(op, a[i], b[i]);
                    if (!(Math.Abs(got[i] - want) <= GradientTolerance(op, a[i], b[i])))
                        Assert.Fail($"{op} written over {(intoA ? "a" : "b")}, n {n}: element {i} is {got[i]:R}, expected {want:R}");
                }
            }
        }
    }

    // =================================================================================================
    // Thread counts and allocations (process-wide: the serial collection).
    // =================================================================================================

    /// <summary>Changing the thread count is process-wide, so these run in the serial collection, alone;
    /// the count is restored afterwards.</summary>
    [Collection(SerialCollection.Name)]
    public class ThreadCounts
    {
        /// <summary>Every convolution path at 1, 2 and 3 threads, with at least 64·threads output rows so that
        /// the per-thread split runs (each task building and multiplying its own chunks), the depthwise loops
        /// run on several tasks, and the 1x1 direct GEMM is large enough for the GEMM's own threading.</summary>
        [Theory, MemberData(nameof(BackendsUnderTest.Names), MemberType = typeof(BackendsUnderTest))]
        public void Conv_Epilogue_EveryThreadCount(string backend)
        {
            var b = BackendsUnderTest.Get(backend);
            var cases = new[]
            {
                ("groups 1, im2col", ConvData.Make(Conv(4, 12, 12, 16, 8, 3, 3, same: true), 300)),
                ("groups 1, 1x1 direct", ConvData.Make(Conv(4, 32, 32, 32, 32, 1, 1), 301)),
                ("groups 4", ConvData.Make(Conv(4, 12, 12, 16, 16, 3, 3, same: true, groups: 4), 302)),
                ("groups 2, several chunks per task", ConvData.Make(Conv(2, 32, 32, 64, 16, 3, 3, same: true, groups: 2), 303)),
                ("depthwise", ConvData.Make(Conv(4, 12, 12, 24, 24, 3, 3, same: true, groups: 24), 304)),
                ("depthwise, multiplier 2", ConvData.Make(Conv(4, 12, 12, 8, 16, 3, 3, sh: 1, sw: 1, same: true, groups: 8), 305)),
            };
            int original = CpuThreads.Count;
            try
            {
                foreach (int threads in new[] { 1, 2, 3 })
                {
                    CpuThreads.SetCount(threads);
                    foreach (var (what, data) in cases)
                    {
                        data.Verify(data.Run(b, true, true), true, true, $"{what}, {threads} threads");
                        data.Verify(data.Run(b, true, false), true, false, $"{what}, {threads} threads");
                    }
                }
            }
            finally { CpuThreads.SetCount(original); }
        }

        /// <summary>Fused MatMul on the direct and packed GEMM paths, large enough to be split across threads.</summary>
        [Theory, MemberData(nameof(BackendsUnderTest.Names), MemberType = typeof(BackendsUnderTest))]
        public void MatMul_Epilogue_EveryThreadCount(string backend)
        {
            var b = BackendsUnderTest.Get(backend);
            var cases = new[]
            {
                MatMulData.Make(new MatMulCase(1, 200, 130, 270, Beta: 0.5f), 310),                     // direct
                MatMulData.Make(new MatMulCase(1, 100, 520, 520, TransB: true, PadC: 2), 311),          // packed
                MatMulData.Make(new MatMulCase(16, 20, 40, 200, TransA: true, Relu: false), 312),       // batch
            };
            int original = CpuThreads.Count;
            try
            {
                foreach (int threads in new[] { 1, 2, 3 })
                {
                    CpuThreads.SetCount(threads);
                    foreach (var data in cases) data.Verify(data.Run(b), $"MatMul, {threads} threads");
                }
            }
            finally { CpuThreads.SetCount(original); }
        }

        /// <summary>The activation gradients above the parallel threshold on 1, 2 and 3 threads (segments of
        /// one run, blocks of rows, and the scalar loop).</summary>
        [Theory, MemberData(nameof(BackendsUnderTest.Names), MemberType = typeof(BackendsUnderTest))]
        public void ActivationGradient_EveryThreadCount(string backend)
        {
            using var d = new DeviceArrays(BackendsUnderTest.Get(backend));
            int original = CpuThreads.Count;
            try
            {
                foreach (int threads in new[] { 1, 2, 3 })
                {
                    CpuThreads.SetCount(threads);
                    foreach (var op in GradientOps)
                    {
                        CheckGradient(d, op, [40_003], [40_003], threads);
                        CheckGradient(d, op, [200, 301], [301], threads);
                        CheckGradient(d, op, [70_001], [], threads);
                    }
                }
            }
            finally { CpuThreads.SetCount(original); }
        }
    }

    /// <summary>Allocation is measured per thread but the buffer pool and the kernels' scratch caches are
    /// shared, so this runs in the serial collection, alone.</summary>
    [Collection(SerialCollection.Name)]
    public class Allocation
    {
        /// <summary>After warm-up, 20 calls of each new kernel (fused MatMul, fused Conv2D on every path,
        /// the three activation gradients contiguous and broadcast, and every optimizer rule, small and split
        /// into tasks) allocate nothing on the managed heap, on 1 and 2 threads. Up to three windows of 20
        /// calls are measured and one must be clean (see the comment in the loop).</summary>
        [Theory, MemberData(nameof(BackendsUnderTest.Names), MemberType = typeof(BackendsUnderTest))]
        public void FusedKernels_AllocateNothing_InSteadyState(string backend)
        {
            var b = BackendsUnderTest.Get(backend);
            var buffers = new List<DeviceBuffer>();
            DeviceBuffer Make(long floats, float lo = -1f, float hi = 1f)
            {
                var rnd = new Random(buffers.Count);
                var data = new float[floats];
                for (int i = 0; i < data.Length; i++) data[i] = (float)(lo + (hi - lo) * rnd.NextDouble());
                var buf = b.Allocate(floats * sizeof(float));
                b.Upload(MemoryMarshal.AsBytes(data.AsSpan()), buf, 0);
                buffers.Add(buf);
                return buf;
            }

            var calls = new List<(string Name, Action Call)>();

            foreach (var (m, n, k, tb) in new[] { (7, 33, 129, false), (30, 520, 520, true), (1, 300, 200, false) })
            {
                var p = MatMulParams.Dense(1, m, n, k, transB: tb, beta: 0.5f);
                DeviceBuffer ba = Make((long)m * k), bb = Make((long)k * n), bc = Make((long)m * n), bias = Make(n);
                calls.Add(($"MatMul {m}x{n}x{k}", () => b.MatMul(p, ba, 0, bb, 0, bc, 0, bias, FusedActivation.Relu)));
            }

            foreach (var p in new[]
            {
                Conv(2, 7, 6, 3, 5, 3, 3, same: true),                  // groups 1, inline
                Conv(4, 12, 12, 8, 16, 3, 3),                           // groups 1, split across threads
                Conv(4, 12, 12, 8, 16, 1, 1),                           // 1x1 direct
                Conv(4, 12, 12, 8, 16, 3, 3, sh: 2, sw: 2, same: true, groups: 2),
                Conv(2, 4, 5, 6, 4, 1, 1, groups: 2),                   // 1x1 direct, grouped
                Conv(4, 12, 12, 16, 16, 3, 3, same: true, groups: 16),  // depthwise
                Conv(2, 6, 6, 3, 6, 3, 3, same: true, groups: 3),       // depthwise, multiplier 2
            })
            {
                DeviceBuffer x = Make(XSize(p)), w = Make(WSize(p)), y = Make(YSize(p)), bias = Make(p.OutC);
                calls.Add(($"Conv2D {Describe(p)}", () => b.Conv2D(p, x, w, y, bias, FusedActivation.Relu)));
            }

            foreach (var op in GradientOps)
                foreach (var (sa, sb) in new (int[], int[])[] { ([1003], [1003]), ([40_003], [40_003]), ([1003], []), ([3, 4], [3, 1]), ([200, 301], [301]) })
                {
                    var os = Ref.BroadcastShape(sa, sb);
                    var plan = BroadcastPlan.Create(new Shape(os), new Shape(sa), new Shape(sb));
                    DeviceBuffer ba = Make(Math.Max(Ref.Size(sa), 1)), bb = Make(Math.Max(Ref.Size(sb), 1), 0f, 1f), y = Make(Ref.Size(os));
                    calls.Add(($"{op} {new Shape(sa)} with {new Shape(sb)}", () => b.Binary(op, ba, bb, y, DType.Float32, plan)));
                }

            foreach (long count in new long[] { 1003, 70_001 })
            {
                DeviceBuffer lr = Make(1, 1e-3f, 1e-3f), w = Make(count), g = Make(count), m = Make(count);
                DeviceBuffer v = Make(count, 0f, 1f), vh = Make(count, 0f, 1f);
                foreach (var p in new[]
                {
                    new OptimizerUpdateParams { Kind = OptimizerUpdateKind.Sgd, Count = count, LearningRateScale = 1f },
                    new OptimizerUpdateParams { Kind = OptimizerUpdateKind.Sgd, Count = count, LearningRateScale = 1f, Momentum = 0.9f },
                    new OptimizerUpdateParams { Kind = OptimizerUpdateKind.Sgd, Count = count, LearningRateScale = 1f, Momentum = 0.9f, Nesterov = true },
                    new OptimizerUpdateParams { Kind = OptimizerUpdateKind.Adam, Count = count, LearningRateScale = 0.5f, Beta1 = 0.9f, Beta2 = 0.999f, Epsilon = 1e-7f },
                    new OptimizerUpdateParams { Kind = OptimizerUpdateKind.Adam, Count = count, LearningRateScale = 0.5f, Beta1 = 0.9f, Beta2 = 0.999f, Epsilon = 1e-7f, Amsgrad = true },
                })
                {
                    bool adam = p.Kind == OptimizerUpdateKind.Adam;
                    DeviceBuffer? s0 = p.Momentum != 0 || adam ? m : null, s1 = adam ? v : null, s2 = p.Amsgrad ? vh : null;
                    calls.Add(($"OptimizerUpdate {p.Kind} momentum {p.Momentum} nesterov {p.Nesterov} amsgrad {p.Amsgrad}, {count} elements",
                        () => b.OptimizerUpdate(p, lr, w, g, s0, s1, s2)));
                }
            }

            int original = CpuThreads.Count;
            try
            {
                foreach (int threads in new[] { 1, 2 })
                {
                    CpuThreads.SetCount(threads);
                    foreach (var (name, call) in calls)
                    {
                        for (int i = 0; i < 5; i++) call();
                        b.Synchronize();
                        AllocationAssert.NoneInOneOfThreeWindows(() =>
                        {
                            for (int i = 0; i < 20; i++) call();
                            b.Synchronize();
                        }, $"{name} on {threads} threads, 20 calls");
                    }
                }
            }
            finally
            {
                CpuThreads.SetCount(original);
                foreach (var buf in buffers) b.Recycle(buf);
            }
        }
    }

    // =================================================================================================
    // Shared helpers.
    // =================================================================================================

    internal static float[] RandomArray(Random rnd, int count)
    {
        var a = new float[count];
        for (int i = 0; i < count; i++) a[i] = (float)(rnd.NextDouble() * 2 - 1);
        return a;
    }

    /// <summary><paramref name="data"/> after <paramref name="count"/> sentinel elements (the element offset
    /// the kernel is given).</summary>
    private static float[] Prefixed(float[] data, int count) => Enumerable.Repeat(-777f, count).Concat(data).ToArray();
}
