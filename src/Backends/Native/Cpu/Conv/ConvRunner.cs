using System.Runtime.CompilerServices;
using KerasNet.Backend;
using KerasNet.Backends.Native.Cpu.Gemm;

namespace KerasNet.Backends.Native.Cpu.Conv;

/// <summary>The CPU convolution kernels: im2col + <see cref="Sgemm"/> for the general case, a direct GEMM
/// for 1x1 / stride 1 / unpadded kernels, col2im for the input gradient, col^T·dy for the filter gradient,
/// and direct loops for depthwise convolutions (Groups == C).
/// <para>Data is NHWC, the kernel is (KH, KW, C/G, OutC) and so, read as a matrix, (KH·KW·C/G) × OutC with
/// group g's columns at [g·OutC/G, (g+1)·OutC/G). The im2col matrix has one row per output position
/// (n, oh, ow), in the order of the output's rows, and its columns are laid out (g, kh, kw, c) so that a
/// group's K = KH·KW·C/G columns are contiguous: every group is one entry of a single batched GEMM call
/// that addresses its slices of the columns, the kernel and the output through Lda/Ldb/Ldc and the batch
/// strides, with no copy of the kernel.</para>
/// <para>Work is split at one of two levels. When there are enough output rows (or, for the input
/// gradient, images) for every thread, each <see cref="CpuThreads"/> task owns a contiguous range, builds
/// its own columns into its own scratch slot in chunks of at most <see cref="SlotBudgetFloats"/> and runs
/// its GEMMs inline (a nested <see cref="CpuThreads.Run"/> runs on the caller); for the filter gradient
/// each task also sums into its own partial, added up at the end. Otherwise, and always for the forward
/// and input-gradient passes of a 1x1 convolution (one large GEMM over the data itself), the caller walks
/// the chunks and leaves each, larger, GEMM to <see cref="Sgemm"/>'s own threading.</para>
/// <para>An instance holds the per-call state and the scratch; <see cref="Rent"/> and <see cref="Return"/>
/// keep one cached so steady-state calls allocate nothing on the managed heap, and concurrent callers
/// each get their own.</para></summary>
internal sealed unsafe partial class ConvRunner : ParallelJob
{
    /// <summary>im2col scratch per parallel task, in floats (1 MiB): a chunk of columns stays in L2.</summary>
    internal const long SlotBudgetFloats = 256 * 1024;

    /// <summary>im2col scratch when the caller walks the chunks and each GEMM uses every thread (4 MiB).</summary>
    internal const long InlineBudgetFloats = 1024 * 1024;

    /// <summary>Fewest output rows per task before the work is split at this level rather than in the GEMM.</summary>
    internal const int MinRowsPerTask = 64;

    /// <summary>Largest filter (in floats, 1 MiB) for which each task accumulates its own filter-gradient
    /// partial; a larger filter gradient is one GEMM output big enough for Sgemm to split.</summary>
    internal const long MaxPartialFloats = 1 << 18;

    /// <summary>Floats to add up below which the partials are summed on the caller alone.</summary>
    internal const long ParallelReduceFloats = 1 << 16;

    /// <summary>Multiply-adds below which the direct depthwise loops stay on one thread.</summary>
    internal const long DirectParallelWork = 1 << 16;

    private static ConvRunner? s_cached;

    private enum Mode { Forward, BackwardInputImages, BackwardFilter, DwForward, DwBackwardInput, DwBackwardFilter, ReducePartials }

    private NativeScratch[] _cols = [];
    private NativeScratch[] _partials = [];

    // Per-call state.
    private Mode _mode;
    private ConvParams _p;
    private int _g, _cg, _ocg, _kg, _kfull, _mult;
    private long _ohw, _m, _wSize, _imageIn;
    private bool _direct;
    private int _threads;
    private float* _x, _w, _dy, _out;
    private float* _bias;
    private bool _relu;
    private long _units;
    private int _tasks;
    private int _chunkRows;
    private int _partialCount;

    /// <summary>Takes the cached runner, or makes one.</summary>
    public static ConvRunner Rent() => Interlocked.Exchange(ref s_cached, null) ?? new ConvRunner();

    /// <summary>Gives a runner back for the next call; a surplus one (from concurrent calls) is disposed.</summary>
    public static void Return(ConvRunner runner)
    {
        runner._x = runner._w = runner._dy = runner._out = runner._bias = null;
        runner._relu = false;
        if (Interlocked.CompareExchange(ref s_cached, runner, null) != null) runner.Dispose();
    }

