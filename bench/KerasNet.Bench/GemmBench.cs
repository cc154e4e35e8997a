using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using KerasNet.Backend;
using KerasNet.Backends.Native.Cpu;
using KerasNet.Backends.Native.Cpu.Gemm;

namespace KerasNet.Bench;

/// <summary>GFLOP/s of KerasNet's Sgemm and OpenBLAS's cblas_sgemm on square sizes and on the shapes the
/// example models produce, at each thread count; prints one JSON line per (case, threads).</summary>
internal static unsafe class GemmBench
{
    /// <summary>One benchmark shape: op(A) is M×K, op(B) is K×N, Batch products.</summary>
    private sealed record Shape(string Name, int M, int N, int K, bool TransA = false, bool TransB = false, int Batch = 1);

    private static Shape[] Cases() =>
    [
        new("square_64", 64, 64, 64),
        new("square_128", 128, 128, 128),
        new("square_256", 256, 256, 256),
        new("square_512", 512, 512, 512),
        new("square_1024", 1024, 1024, 1024),
        new("square_2048", 2048, 2048, 2048),
        // mlp, batch 32: Dense 784->128 forward and backward, Dense 128->10.
        new("mlp_dense1_fwd", 32, 128, 784),
        new("mlp_dense1_dW", 784, 128, 32, TransA: true),
        new("mlp_dense1_dx", 32, 784, 128, TransB: true),
        new("mlp_dense2_fwd", 32, 10, 128),
        new("mlp_dense2_dW", 128, 10, 32, TransA: true),
        new("mlp_dense2_dx", 32, 128, 10, TransB: true),
        // cnn, batch 32, convolutions as im2col GEMMs (M = batch·outH·outW, K = kh·kw·cin, N = cout).
        new("cnn_conv1_fwd", 32 * 26 * 26, 32, 9),
        new("cnn_conv2_fwd", 32 * 11 * 11, 64, 288),
        new("cnn_conv2_dW", 288, 64, 32 * 11 * 11, TransA: true),
        new("cnn_conv2_dcol", 32 * 11 * 11, 288, 64, TransB: true),
        new("cnn_conv3_fwd", 32 * 3 * 3, 64, 576),
        new("cnn_dense1_fwd", 32, 64, 576),
        new("cnn_dense2_fwd", 32, 10, 64),
        // LSTM(128) on 28 features, batch 128: input and recurrent products of the four gates.
        new("lstm_input", 128, 512, 28),
        new("lstm_recurrent", 128, 512, 128),
        // Attention-style batch of small products (32 heads·batches, sequence 64, head size 16).
        new("attn_scores_batched", 64, 64, 16, TransB: true, Batch: 32),
        new("attn_values_batched", 64, 16, 64, Batch: 32),
    ];

