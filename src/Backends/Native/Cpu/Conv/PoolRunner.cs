using System.Runtime.CompilerServices;
using System.Numerics;
using KerasNet.Backend;

namespace KerasNet.Backends.Native.Cpu.Conv;

/// <summary>The CPU pooling kernels over NHWC data, vectorised across the contiguous channel axis.
/// Windows are clipped to the input, so padding never wins a max and never counts in an average.
/// <para>Forward work is split across <see cref="CpuThreads"/> by output rows (n, oh). The backward pass
/// scatters into the input gradient: when windows of different output rows cannot share an input row
/// (StrideH ≥ PoolH) tasks still own output rows, each zeroing the band of input rows that belongs to
/// them; when they overlap, tasks own whole images. When the windows tile the input (stride equal to the
/// window in both directions) no element lies in two windows, so the gradient is stored rather than
/// added and only the elements outside every window are zeroed.</para>
/// <para>An instance holds the per-call state; <see cref="Rent"/> and <see cref="Return"/> keep one cached
/// so steady-state calls allocate nothing.</para></summary>
internal sealed unsafe class PoolRunner : ParallelJob
{
    /// <summary>Window taps (over all outputs and channels) below which pooling stays on one thread.</summary>
    internal const long ParallelWork = 1 << 15;

    private static PoolRunner? s_cached;

    private PoolParams _p;
    private float* _x, _dy, _out;
    private bool _backward, _byImage, _tiled;
    private long _units;
    private int _tasks;

    /// <summary>Takes the cached runner, or makes one.</summary>
    public static PoolRunner Rent() => Interlocked.Exchange(ref s_cached, null) ?? new PoolRunner();

    /// <summary>Gives a runner back for the next call.</summary>
    public static void Return(PoolRunner runner)
    {
        runner._x = runner._dy = runner._out = null;
        Volatile.Write(ref s_cached, runner);
    }

    /// <summary>y (N, OutH, OutW, C) = pool(x).</summary>
    public void Forward(in PoolParams p, float* x, float* y)
    {
        _p = p;
        _x = x; _out = y;
        _backward = false;
        _byImage = false;
        _tiled = false;
        Dispatch((long)p.N * p.OutH);
    }

    /// <summary>dx (N, H, W, C), overwritten: max routes each dy to the first maximum of its window in
    /// row-major order, average spreads dy over the window's in-bounds elements.</summary>
    public void Backward(in PoolParams p, float* x, float* dy, float* dx)
    {
        _p = p;
        _x = x; _dy = dy; _out = dx;
        _backward = true;
        _byImage = p.StrideH < p.PoolH;
        _tiled = p.StrideH == p.PoolH && p.StrideW == p.PoolW;
        Dispatch(_byImage ? p.N : (long)p.N * p.OutH);
    }

    private void Dispatch(long units)
    {
        var p = _p;
        long work = (long)p.N * p.OutH * p.OutW * p.C * p.PoolH * p.PoolW;
        int threads = CpuThreads.Count;
        _units = units;
        _tasks = threads > 1 && work >= ParallelWork && units > 1 ? (int)Math.Min(units, 4L * threads) : 1;
        CpuThreads.Run(this, _tasks);
    }