    private void Dispose()
    {
        foreach (var s in _cols) s.Dispose();
        foreach (var s in _partials) s.Dispose();
    }

    private void Setup(in ConvParams p)
    {
        _p = p;
        _g = p.Groups;
        _cg = p.C / p.Groups;
        _ocg = p.OutC / p.Groups;
        _kg = p.KH * p.KW * _cg;
        _kfull = p.KH * p.KW * p.C;
        _ohw = (long)p.OutH * p.OutW;
        _m = p.N * _ohw;
        _wSize = (long)_kg * p.OutC;
        _imageIn = (long)p.H * p.W * p.C;
        _mult = p.OutC / p.C;
        _direct = p.KH == 1 && p.KW == 1 && p.StrideH == 1 && p.StrideW == 1 && p.PadTop == 0 && p.PadLeft == 0
            && p.OutH == p.H && p.OutW == p.W;
        // Read once per call: a concurrent SetCount cannot then outgrow the scratch slots.
        int threads = _threads = CpuThreads.Count;
        if (_cols.Length < threads)
        {
            var cols = new NativeScratch[threads];
            var partials = new NativeScratch[threads];
            for (int i = 0; i < threads; i++)
            {
                cols[i] = i < _cols.Length ? _cols[i] : new NativeScratch();
                partials[i] = i < _partials.Length ? _partials[i] : new NativeScratch();
            }
            _cols = cols;
            _partials = partials;
        }
    }

    private static bool IsDepthwise(in ConvParams p) => p.Groups == p.C && p.C > 1;

    private int ChunkRows(long budgetFloats) =>
        _direct ? 1 << 24 : (int)Math.Clamp(budgetFloats / _kfull, 1, 1 << 24);

    // ---------------------------------------------------------------------------------------------
    // Entry points.

    /// <summary>y (N, OutH, OutW, OutC) = conv(x, w); y is overwritten.</summary>
    public void Forward(in ConvParams p, float* x, float* w, float* y) => Forward(p, x, w, y, null, false);

    /// <summary>y (N, OutH, OutW, OutC) = act(conv(x, w) + bias), with bias (OutC floats, or null) and ReLU
    /// applied to each block of output rows while it is still in cache; y is overwritten.</summary>
    public void Forward(in ConvParams p, float* x, float* w, float* y, float* bias, bool relu)
    {
        Setup(p);
        _x = x; _w = w; _out = y;
        _bias = bias; _relu = relu;
        if (IsDepthwise(p))
        {
            RunDirect(Mode.DwForward, (long)p.N * p.OutH, _m * p.KH * p.KW * p.OutC);
            return;
        }
        if (_m == 0) return;
        int threads = _threads;
        // A 1x1 convolution is one large GEMM over x itself: Sgemm threads it best.
        if (!_direct && threads > 1 && _m >= (long)threads * MinRowsPerTask)
        {
            _mode = Mode.Forward;
            _units = _m;
            _tasks = threads;
            _chunkRows = ChunkRows(SlotBudgetFloats);
            CpuThreads.Run(this, _tasks);
        }
        else
        {
            _chunkRows = ChunkRows(InlineBudgetFloats);
            ForwardRange(0, _m, ColScratch(0));
        }
    }

    /// <summary>dx (N, H, W, C) = the input gradient of the convolution; dx is overwritten.</summary>
    public void BackwardInput(in ConvParams p, float* dy, float* w, float* dx)
    {
        Setup(p);
        _dy = dy; _w = w; _out = dx;
        if (IsDepthwise(p))
        {
            RunDirect(Mode.DwBackwardInput, (long)p.N * p.H, _m * p.KH * p.KW * p.OutC);
            return;
        }
        long dxSize = p.N * _imageIn;
        if (_m == 0)
        {
            Vec.Zero(dx, dxSize);
            return;
        }
        int threads = _threads;
        if (!_direct && threads > 1 && _m >= (long)threads * MinRowsPerTask && p.N >= threads)
        {
            // col2im scatters into the whole receptive field, so tasks own whole images.
            _mode = Mode.BackwardInputImages;
            _units = p.N;
            _tasks = threads;
            _chunkRows = ChunkRows(SlotBudgetFloats);
            CpuThreads.Run(this, _tasks);
        }
        else
        {
            // A 1x1 input gradient is one large GEMM, dx = dy·W^T, left to Sgemm's threading.
            if (!_direct) Vec.Zero(dx, dxSize);
            _chunkRows = ChunkRows(InlineBudgetFloats);
            BackwardInputRange(0, _m, ColScratch(0));
        }
    }

