using System.Numerics;
using System.Runtime.CompilerServices;

namespace KerasNet.Backends.Native.Cpu.Gemm;

/// <summary>The portable micro-kernel on <see cref="Vector{T}"/>: a 4×(2·lanes) tile in eight accumulators.
/// Correct on any hardware (it uses fused multiply-add only where the hardware has it); the x86 kernels
/// replace it where AVX2 or AVX-512 is available.</summary>
internal readonly unsafe struct VectorKernel : IMicroKernel
{
    private static int W => Vector<float>.Count;

    /// <inheritdoc/>
    public static int MR => 4;

    /// <inheritdoc/>
    public static int NR => 2 * Vector<float>.Count;

    /// <inheritdoc/>
    public static bool NarrowTile => false;

    /// <inheritdoc/>
    public static int KC => 256;

    /// <inheritdoc/>
    public static int MaxTilesM => 32;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Tile(int rows, int cols, int kc, float* a, nint aRs, nint aKs, float* b, nint bKs, float* c, nint ldc, float* bias, in TileStore st)
    {
        switch (rows)
        {
            case 4: Run<R4>(kc, a, aRs, aKs, b, bKs, c, ldc, cols, bias, st); break;
            case 3: Run<R3>(kc, a, aRs, aKs, b, bKs, c, ldc, cols, bias, st); break;
            case 2: Run<R2>(kc, a, aRs, aKs, b, bKs, c, ldc, cols, bias, st); break;
            case 1: Run<R1>(kc, a, aRs, aKs, b, bKs, c, ldc, cols, bias, st); break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run<TR>(int kc, float* a, nint aRs, nint aKs, float* b, nint bKs, float* c, nint ldc, int cols, float* bias, in TileStore st)
        where TR : struct, IRows
    {
        int rows = TR.Value;
        Vector<float> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector<float> c20 = default, c21 = default, c30 = default, c31 = default;
        nint s1 = aRs, s2 = aRs * 2, s3 = aRs * 3;
        int w = W;
        for (int k = 0; k < kc; k++)
        {
            var b0 = Unsafe.ReadUnaligned<Vector<float>>(b);
            var b1 = Unsafe.ReadUnaligned<Vector<float>>(b + w);
            var t = new Vector<float>(a[0]);
            c00 = Vector.MultiplyAddEstimate(t, b0, c00);
            c01 = Vector.MultiplyAddEstimate(t, b1, c01);
            if (rows > 1) { t = new Vector<float>(a[s1]); c10 = Vector.MultiplyAddEstimate(t, b0, c10); c11 = Vector.MultiplyAddEstimate(t, b1, c11); }
            if (rows > 2) { t = new Vector<float>(a[s2]); c20 = Vector.MultiplyAddEstimate(t, b0, c20); c21 = Vector.MultiplyAddEstimate(t, b1, c21); }
            if (rows > 3) { t = new Vector<float>(a[s3]); c30 = Vector.MultiplyAddEstimate(t, b0, c30); c31 = Vector.MultiplyAddEstimate(t, b1, c31); }
            a += aKs;
            b += bKs;
        }

        if (cols >= NR)
        {
            Row(c, c00, c01, bias, st);
            if (rows > 1) Row(c + ldc, c10, c11, bias, st);
            if (rows > 2) Row(c + 2 * ldc, c20, c21, bias, st);
            if (rows > 3) Row(c + 3 * ldc, c30, c31, bias, st);
        }
        else
        {
            float* tmp = stackalloc float[2 * Vector<float>.Count];
            Spill(tmp, c00, c01); TileStore.Scalar(c, tmp, cols, bias, st);
            if (rows > 1) { Spill(tmp, c10, c11); TileStore.Scalar(c + ldc, tmp, cols, bias, st); }
            if (rows > 2) { Spill(tmp, c20, c21); TileStore.Scalar(c + 2 * ldc, tmp, cols, bias, st); }
            if (rows > 3) { Spill(tmp, c30, c31); TileStore.Scalar(c + 3 * ldc, tmp, cols, bias, st); }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Spill(float* tmp, Vector<float> x0, Vector<float> x1)
    {
        Unsafe.WriteUnaligned(tmp, x0);
        Unsafe.WriteUnaligned(tmp + Vector<float>.Count, x1);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Row(float* c, Vector<float> x0, Vector<float> x1, float* bias, in TileStore st)
    {
        Finish(c, x0, bias, st);
        Finish(c + Vector<float>.Count, x1, bias == null ? null : bias + Vector<float>.Count, st);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Finish(float* c, Vector<float> x, float* bias, in TileStore st)
    {
        x *= st.Alpha;
        if (st.BetaMode == TileStore.AddC) x += Unsafe.ReadUnaligned<Vector<float>>(c);
        else if (st.BetaMode == TileStore.ScaleC) x += Unsafe.ReadUnaligned<Vector<float>>(c) * st.Beta;
        if (bias != null) x += Unsafe.ReadUnaligned<Vector<float>>(bias);
        if (st.Relu) x = Vector.ConditionalSelect(Vector.LessThan(x, Vector<float>.Zero), Vector<float>.Zero, x); // NaN stays NaN
        Unsafe.WriteUnaligned(c, x);
    }
}
