using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace KerasNet.Backends.Native.Cpu.Gemm;

/// <summary>The AVX-512 micro-kernel: a 12×32 tile of C in 24 zmm accumulators; per k it loads two vectors of packed B and broadcasts twelve elements of A into fused multiply-adds. Rows below 12 are separate specialisations, as is a tile at most 16 columns wide (one vector, for N = 10 or 16); a partial tile's C is read and written with masks.</summary>
internal readonly unsafe struct Avx512Kernel : IMicroKernel
{
    /// <inheritdoc/>
    public static int MR => 12;
    /// <inheritdoc/>
    public static int NR => 32;

    /// <inheritdoc/>
    public static bool NarrowTile => true;

    /// <inheritdoc/>
    public static int KC => 256;

    /// <inheritdoc/>
    public static int MaxTilesM => 16;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Tile(int rows, int cols, int kc, float* a, nint aRs, nint aKs, float* b, nint bKs, float* c, nint ldc, float* bias, in TileStore st)
    {
        if (cols > 16)
        {
            switch (rows)
            {
                case 12: Run<R12, R2>(kc, a, aRs, aKs, b, bKs, c, ldc, cols, bias, st); break;
                case 11: Run<R11, R2>(kc, a, aRs, aKs, b, bKs, c, ldc, cols, bias, st); break;
                case 10: Run<R10, R2>(kc, a, aRs, aKs, b, bKs, c, ldc, cols, bias, st); break;
                case 9: Run<R9, R2>(kc, a, aRs, aKs, b, bKs, c, ldc, cols, bias, st); break;
                case 8: Run<R8, R2>(kc, a, aRs, aKs, b, bKs, c, ldc, cols, bias, st); break;
                case 7: Run<R7, R2>(kc, a, aRs, aKs, b, bKs, c, ldc, cols, bias, st); break;
                case 6: Run<R6, R2>(kc, a, aRs, aKs, b, bKs, c, ldc, cols, bias, st); break;
                case 5: Run<R5, R2>(kc, a, aRs, aKs, b, bKs, c, ldc, cols, bias, st); break;
                case 4: Run<R4, R2>(kc, a, aRs, aKs, b, bKs, c, ldc, cols, bias, st); break;
                case 3: Run<R3, R2>(kc, a, aRs, aKs, b, bKs, c, ldc, cols, bias, st); break;
                case 2: Run<R2, R2>(kc, a, aRs, aKs, b, bKs, c, ldc, cols, bias, st); break;
                case 1: Run<R1, R2>(kc, a, aRs, aKs, b, bKs, c, ldc, cols, bias, st); break;
            }
        }
        else
        {
            // A tile at most one vector wide skips the second column vector entirely.
            switch (rows)
            {
                case 12: Run<R12, R1>(kc, a, aRs, aKs, b, bKs, c, ldc, cols, bias, st); break;
                case 11: Run<R11, R1>(kc, a, aRs, aKs, b, bKs, c, ldc, cols, bias, st); break;
                case 10: Run<R10, R1>(kc, a, aRs, aKs, b, bKs, c, ldc, cols, bias, st); break;
                case 9: Run<R9, R1>(kc, a, aRs, aKs, b, bKs, c, ldc, cols, bias, st); break;
                case 8: Run<R8, R1>(kc, a, aRs, aKs, b, bKs, c, ldc, cols, bias, st); break;
                case 7: Run<R7, R1>(kc, a, aRs, aKs, b, bKs, c, ldc, cols, bias, st); break;
                case 6: Run<R6, R1>(kc, a, aRs, aKs, b, bKs, c, ldc, cols, bias, st); break;
                case 5: Run<R5, R1>(kc, a, aRs, aKs, b, bKs, c, ldc, cols, bias, st); break;
                case 4: Run<R4, R1>(kc, a, aRs, aKs, b, bKs, c, ldc, cols, bias, st); break;
                case 3: Run<R3, R1>(kc, a, aRs, aKs, b, bKs, c, ldc, cols, bias, st); break;
                case 2: Run<R2, R1>(kc, a, aRs, aKs, b, bKs, c, ldc, cols, bias, st); break;
                case 1: Run<R1, R1>(kc, a, aRs, aKs, b, bKs, c, ldc, cols, bias, st); break;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run<TR, TW>(int kc, float* a, nint aRs, nint aKs, float* b, nint bKs, float* c, nint ldc, int cols, float* bias, in TileStore st)
        where TR : struct, IRows
        where TW : struct, IRows
    {
        int rows = TR.Value;
        bool wide = TW.Value > 1;
        Vector512<float> c0_0 = default, c0_1 = default;
        Vector512<float> c1_0 = default, c1_1 = default;
        Vector512<float> c2_0 = default, c2_1 = default;
        Vector512<float> c3_0 = default, c3_1 = default;
        Vector512<float> c4_0 = default, c4_1 = default;
        Vector512<float> c5_0 = default, c5_1 = default;
        Vector512<float> c6_0 = default, c6_1 = default;
        Vector512<float> c7_0 = default, c7_1 = default;
        Vector512<float> c8_0 = default, c8_1 = default;
        Vector512<float> c9_0 = default, c9_1 = default;
        Vector512<float> c10_0 = default, c10_1 = default;
        Vector512<float> c11_0 = default, c11_1 = default;
        float* p0 = a;
        float* p3 = a + 3 * aRs;
        float* p6 = a + 6 * aRs;
        float* p9 = a + 9 * aRs;
        nint s1 = aRs, s2 = aRs * 2;
        // Fetch the C tile now so that its misses overlap the k loop rather than stall the store.
        float* pc = c;
        for (int r = 0; r < rows; r++)
        {
            Sse.Prefetch0(pc);
            Sse.Prefetch0(pc + 16);
            Sse.Prefetch0(pc + 31);
            pc += ldc;
        }
        int k = 0;
        if (rows <= 2)
        {
            Vector512<float> d0_0 = default, d0_1 = default, d1_0 = default, d1_1 = default;
            for (; k + 1 < kc; k += 2)
            {
                Vector512<float> b0 = Vector512.Load(b), e0 = Vector512.Load(b + bKs);
                Vector512<float> b1 = wide ? Vector512.Load(b + 16) : default, e1 = wide ? Vector512.Load(b + bKs + 16) : default;
                Vector512<float> t = Vector512.Create(p0[0]), u = Vector512.Create(p0[aKs]);
                c0_0 = Avx512F.FusedMultiplyAdd(t, b0, c0_0); d0_0 = Avx512F.FusedMultiplyAdd(u, e0, d0_0);
                if (wide) { c0_1 = Avx512F.FusedMultiplyAdd(t, b1, c0_1); d0_1 = Avx512F.FusedMultiplyAdd(u, e1, d0_1); }
                if (rows > 1)
                {
                    t = Vector512.Create(p0[s1]); u = Vector512.Create(p0[s1 + aKs]);
                    c1_0 = Avx512F.FusedMultiplyAdd(t, b0, c1_0); d1_0 = Avx512F.FusedMultiplyAdd(u, e0, d1_0);
                    if (wide) { c1_1 = Avx512F.FusedMultiplyAdd(t, b1, c1_1); d1_1 = Avx512F.FusedMultiplyAdd(u, e1, d1_1); }
                }
                b += 2 * bKs;
                p0 += 2 * aKs;
            }
            c0_0 += d0_0; c0_1 += d0_1; c1_0 += d1_0; c1_1 += d1_1;
        }
        for (; k < kc; k++)
        {
            Vector512<float> b0 = Vector512.Load(b);
            Vector512<float> b1 = wide ? Vector512.Load(b + 16) : default;
            Vector512<float> t;
            t = Vector512.Create(p0[0]); c0_0 = Avx512F.FusedMultiplyAdd(t, b0, c0_0); if (wide) c0_1 = Avx512F.FusedMultiplyAdd(t, b1, c0_1);
            if (rows > 1) { t = Vector512.Create(p0[s1]); c1_0 = Avx512F.FusedMultiplyAdd(t, b0, c1_0); if (wide) c1_1 = Avx512F.FusedMultiplyAdd(t, b1, c1_1); }
            if (rows > 2) { t = Vector512.Create(p0[s2]); c2_0 = Avx512F.FusedMultiplyAdd(t, b0, c2_0); if (wide) c2_1 = Avx512F.FusedMultiplyAdd(t, b1, c2_1); }
            if (rows > 3) { t = Vector512.Create(p3[0]); c3_0 = Avx512F.FusedMultiplyAdd(t, b0, c3_0); if (wide) c3_1 = Avx512F.FusedMultiplyAdd(t, b1, c3_1); }
            if (rows > 4) { t = Vector512.Create(p3[s1]); c4_0 = Avx512F.FusedMultiplyAdd(t, b0, c4_0); if (wide) c4_1 = Avx512F.FusedMultiplyAdd(t, b1, c4_1); }
            if (rows > 5) { t = Vector512.Create(p3[s2]); c5_0 = Avx512F.FusedMultiplyAdd(t, b0, c5_0); if (wide) c5_1 = Avx512F.FusedMultiplyAdd(t, b1, c5_1); }
            if (rows > 6) { t = Vector512.Create(p6[0]); c6_0 = Avx512F.FusedMultiplyAdd(t, b0, c6_0); if (wide) c6_1 = Avx512F.FusedMultiplyAdd(t, b1, c6_1); }
            if (rows > 7) { t = Vector512.Create(p6[s1]); c7_0 = Avx512F.FusedMultiplyAdd(t, b0, c7_0); if (wide) c7_1 = Avx512F.FusedMultiplyAdd(t, b1, c7_1); }
            if (rows > 8) { t = Vector512.Create(p6[s2]); c8_0 = Avx512F.FusedMultiplyAdd(t, b0, c8_0); if (wide) c8_1 = Avx512F.FusedMultiplyAdd(t, b1, c8_1); }
            if (rows > 9) { t = Vector512.Create(p9[0]); c9_0 = Avx512F.FusedMultiplyAdd(t, b0, c9_0); if (wide) c9_1 = Avx512F.FusedMultiplyAdd(t, b1, c9_1); }
            if (rows > 10) { t = Vector512.Create(p9[s1]); c10_0 = Avx512F.FusedMultiplyAdd(t, b0, c10_0); if (wide) c10_1 = Avx512F.FusedMultiplyAdd(t, b1, c10_1); }
            if (rows > 11) { t = Vector512.Create(p9[s2]); c11_0 = Avx512F.FusedMultiplyAdd(t, b0, c11_0); if (wide) c11_1 = Avx512F.FusedMultiplyAdd(t, b1, c11_1); }
            b += bKs;
            p0 += aKs;
            if (rows > 3) p3 += aKs;
            if (rows > 6) p6 += aKs;
            if (rows > 9) p9 += aKs;
        }

        var alpha = Vector512.Create(st.Alpha);
        var beta = Vector512.Create(st.Beta);
        int mode = st.BetaMode;
        bool relu = st.Relu;
        if (cols >= NR)
        {
            Vector512<float> bias0 = bias != null ? Vector512.Load(bias) : default;
            Vector512<float> bias1 = bias != null ? Vector512.Load(bias + 16) : default;
            bool hasBias = bias != null;
            { float* cr = c + 0 * ldc; Full(cr, c0_0, alpha, beta, mode, bias0, hasBias, relu); Full(cr + 16, c0_1, alpha, beta, mode, bias1, hasBias, relu); }
            if (rows > 1) { float* cr = c + 1 * ldc; Full(cr, c1_0, alpha, beta, mode, bias0, hasBias, relu); Full(cr + 16, c1_1, alpha, beta, mode, bias1, hasBias, relu); }
            if (rows > 2) { float* cr = c + 2 * ldc; Full(cr, c2_0, alpha, beta, mode, bias0, hasBias, relu); Full(cr + 16, c2_1, alpha, beta, mode, bias1, hasBias, relu); }
            if (rows > 3) { float* cr = c + 3 * ldc; Full(cr, c3_0, alpha, beta, mode, bias0, hasBias, relu); Full(cr + 16, c3_1, alpha, beta, mode, bias1, hasBias, relu); }
            if (rows > 4) { float* cr = c + 4 * ldc; Full(cr, c4_0, alpha, beta, mode, bias0, hasBias, relu); Full(cr + 16, c4_1, alpha, beta, mode, bias1, hasBias, relu); }
            if (rows > 5) { float* cr = c + 5 * ldc; Full(cr, c5_0, alpha, beta, mode, bias0, hasBias, relu); Full(cr + 16, c5_1, alpha, beta, mode, bias1, hasBias, relu); }
            if (rows > 6) { float* cr = c + 6 * ldc; Full(cr, c6_0, alpha, beta, mode, bias0, hasBias, relu); Full(cr + 16, c6_1, alpha, beta, mode, bias1, hasBias, relu); }
            if (rows > 7) { float* cr = c + 7 * ldc; Full(cr, c7_0, alpha, beta, mode, bias0, hasBias, relu); Full(cr + 16, c7_1, alpha, beta, mode, bias1, hasBias, relu); }
            if (rows > 8) { float* cr = c + 8 * ldc; Full(cr, c8_0, alpha, beta, mode, bias0, hasBias, relu); Full(cr + 16, c8_1, alpha, beta, mode, bias1, hasBias, relu); }
            if (rows > 9) { float* cr = c + 9 * ldc; Full(cr, c9_0, alpha, beta, mode, bias0, hasBias, relu); Full(cr + 16, c9_1, alpha, beta, mode, bias1, hasBias, relu); }
            if (rows > 10) { float* cr = c + 10 * ldc; Full(cr, c10_0, alpha, beta, mode, bias0, hasBias, relu); Full(cr + 16, c10_1, alpha, beta, mode, bias1, hasBias, relu); }
            if (rows > 11) { float* cr = c + 11 * ldc; Full(cr, c11_0, alpha, beta, mode, bias0, hasBias, relu); Full(cr + 16, c11_1, alpha, beta, mode, bias1, hasBias, relu); }
        }
        else
        {
            Vector512<int> idx = Vector512<int>.Indices;
            Vector512<float> m0 = Vector512.LessThan(idx, Vector512.Create(cols)).AsSingle();
            Vector512<float> m1 = Vector512.LessThan(idx, Vector512.Create(cols - 16)).AsSingle();
            Vector512<float> bias0 = bias != null ? Avx512F.MaskLoad(bias, m0, Vector512<float>.Zero) : default;
            Vector512<float> bias1 = bias != null && wide ? Avx512F.MaskLoad(bias + 16, m1, Vector512<float>.Zero) : default;
            bool hasBias = bias != null;
            { float* cr = c + 0 * ldc; Masked(cr, m0, c0_0, alpha, beta, mode, bias0, hasBias, relu); if (wide) Masked(cr + 16, m1, c0_1, alpha, beta, mode, bias1, hasBias, relu); }
            if (rows > 1) { float* cr = c + 1 * ldc; Masked(cr, m0, c1_0, alpha, beta, mode, bias0, hasBias, relu); if (wide) Masked(cr + 16, m1, c1_1, alpha, beta, mode, bias1, hasBias, relu); }
            if (rows > 2) { float* cr = c + 2 * ldc; Masked(cr, m0, c2_0, alpha, beta, mode, bias0, hasBias, relu); if (wide) Masked(cr + 16, m1, c2_1, alpha, beta, mode, bias1, hasBias, relu); }
            if (rows > 3) { float* cr = c + 3 * ldc; Masked(cr, m0, c3_0, alpha, beta, mode, bias0, hasBias, relu); if (wide) Masked(cr + 16, m1, c3_1, alpha, beta, mode, bias1, hasBias, relu); }
            if (rows > 4) { float* cr = c + 4 * ldc; Masked(cr, m0, c4_0, alpha, beta, mode, bias0, hasBias, relu); if (wide) Masked(cr + 16, m1, c4_1, alpha, beta, mode, bias1, hasBias, relu); }
            if (rows > 5) { float* cr = c + 5 * ldc; Masked(cr, m0, c5_0, alpha, beta, mode, bias0, hasBias, relu); if (wide) Masked(cr + 16, m1, c5_1, alpha, beta, mode, bias1, hasBias, relu); }
            if (rows > 6) { float* cr = c + 6 * ldc; Masked(cr, m0, c6_0, alpha, beta, mode, bias0, hasBias, relu); if (wide) Masked(cr + 16, m1, c6_1, alpha, beta, mode, bias1, hasBias, relu); }
            if (rows > 7) { float* cr = c + 7 * ldc; Masked(cr, m0, c7_0, alpha, beta, mode, bias0, hasBias, relu); if (wide) Masked(cr + 16, m1, c7_1, alpha, beta, mode, bias1, hasBias, relu); }
            if (rows > 8) { float* cr = c + 8 * ldc; Masked(cr, m0, c8_0, alpha, beta, mode, bias0, hasBias, relu); if (wide) Masked(cr + 16, m1, c8_1, alpha, beta, mode, bias1, hasBias, relu); }
            if (rows > 9) { float* cr = c + 9 * ldc; Masked(cr, m0, c9_0, alpha, beta, mode, bias0, hasBias, relu); if (wide) Masked(cr + 16, m1, c9_1, alpha, beta, mode, bias1, hasBias, relu); }
            if (rows > 10) { float* cr = c + 10 * ldc; Masked(cr, m0, c10_0, alpha, beta, mode, bias0, hasBias, relu); if (wide) Masked(cr + 16, m1, c10_1, alpha, beta, mode, bias1, hasBias, relu); }
            if (rows > 11) { float* cr = c + 11 * ldc; Masked(cr, m0, c11_0, alpha, beta, mode, bias0, hasBias, relu); if (wide) Masked(cr + 16, m1, c11_1, alpha, beta, mode, bias1, hasBias, relu); }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Full(float* c, Vector512<float> x, Vector512<float> alpha, Vector512<float> beta, int mode, Vector512<float> bias, bool hasBias, bool relu)
    {
        x = Avx512F.Multiply(x, alpha);
        if (mode == TileStore.AddC) x = Avx512F.Add(x, Vector512.Load(c));
        else if (mode == TileStore.ScaleC) x = Avx512F.FusedMultiplyAdd(Vector512.Load(c), beta, x);
        if (hasBias) x = Avx512F.Add(x, bias);
        if (relu) x = Avx512F.Max(Vector512<float>.Zero, x); // max(0, x) keeps a NaN x (VMAXPS returns its second operand then)
        x.Store(c);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Masked(float* c, Vector512<float> mask, Vector512<float> x, Vector512<float> alpha, Vector512<float> beta, int mode, Vector512<float> bias, bool hasBias, bool relu)
    {
        x = Avx512F.Multiply(x, alpha);
        if (mode == TileStore.AddC) x = Avx512F.Add(x, Avx512F.MaskLoad(c, mask, Vector512<float>.Zero));
        else if (mode == TileStore.ScaleC) x = Avx512F.FusedMultiplyAdd(Avx512F.MaskLoad(c, mask, Vector512<float>.Zero), beta, x);
        if (hasBias) x = Avx512F.Add(x, bias);
        if (relu) x = Avx512F.Max(Vector512<float>.Zero, x); // max(0, x) keeps a NaN x (VMAXPS returns its second operand then)
        Avx512F.MaskStore(c, mask, x);
    }
}
