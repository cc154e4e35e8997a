using System.Runtime.InteropServices;
using KerasNet;
using KerasNet.Backend;
using KerasNet.Backends.Native;
using KerasNet.Backends.Native.Cpu;

/// <summary>Every kernel family on the CUDA device against the CPU device, on the same random inputs: prints the
/// largest relative difference per check and fails past its tolerance (0 where results must be bit-identical).</summary>
internal static class KernelChecks
{
    private static readonly CpuBackend Cpu = new();
    private static IBackend _gpu = null!;
    private static int _failures;

    public static int Run()
    {
        _gpu = new NativeBackendProvider().Create("cuda");
        var x = Rand(6000, 1, -3, 3);
        var pos = Rand(6000, 2, 0.05f, 3);
        foreach (var op in Enum.GetValues<UnaryOp>().Where(o => o != UnaryOp.LogicalNot))
            Check($"unary {op}", 2e-6, [op is UnaryOp.Sqrt or UnaryOp.Rsqrt or UnaryOp.Log or UnaryOp.PowScalar ? pos : x], 6000,
                (b, i, y) => b.Unary(op, i[0], y, DType.Float32, 6000, 0.7f));
        var plan = BroadcastPlan.Create(new Shape(10, 20, 30), new Shape(10, 20, 30), new Shape(20, 1));
        foreach (var op in Enum.GetValues<BinaryOp>().Where(o => o is not (BinaryOp.LogicalAnd or BinaryOp.LogicalOr)))
            Check($"binary {op}", 2e-6, [x, pos[..20]], 6000, (b, i, y) => b.Binary(op, i[0], i[1], y, DType.Float32, plan));
        foreach (var op in Enum.GetValues<ReduceOp>())
            foreach (var (o, r, n) in ((int, int, int)[])[(6, 200, 5), (1, 6000, 1), (60, 100, 1)])
                Check($"reduce {op} ({o},{r},{n})", op == ReduceOp.Prod ? 1e-3 : 1e-5, [x], o * n, (b, i, y) => b.Reduce(op, i[0], y, DType.Float32, o, r, n));
        Check("softmax", 1e-5, [x], 6000, (b, i, y) => b.Softmax(i[0], y, 60, 100, false));
        Check("log-softmax", 1e-5, [x], 6000, (b, i, y) => b.Softmax(i[0], y, 60, 100, true));
        var probs = Rand(6000, 3, 0, 1);
        Check("softmax cross-entropy (probabilities) + gradient", 1e-5, [x, probs], 60 + 6000, (b, i, y) =>
        {
            var g = b.Allocate(6000 * 4);
            b.SoftmaxCrossEntropy(i[0], i[1], DType.Float32, y, g, 60, 100);
            b.Copy(g, 0, y, 60 * 4, 6000 * 4);
            b.Recycle(g);
        });
        foreach (var (ta, tb) in ((bool, bool)[])[(false, false), (true, false), (false, true), (true, true)])
        {
            var p = MatMulParams.Dense(2, 40, 30, 50, ta, tb);
            Check($"matmul transA={ta} transB={tb} + bias + relu", 1e-4, [x[..4000], pos[..3000], x[..30]], 2 * 40 * 30,
                (b, i, y) => b.MatMul(p, i[0], 0, i[1], 0, y, 0, i[2], FusedActivation.Relu));
        }
        foreach (var (groups, c, oc, k, s, pad) in ((int, int, int, int, int, int)[])[(1, 3, 8, 3, 1, 1), (1, 4, 6, 3, 2, 0), (2, 4, 6, 3, 1, 1), (4, 4, 8, 3, 1, 1), (1, 8, 5, 1, 1, 0)])
        {
            var p = new ConvParams
            {
                N = 2, H = 10, W = 9, C = c, OutC = oc, KH = k, KW = k, StrideH = s, StrideW = s, DilationH = 1, DilationW = 1,
                PadTop = pad, PadLeft = pad, Groups = groups, OutH = (10 + 2 * pad - k) / s + 1, OutW = (9 + 2 * pad - k) / s + 1,
            };
            int xs = 2 * 10 * 9 * c, ws = k * k * (c / groups) * oc, ys = 2 * p.OutH * p.OutW * oc;
            string name = $"conv groups={groups} C={c} OutC={oc} k={k} stride={s}";
            Check(name + " forward + bias + relu", 1e-4, [x[..xs], x[..ws], pos[..oc]], ys, (b, i, y) => b.Conv2D(p, i[0], i[1], y, i[2], FusedActivation.Relu));
            Check(name + " backward input", 1e-4, [x[..ys], x[..ws]], xs, (b, i, y) => b.Conv2DBackwardInput(p, i[0], i[1], y));
            Check(name + " backward filter", 1e-4, [x[..xs], pos[..ys]], ws, (b, i, y) => b.Conv2DBackwardFilter(p, i[0], i[1], y));
        }
        var rounded = x.Select(v => MathF.Round(v, 1)).ToArray();
        foreach (var kind in Enum.GetValues<PoolKind>())
        {
            var p = new PoolParams { Kind = kind, N = 2, H = 10, W = 9, C = 3, PoolH = 3, PoolW = 2, StrideH = 2, StrideW = 1, PadTop = 1, PadLeft = 0, OutH = 5, OutW = 8 };
            Check($"pool {kind}", 1e-6, [rounded[..540]], 2 * 5 * 8 * 3, (b, i, y) => b.Pool2D(p, i[0], y));
            Check($"pool {kind} backward", 1e-6, [rounded[..540], x[..240]], 540, (b, i, y) => b.Pool2DBackward(p, i[0], i[0], i[1], y));
        }
        foreach (var d in Enum.GetValues<RandomDistribution>())
            Check($"random {d} (bit-identical)", 0, [], 100_000, (b, _, y) => b.Random(d, y, 100_000, 0xC0FFEE_1234UL, 12, 0.25f, 1.5f));
        foreach (var p in (OptimizerUpdateParams[])[
                     new() { Kind = OptimizerUpdateKind.Sgd, Count = 6000, LearningRateScale = 1, Momentum = 0.9f, Nesterov = true },
                     new() { Kind = OptimizerUpdateKind.Adam, Count = 6000, LearningRateScale = 0.7f, Beta1 = 0.9f, Beta2 = 0.999f, Epsilon = 1e-7f, Amsgrad = true }])
            Check($"optimizer {p.Kind} (bit-identical)", 0, [[0.01f], x, pos, x, pos, pos], 6000, (b, i, y) =>
            {
                b.OptimizerUpdate(p, i[0], i[1], i[2], i[3], i[4], i[5]);
                b.Copy(i[1], 0, y, 0, 6000 * 4);
            });
        var idx = Enumerable.Range(0, 50).Select(i => (i * 7) % 20).ToArray();
        Check("gather / scatter-add", 1e-6, [x[..(3 * 20 * 4)]], 3 * 50 * 4 + 3 * 20 * 4, (b, i, y) =>
        {
            var ib = b.Allocate(50 * 4);
            b.Upload(MemoryMarshal.AsBytes(idx.AsSpan()), ib, 0);
            b.Gather(i[0], ib, DType.Int32, y, DType.Float32, 3, 20, 4, 50);
            var acc = b.Allocate(3 * 20 * 4 * 4);
            b.Fill(acc, DType.Float32, 3 * 20 * 4, 0);
            b.ScatterAdd(y, ib, DType.Int32, acc, 3, 20, 4, 50);
            b.Copy(acc, 0, y, 3 * 50 * 4 * 4, 3 * 20 * 4 * 4);
            b.Recycle(ib);
            b.Recycle(acc);
        });
        var copy = new StridedCopyParams { Shape = new Shape(5, 6, 7), SrcStrides = new Shape(1, 5 * 7, 5), DstStrides = new Shape(42, 7, 1) };
        Check("strided copy (transpose)", 0, [x[..210]], 210, (b, i, y) => b.StridedCopy(copy, i[0], y, DType.Float32));
        Console.WriteLine(_failures == 0 ? "kernels: all checks passed" : $"kernels: {_failures} check(s) FAILED");
        return _failures == 0 ? 0 : 1;
    }