    public override void Execute(int index)
    {
        long u0 = _units * index / _tasks, u1 = _units * (index + 1) / _tasks;
        var p = _p;
        if (!_backward)
        {
            for (long u = u0; u < u1; u++) ForwardRow(u);
        }
        else if (_byImage)
        {
            long image = (long)p.H * p.W * p.C;
            Vec.Zero(_out + u0 * image, (u1 - u0) * image);
            for (long u = u0 * p.OutH; u < u1 * p.OutH; u++) BackwardRow(u, store: false);
        }
        else
        {
            long rowFloats = (long)p.W * p.C;
            for (long u = u0; u < u1; u++)
            {
                // Output row oh owns input rows [Band(oh), Band(oh + 1)): its windows lie inside them.
                long n = u / p.OutH;
                int oh = (int)(u - n * p.OutH);
                int b0 = Band(oh), b1 = Band(oh + 1);
                float* band = _out + n * p.H * rowFloats;
                if (!_tiled)
                {
                    Vec.Zero(band + b0 * rowFloats, (b1 - b0) * rowFloats);
                    BackwardRow(u, store: false);
                    continue;
                }
                // Tiled: the windows cover rows [h0, h1) of the band from column 0 to c1; store into
                // them and zero the rest of the band.
                int hs = oh * p.StrideH - p.PadTop;
                int h0 = Math.Max(hs, 0), h1 = Math.Min(hs + p.PoolH, p.H);
                if (h0 >= h1)
                {
                    Vec.Zero(band + b0 * rowFloats, (b1 - b0) * rowFloats);
                    continue;
                }
                int c1 = Math.Clamp((p.OutW - 1) * p.StrideW - p.PadLeft + p.PoolW, 0, p.W);
                Vec.Zero(band + b0 * rowFloats, (h0 - b0) * rowFloats);
                Vec.Zero(band + h1 * rowFloats, (b1 - h1) * rowFloats);
                if (c1 < p.W)
                    for (int h = h0; h < h1; h++) Vec.Zero(band + h * rowFloats + (long)c1 * p.C, (long)(p.W - c1) * p.C);
                BackwardRow(u, store: true);
            }
        }
    }

    private int Band(int oh) =>
        oh == 0 ? 0 : oh == _p.OutH ? _p.H : Math.Clamp(oh * _p.StrideH - _p.PadTop, 0, _p.H);

    /// <summary>Output row u = n·OutH + oh.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ForwardRow(long u)
    {
        var p = _p;
        int C = p.C, width = Vector<float>.Count;
        long n = u / p.OutH;
        int oh = (int)(u - n * p.OutH);
        int hs = oh * p.StrideH - p.PadTop;
        int h0 = Math.Max(hs, 0), h1 = Math.Min(hs + p.PoolH, p.H);
        long rowStride = (long)p.W * C;
        float* image = _x + n * p.H * rowStride;
        for (int ow = 0; ow < p.OutW; ow++)
        {
            float* yp = _out + (u * p.OutW + ow) * C;
            int ws = ow * p.StrideW - p.PadLeft;
            int w0 = Math.Max(ws, 0), w1 = Math.Min(ws + p.PoolW, p.W);
            if (h0 >= h1 || w0 >= w1)
            {
                Vec.Zero(yp, C); // an all-padding window: no valid geometry produces one
                continue;
            }
            float* first = image + h0 * rowStride + (long)w0 * C;
            int c = 0;
            if (p.Kind == PoolKind.Max)
            {
                for (; c <= C - width; c += width)
                {
                    var acc = Vector.Load(first + c);
                    for (int h = h0; h < h1; h++)
                    {
                        float* xr = image + h * rowStride + c;
                        for (int w = w0; w < w1; w++) acc = Vector.Max(acc, Vector.Load(xr + (long)w * C));
                    }
                    Vector.Store(acc, yp + c);
                }
                for (; c < C; c++)
                {
                    float acc = first[c];
                    for (int h = h0; h < h1; h++)
                    {
                        float* xr = image + h * rowStride + c;
                        for (int w = w0; w < w1; w++) acc = MathF.Max(acc, xr[(long)w * C]);
                    }
                    yp[c] = acc;
                }
            }
            else
            {
                float inv = 1f / ((h1 - h0) * (w1 - w0));
                for (; c <= C - width; c += width)
                {
                    var acc = Vector<float>.Zero;
                    for (int h = h0; h < h1; h++)
                    {
                        float* xr = image + h * rowStride + c;
                        for (int w = w0; w < w1; w++) acc += Vector.Load(xr + (long)w * C);
                    }
                    Vector.Store(acc * inv, yp + c);
                }
                for (; c < C; c++)
                {
                    float acc = 0f;
                    for (int h = h0; h < h1; h++)
                    {
                        float* xr = image + h * rowStride + c;
                        for (int w = w0; w < w1; w++) acc += xr[(long)w * C];
                    }
                    yp[c] = acc * inv;
                }
            }
        }
    }

