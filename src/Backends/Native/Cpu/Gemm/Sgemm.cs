using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using KerasNet.Backend;

namespace KerasNet.Backends.Native.Cpu.Gemm;

/// <summary>Which micro-kernel family runs a GEMM.</summary>
internal enum GemmIsa
{
    /// <summary>The best the hardware supports.</summary>
    Auto,
    /// <summary>AVX-512F with FMA, 12×32 tiles.</summary>
    Avx512,
    /// <summary>AVX2 with FMA, 6×16 tiles.</summary>
    Avx2,
    /// <summary>Portable <see cref="System.Numerics.Vector{T}"/>, 4×(2·lanes) tiles.</summary>
    Vector,
}

/// <summary>Which loop strategy runs a GEMM.</summary>
internal enum GemmPath
{
    /// <summary>Chosen from the shape.</summary>
    Auto,
    /// <summary>No packing of A; B read in place unless transposed or at a ragged edge.</summary>
    Direct,
    /// <summary>B packed into a shared panel, blocks of A into per-thread scratch.</summary>
    Packed,
}

/// <summary>Single-precision GEMM of the CPU device: C[b] = alpha·op(A[b])·op(B[b]) + beta·C[b], row-major,
/// batched (a batch stride of 0 broadcasts), with an optional fused bias + ReLU epilogue.
/// <para>Micro-kernels: AVX-512 12×32 (24 zmm accumulators), AVX2/FMA 6×16, or portable
/// <see cref="System.Numerics.Vector{T}"/> 4×(2·lanes); each has a specialisation per edge height and a
/// one-vector-wide variant for narrow N, and applies alpha, beta, bias and ReLU while storing its tile.</para>
/// <para>Two loop strategies. Direct (B fits in L2, or M ≤ 2·MR, or a batch of small products): A is read in
/// place, B too unless transposed or ragged (then one KC×NR sliver is packed into per-thread scratch), k is
/// blocked by KC. Packed (large B): each k block of B is packed into a shared panel of NR-wide slivers,
/// then tasks of up to MaxTilesM row tiles copy their block of A into per-thread scratch and sweep the panel.
/// KC = 256 keeps a 32 KiB sliver of B in the 48 KiB L1 while 12-row strips of A stream past it; a
/// 192×256 block of A (~200 KiB) stays in the 1 MiB L2; the panel is capped at 16 MiB (L3).</para>
/// <para>Threads: problems of at least <see cref="ParallelMinFma"/> multiply-adds are cut into tasks over
/// (batch entry, row range, column range) chosen by <see cref="ChooseSplit"/> and run through
/// <see cref="CpuThreads.Run"/> with per-calling-thread job objects; a tile's k order never depends on the
/// split, so results are bit-identical for any thread count. Calls may come from several threads at once
/// and from inside another <see cref="CpuThreads"/> job (they then run inline on that thread). Steady-state
/// calls allocate nothing on the managed heap.</para></summary>
internal static unsafe class Sgemm
{
    /// <summary>Below this many multiply-adds in total a call stays on the calling thread.</summary>
    internal const long ParallelMinFma = 2L << 20;

    /// <summary>Smallest share of work (multiply-adds) worth a task of its own.</summary>
    internal const long MinTaskFma = 1L << 17;

    /// <summary>Fewest slivers of B in a column chunk for which the packed path copies blocks of A.</summary>
    internal const int PackAMinSlivers = 4;

    /// <summary>Largest B (bytes) the direct path reads in place: it stays in the 1 MiB L2.</summary>
    internal const long DirectMaxBBytes = 1L << 20;

    /// <summary>Most floats of the packed B panel (K × NC); wider problems are processed in column chunks.</summary>
    internal static long MaxPanelFloats = 4L << 20;

    /// <summary>The kernel family <see cref="GemmIsa.Auto"/> picks on this machine.</summary>
    public static GemmIsa BestIsa { get; } =
        Avx512F.IsSupported ? GemmIsa.Avx512 : Avx2.IsSupported && Fma.IsSupported ? GemmIsa.Avx2 : GemmIsa.Vector;

