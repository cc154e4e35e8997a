using KerasNet.Backend;
using KerasNet.Backends.Native;
using KerasNet.Backends.Native.Cpu;
using KerasNet.Backends.Native.Cuda;
using KerasNet.Tests.Reference;
using Xunit;

namespace KerasNet.Tests.Cuda;

/// <summary>The CUDA device against the CPU device, kernel family by kernel family, on the same random inputs,
/// plus what only the GPU has: the caching allocator, deferred frees, errors at sync points and graph replay.
/// Skipped with the probe's reason where there is no CUDA device. (Where there is one, the whole conformance
/// suite also runs on it through BackendsUnderTest.)</summary>
[Collection(SerialCollection.Name)]
public class CudaDeviceTests
{
    private static IBackend Gpu => new NativeBackendProvider().Create("cuda:0");

    private static readonly CpuBackend Cpu = new();

    private static float[] Rand(int n, int seed, float lo = -2, float hi = 2)
    {
        var r = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)(lo + r.NextDouble() * (hi - lo))).ToArray();
    }

    /// <summary>Runs <paramref name="kernel"/> on both devices with the same float inputs; returns (cpu, gpu) outputs.</summary>
    private static (float[] Cpu, float[] Gpu) Both(float[][] inputs, int outCount, Action<IBackend, DeviceBuffer[], DeviceBuffer> kernel, float[]? initialOut = null)
    {
        float[] Run(IBackend backend)
        {
            using var d = new DeviceArrays(backend);
            var ins = inputs.Select(d.Up).ToArray();
            var y = initialOut is null ? d.Alloc<float>(outCount) : d.Up(initialOut);
            kernel(backend, ins, y);
            return d.Down<float>(y, outCount);
        }
        return (Run(Cpu), Run(Gpu));
    }

    private static void Close(float[] expected, float[] actual, float tol = 1e-5f)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            if (float.IsNaN(expected[i])) { Assert.True(float.IsNaN(actual[i]), $"[{i}] expected NaN, got {actual[i]}"); continue; }
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tol * (1 + Math.Abs(expected[i])), $"[{i}] cpu {expected[i]} vs cuda {actual[i]}");
        }
    }

    [CudaFact]
    public void DeviceIdentifiesItself()
    {
        var g = Gpu;
        Assert.Equal("native", g.Name);
        Assert.Equal("cuda:0", g.Device);
        Assert.True(CudaDevice.Architecture >= 50);
        var (free, total) = CudaDevice.GetMemoryInfo(g);
        Assert.True(total > 0 && free <= total);
        CudaDevice.Warmup(g);
    }

    [CudaFact]
    public void UnaryMatchesCpu()
    {
        var x = Rand(1000, 1, 0.05f, 3f).Select((v, i) => i % 2 == 0 ? v : -v).ToArray();
        foreach (var op in Enum.GetValues<UnaryOp>().Where(o => o != UnaryOp.LogicalNot))
        {
            var (c, g) = Both([x], x.Length, (b, i, y) => b.Unary(op, i[0], y, DType.Float32, x.Length, 0.7f));
            Close(c, g, 2e-6f);
        }
    }

    [CudaFact]
    public void BinaryWithBroadcastingMatchesCpu()
    {
        var a = Rand(4 * 5 * 6, 2);
        var bb = Rand(5 * 1, 3, 0.5f, 2f);
        var plan = BroadcastPlan.Create(new Shape(4, 5, 6), new Shape(4, 5, 6), new Shape(5, 1));
        foreach (var op in Enum.GetValues<BinaryOp>().Where(o => o is not (BinaryOp.LogicalAnd or BinaryOp.LogicalOr)))
        {
            var (c, g) = Both([a, bb], a.Length, (b, i, y) => b.Binary(op, i[0], i[1], y, DType.Float32, plan));
            Close(c, g, 2e-6f);
        }
    }

    [CudaFact]
    public void ReductionsSoftmaxAndCrossEntropyMatchCpu()
    {
        var x = Rand(7 * 300 * 5, 4);
        foreach (var op in Enum.GetValues<ReduceOp>())
            foreach (var (o, r, n) in ((int, int, int)[])[(7, 300, 5), (1, 10500, 1), (35, 300, 1)])
            {
                var (c, g) = Both([x], o * n, (b, i, y) => b.Reduce(op, i[0], y, DType.Float32, o, r, n));
                Close(c, g, op == ReduceOp.Prod ? 1e-3f : 1e-5f);
            }
        var (sc, sg) = Both([x], x.Length, (b, i, y) => b.Softmax(i[0], y, 70, 150, log: false));
        Close(sc, sg);
        (sc, sg) = Both([x], x.Length, (b, i, y) => b.Softmax(i[0], y, 70, 150, log: true));
        Close(sc, sg);
        var labels = Enumerable.Range(0, 70).Select(i => (float)(i % 150)).ToArray();
        foreach (bool withGrad in (bool[])[false, true])
        {
            float[] Run(IBackend be)
            {
                using var d = new DeviceArrays(be);
                var logits = d.Up(x[..(70 * 150)]);
                var lab = d.Up(labels.Select(v => (int)v).ToArray());
                var loss = d.Alloc<float>(70);
                var grad = withGrad ? d.Alloc<float>(70 * 150) : null;
                be.SoftmaxCrossEntropy(logits, lab, DType.Int32, loss, grad, 70, 150);
                return withGrad ? d.Down<float>(loss, 70).Concat(d.Down<float>(grad!, 70 * 150)).ToArray() : d.Down<float>(loss, 70);
            }
            Close(Run(Cpu), Run(Gpu));
        }
    }

    [CudaFact]
    public void MatMulWithEpilogueMatchesCpu()
    {
        foreach (var (ta, tb) in ((bool, bool)[])[(false, false), (true, false), (false, true), (true, true)])
        {
            var p = MatMulParams.Dense(3, 33, 17, 29, ta, tb);
            var a = Rand(3 * 33 * 29, 5);
            var b2 = Rand(3 * 29 * 17, 6);
            var bias = Rand(17, 7);
            var (c, g) = Both([a, b2, bias], 3 * 33 * 17, (be, i, y) => be.MatMul(p, i[0], 0, i[1], 0, y, 0, i[2], FusedActivation.Relu));
            Close(c, g, 1e-4f);
        }
    }

    [CudaFact]
    public void ConvolutionAndPoolingMatchCpu()
    {
        ConvParams Conv(int groups, int c, int outC, int k, int stride, int pad, int dil) => new()
        {
            N = 3, H = 9, W = 8, C = c, OutC = outC, KH = k, KW = k, StrideH = stride, StrideW = stride, DilationH = dil, DilationW = dil,
            PadTop = pad, PadLeft = pad, Groups = groups,
            OutH = (9 + 2 * pad - dil * (k - 1) - 1) / stride + 1, OutW = (8 + 2 * pad - dil * (k - 1) - 1) / stride + 1,
        };
        foreach (var p in (ConvParams[])[Conv(1, 3, 5, 3, 1, 1, 1), Conv(1, 4, 6, 3, 2, 0, 2), Conv(2, 4, 6, 3, 1, 1, 1),
                     Conv(4, 4, 8, 3, 1, 1, 1), Conv(1, 4, 7, 1, 1, 0, 1)])
        {
            int xs = p.N * p.H * p.W * p.C, ws = p.KH * p.KW * (p.C / p.Groups) * p.OutC, ys = p.N * p.OutH * p.OutW * p.OutC;
            var x = Rand(xs, 8);
            var w = Rand(ws, 9);
            var dy = Rand(ys, 10);
            var bias = Rand(p.OutC, 11);
            var (c, g) = Both([x, w, bias], ys, (be, i, y) => be.Conv2D(p, i[0], i[1], y, i[2], FusedActivation.Relu));
            Close(c, g, 1e-4f);
            (c, g) = Both([dy, w], xs, (be, i, y) => be.Conv2DBackwardInput(p, i[0], i[1], y));
            Close(c, g, 1e-4f);
            (c, g) = Both([x, dy], ws, (be, i, y) => be.Conv2DBackwardFilter(p, i[0], i[1], y));
            Close(c, g, 1e-4f);
        }
        foreach (var kind in Enum.GetValues<PoolKind>())
        {
            var p = new PoolParams { Kind = kind, N = 2, H = 7, W = 6, C = 3, PoolH = 3, PoolW = 2, StrideH = 2, StrideW = 1, PadTop = 1, PadLeft = 0, OutH = 4, OutW = 5 };
            var x = Rand(2 * 7 * 6 * 3, 12).Select(v => MathF.Round(v, 1)).ToArray(); // ties exercise the first maximum
            var dy = Rand(2 * 4 * 5 * 3, 13);
            var (c, g) = Both([x], 2 * 4 * 5 * 3, (be, i, y) => be.Pool2D(p, i[0], y));
            Close(c, g);
            (c, g) = Both([x, dy], x.Length, (be, i, y) => be.Pool2DBackward(p, i[0], i[0], i[1], y));
            Close(c, g);
        }
    }

    [CudaFact]
    public void RandomNumbersAreBitIdenticalToCpu()
    {
        foreach (var dist in Enum.GetValues<RandomDistribution>())
        {
            var (c, g) = Both([], 100_000, (be, _, y) => be.Random(dist, y, 100_000, 0x1234_5678_9abcUL, 8, 0.25f, 1.5f));
            Assert.Equal(c, g);
        }
    }

    [CudaFact]
    public void OptimizerUpdatesMatchCpuBitForBit()
    {
        var w = Rand(5000, 14);
        var grad = Rand(5000, 15);
        var m = Rand(5000, 16, -0.1f, 0.1f);
        var v = Rand(5000, 17, 0f, 0.1f);
        foreach (var p in (OptimizerUpdateParams[])[
                     new() { Kind = OptimizerUpdateKind.Sgd, Count = 5000, LearningRateScale = 1, Momentum = 0.9f, Nesterov = true },
                     new() { Kind = OptimizerUpdateKind.Adam, Count = 5000, LearningRateScale = 0.7f, Beta1 = 0.9f, Beta2 = 0.999f, Epsilon = 1e-7f, Amsgrad = true }])
        {
            float[] Run(IBackend be)
            {
                using var d = new DeviceArrays(be);
                var lr = d.Up(new[] { 0.01f });
                var wb = d.Up(w);
                var s0 = d.Up(m);
                var s1 = d.Up(v);
                var s2 = d.Up(v);
                be.OptimizerUpdate(p, lr, wb, d.Up(grad), s0, s1, s2);
                return d.Down<float>(wb, 5000).Concat(d.Down<float>(s0, 5000)).ToArray();
            }
            Assert.Equal(Run(Cpu), Run(Gpu));
        }
    }

    [CudaFact]
    public void TheAllocatorReusesBlocksAndTakesBackFinalizedBuffers()
    {
        var g = Gpu;
        var a = (CudaBuffer)g.Allocate(12345);
        ulong ptr = a.Pointer;
        g.Recycle(a);
        var b = (CudaBuffer)g.Allocate(12345);
        Assert.Equal(ptr, b.Pointer);
        var (live, _) = CudaDevice.GetPoolBytes(g);
        DropWithoutRecycling(g, 777_777);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        g.Synchronize(); // an entry: takes the finalized block back
        Assert.Equal(live, CudaDevice.GetPoolBytes(g).Live);
        g.Recycle(b);

        static void DropWithoutRecycling(IBackend g, long bytes) => g.Allocate(bytes);
    }

    [CudaFact]
    public void KernelErrorsAreThrownAtTheNextSyncPoint()
    {
        var g = Gpu;
        using var d = new DeviceArrays(g);
        var x = d.Up(new float[] { 1, 2, 3 });
        var idx = d.Up(new[] { 0, 5 });
        var y = d.Alloc<float>(2);
        g.Gather(x, idx, DType.Int32, y, DType.Float32, 1, 3, 1, 2); // queued; no sync yet
        var e = Assert.Throws<CudaException>(() => g.Synchronize());
        Assert.Contains("Index 5", e.Message);
        g.Synchronize(); // the error word was reset
    }

    [CudaFact]
    public void ACapturedGraphReplaysTheStepOnNewInputs()
    {
        var g = Gpu;
        using var d = new DeviceArrays(g);
        var a = d.Up(new float[] { 1, 2, 3, 4 });
        var b = d.Up(new float[] { 10, 20, 30, 40 });
        var y = d.Alloc<float>(4);
        var plan = BroadcastPlan.Create(new Shape(4), new Shape(4), new Shape(4));
        void Step()
        {
            var t = g.Allocate(16);
            g.Binary(BinaryOp.Add, a, b, t, DType.Float32, plan);
            g.Binary(BinaryOp.Multiply, t, t, y, DType.Float32, plan);
            g.Recycle(t);
        }
        Step();
        Assert.Equal(new float[] { 121, 484, 1089, 1936 }, d.Down<float>(y, 4));
        using (var graph = CudaDevice.CaptureStep(g, Step))
        {
            Assert.True(graph.BufferCount >= 4);
            g.Upload(System.Runtime.InteropServices.MemoryMarshal.AsBytes(new float[] { 0, 1, 2, 3 }.AsSpan()), a, 0);
            graph.Replay();
            Assert.Equal(new float[] { 100, 441, 1024, 1849 }, d.Down<float>(y, 4));
            Assert.Throws<InvalidOperationException>(() => CudaDevice.CaptureStep(g, () => g.Synchronize()));
        }
    }
}
