using System.Numerics;
using System.Runtime.CompilerServices;

namespace KerasNet.Backends.Native.Cpu.Conv;

/// <summary>im2col and its transpose col2im. Both walk the chunk's output rows as segments of one output
/// row (fixed n, oh; consecutive ow) and, per kernel tap, work out once which ow of the segment read
/// inside the input, so the inner loops carry no bounds checks: a strided single-float loop when a
/// group has one channel, vector copies or adds of the channel run otherwise, and one copy of the whole
/// KW·C kernel row where it is contiguous in the input (one group, horizontal dilation 1). A segment's
/// columns are capped at <see cref="SegmentFloats"/> so that its tap-by-tap passes stay in L1.
/// <para>The shape-dependent loops here, in the depthwise kernels and in pooling are marked
/// AggressiveOptimization: under dynamic PGO a method promoted while one shape ran (say C = 1) laid the
/// branches another shape needs out as cold code, and ran that shape's im2col at half speed.</para></summary>
internal sealed unsafe partial class ConvRunner
{
    /// <summary>Most column floats one segment covers (16 KiB).</summary>
    private const int SegmentFloats = 4096;

    /// <summary>What happens between a column block and the input elements it mirrors.</summary>
    private interface IColumnOp
    {
        /// <summary>A tap inside the input: <paramref name="n"/> contiguous floats.</summary>
        static abstract void Inside(float* col, float* image, int n);

        /// <summary>A tap in the padding.</summary>
        static abstract void Padding(float* col, int n);

        /// <summary><paramref name="count"/> single-float taps, strided on both sides.</summary>
        static abstract void InsideStrided(float* col, long colStride, float* image, long imageStride, int count);

        /// <summary><paramref name="count"/> single-float padding taps.</summary>
        static abstract void PaddingStrided(float* col, long colStride, int count);
    }

    /// <summary>im2col: copy the input into the columns, zero for padding.</summary>
    private struct Gather : IColumnOp
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Inside(float* col, float* image, int n) => Vec.Copy(col, image, n);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Padding(float* col, int n) => Vec.Zero(col, n);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void InsideStrided(float* col, long colStride, float* image, long imageStride, int count)
        {
            for (int i = 0; i < count; i++) col[i * colStride] = image[i * imageStride];
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void PaddingStrided(float* col, long colStride, int count)
        {
            for (int i = 0; i < count; i++) col[i * colStride] = 0f;
        }
    }

    /// <summary>col2im: add the column gradients onto the input gradient, drop padding.</summary>
    private struct Scatter : IColumnOp
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Inside(float* col, float* image, int n) => Vec.Add(image, col, n);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Padding(float* col, int n) { }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void InsideStrided(float* col, long colStride, float* image, long imageStride, int count)
        {
            for (int i = 0; i < count; i++) image[i * imageStride] += col[i * colStride];
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void PaddingStrided(float* col, long colStride, int count) { }
    }

    /// <summary>Writes <paramref name="rows"/> im2col rows starting at output row <paramref name="r0"/>;
    /// taps that fall in the padding read zero.</summary>
    private void Im2Col(float* x, long r0, int rows, float* col) => Walk<Gather>(x, r0, rows, col);

    /// <summary>Adds <paramref name="rows"/> rows of column gradients back onto the input positions they
    /// were gathered from (the transpose of <see cref="Im2Col"/>); padding taps are dropped.</summary>
    private void Col2Im(float* dcol, long r0, int rows, float* dx) => Walk<Scatter>(dx, r0, rows, dcol);

    private void Walk<TOp>(float* data, long r0, int rows, float* col) where TOp : struct, IColumnOp
    {
        int outW = _p.OutW;
        int cap = Math.Max(1, SegmentFloats / _kfull);
        long r = r0, end = r0 + rows;
        while (r < end)
        {
            long n = r / _ohw;
            int rem = (int)(r - n * _ohw);
            int oh = rem / outW, ow0 = rem - oh * outW;
            int count = (int)Math.Min(Math.Min(outW - ow0, cap), end - r);
            Segment<TOp>(data + n * _imageIn, oh, ow0, count, col);
            col += (long)count * _kfull;
            r += count;
        }
    }