    /// <summary>C[b] = alpha·op(A[b])·op(B[b]) + beta·C[b] for every batch entry, row-major. With beta = 0, C is
    /// only written (NaN or garbage in it is overwritten); with alpha = 0 or K = 0, A and B are not read.</summary>
    public static void Run(in MatMulParams p, float* a, float* b, float* c) =>
        Run(p, a, b, c, default, GemmIsa.Auto, GemmPath.Auto);

    /// <summary>As <see cref="Run(in MatMulParams, float*, float*, float*)"/>, then applies
    /// <paramref name="epilogue"/> (bias per column, then ReLU) as each tile of C is stored.</summary>
    public static void Run(in MatMulParams p, float* a, float* b, float* c, in GemmEpilogue epilogue) =>
        Run(p, a, b, c, epilogue, GemmIsa.Auto, GemmPath.Auto);

    /// <summary>The full entry point, with the kernel family and loop strategy selectable (for tests and
    /// benchmarks; a family the hardware lacks falls back to the next one down).</summary>
    internal static void Run(in MatMulParams p, float* a, float* b, float* c, in GemmEpilogue epilogue, GemmIsa isa, GemmPath path)
    {
        if (p.Batch < 0 || p.M < 0 || p.N < 0 || p.K < 0)
            throw new ArgumentOutOfRangeException(nameof(p), $"Invalid GEMM shape: batch {p.Batch}, M {p.M}, N {p.N}, K {p.K}.");
        if (p.Batch == 0 || p.M == 0 || p.N == 0) return;
        if (p.K == 0 || p.Alpha == 0f)
        {
            ScaleOnly(p, c, epilogue);
            return;
        }
        switch (Resolve(isa))
        {
            case GemmIsa.Avx512: Run<Avx512Kernel>(p, a, b, c, epilogue, path); break;
            case GemmIsa.Avx2: Run<Avx2Kernel>(p, a, b, c, epilogue, path); break;
            default: Run<VectorKernel>(p, a, b, c, epilogue, path); break;
        }
    }

    private static GemmIsa Resolve(GemmIsa isa)
    {
        if (isa == GemmIsa.Auto) return BestIsa;
        if (isa == GemmIsa.Avx512 && !Avx512F.IsSupported) isa = GemmIsa.Avx2;
        if (isa == GemmIsa.Avx2 && !(Avx2.IsSupported && Fma.IsSupported)) isa = GemmIsa.Vector;
        return isa;
    }

    private static void Run<TK>(in MatMulParams p, float* a, float* b, float* c, in GemmEpilogue e, GemmPath path)
        where TK : struct, IMicroKernel
    {
        var plan = new GemmPlan
        {
            A = a, B = b, C = c, Bias = e.Bias, Relu = e.Relu,
            M = p.M, N = p.N, K = p.K, TransA = p.TransA, TransB = p.TransB,
            Lda = p.Lda, Ldb = p.Ldb, Ldc = p.Ldc,
            StrideA = p.StrideA, StrideB = p.StrideB, StrideC = p.StrideC,
            Alpha = p.Alpha, Beta = p.Beta,
            BatchFirst = 0, BatchCount = p.Batch,
            TilesM = (p.M + TK.MR - 1) / TK.MR,
        };
        int kBlocks = (p.K + TK.KC - 1) / TK.KC;
        plan.KBlocks = kBlocks;
        plan.Kc = (p.K + kBlocks - 1) / kBlocks;

        long fma = (long)p.M * p.N * p.K;
        int threads = CpuThreads.Count;
        if (threads > 1 && fma * p.Batch < ParallelMinFma) threads = 1;
        if (path == GemmPath.Auto) path = UseDirect<TK>(p) ? GemmPath.Direct : GemmPath.Packed;
        if (path == GemmPath.Direct) RunDirect<TK>(ref plan, p.Batch, fma, threads);
        else RunPacked<TK>(ref plan, p.Batch, threads);
    }

    /// <summary>Whether a problem is small or skinny enough that packing would cost more than it saves.</summary>
    private static bool UseDirect<TK>(in MatMulParams p) where TK : struct, IMicroKernel
    {
        // Few row tiles: a packed B panel would be read too few times to pay for itself.
        if (p.M <= 2 * TK.MR) return true;
        // A B that fits in L2 is streamed from there as fast as from a packed panel, and A is read in
        // place (each element is broadcast straight from its row); copying either would only add work.
        return (long)p.K * p.N * sizeof(float) <= DirectMaxBBytes;
    }