    /// <summary>Scatters the gradient of output row u = n·OutH + oh into dx: accumulating, or, when
    /// <paramref name="store"/> (windows that share no element), overwriting every element of its windows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void BackwardRow(long u, bool store)
    {
        var p = _p;
        int C = p.C, width = Vector<float>.Count;
        long n = u / p.OutH;
        int oh = (int)(u - n * p.OutH);
        int hs = oh * p.StrideH - p.PadTop;
        int h0 = Math.Max(hs, 0), h1 = Math.Min(hs + p.PoolH, p.H);
        long rowStride = (long)p.W * C;
        long imageOffset = n * p.H * rowStride;
        float* image = _x + imageOffset;
        float* dImage = _out + imageOffset;
        for (int ow = 0; ow < p.OutW; ow++)
        {
            float* gp = _dy + (u * p.OutW + ow) * C;
            int ws = ow * p.StrideW - p.PadLeft;
            int w0 = Math.Max(ws, 0), w1 = Math.Min(ws + p.PoolW, p.W);
            if (h0 >= h1 || w0 >= w1) continue;
            int c = 0;
            if (p.Kind == PoolKind.Max)
            {
                long firstOffset = h0 * rowStride + (long)w0 * C;
                for (; c <= C - width; c += width)
                {
                    // Pass 1: per lane, the row-major index of the first maximum (strictly greater replaces).
                    var best = Vector.Load(image + firstOffset + c);
                    var arg = Vector<int>.Zero;
                    int k = 0;
                    for (int h = h0; h < h1; h++)
                    {
                        float* xr = image + h * rowStride + c;
                        for (int w = w0; w < w1; w++, k++)
                        {
                            var v = Vector.Load(xr + (long)w * C);
                            var greater = Vector.GreaterThan(v, best);
                            best = Vector.ConditionalSelect(greater, v, best);
                            arg = Vector.ConditionalSelect(greater, new Vector<int>(k), arg);
                        }
                    }
                    // Pass 2: add dy where the tap index is the winner.
                    var g = Vector.Load(gp + c);
                    k = 0;
                    for (int h = h0; h < h1; h++)
                    {
                        float* dr = dImage + h * rowStride + c;
                        for (int w = w0; w < w1; w++, k++)
                        {
                            var hit = Vector.Equals(arg, new Vector<int>(k));
                            float* d = dr + (long)w * C;
                            var add = Vector.ConditionalSelect(hit, g, Vector<float>.Zero);
                            Vector.Store(store ? add : Vector.Load(d) + add, d);
                        }
                    }
                }
                for (; c < C; c++)
                {
                    long at = firstOffset + c;
                    float best = image[at];
                    for (int h = h0; h < h1; h++)
                    {
                        long rowAt = h * rowStride + c;
                        for (int w = w0; w < w1; w++)
                        {
                            float v = image[rowAt + (long)w * C];
                            if (v > best) { best = v; at = rowAt + (long)w * C; }
                        }
                    }
                    if (store)
                    {
                        for (int h = h0; h < h1; h++)
                        {
                            float* dr = dImage + h * rowStride + c;
                            for (int w = w0; w < w1; w++) dr[(long)w * C] = 0f;
                        }
                        dImage[at] = gp[c];
                    }
                    else
                    {
                        dImage[at] += gp[c];
                    }
                }
            }
            else
            {
                float inv = 1f / ((h1 - h0) * (w1 - w0));
                for (; c <= C - width; c += width)
                {
                    var g = Vector.Load(gp + c) * inv;
                    for (int h = h0; h < h1; h++)
                    {
                        float* dr = dImage + h * rowStride + c;
                        for (int w = w0; w < w1; w++)
                        {
                            float* d = dr + (long)w * C;
                            Vector.Store(store ? g : Vector.Load(d) + g, d);
                        }
                    }
                }
                for (; c < C; c++)
                {
                    float g = gp[c] * inv;
                    for (int h = h0; h < h1; h++)
                    {
                        float* dr = dImage + h * rowStride + c;
                        if (store) for (int w = w0; w < w1; w++) dr[(long)w * C] = g;
                        else for (int w = w0; w < w1; w++) dr[(long)w * C] += g;
                    }
                }
            }
        }
    }
}
