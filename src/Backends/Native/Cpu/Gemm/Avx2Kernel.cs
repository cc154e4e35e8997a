using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace KerasNet.Backends.Native.Cpu.Gemm;

/// <summary>The AVX2/FMA micro-kernel: a 6×16 tile of C in 12 ymm accumulators; per k it loads two vectors of packed B and broadcasts six elements of A. Rows below 6 are separate specialisations, as is a tile at most 8 columns wide; a tile narrower than 16 columns is stored through a scalar path.</summary>
internal readonly unsafe struct Avx2Kernel : IMicroKernel
{
    /// <inheritdoc/>
    public static int MR => 6;
    /// <inheritdoc/>
    public static int NR => 16;

    /// <inheritdoc/>
    public static bool NarrowTile => true;

    /// <inheritdoc/>
    public static int KC => 256;

    /// <inheritdoc/>
    public static int MaxTilesM => 24;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Tile(int rows, int cols, int kc, float* a, nint aRs, nint aKs, float* b, nint bKs, float* c, nint ldc, float* bias, in TileStore st)
    {
        if (cols > 8)
        {
            switch (rows)
            {
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
        Vector256<float> c0_0 = default, c0_1 = default;
        Vector256<float> c1_0 = default, c1_1 = default;
        Vector256<float> c2_0 = default, c2_1 = default;
        Vector256<float> c3_0 = default, c3_1 = default;
        Vector256<float> c4_0 = default, c4_1 = default;
        Vector256<float> c5_0 = default, c5_1 = default;
        float* p0 = a;
        float* p3 = a + 3 * aRs;
        nint s1 = aRs, s2 = aRs * 2;
        // Fetch the C tile now so that its misses overlap the k loop rather than stall the store.
        float* pc = c;
        for (int r = 0; r < rows; r++)
        {
            Sse.Prefetch0(pc);
            Sse.Prefetch0(pc + 15);
            pc += ldc;
        }
        int k = 0;
        if (rows <= 2)
        {
            Vector256<float> d0_0 = default, d0_1 = default, d1_0 = default, d1_1 = default;
            for (; k + 1 < kc; k += 2)
            {
                Vector256<float> b0 = Vector256.Load(b), e0 = Vector256.Load(b + bKs);
                Vector256<float> b1 = wide ? Vector256.Load(b + 8) : default, e1 = wide ? Vector256.Load(b + bKs + 8) : default;
                Vector256<float> t = Vector256.Create(p0[0]), u = Vector256.Create(p0[aKs]);
                c0_0 = Fma.MultiplyAdd(t, b0, c0_0); d0_0 = Fma.MultiplyAdd(u, e0, d0_0);
                if (wide) { c0_1 = Fma.MultiplyAdd(t, b1, c0_1); d0_1 = Fma.MultiplyAdd(u, e1, d0_1); }
                if (rows > 1)
                {
                    t = Vector256.Create(p0[s1]); u = Vector256.Create(p0[s1 + aKs]);
                    c1_0 = Fma.MultiplyAdd(t, b0, c1_0); d1_0 = Fma.MultiplyAdd(u, e0, d1_0);
                    if (wide) { c1_1 = Fma.MultiplyAdd(t, b1, c1_1); d1_1 = Fma.MultiplyAdd(u, e1, d1_1); }
                }
                b += 2 * bKs;
                p0 += 2 * aKs;
            }
            c0_0 += d0_0; c0_1 += d0_1; c1_0 += d1_0; c1_1 += d1_1;
        }
        for (; k < kc; k++)
        {
            Vector256<float> b0 = Vector256.Load(b);
            Vector256<float> b1 = wide ? Vector256.Load(b + 8) : default;
            Vector256<float> t;
            t = Vector256.Create(p0[0]); c0_0 = Fma.MultiplyAdd(t, b0, c0_0); if (wide) c0_1 = Fma.MultiplyAdd(t, b1, c0_1);
            if (rows > 1) { t = Vector256.Create(p0[s1]); c1_0 = Fma.MultiplyAdd(t, b0, c1_0); if (wide) c1_1 = Fma.MultiplyAdd(t, b1, c1_1); }
            if (rows > 2) { t = Vector256.Create(p0[s2]); c2_0 = Fma.MultiplyAdd(t, b0, c2_0); if (wide) c2_1 = Fma.MultiplyAdd(t, b1, c2_1); }
            if (rows > 3) { t = Vector256.Create(p3[0]); c3_0 = Fma.MultiplyAdd(t, b0, c3_0); if (wide) c3_1 = Fma.MultiplyAdd(t, b1, c3_1); }
            if (rows > 4) { t = Vector256.Create(p3[s1]); c4_0 = Fma.MultiplyAdd(t, b0, c4_0); if (wide) c4_1 = Fma.MultiplyAdd(t, b1, c4_1); }
            if (rows > 5) { t = Vector256.Create(p3[s2]); c5_0 = Fma.MultiplyAdd(t, b0, c5_0); if (wide) c5_1 = Fma.MultiplyAdd(t, b1, c5_1); }
            b += bKs;
            p0 += aKs;
            if (rows > 3) p3 += aKs;
        }

        if (cols >= NR)
        {
            var alpha = Vector256.Create(st.Alpha);
            var beta = Vector256.Create(st.Beta);
            int mode = st.BetaMode;
            bool relu = st.Relu;
            bool hasBias = bias != null;
            Vector256<float> bias0 = hasBias ? Vector256.Load(bias) : default;
            Vector256<float> bias1 = hasBias ? Vector256.Load(bias + 8) : default;
            { float* cr = c + 0 * ldc; Full(cr, c0_0, alpha, beta, mode, bias0, hasBias, relu); Full(cr + 8, c0_1, alpha, beta, mode, bias1, hasBias, relu); }
            if (rows > 1) { float* cr = c + 1 * ldc; Full(cr, c1_0, alpha, beta, mode, bias0, hasBias, relu); Full(cr + 8, c1_1, alpha, beta, mode, bias1, hasBias, relu); }
            if (rows > 2) { float* cr = c + 2 * ldc; Full(cr, c2_0, alpha, beta, mode, bias0, hasBias, relu); Full(cr + 8, c2_1, alpha, beta, mode, bias1, hasBias, relu); }
            if (rows > 3) { float* cr = c + 3 * ldc; Full(cr, c3_0, alpha, beta, mode, bias0, hasBias, relu); Full(cr + 8, c3_1, alpha, beta, mode, bias1, hasBias, relu); }
            if (rows > 4) { float* cr = c + 4 * ldc; Full(cr, c4_0, alpha, beta, mode, bias0, hasBias, relu); Full(cr + 8, c4_1, alpha, beta, mode, bias1, hasBias, relu); }
            if (rows > 5) { float* cr = c + 5 * ldc; Full(cr, c5_0, alpha, beta, mode, bias0, hasBias, relu); Full(cr + 8, c5_1, alpha, beta, mode, bias1, hasBias, relu); }
        }
        else
        {
            // A partial tile goes through a small buffer and the scalar store.
            float* tmp = stackalloc float[NR];
            { c0_0.Store(tmp); if (wide) c0_1.Store(tmp + 8); TileStore.Scalar(c + 0 * ldc, tmp, cols, bias, st); }
            if (rows > 1) { c1_0.Store(tmp); if (wide) c1_1.Store(tmp + 8); TileStore.Scalar(c + 1 * ldc, tmp, cols, bias, st); }
            if (rows > 2) { c2_0.Store(tmp); if (wide) c2_1.Store(tmp + 8); TileStore.Scalar(c + 2 * ldc, tmp, cols, bias, st); }
            if (rows > 3) { c3_0.Store(tmp); if (wide) c3_1.Store(tmp + 8); TileStore.Scalar(c + 3 * ldc, tmp, cols, bias, st); }
            if (rows > 4) { c4_0.Store(tmp); if (wide) c4_1.Store(tmp + 8); TileStore.Scalar(c + 4 * ldc, tmp, cols, bias, st); }
            if (rows > 5) { c5_0.Store(tmp); if (wide) c5_1.Store(tmp + 8); TileStore.Scalar(c + 5 * ldc, tmp, cols, bias, st); }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Full(float* c, Vector256<float> x, Vector256<float> alpha, Vector256<float> beta, int mode, Vector256<float> bias, bool hasBias, bool relu)
    {
        x = Avx.Multiply(x, alpha);
        if (mode == TileStore.AddC) x = Avx.Add(x, Vector256.Load(c));
        else if (mode == TileStore.ScaleC) x = Fma.MultiplyAdd(Vector256.Load(c), beta, x);
        if (hasBias) x = Avx.Add(x, bias);
        if (relu) x = Avx.Max(Vector256<float>.Zero, x); // max(0, x) keeps a NaN x (MAXPS returns its second operand then)
        x.Store(c);
    }
}
