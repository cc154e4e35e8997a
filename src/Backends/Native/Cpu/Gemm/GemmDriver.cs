using System.Runtime.CompilerServices;

namespace KerasNet.Backends.Native.Cpu.Gemm;

/// <summary>The blocked loops around a micro-kernel <typeparamref name="TK"/>, specialised per kernel by the
/// JIT. Two strategies: <see cref="DirectTask"/> reads A in place and B in place when it is not transposed
/// (small and skinny problems: no packing cost), <see cref="PackBTask"/> + <see cref="PackedTask"/> pack
/// B once into a shared panel and each task's block of A into its thread's scratch (large problems).</summary>
internal static unsafe class GemmDriver<TK> where TK : struct, IMicroKernel
{
    [ThreadStatic] private static DirectJob? t_direct;
    [ThreadStatic] private static PackBJob? t_packB;
    [ThreadStatic] private static PackedJob? t_packed;

    /// <summary>This calling thread's reusable job for the direct path.</summary>
    public static DirectJob Direct => t_direct ??= new DirectJob();

    /// <summary>This calling thread's reusable job for packing B.</summary>
    public static PackBJob PackB => t_packB ??= new PackBJob();

    /// <summary>This calling thread's reusable job for the packed compute.</summary>
    public static PackedJob Packed => t_packed ??= new PackedJob();

    /// <summary>Runs the direct path's task <paramref name="task"/> of <paramref name="p"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void DirectTask(in GemmPlan p, int task)
    {
        int mr = TK.MR, nr = TK.NR;
        int per = p.SplitM * p.SplitN;
        int bi = p.BatchFirst + task / per;
        int rem = task % per;
        int sm = rem / p.SplitN, sn = rem % p.SplitN;
        int t0 = (int)((long)sm * p.TilesM / p.SplitM), t1 = (int)((long)(sm + 1) * p.TilesM / p.SplitM);
        int u0 = (int)((long)sn * p.TilesN / p.SplitN), u1 = (int)((long)(sn + 1) * p.TilesN / p.SplitN);
        float* A = p.A + bi * p.StrideA, B = p.B + bi * p.StrideB, C = p.C + bi * p.StrideC;
        nint lda = p.Lda, ldb = p.Ldb, ldc = p.Ldc;
        nint aRs = p.TransA ? 1 : lda, aKs = p.TransA ? lda : 1;
        float* sliver = null;
        for (int u = u0; u < u1; u++)
        {
            int j = u * nr;
            int cols = Math.Min(nr, p.N - j);
            for (int kb = 0; kb < p.KBlocks; kb++)
            {
                int k0 = kb * p.Kc;
                int kc = Math.Min(p.Kc, p.K - k0);
                bool last = kb == p.KBlocks - 1;
                float* bs;
                nint bKs;
                if (!p.TransB && (cols == nr || (TK.NarrowTile && cols == nr / 2)))
                {
                    bs = B + k0 * ldb + j;
                    bKs = ldb;
                }
                else
                {
                    if (sliver == null) sliver = GemmScratch.B.Get((nint)p.Kc * nr);
                    Packing.BSliver(sliver, nr, p.TransB ? B + j * ldb + k0 : B + k0 * ldb + j, ldb, p.TransB, kc, cols);
                    bs = sliver;
                    bKs = nr;
                }
                var st = new TileStore(p.Alpha, p.Beta, kb == 0, last && p.Relu);
                float* bias = last && p.Bias != null ? p.Bias + j : null;
                for (int t = t0; t < t1; t++)
                {
                    int i = t * mr;
                    int rows = Math.Min(mr, p.M - i);
                    float* a = p.TransA ? A + k0 * lda + i : A + i * lda + k0;
                    TK.Tile(rows, cols, kc, a, aRs, aKs, bs, bKs, C + i * ldc + j, ldc, bias, st);
                }
            }
        }
    }

    /// <summary>Packs task <paramref name="task"/>'s share of the B panel: one k block, a run of slivers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackBTask(in GemmPlan p, int task)
    {
        int nr = TK.NR;
        int kb = task / p.PackTasksPerBlock;
        int s0 = task % p.PackTasksPerBlock * p.PackChunk;
        int s1 = Math.Min(p.TilesN, s0 + p.PackChunk);
        int k0 = kb * p.Kc;
        int kc = Math.Min(p.Kc, p.K - k0);
        float* B = p.B + p.BatchFirst * p.StrideB;
        nint ldb = p.Ldb;
        float* panel = p.BPacked + (nint)k0 * p.NcPad;
        for (int s = s0; s < s1; s++)
        {
            int j = p.Jc + s * nr;
            int cols = Math.Min(nr, p.Jc + p.Nc - j);
            Packing.BSliver(panel + (nint)s * kc * nr, nr, p.TransB ? B + j * ldb + k0 : B + k0 * ldb + j, ldb, p.TransB, kc, cols);
        }
    }