    /// <summary>dw (KH, KW, C/G, OutC) = the kernel gradient of the convolution; dw is overwritten.</summary>
    public void BackwardFilter(in ConvParams p, float* x, float* dy, float* dw)
    {
        Setup(p);
        _x = x; _dy = dy; _out = dw;
        if (IsDepthwise(p))
        {
            long units = (long)p.N * p.OutH;
            long work = _m * p.KH * p.KW * p.OutC;
            _mode = Mode.DwBackwardFilter;
            _units = units;
            _tasks = _threads > 1 && work >= DirectParallelWork && _wSize <= MaxPartialFloats ? (int)Math.Min(_threads, units) : 1;
            CpuThreads.Run(this, _tasks);
            ReducePartials(_tasks);
            return;
        }
        if (_m == 0)
        {
            Vec.Zero(dw, _wSize);
            return;
        }
        int threads = _threads;
        // The reduction over output rows is the GEMM's K, which a GEMM does not split across threads;
        // with a small enough filter each task sums its rows into its own partial instead.
        if (threads > 1 && _m >= (long)threads * MinRowsPerTask && _wSize <= MaxPartialFloats)
        {
            // Task 0 writes dw itself, the others their own partials, summed below.
            _mode = Mode.BackwardFilter;
            _units = _m;
            _tasks = threads;
            _chunkRows = ChunkRows(SlotBudgetFloats);
            CpuThreads.Run(this, _tasks);
            ReducePartials(_tasks);
        }
        else
        {
            _chunkRows = ChunkRows(InlineBudgetFloats);
            FilterRange(0, _m, ColScratch(0), dw);
        }
    }

    /// <summary>dw (task 0's result) += the partials of tasks 1 .. count-1, split across threads by
    /// ranges of dw when there is enough to add.</summary>
    private void ReducePartials(int count)
    {
        if (count <= 1) return;
        _partialCount = count;
        _mode = Mode.ReducePartials;
        _units = _wSize;
        _tasks = _wSize * (count - 1) >= ParallelReduceFloats ? _threads : 1;
        CpuThreads.Run(this, _tasks);
    }

    private void RunDirect(Mode mode, long units, long work)
    {
        int threads = _threads;
        _mode = mode;
        _units = units;
        _tasks = threads > 1 && work >= DirectParallelWork ? (int)Math.Min(units, 4L * threads) : 1;
        CpuThreads.Run(this, _tasks);
    }

    public override void Execute(int index)
    {
        long u0 = _units * index / _tasks, u1 = _units * (index + 1) / _tasks;
        switch (_mode)
        {
            case Mode.Forward:
                ForwardRange(u0, u1, ColScratch(index));
                break;
            case Mode.BackwardInputImages:
                Vec.Zero(_out + u0 * _imageIn, (u1 - u0) * _imageIn);
                BackwardInputRange(u0 * _ohw, u1 * _ohw, ColScratch(index));
                break;
            case Mode.BackwardFilter:
                FilterRange(u0, u1, ColScratch(index), index == 0 ? _out : _partials[index].Ensure(_wSize));
                break;
            case Mode.DwForward:
                DepthwiseForward(u0, u1);
                break;
            case Mode.DwBackwardInput:
                DepthwiseBackwardInput(u0, u1);
                break;
            case Mode.DwBackwardFilter:
                DepthwiseBackwardFilter(u0, u1, index == 0 ? _out : _partials[index].Ensure(_wSize));
                break;
            case Mode.ReducePartials:
                for (int t = 1; t < _partialCount; t++) Vec.Add(_out + u0, _partials[t].Ensure(_wSize) + u0, u1 - u0);
                break;
        }
    }

    private float* ColScratch(int slot) => _direct ? null : _cols[slot].Ensure((long)_chunkRows * _kfull);

    // ---------------------------------------------------------------------------------------------
    // GEMM paths over a range [r0, r1) of output rows (n, oh, ow).