    private static float[] Rand(int n, int seed, float lo, float hi)
    {
        var r = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)(lo + r.NextDouble() * (hi - lo))).ToArray();
    }

    private static void Check(string name, double tolerance, float[][] inputs, int outCount, Action<IBackend, DeviceBuffer[], DeviceBuffer> kernel)
    {
        try
        {
            var c = RunOn(Cpu, inputs, outCount, kernel);
            var g = RunOn(_gpu, inputs, outCount, kernel);
            double worst = 0;
            for (int i = 0; i < c.Length; i++)
            {
                if (float.IsNaN(c[i]) && float.IsNaN(g[i])) continue;
                double d = tolerance == 0
                    ? (BitConverter.SingleToInt32Bits(c[i]) == BitConverter.SingleToInt32Bits(g[i]) ? 0 : double.PositiveInfinity)
                    : Math.Abs(c[i] - g[i]) / (1 + Math.Abs(c[i]));
                if (double.IsNaN(d)) d = double.PositiveInfinity;
                worst = Math.Max(worst, d);
            }
            bool ok = worst <= tolerance;
            if (!ok) _failures++;
            Console.WriteLine($"{(ok ? "ok  " : "FAIL")} {name}: max relative difference {worst:G3} (tolerance {tolerance:G3})");
        }
        catch (Exception e)
        {
            _failures++;
            Console.WriteLine($"FAIL {name}: {e.GetType().Name}: {e.Message}");
        }
    }

    private static float[] RunOn(IBackend backend, float[][] inputs, int outCount, Action<IBackend, DeviceBuffer[], DeviceBuffer> kernel)
    {
        var buffers = new List<DeviceBuffer>();
        try
        {
            var ins = inputs.Select(a =>
            {
                var b = backend.Allocate(Math.Max(a.Length, 1) * 4L);
                backend.Upload(MemoryMarshal.AsBytes(a.AsSpan()), b, 0);
                buffers.Add(b);
                return b;
            }).ToArray();
            var y = backend.Allocate(outCount * 4L);
            buffers.Add(y);
            backend.Fill(y, DType.Float32, outCount, 0);
            kernel(backend, ins, y);
            var r = new float[outCount];
            backend.Download(y, 0, MemoryMarshal.AsBytes(r.AsSpan()));
            return r;
        }
        finally
        {
            foreach (var b in buffers) backend.Recycle(b);
        }
    }
}