    /// <summary>Runs the packed path's compute task <paramref name="task"/>: for every k block, packs its rows
    /// of A into this thread's scratch, then sweeps its slivers of the packed B panel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackedTask(in GemmPlan p, int task)
    {
        int mr = TK.MR, nr = TK.NR;
        int per = p.SplitM * p.SplitN;
        int bi = p.BatchFirst + task / per;
        int rem = task % per;
        int sm = rem / p.SplitN, sn = rem % p.SplitN;
        int t0 = (int)((long)sm * p.TilesM / p.SplitM), t1 = (int)((long)(sm + 1) * p.TilesM / p.SplitM);
        int u0 = (int)((long)sn * p.TilesN / p.SplitN), u1 = (int)((long)(sn + 1) * p.TilesN / p.SplitN);
        if (t0 == t1 || u0 == u1) return;
        int i0 = t0 * mr, mc = Math.Min(p.M, t1 * mr) - i0;
        float* A = p.A + bi * p.StrideA, C = p.C + bi * p.StrideC;
        nint lda = p.Lda, ldc = p.Ldc;
        nint lds = Packing.RowStride(p.Kc);
        float* pa = p.PackA ? GemmScratch.A.Get(p.TransA ? (nint)(t1 - t0) * mr * p.Kc : mc * lds) : null;
        nint aRs, aKs, tileStride;
        if (!p.PackA) { aRs = p.TransA ? 1 : lda; aKs = p.TransA ? lda : 1; tileStride = p.TransA ? mr : mr * lda; }
        else if (p.TransA) { aRs = 1; aKs = mr; tileStride = 0; }
        else { aRs = lds; aKs = 1; tileStride = mr * lds; }
        for (int kb = 0; kb < p.KBlocks; kb++)
        {
            int k0 = kb * p.Kc;
            int kc = Math.Min(p.Kc, p.K - k0);
            bool last = kb == p.KBlocks - 1;
            float* a0;
            if (!p.PackA)
            {
                a0 = p.TransA ? A + k0 * lda + i0 : A + i0 * lda + k0;
            }
            else if (p.TransA)
            {
                Packing.ASlivers(pa, mr, A + k0 * lda + i0, lda, mc, kc);
                tileStride = (nint)mr * kc;
                a0 = pa;
            }
            else
            {
                Packing.ARows(pa, lds, A + i0 * lda + k0, lda, mc, kc);
                a0 = pa;
            }
            var st = new TileStore(p.Alpha, p.Beta, kb == 0, last && p.Relu);
            float* panel = p.BPacked + (nint)k0 * p.NcPad;
            for (int u = u0; u < u1; u++)
            {
                int j = p.Jc + u * nr;
                int cols = Math.Min(nr, p.Jc + p.Nc - j);
                float* bs = panel + (nint)u * kc * nr;
                float* bias = last && p.Bias != null ? p.Bias + j : null;
                float* a = a0;
                float* c = C + i0 * ldc + j;
                for (int i = 0; i < mc; i += mr)
                {
                    TK.Tile(Math.Min(mr, mc - i), cols, kc, a, aRs, aKs, bs, nr, c, ldc, bias, st);
                    a += tileStride;
                    c += mr * ldc;
                }
            }
        }
    }

    /// <summary>The direct path as a reusable parallel job.</summary>
    internal sealed class DirectJob : ParallelJob
    {
        public GemmPlan Plan;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public override void Execute(int index) => DirectTask(in Plan, index);
    }

    /// <summary>Packing of the shared B panel as a reusable parallel job.</summary>
    internal sealed class PackBJob : ParallelJob
    {
        public GemmPlan Plan;

        public override void Execute(int index) => PackBTask(in Plan, index);
    }

    /// <summary>The packed compute as a reusable parallel job.</summary>
    internal sealed class PackedJob : ParallelJob
    {
        public GemmPlan Plan;

        public override void Execute(int index) => PackedTask(in Plan, index);
    }
}
