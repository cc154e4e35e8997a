using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace KerasNet.Backends.Native.Cpu.Gemm;

/// <summary>Copies blocks of A and B into the layouts the micro-kernels stream through.</summary>
internal static unsafe class Packing
{
    /// <summary>Row stride used for a row-major copy of a block of A that is <paramref name="kc"/> wide: a
    /// multiple of 16 floats plus 16, so that consecutive rows fall into different L1 sets.</summary>
    public static nint RowStride(int kc) => ((kc + 15) & ~15) + 16;

    /// <summary>Copies <paramref name="rows"/>×<paramref name="kc"/> of a row-major A (row stride
    /// <paramref name="lda"/>) into <paramref name="dst"/> with row stride <paramref name="lds"/>; the
    /// kernels read it with aRs = lds, aKs = 1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ARows(float* dst, nint lds, float* a, nint lda, int rows, int kc)
    {
        long bytes = (long)kc * sizeof(float);
        for (int r = 0; r < rows; r++)
            Buffer.MemoryCopy(a + r * lda, dst + r * lds, bytes, bytes);
    }

    /// <summary>Packs a block of a transposed A (stored K×M, <paramref name="a"/> at (k0, i0)) into slivers of
    /// <paramref name="mr"/> rows: sliver s holds, for each k, its mr row values contiguously, at
    /// dst + s·mr·kc. The kernels read a sliver with aRs = 1, aKs = mr.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ASlivers(float* dst, int mr, float* a, nint lda, int rows, int kc)
    {
        for (int s = 0; s * mr < rows; s++)
        {
            int r = Math.Min(mr, rows - s * mr);
            float* d = dst + (nint)s * mr * kc;
            float* src = a + s * mr;
            for (int k = 0; k < kc; k++)
                CopySmall(d + k * mr, src + k * lda, r);
        }
    }

    /// <summary>Packs kc×cols of op(B) into an <paramref name="nr"/>-wide sliver (k-major, columns
    /// [cols, nr) zeroed). <paramref name="b"/> points at op(B)(k0, j0): B + k0·ldb + j0 when B is not
    /// transposed, B + j0·ldb + k0 when it is.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BSliver(float* dst, int nr, float* b, nint ldb, bool transB, int kc, int cols)
    {
        if (!transB)
        {
            for (int k = 0; k < kc; k++)
            {
                float* d = dst + k * nr;
                CopySmall(d, b + k * ldb, cols);
                for (int j = cols; j < nr; j++) d[j] = 0f;
            }
            return;
        }

        int j8 = 0;
        if (Avx.IsSupported)
        {
            int k8 = kc & ~7;
            for (; j8 + 8 <= cols; j8 += 8)
            {
                float* src = b + j8 * ldb;
                for (int k = 0; k < k8; k += 8)
                    Transpose8x8(src + k, ldb, dst + k * nr + j8, nr);
                for (int k = k8; k < kc; k++)
                    for (int j = 0; j < 8; j++)
                        dst[k * nr + j8 + j] = src[j * ldb + k];
            }
        }
        for (int j = j8; j < cols; j++)
        {
            float* src = b + j * ldb;
            for (int k = 0; k < kc; k++) dst[k * nr + j] = src[k];
        }
        if (cols < nr)
            for (int k = 0; k < kc; k++)
                for (int j = cols; j < nr; j++) dst[k * nr + j] = 0f;
    }

    /// <summary>Writes the transpose of the 8×8 block at <paramref name="src"/> (row stride
    /// <paramref name="lds"/>) to <paramref name="dst"/> (row stride <paramref name="ldd"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(float* src, nint lds, float* dst, nint ldd)
    {
        Vector256<float> r0 = Avx.LoadVector256(src), r1 = Avx.LoadVector256(src + lds);
        Vector256<float> r2 = Avx.LoadVector256(src + 2 * lds), r3 = Avx.LoadVector256(src + 3 * lds);
        Vector256<float> r4 = Avx.LoadVector256(src + 4 * lds), r5 = Avx.LoadVector256(src + 5 * lds);
        Vector256<float> r6 = Avx.LoadVector256(src + 6 * lds), r7 = Avx.LoadVector256(src + 7 * lds);
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
        Vector256<float> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5);
        Vector256<float> t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
        Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE);
        Vector256<float> u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> u4 = Avx.Shuffle(t4, t6, 0x44), u5 = Avx.Shuffle(t4, t6, 0xEE);
        Vector256<float> u6 = Avx.Shuffle(t5, t7, 0x44), u7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Store(dst, Avx.Permute2x128(u0, u4, 0x20));
        Avx.Store(dst + ldd, Avx.Permute2x128(u1, u5, 0x20));
        Avx.Store(dst + 2 * ldd, Avx.Permute2x128(u2, u6, 0x20));
        Avx.Store(dst + 3 * ldd, Avx.Permute2x128(u3, u7, 0x20));
        Avx.Store(dst + 4 * ldd, Avx.Permute2x128(u0, u4, 0x31));
        Avx.Store(dst + 5 * ldd, Avx.Permute2x128(u1, u5, 0x31));
        Avx.Store(dst + 6 * ldd, Avx.Permute2x128(u2, u6, 0x31));
        Avx.Store(dst + 7 * ldd, Avx.Permute2x128(u3, u7, 0x31));
    }

    /// <summary>Copies a short run of floats (a sliver row).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void CopySmall(float* dst, float* src, int n)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; i + 16 <= n; i += 16) Vector512.Store(Vector512.Load(src + i), dst + i);
        if (Vector256.IsHardwareAccelerated)
            for (; i + 8 <= n; i += 8) Vector256.Store(Vector256.Load(src + i), dst + i);
        if (Vector128.IsHardwareAccelerated)
            for (; i + 4 <= n; i += 4) Vector128.Store(Vector128.Load(src + i), dst + i);
        for (; i < n; i++) dst[i] = src[i];
    }
}