    /// <summary>Output positions (oh, ow0 + i) for i in [0, count) of one image; column row i at
    /// col + i·KH·KW·C, laid out (g, kh, kw, c).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Segment<TOp>(float* image, int oh, int ow0, int count, float* col) where TOp : struct, IColumnOp
    {
        var p = _p;
        int C = p.C, W = p.W, KW = p.KW, cg = _cg, sw = p.StrideW, dw = p.DilationW;
        long kfull = _kfull, xStep = (long)sw * C;
        int ihBase = oh * p.StrideH - p.PadTop;
        int iwBase = ow0 * sw - p.PadLeft; // column i, tap kw reads iw = iwBase + i·sw + kw·dw
        bool runs = _g == 1 && dw == 1 && KW * C >= Vector<float>.Count;
        // For whole kernel-row copies: the i whose KW taps are all inside.
        int runLo = Math.Clamp(CeilDiv(-iwBase, sw), 0, count);
        int runHi = Math.Clamp(CeilDiv(W - KW + 1 - iwBase, sw), runLo, count);
        for (int g = 0; g < _g; g++)
        {
            for (int kh = 0; kh < p.KH; kh++)
            {
                float* c0 = col + g * _kg + kh * KW * cg;
                int ih = ihBase + kh * p.DilationH;
                if ((uint)ih >= (uint)p.H)
                {
                    for (int i = 0; i < count; i++) TOp.Padding(c0 + i * kfull, KW * cg);
                    continue;
                }
                float* row = image + (long)ih * W * C + g * cg;
                if (runs)
                {
                    for (int i = runLo; i < runHi; i++) TOp.Inside(c0 + i * kfull, row + (iwBase + (long)i * sw) * C, KW * C);
                    for (int i = 0; i < runLo; i++) EdgeTaps<TOp>(c0 + i * kfull, row, iwBase + i * sw);
                    for (int i = runHi; i < count; i++) EdgeTaps<TOp>(c0 + i * kfull, row, iwBase + i * sw);
                    continue;
                }
                for (int kw = 0; kw < KW; kw++)
                {
                    float* ck = c0 + kw * cg;
                    int off = iwBase + kw * dw;
                    int lo = Math.Clamp(CeilDiv(-off, sw), 0, count);
                    int hi = Math.Clamp(CeilDiv(W - off, sw), lo, count);
                    float* src = row + (off + (long)lo * sw) * C;
                    if (cg == 1)
                    {
                        TOp.PaddingStrided(ck, kfull, lo);
                        TOp.InsideStrided(ck + lo * kfull, kfull, src, xStep, hi - lo);
                        TOp.PaddingStrided(ck + hi * kfull, kfull, count - hi);
                        continue;
                    }
                    for (int i = 0; i < lo; i++) TOp.Padding(ck + i * kfull, cg);
                    for (int i = lo; i < hi; i++, src += xStep) TOp.Inside(ck + i * kfull, src, cg);
                    for (int i = hi; i < count; i++) TOp.Padding(ck + i * kfull, cg);
                }
            }
        }
    }

    /// <summary>One kernel row of one column, tap by tap (group 0, dilation 1), where some taps fall
    /// outside the input.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void EdgeTaps<TOp>(float* c, float* row, int iw0) where TOp : struct, IColumnOp
    {
        int C = _p.C;
        for (int kw = 0; kw < _p.KW; kw++, c += C)
        {
            int iw = iw0 + kw;
            if ((uint)iw >= (uint)_p.W) TOp.Padding(c, C);
            else TOp.Inside(c, row + (long)iw * C, C);
        }
    }

    /// <summary>⌈a / b⌉ for b &gt; 0 and any sign of a.</summary>
    private static int CeilDiv(int a, int b) => a >= 0 ? (a + b - 1) / b : -(-a / b);
}