    private static void RunDirect<TK>(ref GemmPlan plan, int batch, long fma, int threads) where TK : struct, IMicroKernel
    {
        plan.TilesN = (plan.N + TK.NR - 1) / TK.NR;
        plan.SplitM = plan.SplitN = 1;
        if (threads > 1)
        {
            // Splitting columns first: a task then owns its slivers of B and streams all of A past them.
            long maxTasks = Math.Min(4L * threads, Math.Max(1, fma * batch / MinTaskFma));
            (plan.SplitM, plan.SplitN) = ChooseSplit(batch, plan.TilesM, plan.TilesN, threads, maxTasks, 1, splitColumnsFirst: true);
        }
        int tasks = plan.Tasks;
        if (threads == 1 || tasks == 1)
        {
            for (int t = 0; t < tasks; t++) GemmDriver<TK>.DirectTask(in plan, t);
            return;
        }
        var job = GemmDriver<TK>.Direct;
        job.Plan = plan;
        CpuThreads.Run(job, tasks);
    }

    private static void RunPacked<TK>(ref GemmPlan plan, int batch, int threads) where TK : struct, IMicroKernel
    {
        int nr = TK.NR;
        // Column chunks keep the shared panel bounded; with a broadcast B one packing serves every batch entry.
        long ncMax = Math.Max(nr, MaxPanelFloats / plan.K / nr * nr);
        int jChunks = (int)((plan.N + ncMax - 1) / ncMax);
        int ncStep = (plan.N + jChunks - 1) / jChunks;
        ncStep = (ncStep + nr - 1) / nr * nr;
        bool sharedB = plan.StrideB == 0;
        int groups = sharedB ? 1 : batch;
        int groupSize = sharedB ? batch : 1;
        var packJob = GemmDriver<TK>.PackB;
        var job = GemmDriver<TK>.Packed;
        for (int g = 0; g < groups; g++)
        {
            plan.BatchFirst = g * groupSize;
            plan.BatchCount = groupSize;
            for (int jc = 0; jc < plan.N; jc += ncStep)
            {
                plan.Jc = jc;
                plan.Nc = Math.Min(ncStep, plan.N - jc);
                plan.TilesN = (plan.Nc + nr - 1) / nr;
                plan.NcPad = plan.TilesN * nr;
                plan.BPacked = GemmScratch.Shared.Get((nint)plan.K * plan.NcPad);
                // Copying A pays for itself only when each block is reused across enough slivers of B.
                plan.PackA = plan.TilesN >= PackAMinSlivers;

                // Pack B: tasks are runs of slivers within one k block.
                int packTasksPerBlock = threads == 1 ? 1 : Math.Min(plan.TilesN, 2 * threads);
                plan.PackChunk = (plan.TilesN + packTasksPerBlock - 1) / packTasksPerBlock;
                plan.PackTasksPerBlock = (plan.TilesN + plan.PackChunk - 1) / plan.PackChunk;
                int packTasks = plan.KBlocks * plan.PackTasksPerBlock;

                // Compute: row ranges small enough for L2; with threads, a split that balances (splitting
                // columns too only when rows run out, since every column range packs its rows of A again).
                int minSplitM = Math.Max(1, (plan.TilesM + TK.MaxTilesM - 1) / TK.MaxTilesM);
                plan.SplitM = minSplitM;
                plan.SplitN = 1;
                if (threads > 1)
                {
                    long fma = (long)plan.M * plan.Nc * plan.K * groupSize;
                    long maxTasks = Math.Min(4L * threads, Math.Max(1, fma / MinTaskFma));
                    (plan.SplitM, plan.SplitN) = ChooseSplit(groupSize, plan.TilesM, plan.TilesN, threads, maxTasks, minSplitM, splitColumnsFirst: false);
                }

                if (threads == 1)
                {
                    for (int t = 0; t < packTasks; t++) GemmDriver<TK>.PackBTask(in plan, t);
                    for (int t = 0; t < plan.Tasks; t++) GemmDriver<TK>.PackedTask(in plan, t);
                }
                else
                {
                    packJob.Plan = plan;
                    CpuThreads.Run(packJob, packTasks);
                    job.Plan = plan;
                    CpuThreads.Run(job, plan.Tasks);
                }
            }
        }
    }