    private void ForwardRange(long r0, long r1, float* col)
    {
        var p = _p;
        for (long r = r0; r < r1; r += _chunkRows)
        {
            int rows = (int)Math.Min(_chunkRows, r1 - r);
            float* a;
            int lda, strideA;
            if (_direct)
            {
                a = _x + r * p.C; lda = p.C; strideA = _cg;
            }
            else
            {
                Im2Col(_x, r, rows, col);
                a = col; lda = _kfull; strideA = _kg;
            }
            // Per group: y[:, g-block] = col[:, g-block] · W[:, g-block].
            var mp = new MatMulParams
            {
                Batch = _g, M = rows, N = _ocg, K = _kg,
                Lda = lda, Ldb = p.OutC, Ldc = p.OutC,
                StrideA = strideA, StrideB = _ocg, StrideC = _ocg,
                Alpha = 1f, Beta = 0f,
            };
            if (_g == 1)
            {
                Sgemm.Run(mp, a, _w, _out + r * p.OutC, new GemmEpilogue(_bias, _relu));
            }
            else
            {
                Sgemm.Run(mp, a, _w, _out + r * p.OutC);
                ApplyEpilogue(_out + r * p.OutC, rows);
            }
        }
    }

    /// <summary>Adds the bias and applies ReLU to <paramref name="rows"/> output rows of OutC floats.</summary>
    private void ApplyEpilogue(float* y, long rows)
    {
        if (_bias == null && !_relu) return;
        int oc = _p.OutC;
        var bias = new ReadOnlySpan<float>(_bias, _bias == null ? 0 : oc);
        for (long r = 0; r < rows; r++)
        {
            var row = new Span<float>(y + r * oc, oc);
            if (_bias != null) System.Numerics.Tensors.TensorPrimitives.Add(row, bias, row);
            if (_relu) System.Numerics.Tensors.TensorPrimitives.Max(row, 0f, row);
        }
    }

    private void BackwardInputRange(long r0, long r1, float* dcol)
    {
        var p = _p;
        for (long r = r0; r < r1; r += _chunkRows)
        {
            int rows = (int)Math.Min(_chunkRows, r1 - r);
            // Per group: dcol[:, g-block] = dy[:, g-block] · W[:, g-block]^T.
            var mp = new MatMulParams
            {
                Batch = _g, M = rows, N = _kg, K = _ocg, TransB = true,
                Lda = p.OutC, Ldb = p.OutC, Ldc = _direct ? p.C : _kfull,
                StrideA = _ocg, StrideB = _ocg, StrideC = _direct ? _cg : _kg,
                Alpha = 1f, Beta = 0f,
            };
            if (_direct)
            {
                Sgemm.Run(mp, _dy + r * p.OutC, _w, _out + r * p.C);
            }
            else
            {
                Sgemm.Run(mp, _dy + r * p.OutC, _w, dcol);
                Col2Im(dcol, r, rows, _out);
            }
        }
    }

