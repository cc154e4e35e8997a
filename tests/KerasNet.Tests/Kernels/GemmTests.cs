using System.Runtime.InteropServices;
using KerasNet.Backend;
using KerasNet.Backends.Native.Cpu;
using KerasNet.Backends.Native.Cpu.Gemm;
using Xunit;

namespace KerasNet.Tests.Kernels;

/// <summary>Sgemm against a naive double-precision loop. An element passes when
/// |got − ref| ≤ 1e-5 · sqrt(max(K, 1)) · (|alpha|·Σ_k |a_ik·b_kj| + |beta·c_ij| + |bias_j|) + 1e-30,
/// i.e. a relative 1e-5 of the element's magnitude scale, widened by sqrt(K) for long sums. Elements of C
/// outside the M×N windows (row padding, gaps between batch entries) must come back bit-for-bit unchanged.</summary>
[Collection(SerialCollection.Name)]
public sealed unsafe class GemmTests
{
    private static readonly int[] Sizes = [1, 7, 33, 129];

    /// <summary>Every kernel family the machine can run, each with both loop strategies.</summary>
    public static IEnumerable<object[]> Engines()
    {
        var isas = new List<GemmIsa> { GemmIsa.Vector };
        if (System.Runtime.Intrinsics.X86.Avx2.IsSupported && System.Runtime.Intrinsics.X86.Fma.IsSupported) isas.Add(GemmIsa.Avx2);
        if (System.Runtime.Intrinsics.X86.Avx512F.IsSupported) isas.Add(GemmIsa.Avx512);
        foreach (var isa in isas)
            foreach (var path in new[] { GemmPath.Direct, GemmPath.Packed })
                yield return [$"{isa}/{path}"];
    }

    public static IEnumerable<object[]> EnginesAndTransposes()
    {
        foreach (var e in Engines())
            foreach (bool ta in new[] { false, true })
                foreach (bool tb in new[] { false, true })
                    yield return [e[0], ta, tb];
    }

    [Theory]
    [MemberData(nameof(EnginesAndTransposes))]
    public void AwkwardCubeSizes(string engine, bool transA, bool transB)
    {
        var (isa, path) = Parse(engine);
        var rng = new Random(1234);
        int n = 0;
        foreach (int m in Sizes)
            foreach (int nn in Sizes)
                foreach (int k in Sizes)
                {
                    float beta = (n++ % 3) switch { 0 => 0f, 1 => 1f, _ => 0.5f };
                    var c = new Case(rng, 1, m, nn, k, transA, transB) { Alpha = 1.25f, Beta = beta };
                    c.Check(isa, path);
                }
    }