    /// <summary>Chooses how many ranges to cut each matrix's grid of register tiles into along M and N, so that
    /// batch·splitM·splitN tasks, taken dynamically by <paramref name="threads"/> threads, finish soonest (within 2%). The
    /// finish time is simulated with the tasks' real sizes (ranges differ by up to one tile). Ties go to the
    /// preferred dimension, then to more tasks (slack against a core that is busy elsewhere). At most
    /// max(<paramref name="maxTasks"/>, 2·batch·minSplitM) tasks are considered.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static (int SplitM, int SplitN) ChooseSplit(int batch, int tilesM, int tilesN, int threads, long maxTasks,
        int minSplitM, bool splitColumnsFirst)
    {
        if ((long)batch * minSplitM >= 8L * threads)
        {
            // Plenty of tasks already: the tail is at most one small task in eight per thread.
            int sm = batch == 1 ? Math.Min(tilesM, (minSplitM + threads - 1) / threads * threads) : minSplitM;
            return (sm, 1);
        }
        long cap = Math.Max(maxTasks, 2L * batch * minSplitM);
        int bestM = minSplitM, bestN = 1;
        long bestSpan = long.MaxValue, bestTasks = 0;
        Span<long> loads = stackalloc long[Math.Min(threads, 256)];
        for (int sn = 1; sn <= tilesN && (long)batch * sn * minSplitM <= cap; sn++)
        {
            for (int sm = minSplitM; sm <= tilesM && (long)batch * sn * sm <= cap; sm++)
            {
                long tasks = (long)batch * sn * sm;
                long span = Makespan(batch, tilesM, tilesN, sm, sn, loads);
                // Within 2% counts as a tie, decided by the preferred dimension and then the task count.
                bool better = bestSpan == long.MaxValue || span * 50 < bestSpan * 49;
                if (!better && span * 49 <= bestSpan * 50)
                {
                    bool preferred = splitColumnsFirst ? sn > bestN : sn < bestN;
                    better = preferred || (sn == bestN && tasks > bestTasks);
                }
                if (better)
                {
                    bestSpan = span;
                    bestM = sm;
                    bestN = sn;
                    bestTasks = tasks;
                }
            }
        }
        return (bestM, bestN);
    }

    /// <summary>Finish time, in tiles, of the task grid when each task goes to the first free thread in index order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static long Makespan(int batch, int tilesM, int tilesN, int sm, int sn, Span<long> loads)
    {
        loads.Clear();
        for (int bi = 0; bi < batch; bi++)
            for (int i = 0; i < sm; i++)
            {
                long rows = (long)(i + 1) * tilesM / sm - (long)i * tilesM / sm;
                for (int j = 0; j < sn; j++)
                {
                    long cols = (long)(j + 1) * tilesN / sn - (long)j * tilesN / sn;
                    int free = 0;
                    for (int t = 1; t < loads.Length; t++)
                        if (loads[t] < loads[free]) free = t;
                    loads[free] += rows * cols;
                }
            }
        long span = 0;
        foreach (long l in loads) span = Math.Max(span, l);
        return span;
    }

    /// <summary>C = beta·C (+ bias, ReLU) when there is no product to add (K = 0 or alpha = 0).</summary>
    private static void ScaleOnly(in MatMulParams p, float* c, in GemmEpilogue e)
    {
        for (int bi = 0; bi < p.Batch; bi++)
        {
            float* C = c + bi * p.StrideC;
            for (int i = 0; i < p.M; i++)
            {
                float* row = C + (nint)i * p.Ldc;
                for (int j = 0; j < p.N; j++)
                {
                    float x = p.Beta == 0f ? 0f : p.Beta * row[j];
                    if (e.Bias != null) x += e.Bias[j];
                    if (e.Relu) x = x < 0f ? 0f : x; // NaN stays NaN, as the ReLU op
                    row[j] = x;
                }
            }
        }
    }
}
