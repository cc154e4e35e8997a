using System.Runtime.InteropServices;
using KerasNet.Backend;
using KerasNet.Backends.Native.Cpu;
using Xunit;

namespace KerasNet.Tests.Conformance;

/// <summary>Convolution and pooling kernels against plain double-precision references written from the
/// definitions: the direct 7-loop convolution, its input and kernel gradients as the sums over every
/// output position and tap that read an element, and pooling over the in-bounds part of each window.
/// <para>Tolerance: an element that is a sum of L float products must satisfy
/// |got − ref| ≤ 1e-5 · max(1, √L) · max(1, |ref|), with L the longest sum behind that element
/// (KH·KW·C/G for the forward pass, KH·KW·OutC/G for the input gradient, N·OutH·OutW for the kernel
/// gradient, the window size for average pooling). Inner products in the adjointness checks are compared
/// in double with |a − b| ≤ 1e-5 · Σ|terms|. Data is uniform in [-1, 1] from a seeded System.Random.</para></summary>
public class ConvPoolConformanceTests
{
    // -------------------------------------------------------------------------------------------------
    // Geometry helpers: the Keras/TF way of turning "valid"/"same" into explicit padding.

    private static (int Out, int PadBefore) Axis(int input, int kernel, int stride, int dilation, bool same)
    {
        if (!same) return ((input - (kernel - 1) * dilation - 1) / stride + 1, 0);
        int output = (input + stride - 1) / stride;
        int total = Math.Max((output - 1) * stride + (kernel - 1) * dilation + 1 - input, 0);
        return (output, total / 2);
    }