    public static int Run(string[] args)
    {
        bool quick = false;
        string? filter = null;
        int[] threadCounts = [1, 2];
        GemmIsa isa = GemmIsa.Auto;
        GemmPath path = GemmPath.Auto;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--quick": quick = true; break;
                case "--filter" when i + 1 < args.Length: filter = args[++i]; break;
                case "--threads" when i + 1 < args.Length:
                    threadCounts = args[++i].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
                    break;
                case "--isa" when i + 1 < args.Length:
                    isa = args[++i].ToLowerInvariant() switch
                    {
                        "avx512" => GemmIsa.Avx512, "avx2" => GemmIsa.Avx2, "vector" => GemmIsa.Vector, _ => GemmIsa.Auto,
                    };
                    break;
                case "--path" when i + 1 < args.Length:
                    path = args[++i].ToLowerInvariant() switch { "direct" => GemmPath.Direct, "packed" => GemmPath.Packed, _ => GemmPath.Auto };
                    break;
                default:
                    Console.Error.WriteLine($"Unknown gemm option '{args[i]}'.");
                    return 2;
            }
        }

        if (!OpenBlas.Available)
            Console.Error.WriteLine("OpenBLAS (libopenblas.so.0) was not found, so only KerasNet is measured; install it with `apt-get install libopenblas0`.");
        Console.Error.WriteLine($"# gemm: kernels {(isa == GemmIsa.Auto ? Sgemm.BestIsa : isa)}, path {path}, {Environment.ProcessorCount} processors, " +
            $"openblas {(OpenBlas.Available ? OpenBlas.LibraryName : "missing")}{(quick ? ", quick" : "")}");

        int savedThreads = CpuThreads.Count;
        try
        {
            foreach (var shape in Cases())
            {
                if (filter != null && !shape.Name.Contains(filter, StringComparison.Ordinal)) continue;
                using var data = new Operands(shape);
                foreach (int threads in threadCounts)
                {
                    CpuThreads.SetCount(threads);
                    if (OpenBlas.Available) OpenBlas.SetThreadCount(threads);
                    var (kn, ob) = Measure(() => data.RunKerasNet(isa, path), OpenBlas.Available ? data.RunOpenBlas : null, shape, quick);
                    if (OpenBlas.Available)
                    {
                        OpenBlas.SetThreadCount(1);
                        Thread.Sleep(20); // let OpenBLAS's spinning workers go idle before the next case
                    }
                    Console.WriteLine(Json(shape.Name, threads, kn, ob));
                }
            }
        }
        finally
        {
            CpuThreads.SetCount(savedThreads);
        }
        return 0;
    }

    private static string Json(string name, int threads, double kn, double ob)
    {
        var inv = CultureInfo.InvariantCulture;
        string obText = double.IsNaN(ob) ? "null" : Math.Round(ob, 1).ToString("0.0", inv);
        string ratio = double.IsNaN(ob) || ob <= 0 ? "null" : Math.Round(kn / ob, 3).ToString("0.000", inv);
        return $"{{\"case\": \"{name}\", \"threads\": {threads}, \"kerasnet_gflops\": {Math.Round(kn, 1).ToString("0.0", inv)}, \"openblas_gflops\": {obText}, \"ratio\": {ratio}}}";
    }

    /// <summary>Median GFLOP/s of each library over timed repetitions, after a warm-up. The two libraries'
    /// repetitions alternate, so that both see the same background load on this 2-core machine.</summary>
    private static (double KerasNet, double OpenBlas) Measure(Action kerasNet, Action? openBlas, Shape s, bool quick)
    {
        double flops = 2.0 * s.M * s.N * s.K * s.Batch;
        double repSeconds = quick ? 0.01 : 0.04;
        double warmSeconds = quick ? 0.05 : 0.25; // long enough for tiered compilation to settle
        int reps = quick ? 3 : 9;
        int knCalls = Calibrate(kerasNet, warmSeconds, repSeconds);
        int obCalls = openBlas != null ? Calibrate(openBlas, warmSeconds, repSeconds) : 0;
        var kn = new double[reps];
        var ob = new double[reps];
        for (int r = 0; r < reps; r++)
        {
            kn[r] = flops * knCalls / Time(kerasNet, knCalls) / 1e9;
            if (openBlas != null) ob[r] = flops * obCalls / Time(openBlas, obCalls) / 1e9;
        }
        return (Median(kn), openBlas != null ? Median(ob) : double.NaN);
    }

    /// <summary>Runs <paramref name="run"/> for at least <paramref name="warmSeconds"/> (and 3 calls), and
    /// returns how many calls make one repetition of about <paramref name="repSeconds"/>.</summary>
    private static int Calibrate(Action run, double warmSeconds, double repSeconds)
    {
        var sw = Stopwatch.StartNew();
        int calls = 0;
        while (calls < 3 || sw.Elapsed.TotalSeconds < warmSeconds)
        {
            run();
            calls++;
        }
        double perCall = sw.Elapsed.TotalSeconds / calls;
        return Math.Max(1, (int)(repSeconds / perCall));
    }

    private static double Time(Action run, int calls)
    {
        long t0 = Stopwatch.GetTimestamp();
        for (int i = 0; i < calls; i++) run();
        return Stopwatch.GetElapsedTime(t0).TotalSeconds;
    }

    private static double Median(double[] x)
    {
        Array.Sort(x);
        return x.Length % 2 == 1 ? x[x.Length / 2] : 0.5 * (x[x.Length / 2 - 1] + x[x.Length / 2]);
    }

    /// <summary>Operands of one shape in native memory, with its parameters.</summary>
    private sealed class Operands : IDisposable
    {
        private readonly Shape _s;
        private readonly float* _a, _b, _c;
        private readonly MatMulParams _p;

        public Operands(Shape s)
        {
            _s = s;
            _p = MatMulParams.Dense(s.Batch, s.M, s.N, s.K, s.TransA, s.TransB);
            _a = Alloc(_p.StrideA * s.Batch);
            _b = Alloc(_p.StrideB * s.Batch);
            _c = Alloc(_p.StrideC * s.Batch);
        }

        private static float* Alloc(long n)
        {
            var p = (float*)NativeMemory.AlignedAlloc((nuint)(n * sizeof(float)), 64);
            var rng = new Random(42);
            for (long i = 0; i < n; i++) p[i] = (float)(rng.NextDouble() - 0.5);
            return p;
        }

        public void RunKerasNet(GemmIsa isa, GemmPath path) => Sgemm.Run(_p, _a, _b, _c, default, isa, path);

        public void RunOpenBlas()
        {
            for (int bi = 0; bi < _s.Batch; bi++)
                OpenBlas.Gemm(_s.TransA, _s.TransB, _s.M, _s.N, _s.K, 1f, _a + bi * _p.StrideA, _p.Lda,
                    _b + bi * _p.StrideB, _p.Ldb, 0f, _c + bi * _p.StrideC, _p.Ldc);
        }

        public void Dispose()
        {
            NativeMemory.AlignedFree(_a);
            NativeMemory.AlignedFree(_b);
            NativeMemory.AlignedFree(_c);
        }
    }
}