    private void FilterRange(long r0, long r1, float* col, float* target)
    {
        var p = _p;
        if (r0 >= r1)
        {
            Vec.Zero(target, _wSize);
            return;
        }
        bool first = true;
        for (long r = r0; r < r1; r += _chunkRows)
        {
            int rows = (int)Math.Min(_chunkRows, r1 - r);
            float* a;
            int lda, strideA;
            if (_direct)
            {
                a = _x + r * p.C; lda = p.C; strideA = _cg;
            }
            else
            {
                Im2Col(_x, r, rows, col);
                a = col; lda = _kfull; strideA = _kg;
            }
            // Per group: dW[:, g-block] (+)= col[:, g-block]^T · dy[:, g-block].
            var mp = new MatMulParams
            {
                Batch = _g, M = _kg, N = _ocg, K = rows, TransA = true,
                Lda = lda, Ldb = p.OutC, Ldc = p.OutC,
                StrideA = strideA, StrideB = _ocg, StrideC = _ocg,
                Alpha = 1f, Beta = first ? 0f : 1f,
            };
            Sgemm.Run(mp, a, _dy + r * p.OutC, target);
            first = false;
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Depthwise (Groups == C, channel multiplier M = OutC / C: output o reads input channel o / M).

    /// <summary>Output rows u = n·OutH + oh in [u0, u1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void DepthwiseForward(long u0, long u1)
    {
        var p = _p;
        int C = p.C, OutC = p.OutC, mult = _mult;
        for (long u = u0; u < u1; u++)
        {
            long n = u / p.OutH;
            int oh = (int)(u - n * p.OutH);
            int ihBase = oh * p.StrideH - p.PadTop;
            for (int ow = 0; ow < p.OutW; ow++)
            {
                float* yp = _out + (u * p.OutW + ow) * OutC;
                Vec.Zero(yp, OutC);
                int iwBase = ow * p.StrideW - p.PadLeft;
                for (int kh = 0; kh < p.KH; kh++)
                {
                    int ih = ihBase + kh * p.DilationH;
                    if ((uint)ih >= (uint)p.H) continue;
                    for (int kw = 0; kw < p.KW; kw++)
                    {
                        int iw = iwBase + kw * p.DilationW;
                        if ((uint)iw >= (uint)p.W) continue;
                        float* xp = _x + ((n * p.H + ih) * p.W + iw) * C;
                        float* wp = _w + (long)(kh * p.KW + kw) * OutC;
                        if (mult == 1)
                        {
                            Vec.MulAdd(yp, xp, wp, C);
                            continue;
                        }
                        for (int c = 0; c < C; c++)
                        {
                            float xv = xp[c];
                            float* yc = yp + c * mult;
                            float* wc = wp + c * mult;
                            for (int m = 0; m < mult; m++) yc[m] += xv * wc[m];
                        }
                    }
                }
            }
            ApplyEpilogue(_out + u * p.OutW * OutC, p.OutW);
        }
    }

    /// <summary>Input rows u = n·H + ih in [u0, u1), gathered from every output position and tap that read
    /// them, so tasks never write the same element.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void DepthwiseBackwardInput(long u0, long u1)
    {
        var p = _p;
        int C = p.C, OutC = p.OutC, mult = _mult;
        for (long u = u0; u < u1; u++)
        {
            long n = u / p.H;
            int ih = (int)(u - n * p.H);
            for (int iw = 0; iw < p.W; iw++)
            {
                float* dxp = _out + (u * p.W + iw) * C;
                Vec.Zero(dxp, C);
                for (int kh = 0; kh < p.KH; kh++)
                {
                    int th = ih + p.PadTop - kh * p.DilationH;
                    if (th < 0) break;
                    if (th % p.StrideH != 0) continue;
                    int oh = th / p.StrideH;
                    if (oh >= p.OutH) continue;
                    for (int kw = 0; kw < p.KW; kw++)
                    {
                        int tw = iw + p.PadLeft - kw * p.DilationW;
                        if (tw < 0) break;
                        if (tw % p.StrideW != 0) continue;
                        int ow = tw / p.StrideW;
                        if (ow >= p.OutW) continue;
                        float* dyp = _dy + ((n * p.OutH + oh) * p.OutW + ow) * OutC;
                        float* wp = _w + (long)(kh * p.KW + kw) * OutC;
                        if (mult == 1)
                        {
                            Vec.MulAdd(dxp, dyp, wp, C);
                            continue;
                        }
                        for (int c = 0; c < C; c++)
                        {
                            float s = 0f;
                            float* dc = dyp + c * mult;
                            float* wc = wp + c * mult;
                            for (int m = 0; m < mult; m++) s += dc[m] * wc[m];
                            dxp[c] += s;
                        }
                    }
                }
            }
        }
    }

    /// <summary>Accumulates the filter gradient of output rows u = n·OutH + oh in [u0, u1) into
    /// <paramref name="target"/> (zeroed first).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void DepthwiseBackwardFilter(long u0, long u1, float* target)
    {
        var p = _p;
        int C = p.C, OutC = p.OutC, mult = _mult;
        Vec.Zero(target, _wSize);
        for (long u = u0; u < u1; u++)
        {
            long n = u / p.OutH;
            int oh = (int)(u - n * p.OutH);
            int ihBase = oh * p.StrideH - p.PadTop;
            for (int ow = 0; ow < p.OutW; ow++)
            {
                float* dyp = _dy + (u * p.OutW + ow) * OutC;
                int iwBase = ow * p.StrideW - p.PadLeft;
                for (int kh = 0; kh < p.KH; kh++)
                {
                    int ih = ihBase + kh * p.DilationH;
                    if ((uint)ih >= (uint)p.H) continue;
                    for (int kw = 0; kw < p.KW; kw++)
                    {
                        int iw = iwBase + kw * p.DilationW;
                        if ((uint)iw >= (uint)p.W) continue;
                        float* xp = _x + ((n * p.H + ih) * p.W + iw) * C;
                        float* tp = target + (long)(kh * p.KW + kw) * OutC;
                        if (mult == 1)
                        {
                            Vec.MulAdd(tp, dyp, xp, C);
                            continue;
                        }
                        for (int c = 0; c < C; c++)
                        {
                            float xv = xp[c];
                            float* tc = tp + c * mult;
                            float* dc = dyp + c * mult;
                            for (int m = 0; m < mult; m++) tc[m] += dc[m] * xv;
                        }
                    }
                }
            }
        }
    }
}