    private static ConvParams Conv(int n, int h, int w, int c, int outC, int kh, int kw,
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

    private static PoolParams Pool(PoolKind kind, int n, int h, int w, int c, int ph, int pw, int sh, int sw, bool same = false)
    {
        var (outH, padTop) = Axis(h, ph, sh, 1, same);
        var (outW, padLeft) = Axis(w, pw, sw, 1, same);
        return new PoolParams
        {
            Kind = kind, N = n, H = h, W = w, C = c, OutH = outH, OutW = outW, PoolH = ph, PoolW = pw,
            StrideH = sh, StrideW = sw, PadTop = padTop, PadLeft = padLeft,
        };
    }

    // -------------------------------------------------------------------------------------------------
    // Convolution cases.

    [Theory, MemberData(nameof(BackendsUnderTest.Names), MemberType = typeof(BackendsUnderTest))]
    public void Conv_3x3_Valid_Stride1(string backend) => CheckConv(backend, Conv(2, 6, 6, 3, 4, 3, 3), 1);

    [Theory, MemberData(nameof(BackendsUnderTest.Names), MemberType = typeof(BackendsUnderTest))]
    public void Conv_Same_Stride2_EvenInput(string backend)
    {
        var p = Conv(2, 8, 8, 3, 5, 3, 3, sh: 2, sw: 2, same: true);
        Assert.Equal((4, 4, 0, 0), (p.OutH, p.OutW, p.PadTop, p.PadLeft)); // total padding 1, all of it bottom/right
        CheckConv(backend, p, 2);
    }

    [Theory, MemberData(nameof(BackendsUnderTest.Names), MemberType = typeof(BackendsUnderTest))]
    public void Conv_Same_Stride2_OddInput(string backend)
    {
        var p = Conv(2, 7, 7, 3, 5, 3, 3, sh: 2, sw: 2, same: true);
        Assert.Equal((4, 4, 1, 1), (p.OutH, p.OutW, p.PadTop, p.PadLeft));
        CheckConv(backend, p, 3);
    }

    [Theory, MemberData(nameof(BackendsUnderTest.Names), MemberType = typeof(BackendsUnderTest))]
    public void Conv_Dilation2_Valid(string backend) => CheckConv(backend, Conv(2, 9, 10, 3, 4, 3, 3, dh: 2, dw: 2), 4);

    [Theory, MemberData(nameof(BackendsUnderTest.Names), MemberType = typeof(BackendsUnderTest))]
    public void Conv_Dilation2_Same(string backend) => CheckConv(backend, Conv(2, 9, 8, 4, 3, 3, 3, dh: 2, dw: 2, same: true), 5);

    [Theory, MemberData(nameof(BackendsUnderTest.Names), MemberType = typeof(BackendsUnderTest))]
    public void Conv_Groups2(string backend) => CheckConv(backend, Conv(2, 6, 5, 4, 6, 3, 3, same: true, groups: 2), 6);

    [Theory, MemberData(nameof(BackendsUnderTest.Names), MemberType = typeof(BackendsUnderTest))]
    public void Conv_Groups3_Stride2_Dilation2(string backend) =>
        CheckConv(backend, Conv(2, 11, 9, 6, 9, 3, 3, sh: 2, sw: 2, dh: 2, dw: 2, same: true, groups: 3), 7);

    [Theory, MemberData(nameof(BackendsUnderTest.Names), MemberType = typeof(BackendsUnderTest))]
    public void Conv_Depthwise(string backend) => CheckConv(backend, Conv(2, 6, 7, 5, 5, 3, 3, same: true, groups: 5), 8);

    [Theory, MemberData(nameof(BackendsUnderTest.Names), MemberType = typeof(BackendsUnderTest))]
    public void Conv_Depthwise_VectorWidth_Stride2(string backend) =>
        CheckConv(backend, Conv(2, 9, 8, 20, 20, 3, 3, sh: 2, sw: 2, same: true, groups: 20), 9);

    [Theory, MemberData(nameof(BackendsUnderTest.Names), MemberType = typeof(BackendsUnderTest))]
    public void Conv_Depthwise_Multiplier2(string backend) => CheckConv(backend, Conv(2, 6, 6, 3, 6, 3, 3, same: true, groups: 3), 10);

    [Theory, MemberData(nameof(BackendsUnderTest.Names), MemberType = typeof(BackendsUnderTest))]
    public void Conv_Depthwise_Multiplier2_Dilation2_Stride2(string backend) =>
        CheckConv(backend, Conv(2, 10, 9, 4, 8, 3, 3, sh: 2, sw: 2, dh: 2, dw: 2, same: true, groups: 4), 11);

    [Theory, MemberData(nameof(BackendsUnderTest.Names), MemberType = typeof(BackendsUnderTest))]
    public void Conv_1x1(string backend) => CheckConv(backend, Conv(2, 5, 5, 8, 5, 1, 1), 12);

    [Theory, MemberData(nameof(BackendsUnderTest.Names), MemberType = typeof(BackendsUnderTest))]
    public void Conv_1x1_Groups2(string backend) => CheckConv(backend, Conv(2, 4, 5, 6, 4, 1, 1, groups: 2), 13);

    [Theory, MemberData(nameof(BackendsUnderTest.Names), MemberType = typeof(BackendsUnderTest))]
    public void Conv_1x1_Stride2(string backend) => CheckConv(backend, Conv(2, 7, 6, 4, 5, 1, 1, sh: 2, sw: 2), 14);

    [Theory, MemberData(nameof(BackendsUnderTest.Names), MemberType = typeof(BackendsUnderTest))]
    public void Conv_NonSquare_2x3_Strides2x1(string backend) => CheckConv(backend, Conv(2, 7, 8, 3, 4, 2, 3, sh: 2, sw: 1), 15);

    [Theory, MemberData(nameof(BackendsUnderTest.Names), MemberType = typeof(BackendsUnderTest))]
    public void Conv_NonSquare_2x3_Strides1x2_Same(string backend) =>
        CheckConv(backend, Conv(2, 6, 9, 3, 4, 2, 3, sh: 1, sw: 2, same: true), 16);

    [Theory, MemberData(nameof(BackendsUnderTest.Names), MemberType = typeof(BackendsUnderTest))]
    public void Conv_Batch3(string backend) => CheckConv(backend, Conv(3, 5, 5, 2, 3, 3, 3, same: true), 17);

    [Theory, MemberData(nameof(BackendsUnderTest.Names), MemberType = typeof(BackendsUnderTest))]
    public void Conv_1D(string backend)
    {
        CheckConv(backend, Conv(2, 1, 20, 3, 4, 1, 3, same: true), 18);
        CheckConv(backend, Conv(3, 1, 17, 4, 5, 1, 5, sw: 2, dw: 2), 19);
    }

    /// <summary>Large enough for the per-thread split and for several im2col chunks per task.</summary>
    [Theory, MemberData(nameof(BackendsUnderTest.Names), MemberType = typeof(BackendsUnderTest))]
    public void Conv_Large_ChunkedAndParallel(string backend)
    {
        CheckConv(backend, Conv(16, 16, 16, 32, 8, 3, 3, same: true), 20);
        CheckConv(backend, Conv(8, 12, 12, 16, 16, 1, 1), 21);                         // direct GEMM, row split
        CheckConv(backend, Conv(4, 14, 14, 32, 32, 3, 3, same: true, groups: 32), 22); // depthwise, parallel rows
    }

    /// <summary>⟨conv(x, w), dy⟩ = ⟨x, dX(dy, w)⟩ = ⟨w, dW(x, dy)⟩.</summary>
    [Theory, MemberData(nameof(BackendsUnderTest.Names), MemberType = typeof(BackendsUnderTest))]
    public void Conv_Adjointness(string backend)
    {
        var b = BackendsUnderTest.Get(backend);
        foreach (var (p, seed) in new[]
        {
            (Conv(3, 11, 9, 6, 9, 3, 2, sh: 2, sw: 1, dh: 2, dw: 1, same: true, groups: 3), 100),
            (Conv(2, 13, 13, 8, 16, 3, 3), 101),
            (Conv(2, 9, 7, 6, 12, 3, 3, sh: 2, sw: 2, same: true, groups: 6), 102),
        })
        {
            var rnd = new Random(seed);
            float[] x = RandomArray(rnd, XSize(p)), w = RandomArray(rnd, WSize(p)), dy = RandomArray(rnd, YSize(p));
            float[] y = RunForward(b, p, x, w), dx = RunBackwardInput(b, p, dy, w), dw = RunBackwardFilter(b, p, x, dy);
            var (ydy, ydyAbs) = Dot(y, dy);
            var (xdx, xdxAbs) = Dot(x, dx);
            var (wdw, wdwAbs) = Dot(w, dw);
            Assert.True(Math.Abs(ydy - xdx) <= 1e-5 * Math.Max(ydyAbs, xdxAbs), $"<conv(x,w),dy> {ydy} vs <x,dX> {xdx}");
            Assert.True(Math.Abs(ydy - wdw) <= 1e-5 * Math.Max(ydyAbs, wdwAbs), $"<conv(x,w),dy> {ydy} vs <w,dW> {wdw}");
        }
    }

    /// <summary>Changing the thread count is process-wide, so these run in the serial collection, alone.</summary>
    [Collection(SerialCollection.Name)]
    public class ThreadCounts
    {
        /// <summary>The same large cases on 1, 2 and 3 threads: every way of splitting the work agrees with
        /// the reference (the thread count is restored afterwards).</summary>
        [Theory, MemberData(nameof(BackendsUnderTest.Names), MemberType = typeof(BackendsUnderTest))]
        public void Conv_EveryThreadCount(string backend)
        {
            int original = CpuThreads.Count;
            try
            {
                foreach (int threads in new[] { 1, 2, 3 })
                {
                    CpuThreads.SetCount(threads);
                    CheckConv(backend, Conv(6, 16, 16, 32, 8, 3, 3, same: true), 30 + threads);
                    CheckConv(backend, Conv(2, 10, 10, 8, 12, 3, 3, sh: 2, sw: 2, same: true, groups: 2), 40 + threads);
                    CheckConv(backend, Conv(4, 10, 10, 16, 16, 1, 1), 50 + threads);
                    CheckConv(backend, Conv(4, 12, 12, 24, 24, 3, 3, same: true, groups: 24), 60 + threads);
                    CheckConv(backend, Conv(4, 8, 8, 64, 128, 3, 3, same: true), 90 + threads); // partials summed in parallel
                    CheckPool(backend, Pool(PoolKind.Max, 8, 16, 16, 32, 2, 2, 2, 2), 70 + threads, ties: false);
                    CheckPool(backend, Pool(PoolKind.Max, 4, 10, 10, 16, 3, 3, 1, 1, same: true), 80 + threads, ties: true);
                }
            }
            finally
            {
                CpuThreads.SetCount(original);
            }
        }
    }

    /// <summary>Allocation is measured per thread but the buffer pool and the kernels' scratch caches are
    /// shared, so this runs in the serial collection, alone.</summary>
    [Collection(SerialCollection.Name)]
    public class Allocation
    {
        /// <summary>After warm-up, Conv2D and both gradients (im2col, direct and depthwise paths) and both
        /// pooling kernels allocate nothing on the managed heap.</summary>
        [Theory, MemberData(nameof(BackendsUnderTest.Names), MemberType = typeof(BackendsUnderTest))]
        public void Conv_And_Pool_AllocateNothing_InSteadyState(string backend)
        {
            var b = BackendsUnderTest.Get(backend);
            var convs = new[]
            {
                Conv(4, 12, 12, 8, 16, 3, 3),
                Conv(4, 12, 12, 8, 16, 3, 3, sh: 2, sw: 2, same: true, groups: 2),
                Conv(4, 12, 12, 8, 16, 1, 1),
                Conv(4, 12, 12, 16, 16, 3, 3, same: true, groups: 16),
            };
            var pools = new[]
            {
                Pool(PoolKind.Max, 8, 16, 16, 32, 2, 2, 2, 2),
                Pool(PoolKind.Average, 8, 15, 15, 32, 3, 3, 2, 2, same: true),
                Pool(PoolKind.Max, 4, 12, 12, 16, 3, 3, 1, 1),
            };
            var buffers = new List<DeviceBuffer>();
            DeviceBuffer Make(long floats)
            {
                var buf = b.Allocate(floats * sizeof(float));
                b.Upload(MemoryMarshal.AsBytes(RandomArray(new Random(buffers.Count), (int)floats).AsSpan()), buf, 0);
                buffers.Add(buf);
                return buf;
            }
            var convBuffers = convs.Select(p => (p, x: Make(XSize(p)), w: Make(WSize(p)), y: Make(YSize(p)),
                dy: Make(YSize(p)), dx: Make(XSize(p)), dw: Make(WSize(p)))).ToArray();
            var poolBuffers = pools.Select(p => (p, x: Make(PoolXSize(p)), y: Make(PoolYSize(p)), dy: Make(PoolYSize(p)),
                dx: Make(PoolXSize(p)))).ToArray();
            void Step()
            {
                foreach (var (p, x, w, y, dy, dx, dw) in convBuffers)
                {
                    b.Conv2D(p, x, w, y);
                    b.Conv2DBackwardInput(p, dy, w, dx);
                    b.Conv2DBackwardFilter(p, x, dy, dw);
                }
                foreach (var (p, x, y, dy, dx) in poolBuffers)
                {
                    b.Pool2D(p, x, y);
                    b.Pool2DBackward(p, x, y, dy, dx);
                }
            }
            try
            {
                for (int i = 0; i < 5; i++) Step();
                AllocationAssert.NoneInOneOfThreeWindows(() => { for (int i = 0; i < 20; i++) Step(); }, "20 conv/pool forward and backward rounds");
            }
            finally
            {
                foreach (var buf in buffers) b.Recycle(buf);
            }
        }
    }

    // -------------------------------------------------------------------------------------------------
    // Pooling cases.

    [Theory, MemberData(nameof(BackendsUnderTest.Names), MemberType = typeof(BackendsUnderTest))]
    public void Pool_Max_2x2_Stride2_Valid(string backend)
    {
        CheckPool(backend, Pool(PoolKind.Max, 2, 6, 6, 10, 2, 2, 2, 2), 200, ties: false);
        CheckPool(backend, Pool(PoolKind.Max, 2, 7, 5, 10, 2, 2, 2, 2), 201, ties: false); // leftover row/column get zero gradient
        CheckPool(backend, Pool(PoolKind.Max, 2, 7, 5, 10, 2, 2, 2, 2, same: true), 220, ties: false); // last windows clipped
        CheckPool(backend, Pool(PoolKind.Max, 2, 8, 9, 10, 2, 3, 3, 4), 221, ties: false); // gaps between windows
    }

    [Theory, MemberData(nameof(BackendsUnderTest.Names), MemberType = typeof(BackendsUnderTest))]
    public void Pool_Average_2x2_Stride2_Valid(string backend)
    {
        CheckPool(backend, Pool(PoolKind.Average, 2, 6, 6, 10, 2, 2, 2, 2), 202, ties: false);
        CheckPool(backend, Pool(PoolKind.Average, 2, 7, 5, 10, 2, 2, 2, 2), 203, ties: false);
        CheckPool(backend, Pool(PoolKind.Average, 2, 7, 5, 10, 2, 2, 2, 2, same: true), 222, ties: false);
        CheckPool(backend, Pool(PoolKind.Average, 2, 8, 9, 10, 2, 3, 3, 4), 223, ties: false);
    }

    [Theory, MemberData(nameof(BackendsUnderTest.Names), MemberType = typeof(BackendsUnderTest))]
    public void Pool_Max_3x3_Stride2_Same_Odd(string backend)
    {
        var p = Pool(PoolKind.Max, 2, 7, 7, 9, 3, 3, 2, 2, same: true);
        Assert.Equal((4, 4, 1, 1), (p.OutH, p.OutW, p.PadTop, p.PadLeft));
        CheckPool(backend, p, 204, ties: false);
        CheckPool(backend, Pool(PoolKind.Max, 2, 9, 5, 9, 3, 3, 2, 2, same: true), 205, ties: false);
    }

    [Theory, MemberData(nameof(BackendsUnderTest.Names), MemberType = typeof(BackendsUnderTest))]
    public void Pool_Average_3x3_Stride2_Same_Odd_ExcludesPadding(string backend)
    {
        var p = Pool(PoolKind.Average, 1, 7, 7, 9, 3, 3, 2, 2, same: true);
        CheckPool(backend, p, 206, ties: false);
        CheckPool(backend, Pool(PoolKind.Average, 2, 9, 5, 9, 3, 3, 2, 2, same: true), 207, ties: false);

        // All ones: an average that counted the padding would give 4/9 in the corner, not 1.
        var b = BackendsUnderTest.Get(backend);
        float[] y = RunPool(b, p, Enumerable.Repeat(1f, PoolXSize(p)).ToArray());
        Assert.All(y, v => Assert.Equal(1f, v, 6));
    }

    [Theory, MemberData(nameof(BackendsUnderTest.Names), MemberType = typeof(BackendsUnderTest))]
    public void Pool_Overlapping_3x3_Stride1_AccumulatesGradients(string backend)
    {
        CheckPool(backend, Pool(PoolKind.Max, 2, 7, 6, 11, 3, 3, 1, 1), 208, ties: false);
        CheckPool(backend, Pool(PoolKind.Average, 2, 7, 6, 11, 3, 3, 1, 1), 209, ties: false);
        CheckPool(backend, Pool(PoolKind.Max, 2, 7, 6, 11, 3, 3, 1, 1, same: true), 210, ties: false);
        CheckPool(backend, Pool(PoolKind.Average, 2, 7, 6, 11, 3, 3, 1, 1, same: true), 211, ties: false);
    }

    [Theory, MemberData(nameof(BackendsUnderTest.Names), MemberType = typeof(BackendsUnderTest))]
    public void Pool_Max_Ties_FirstMaximumWins(string backend)
    {
        CheckPool(backend, Pool(PoolKind.Max, 2, 6, 6, 10, 2, 2, 2, 2), 212, ties: true);
        CheckPool(backend, Pool(PoolKind.Max, 2, 7, 6, 11, 3, 3, 1, 1), 213, ties: true);
        CheckPool(backend, Pool(PoolKind.Max, 2, 7, 7, 9, 3, 3, 2, 2, same: true), 214, ties: true);

        // A window of equal values sends its whole gradient to its top-left element.
        var b = BackendsUnderTest.Get(backend);
        var p = Pool(PoolKind.Max, 1, 2, 2, 9, 2, 2, 2, 2);
        float[] dx = RunPoolBackward(b, p, new float[PoolXSize(p)], Enumerable.Repeat(1f, PoolYSize(p)).ToArray());
        for (int i = 0; i < dx.Length; i++) Assert.Equal(i < 9 ? 1f : 0f, dx[i]);
    }

    [Theory, MemberData(nameof(BackendsUnderTest.Names), MemberType = typeof(BackendsUnderTest))]
    public void Pool_1D_And_Large(string backend)
    {
        CheckPool(backend, Pool(PoolKind.Max, 3, 1, 17, 5, 1, 3, 1, 2, same: true), 215, ties: false);
        CheckPool(backend, Pool(PoolKind.Average, 3, 1, 17, 5, 1, 3, 1, 2, same: true), 216, ties: false);
        CheckPool(backend, Pool(PoolKind.Max, 8, 16, 16, 32, 2, 2, 2, 2), 217, ties: false);
        CheckPool(backend, Pool(PoolKind.Average, 8, 15, 15, 32, 3, 3, 2, 2, same: true), 218, ties: false);
        CheckPool(backend, Pool(PoolKind.Max, 4, 10, 10, 16, 3, 3, 1, 1, same: true), 219, ties: true);
    }

    // -------------------------------------------------------------------------------------------------
    // Convolution check and references.

    private static int XSize(in ConvParams p) => p.N * p.H * p.W * p.C;
    private static int WSize(in ConvParams p) => p.KH * p.KW * (p.C / p.Groups) * p.OutC;
    private static int YSize(in ConvParams p) => p.N * p.OutH * p.OutW * p.OutC;

    private static void CheckConv(string backend, ConvParams p, int seed)
    {
        var b = BackendsUnderTest.Get(backend);
        var rnd = new Random(seed);
        float[] x = RandomArray(rnd, XSize(p)), w = RandomArray(rnd, WSize(p)), dy = RandomArray(rnd, YSize(p));
        int cg = p.C / p.Groups, ocg = p.OutC / p.Groups;

        float[] y = RunForward(b, p, x, w);
        AssertClose(ReferenceForward(p, x, w), y, p.KH * p.KW * cg, "forward", p);

        float[] dx = RunBackwardInput(b, p, dy, w);
        AssertClose(ReferenceBackwardInput(p, dy, w), dx, p.KH * p.KW * ocg, "input gradient", p);

        float[] dw = RunBackwardFilter(b, p, x, dy);
        AssertClose(ReferenceBackwardFilter(p, x, dy), dw, p.N * p.OutH * p.OutW, "kernel gradient", p);
    }

    /// <summary>y[n,oh,ow,o] = Σ_{kh,kw,c'} x[n, oh·sh − pt + kh·dh, ow·sw − pl + kw·dw, g·C/G + c'] · w[kh,kw,c',o],
    /// g = o / (OutC/G), taps outside the input read zero.</summary>
    private static double[] ReferenceForward(in ConvParams p, float[] x, float[] w)
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

    /// <summary>dx[n,h,w,c] = Σ over every output position and tap that read x[n,h,w,c] of dy · w.</summary>
    private static double[] ReferenceBackwardInput(in ConvParams p, float[] dy, float[] w)
    {
        int cg = p.C / p.Groups, ocg = p.OutC / p.Groups;
        var dx = new double[XSize(p)];
        for (int n = 0; n < p.N; n++)
        for (int oh = 0; oh < p.OutH; oh++)
        for (int ow = 0; ow < p.OutW; ow++)
        for (int o = 0; o < p.OutC; o++)
        {
            int g = o / ocg;
            double d = dy[((n * p.OutH + oh) * p.OutW + ow) * p.OutC + o];
            for (int kh = 0; kh < p.KH; kh++)
            for (int kw = 0; kw < p.KW; kw++)
            for (int c = 0; c < cg; c++)
            {
                int ih = oh * p.StrideH - p.PadTop + kh * p.DilationH, iw = ow * p.StrideW - p.PadLeft + kw * p.DilationW;
                if (ih < 0 || ih >= p.H || iw < 0 || iw >= p.W) continue;
                dx[((n * p.H + ih) * p.W + iw) * p.C + g * cg + c] += d * w[((kh * p.KW + kw) * cg + c) * p.OutC + o];
            }
        }
        return dx;
    }

    /// <summary>dw[kh,kw,c',o] = Σ over every output position whose tap (kh, kw) is in bounds of dy · x.</summary>
    private static double[] ReferenceBackwardFilter(in ConvParams p, float[] x, float[] dy)
    {
        int cg = p.C / p.Groups, ocg = p.OutC / p.Groups;
        var dw = new double[WSize(p)];
        for (int n = 0; n < p.N; n++)
        for (int oh = 0; oh < p.OutH; oh++)
        for (int ow = 0; ow < p.OutW; ow++)
        for (int o = 0; o < p.OutC; o++)
        {
            int g = o / ocg;
            double d = dy[((n * p.OutH + oh) * p.OutW + ow) * p.OutC + o];
            for (int kh = 0; kh < p.KH; kh++)
            for (int kw = 0; kw < p.KW; kw++)
            for (int c = 0; c < cg; c++)
            {
                int ih = oh * p.StrideH - p.PadTop + kh * p.DilationH, iw = ow * p.StrideW - p.PadLeft + kw * p.DilationW;
                if (ih < 0 || ih >= p.H || iw < 0 || iw >= p.W) continue;
                dw[((kh * p.KW + kw) * cg + c) * p.OutC + o] += d * x[((n * p.H + ih) * p.W + iw) * p.C + g * cg + c];
            }
        }
        return dw;
    }

    private static float[] RunForward(IBackend b, in ConvParams p, float[] x, float[] w)
    {
        var bx = Upload(b, x);
        var bw = Upload(b, w);
        var by = Upload(b, Garbage(YSize(p)));
        try
        {
            b.Conv2D(p, bx, bw, by);
            return Download(b, by, YSize(p));
        }
        finally { b.Recycle(bx); b.Recycle(bw); b.Recycle(by); }
    }

    private static float[] RunBackwardInput(IBackend b, in ConvParams p, float[] dy, float[] w)
    {
        var bdy = Upload(b, dy);
        var bw = Upload(b, w);
        var bdx = Upload(b, Garbage(XSize(p))); // must be overwritten, not accumulated into
        try
        {
            b.Conv2DBackwardInput(p, bdy, bw, bdx);
            return Download(b, bdx, XSize(p));
        }
        finally { b.Recycle(bdy); b.Recycle(bw); b.Recycle(bdx); }
    }

    private static float[] RunBackwardFilter(IBackend b, in ConvParams p, float[] x, float[] dy)
    {
        var bx = Upload(b, x);
        var bdy = Upload(b, dy);
        var bdw = Upload(b, Garbage(WSize(p)));
        try
        {
            b.Conv2DBackwardFilter(p, bx, bdy, bdw);
            return Download(b, bdw, WSize(p));
        }
        finally { b.Recycle(bx); b.Recycle(bdy); b.Recycle(bdw); }
    }

    // -------------------------------------------------------------------------------------------------
    // Pooling check and references.

    private static int PoolXSize(in PoolParams p) => p.N * p.H * p.W * p.C;
    private static int PoolYSize(in PoolParams p) => p.N * p.OutH * p.OutW * p.C;

    private static void CheckPool(string backend, PoolParams p, int seed, bool ties)
    {
        var b = BackendsUnderTest.Get(backend);
        var rnd = new Random(seed);
        // With ties, values come from {-1, -0.5, 0, 0.5, 1}: most windows hold repeated maxima.
        float[] x = ties
            ? Enumerable.Range(0, PoolXSize(p)).Select(_ => rnd.Next(5) * 0.5f - 1f).ToArray()
            : RandomArray(rnd, PoolXSize(p));
        float[] dy = RandomArray(rnd, PoolYSize(p));

        float[] y = RunPool(b, p, x);
        var (refY, refDx, maxTerms) = ReferencePool(p, x, dy);
        AssertClose(refY, y, p.PoolH * p.PoolW, $"{p.Kind} pooling", p);

        float[] dx = RunPoolBackward(b, p, x, dy);
        AssertClose(refDx, dx, maxTerms, $"{p.Kind} pooling gradient", p);
    }

    /// <summary>Windows clipped to the input; max routes dy to the first maximum in row-major order,
    /// average spreads dy / (in-bounds count); overlapping windows accumulate.</summary>
    private static (double[] Y, double[] Dx, int MaxTerms) ReferencePool(in PoolParams p, float[] x, float[] dy)
    {
        var y = new double[PoolYSize(p)];
        var dx = new double[PoolXSize(p)];
        var terms = new int[PoolXSize(p)];
        for (int n = 0; n < p.N; n++)
        for (int oh = 0; oh < p.OutH; oh++)
        for (int ow = 0; ow < p.OutW; ow++)
        for (int c = 0; c < p.C; c++)
        {
            int yi = ((n * p.OutH + oh) * p.OutW + ow) * p.C + c;
            double best = double.NegativeInfinity, sum = 0;
            int bestAt = -1, count = 0;
            for (int ph = 0; ph < p.PoolH; ph++)
            for (int pw = 0; pw < p.PoolW; pw++)
            {
                int ih = oh * p.StrideH - p.PadTop + ph, iw = ow * p.StrideW - p.PadLeft + pw;
                if (ih < 0 || ih >= p.H || iw < 0 || iw >= p.W) continue;
                int xi = ((n * p.H + ih) * p.W + iw) * p.C + c;
                if (x[xi] > best) { best = x[xi]; bestAt = xi; }
                sum += x[xi];
                count++;
            }
            Assert.True(count > 0, "the test geometry produced an all-padding window");
            if (p.Kind == PoolKind.Max)
            {
                y[yi] = best;
                dx[bestAt] += dy[yi];
                terms[bestAt]++;
                continue;
            }
            y[yi] = sum / count;
            for (int ph = 0; ph < p.PoolH; ph++)
            for (int pw = 0; pw < p.PoolW; pw++)
            {
                int ih = oh * p.StrideH - p.PadTop + ph, iw = ow * p.StrideW - p.PadLeft + pw;
                if (ih < 0 || ih >= p.H || iw < 0 || iw >= p.W) continue;
                int xi = ((n * p.H + ih) * p.W + iw) * p.C + c;
                dx[xi] += dy[yi] / count;
                terms[xi]++;
            }
        }
        return (y, dx, Math.Max(1, terms.Max()));
    }

    private static float[] RunPool(IBackend b, in PoolParams p, float[] x)
    {
        var bx = Upload(b, x);
        var by = Upload(b, Garbage(PoolYSize(p)));
        try
        {
            b.Pool2D(p, bx, by);
            return Download(b, by, PoolYSize(p));
        }
        finally { b.Recycle(bx); b.Recycle(by); }
    }

    private static float[] RunPoolBackward(IBackend b, in PoolParams p, float[] x, float[] dy)
    {
        var bx = Upload(b, x);
        var by = b.Allocate((long)PoolYSize(p) * sizeof(float));
        var bdy = Upload(b, dy);
        var bdx = Upload(b, Garbage(PoolXSize(p)));
        try
        {
            b.Pool2D(p, bx, by);
            b.Pool2DBackward(p, bx, by, bdy, bdx);
            return Download(b, bdx, PoolXSize(p));
        }
        finally { b.Recycle(bx); b.Recycle(by); b.Recycle(bdy); b.Recycle(bdx); }
    }

    // -------------------------------------------------------------------------------------------------
    // Shared helpers.

    private static float[] RandomArray(Random rnd, int count)
    {
        var a = new float[count];
        for (int i = 0; i < count; i++) a[i] = (float)(rnd.NextDouble() * 2 - 1);
        return a;
    }

    /// <summary>A recognisable non-zero fill for output buffers, so a kernel that accumulates into its
    /// output or skips an element fails.</summary>
    private static float[] Garbage(int count) => Enumerable.Repeat(12345f, count).ToArray();

    private static DeviceBuffer Upload(IBackend b, float[] data)
    {
        var buffer = b.Allocate((long)data.Length * sizeof(float));
        b.Upload(MemoryMarshal.AsBytes(data.AsSpan()), buffer, 0);
        return buffer;
    }

    private static float[] Download(IBackend b, DeviceBuffer buffer, int count)
    {
        var data = new float[count];
        b.Download(buffer, 0, MemoryMarshal.AsBytes(data.AsSpan()));
        return data;
    }

    private static (double Dot, double AbsSum) Dot(float[] a, float[] b)
    {
        double dot = 0, abs = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double t = (double)a[i] * b[i];
            dot += t;
            abs += Math.Abs(t);
        }
        return (dot, abs);
    }