    [Theory]
    [MemberData(nameof(EnginesAndTransposes))]
    public void NonSquareAndLongK(string engine, bool transA, bool transB)
    {
        var (isa, path) = Parse(engine);
        var rng = new Random(99);
        (int m, int n, int k)[] shapes = [(5, 300, 17), (257, 129, 65), (300, 5, 17), (17, 5, 300), (40, 70, 600), (1, 513, 700), (130, 1, 520), (25, 97, 1031)];
        foreach (var (m, n, k) in shapes)
            foreach (float beta in new[] { 0f, 1f, 0.5f })
                new Case(rng, 1, m, n, k, transA, transB) { Alpha = -0.75f, Beta = beta }.Check(isa, path);
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public void BetaZeroOverwritesNaN(string engine)
    {
        var (isa, path) = Parse(engine);
        var rng = new Random(5);
        foreach (var (m, n, k) in new[] { (7, 33, 129), (129, 7, 300), (33, 129, 1) })
            foreach (bool ta in new[] { false, true })
                new Case(rng, 1, m, n, k, ta, !ta) { Alpha = 2f, Beta = 0f, FillC = float.NaN }.Check(isa, path);
    }

    [Theory]
    [MemberData(nameof(EnginesAndTransposes))]
    public void LeadingDimensionsLargerThanMinimum(string engine, bool transA, bool transB)
    {
        var (isa, path) = Parse(engine);
        var rng = new Random(7);
        foreach (var (m, n, k) in new[] { (33, 65, 70), (129, 40, 300), (1, 33, 7) })
            new Case(rng, 1, m, n, k, transA, transB) { PadA = 5, PadB = 3, PadC = 11, Alpha = 0.5f, Beta = 0.5f }.Check(isa, path);
    }

    [Theory]
    [MemberData(nameof(EnginesAndTransposes))]
    public void BatchedWithBroadcast(string engine, bool transA, bool transB)
    {
        var (isa, path) = Parse(engine);
        var rng = new Random(11);
        foreach (var (m, n, k) in new[] { (7, 33, 129), (40, 65, 33), (129, 33, 300) })
        {
            new Case(rng, 3, m, n, k, transA, transB) { Beta = 0.5f }.Check(isa, path);
            new Case(rng, 3, m, n, k, transA, transB) { BroadcastA = true, Beta = 1f }.Check(isa, path);
            new Case(rng, 4, m, n, k, transA, transB) { BroadcastB = true, PadC = 3, GapC = 5 }.Check(isa, path);
        }
    }

    [Theory]
    [MemberData(nameof(EnginesAndTransposes))]
    public void EpilogueBiasAndRelu(string engine, bool transA, bool transB)
    {
        var (isa, path) = Parse(engine);
        var rng = new Random(13);
        foreach (var (m, n, k) in new[] { (7, 33, 129), (129, 65, 300), (1, 10, 128), (33, 7, 1) })
        {
            new Case(rng, 1, m, n, k, transA, transB) { Bias = true }.Check(isa, path);
            new Case(rng, 1, m, n, k, transA, transB) { Relu = true, Beta = 0.5f }.Check(isa, path);
            new Case(rng, 2, m, n, k, transA, transB) { Bias = true, Relu = true, Beta = 1f, Alpha = 1.5f, PadC = 2 }.Check(isa, path);
            new Case(rng, 1, m, n, k, transA, transB) { Bias = true, Relu = true, FillC = float.NaN }.Check(isa, path);
        }
    }

    [Fact]
    public void ZeroInnerDimensionOrAlphaScalesC()
    {
        var rng = new Random(17);
        new Case(rng, 2, 7, 33, 0, false, false) { Beta = 0.5f, Bias = true, Relu = true }.Check(GemmIsa.Auto, GemmPath.Auto);
        new Case(rng, 1, 7, 33, 0, true, true) { Beta = 0f, FillC = float.NaN }.Check(GemmIsa.Auto, GemmPath.Auto);
        new Case(rng, 1, 33, 7, 40, false, true) { Alpha = 0f, Beta = 2f }.Check(GemmIsa.Auto, GemmPath.Auto);
    }

    [Fact]
    public void LargeProblemsOnEveryPathAndThreadCount()
    {
        int saved = CpuThreads.Count;
        try
        {
            var rng = new Random(19);
            foreach (var (m, n, k) in new[] { (520, 300, 530), (64, 1024, 300), (1000, 48, 96) })
                foreach (bool ta in new[] { false, true })
                    foreach (bool tb in new[] { false, true })
                    {
                        var c = new Case(rng, 1, m, n, k, ta, tb) { Alpha = 1.5f, Beta = 0.5f, Bias = true, Relu = true };
                        CpuThreads.SetCount(1);
                        var one = c.Check(GemmIsa.Auto, GemmPath.Auto);
                        CpuThreads.SetCount(2);
                        var two = c.Check(GemmIsa.Auto, GemmPath.Auto);
                        var twoPacked = c.Check(GemmIsa.Auto, GemmPath.Packed);
                        var twoDirect = c.Check(GemmIsa.Auto, GemmPath.Direct);
                        AssertClose(c, one, two);
                        AssertClose(c, one, twoPacked);
                        AssertClose(c, one, twoDirect);
                    }
        }
        finally { CpuThreads.SetCount(saved); }
    }

    [Fact]
    public void OneAndTwoThreadsAgreeOnBatches()
    {
        int saved = CpuThreads.Count;
        try
        {
            var rng = new Random(23);
            foreach (var (batch, m, n, k) in new[] { (64, 16, 16, 32), (3, 129, 257, 65), (8, 128, 512, 28) })
                foreach (bool bb in new[] { false, true })
                {
                    var c = new Case(rng, batch, m, n, k, false, bb) { BroadcastB = bb, Beta = 0.5f };
                    CpuThreads.SetCount(1);
                    var one = c.Check(GemmIsa.Auto, GemmPath.Auto);
                    CpuThreads.SetCount(2);
                    var two = c.Check(GemmIsa.Auto, GemmPath.Auto);
                    AssertClose(c, one, two);
                }
        }
        finally { CpuThreads.SetCount(saved); }
    }

    [Fact]
    public void PanelChunkingOfWideB()
    {
        long saved = Sgemm.MaxPanelFloats;
        try
        {
            Sgemm.MaxPanelFloats = 300 * 64; // forces several column chunks
            var rng = new Random(29);
            foreach (bool ta in new[] { false, true })
                foreach (bool tb in new[] { false, true })
                {
                    new Case(rng, 2, 70, 300, 300, ta, tb) { Beta = 0.5f, Bias = true, Relu = true }.Check(GemmIsa.Auto, GemmPath.Packed);
                    new Case(rng, 3, 70, 200, 280, ta, tb) { BroadcastB = true }.Check(GemmIsa.Auto, GemmPath.Packed);
                }
        }
        finally { Sgemm.MaxPanelFloats = saved; }
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void ThroughBackendMatMul(bool transA, bool transB)
    {
        IBackend backend = new CpuBackend();
        var rng = new Random(31);
        foreach (var (batch, m, n, k) in new[] { (1, 33, 129, 7), (2, 257, 129, 65), (3, 5, 300, 17), (1, 300, 1100, 260) })
        {
            var c = new Case(rng, batch, m, n, k, transA, transB) { Alpha = 1.5f, Beta = 0.5f, PadC = 1 };
            const int aOff = 3, bOff = 5, cOff = 7; // element offsets into the device buffers
            DeviceBuffer da = backend.Allocate((c.A.Length + aOff) * sizeof(float));
            DeviceBuffer db = backend.Allocate((c.B.Length + bOff) * sizeof(float));
            DeviceBuffer dc = backend.Allocate((c.C0.Length + cOff) * sizeof(float));
            try
            {
                backend.Upload(MemoryMarshal.AsBytes(c.A.AsSpan()), da, aOff * sizeof(float));
                backend.Upload(MemoryMarshal.AsBytes(c.B.AsSpan()), db, bOff * sizeof(float));
                backend.Upload(MemoryMarshal.AsBytes(c.C0.AsSpan()), dc, cOff * sizeof(float));
                backend.MatMul(c.Params, da, aOff, db, bOff, dc, cOff);
                var got = new float[c.C0.Length];
                backend.Download(dc, cOff * sizeof(float), MemoryMarshal.AsBytes(got.AsSpan()));
                c.Verify(got);
            }
            finally
            {
                backend.Recycle(da);
                backend.Recycle(db);
                backend.Recycle(dc);
            }
        }
        backend.ClearPool();
    }

    [Fact]
    public void BackendRejectsProductsOutsideTheBuffers()
    {
        IBackend backend = new CpuBackend();
        var p = MatMulParams.Dense(2, 16, 16, 16);
        DeviceBuffer big = backend.Allocate(2 * 16 * 16 * sizeof(float));
        DeviceBuffer small = backend.Allocate(16 * 16 * sizeof(float) + 64); // one matrix and a bit
        try
        {
            backend.Fill(big, DType.Float32, 2 * 16 * 16, 1.0);
            backend.MatMul(p, big, 0, big, 0, big, 0); // fits (in place is nonsense numerically but legal)
            Assert.Throws<ArgumentOutOfRangeException>(() => backend.MatMul(p, small, 0, big, 0, big, 0));
            Assert.Throws<ArgumentOutOfRangeException>(() => backend.MatMul(p, big, 0, small, 0, big, 0));
            Assert.Throws<ArgumentOutOfRangeException>(() => backend.MatMul(p, big, 0, big, 0, small, 0));
            Assert.Throws<ArgumentOutOfRangeException>(() => backend.MatMul(p, big, 1, big, 0, big, 0));
        }
        finally
        {
            backend.Recycle(big);
            backend.Recycle(small);
            backend.ClearPool();
        }
    }

    [Fact]
    public void RepeatedCallsAllocateNothing()
    {
        int saved = CpuThreads.Count;
        try
        {
            foreach (int threads in new[] { 1, 2 })
            {
                CpuThreads.SetCount(threads);
                var rng = new Random(37);
                Case[] cases =
                [
                    new Case(rng, 1, 300, 280, 270, false, false), // packed
                    new Case(rng, 1, 300, 280, 270, true, true) { Bias = true, Relu = true },
                    new Case(rng, 1, 32, 128, 784, false, false), // direct
                    new Case(rng, 1, 32, 784, 128, false, true),
                    new Case(rng, 64, 16, 16, 32, false, true),   // batch of small ones
                    new Case(rng, 1, 1, 300, 200, false, false),
                ];
                foreach (var c in cases)
                {
                    var outBuf = (float[])c.C0.Clone();
                    for (int i = 0; i < 3; i++) c.RunInto(outBuf, GemmIsa.Auto, GemmPath.Auto); // warm-up
                    AllocationAssert.NoneInOneOfThreeWindows(() =>
                    {
                        for (int i = 0; i < 20; i++) c.RunInto(outBuf, GemmIsa.Auto, GemmPath.Auto);
                    }, $"{c.M}x{c.N}x{c.K} on {threads} threads, 20 calls");
                }
            }
        }
        finally { CpuThreads.SetCount(saved); }
    }

    private static (GemmIsa, GemmPath) Parse(string engine)
    {
        var parts = engine.Split('/');
        return (Enum.Parse<GemmIsa>(parts[0]), Enum.Parse<GemmPath>(parts[1]));
    }

    /// <summary>Runs that differ only in thread count or loop strategy must agree within the tolerance; in
    /// fact the kernels accumulate every element in the same k order whatever the split, so they agree
    /// bit for bit, and that is what is asserted.</summary>
    private static void AssertClose(Case c, float[] x, float[] y)
    {
        for (int i = 0; i < x.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(x[i]) == BitConverter.SingleToInt32Bits(y[i])) continue;
            double tol = 1e-5 * Math.Sqrt(Math.Max(c.K, 1)) * (Math.Abs(x[i]) + 1e-3);
            Assert.Fail($"{c}: element {i} differs between runs: {x[i]} vs {y[i]} (tolerance would be {tol:G3}, but the split must not change results)");
        }
    }

    /// <summary>One randomised problem: the operands as flat arrays laid out per <see cref="Params"/>, and
    /// the double-precision reference.</summary>
    private sealed class Case
    {
        private readonly Random _rng;

        public Case(Random rng, int batch, int m, int n, int k, bool transA, bool transB)
        {
            _rng = rng;
            Batch = batch; M = m; N = n; K = k; TransA = transA; TransB = transB;
        }

        public int Batch, M, N, K;
        public bool TransA, TransB;
        public float Alpha { get; init; } = 1f;
        public float Beta { get; init; }
        public int PadA { get; init; }
        public int PadB { get; init; }
        public int PadC { get; init; }
        public int GapC { get; init; }
        public bool BroadcastA { get; init; }
        public bool BroadcastB { get; init; }
        public bool Bias { get; init; }
        public bool Relu { get; init; }
        public float FillC { get; init; } = float.PositiveInfinity; // +inf: random values

        private MatMulParams? _params;
        private float[]? _a, _b, _c0, _bias;

        public MatMulParams Params => _params ??= Build();
        public float[] A { get { _ = Params; return _a!; } }
        public float[] B { get { _ = Params; return _b!; } }
        public float[] C0 { get { _ = Params; return _c0!; } }
        public float[]? BiasValues { get { _ = Params; return _bias; } }

        private MatMulParams Build()
        {
            int rowsA = TransA ? K : M, colsA = TransA ? M : K;
            int rowsB = TransB ? N : K, colsB = TransB ? K : N;
            int lda = colsA + PadA, ldb = colsB + PadB, ldc = N + PadC;
            long sizeA = (long)Math.Max(rowsA - 1, 0) * lda + colsA, sizeB = (long)Math.Max(rowsB - 1, 0) * ldb + colsB;
            long strideA = BroadcastA ? 0 : sizeA + 2, strideB = BroadcastB ? 0 : sizeB + 1;
            long strideC = (long)M * ldc + GapC;
            _a = Random((BroadcastA ? 0 : (Batch - 1) * strideA) + sizeA);
            _b = Random((BroadcastB ? 0 : (Batch - 1) * strideB) + sizeB);
            long sizeC = (Batch - 1) * strideC + (long)M * ldc;
            _c0 = float.IsPositiveInfinity(FillC) ? Random(sizeC) : Enumerable.Repeat(FillC, (int)sizeC).ToArray();
            // Padding of C keeps a sentinel pattern even when C is otherwise NaN, to catch stray writes.
            _bias = Bias ? Random(N) : null;
            return new MatMulParams
            {
                Batch = Batch, M = M, N = N, K = K, TransA = TransA, TransB = TransB,
                Lda = Math.Max(lda, 1), Ldb = Math.Max(ldb, 1), Ldc = Math.Max(ldc, 1),
                StrideA = strideA, StrideB = strideB, StrideC = strideC, Alpha = Alpha, Beta = Beta,
            };
        }

        private float[] Random(long n)
        {
            var x = new float[Math.Max(n, 1)];
            for (int i = 0; i < x.Length; i++) x[i] = (float)(_rng.NextDouble() * 2 - 1);
            return x;
        }

        public void RunInto(float[] c, GemmIsa isa, GemmPath path)
        {
            var p = Params;
            fixed (float* pa = A, pb = B, pc = c, pbias = BiasValues)
            {
                var epi = new GemmEpilogue(pbias, Relu);
                Sgemm.Run(p, pa, pb, pc, epi, isa, path);
            }
        }

        /// <summary>Runs the GEMM on a fresh copy of C, checks it and returns it.</summary>
        public float[] Check(GemmIsa isa, GemmPath path)
        {
            var c = (float[])C0.Clone();
            RunInto(c, isa, path);
            Verify(c, $"{isa}/{path}");
            return c;
        }

        private double[]? _want, _tol;

        /// <summary>The expected C (NaN outside the output windows) and each element's tolerance, computed
        /// once per case in double precision.</summary>
        private void Reference()
        {
            if (_want != null) return;
            var p = Params;
            _want = new double[C0.Length];
            _tol = new double[C0.Length];
            Array.Fill(_tol, -1.0); // -1 marks elements outside every output window
            var opA = new double[(long)M * K];   // op(A) row-major
            var opBt = new double[(long)N * K];  // op(B) transposed, so both inner loops run over k
            for (int bi = 0; bi < Batch; bi++)
            {
                long oa = bi * p.StrideA, ob = bi * p.StrideB, oc = bi * p.StrideC;
                for (int i = 0; i < M; i++)
                    for (int k = 0; k < K; k++)
                        opA[(long)i * K + k] = TransA ? A[oa + (long)k * p.Lda + i] : A[oa + (long)i * p.Lda + k];
                for (int j = 0; j < N; j++)
                    for (int k = 0; k < K; k++)
                        opBt[(long)j * K + k] = TransB ? B[ob + (long)j * p.Ldb + k] : B[ob + (long)k * p.Ldb + j];
                for (int i = 0; i < M; i++)
                    for (int j = 0; j < N; j++)
                    {
                        double sum = 0, mag = 0;
                        long ai = (long)i * K, bj = (long)j * K;
                        for (int k = 0; k < K; k++)
                        {
                            double t = opA[ai + k] * opBt[bj + k];
                            sum += t;
                            mag += Math.Abs(t);
                        }
                        long ci = oc + (long)i * p.Ldc + j;
                        double cv = p.Beta == 0 ? 0 : (double)p.Beta * C0[ci];
                        double bias = BiasValues?[j] ?? 0;
                        double want = (p.Alpha == 0 ? 0 : p.Alpha * sum) + cv + bias;
                        if (Relu) want = Math.Max(want, 0);
                        _want[ci] = want;
                        _tol[ci] = 1e-5 * Math.Sqrt(Math.Max(K, 1)) * (Math.Abs(p.Alpha) * mag + Math.Abs(cv) + Math.Abs(bias)) + 1e-30;
                    }
            }
        }

        public void Verify(float[] got, string engine = "backend")
        {
            Reference();
            var p = Params;
            for (long ci = 0; ci < got.Length; ci++)
            {
                double want = _want![ci];
                if (_tol![ci] < 0)
                {
                    // Outside every output window: must be bit-for-bit untouched.
                    if (BitConverter.SingleToInt32Bits(got[ci]) != BitConverter.SingleToInt32Bits(C0[ci]))
                        Assert.Fail($"{this} [{engine}]: element {ci} outside the output windows was overwritten ({C0[ci]} -> {got[ci]})");
                    continue;
                }
                if (!(Math.Abs(got[ci] - want) <= _tol[ci]))
                {
                    long b = ci / Math.Max(p.StrideC, 1), r = ci % Math.Max(p.StrideC, 1);
                    Assert.Fail($"{this} [{engine}]: C[{b}][{r / p.Ldc},{r % p.Ldc}] = {got[ci]}, expected {want} (tolerance {_tol[ci]:G3})");
                }
            }
        }

        public override string ToString() =>
            $"batch {Batch} M {M} N {N} K {K} transA {TransA} transB {TransB} alpha {Alpha} beta {Beta} pads {PadA}/{PadB}/{PadC} " +
            $"broadcast {BroadcastA}/{BroadcastB} bias {Bias} relu {Relu}";
    }
}