    private static void AssertClose<TParams>(double[] expected, float[] actual, int sumLength, string what, TParams p)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = 1e-5 * Math.Max(1.0, Math.Sqrt(sumLength));
        for (int i = 0; i < expected.Length; i++)
        {
            double tolerance = scale * Math.Max(1.0, Math.Abs(expected[i]));
            if (!(Math.Abs(actual[i] - expected[i]) <= tolerance))
                Assert.Fail($"{what} differs at element {i}: expected {expected[i]:R}, got {actual[i]:R} (tolerance {tolerance:E2}) for {Describe(p)}");
        }
    }

    private static string Describe<TParams>(TParams p) => p switch
    {
        ConvParams c => $"conv N{c.N} {c.H}x{c.W}x{c.C} -> {c.OutH}x{c.OutW}x{c.OutC}, kernel {c.KH}x{c.KW}, strides {c.StrideH},{c.StrideW}, dilation {c.DilationH},{c.DilationW}, pad {c.PadTop},{c.PadLeft}, groups {c.Groups}",
        PoolParams q => $"{q.Kind} pool N{q.N} {q.H}x{q.W}x{q.C} -> {q.OutH}x{q.OutW}, window {q.PoolH}x{q.PoolW}, strides {q.StrideH},{q.StrideW}, pad {q.PadTop},{q.PadLeft}",
        _ => p?.ToString() ?? "",
    };
}
