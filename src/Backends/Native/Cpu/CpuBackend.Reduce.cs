using System.Runtime.CompilerServices;
using System.Numerics.Tensors;
using KerasNet.Backend;

namespace KerasNet.Backends.Native.Cpu;

internal sealed unsafe partial class CpuBackend
{
    [ThreadStatic] private static ReduceJob? t_reduceJob;
    [ThreadStatic] private static SoftmaxJob? t_softmaxJob;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Reduce(ReduceOp op, DeviceBuffer x, DeviceBuffer y, DType dtype, int outer, int reduce, int inner)
    {
        var xb = Cpu(x);
        var yb = Cpu(y);
        if (dtype != DType.Float32)
        {
            ReduceInt(op, xb, yb, dtype, outer, reduce, inner);
            return;
        }
        var job = t_reduceJob ??= new ReduceJob();
        job.Set(op, xb.F32, yb.F32, reduce, inner);
        long work = (long)outer * reduce * inner;
        if (work < ParallelThreshold || CpuThreads.Count == 1 || outer == 1)
        {
            for (int o = 0; o < outer; o++) job.Execute(o);
        }
        else
        {
            CpuThreads.Run(job, outer);
        }
    }

    private sealed class ReduceJob : ParallelJob
    {
        private ReduceOp _op;
        private float* _x, _y;
        private int _reduce, _inner;

        public void Set(ReduceOp op, float* x, float* y, int reduce, int inner) { _op = op; _x = x; _y = y; _reduce = reduce; _inner = inner; }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override void Execute(int o)
        {
            int r = _reduce, inner = _inner;
            float* x = _x + (long)o * r * inner;
            float* y = _y + (long)o * inner;
            if (inner == 1)
            {
                var row = new ReadOnlySpan<float>(x, r);
                *y = _op switch
                {
                    ReduceOp.Sum => SumPrecise(row),
                    ReduceOp.Mean => SumPrecise(row) / r,
                    ReduceOp.Max => r == 0 ? float.NegativeInfinity : TensorPrimitives.Max(row),
                    ReduceOp.Min => r == 0 ? float.PositiveInfinity : TensorPrimitives.Min(row),
                    _ => TensorPrimitives.Product(row.Length == 0 ? [1f] : row),
                };
                return;
            }
            var acc = new Span<float>(y, inner);
            switch (_op)
            {
                case ReduceOp.Sum:
                case ReduceOp.Mean:
                {
                    // Blocks of rows summed in float32, the block sums accumulated in double (as SumPrecise
                    // does for a row), so long columns keep float32 accuracy.
                    const int Block = 1024;
                    double[]? total = r > Block ? System.Buffers.ArrayPool<double>.Shared.Rent(inner) : null;
                    if (total is not null) Array.Clear(total, 0, inner);
                    acc.Clear();
                    for (int k0 = 0; k0 < r; k0 += Block)
                    {
                        acc.Clear();
                        int k1 = Math.Min(r, k0 + Block);
                        for (int k = k0; k < k1; k++) TensorPrimitives.Add(acc, new ReadOnlySpan<float>(x + (long)k * inner, inner), acc);
                        if (total is null) break;
                        for (int i = 0; i < inner; i++) total[i] += acc[i];
                    }
                    if (total is not null)
                    {
                        for (int i = 0; i < inner; i++) acc[i] = (float)(_op == ReduceOp.Mean ? total[i] / r : total[i]);
                        System.Buffers.ArrayPool<double>.Shared.Return(total);
                    }
                    else if (_op == ReduceOp.Mean) TensorPrimitives.Multiply(acc, 1f / r, acc);
                    break;
                }
                case ReduceOp.Max:
                    new ReadOnlySpan<float>(x, inner).CopyTo(acc);
                    for (int k = 1; k < r; k++) TensorPrimitives.Max(acc, new ReadOnlySpan<float>(x + (long)k * inner, inner), acc);
                    break;
                case ReduceOp.Min:
                    new ReadOnlySpan<float>(x, inner).CopyTo(acc);
                    for (int k = 1; k < r; k++) TensorPrimitives.Min(acc, new ReadOnlySpan<float>(x + (long)k * inner, inner), acc);
                    break;
                case ReduceOp.Prod:
                    acc.Fill(1f);
                    for (int k = 0; k < r; k++) TensorPrimitives.Multiply(acc, new ReadOnlySpan<float>(x + (long)k * inner, inner), acc);
                    break;
            }
        }
    }

    /// <summary>Sum of a row in blocks, each vectorised, accumulated in double: float32-exact for any length.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float SumPrecise(ReadOnlySpan<float> row)
    {
        const int Block = 1024;
        if (row.Length <= Block) return TensorPrimitives.Sum(row);
        double total = 0;
        for (int i = 0; i < row.Length; i += Block) total += TensorPrimitives.Sum(row.Slice(i, Math.Min(Block, row.Length - i)));
        return (float)total;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ReduceInt(ReduceOp op, CpuBuffer x, CpuBuffer y, DType dtype, int outer, int reduce, int inner)
    {
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                long acc = op switch { ReduceOp.Max => long.MinValue, ReduceOp.Min => long.MaxValue, _ => 0 };
                for (int k = 0; k < reduce; k++)
                {
                    long idx = ((long)o * reduce + k) * inner + i;
                    long v = dtype == DType.Int32 ? x.I32[idx] : x.I64[idx];
                    acc = op switch
                    {
                        ReduceOp.Sum => acc + v,
                        ReduceOp.Max => Math.Max(acc, v),
                        ReduceOp.Min => Math.Min(acc, v),
                        _ => throw new NotSupportedException($"Reduce {op} is not defined for {dtype}."),
                    };
                }
                long outIdx = (long)o * inner + i;
                if (dtype == DType.Int32) y.I32[outIdx] = (int)acc;
                else y.I64[outIdx] = acc;
            }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void ArgReduce(bool max, DeviceBuffer x, DeviceBuffer y, int outer, int reduce, int inner)
    {
        var xb = Cpu(x).F32;
        var yb = Cpu(y).I32;
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                float* p = xb + (long)o * reduce * inner + i;
                int best = 0;
                float bv = p[0];
                for (int k = 1; k < reduce; k++)
                {
                    float v = p[(long)k * inner];
                    if (max ? v > bv : v < bv) { bv = v; best = k; }
                }
                yb[(long)o * inner + i] = best;
            }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Softmax(DeviceBuffer x, DeviceBuffer y, int rows, int cols, bool log)
    {
        var job = t_softmaxJob ??= new SoftmaxJob();
        job.Set(Cpu(x).F32, Cpu(y).F32, cols, log);
        if ((long)rows * cols < ParallelThreshold || CpuThreads.Count == 1) for (int r = 0; r < rows; r++) job.Execute(r);
        else CpuThreads.Run(job, rows);
    }

    private sealed class SoftmaxJob : ParallelJob
    {
        private float* _x, _y;
        private int _cols;
        private bool _log;

        public void Set(float* x, float* y, int cols, bool log) { _x = x; _y = y; _cols = cols; _log = log; }

        public override void Execute(int r)
        {
            var x = new ReadOnlySpan<float>(_x + (long)r * _cols, _cols);
            var y = new Span<float>(_y + (long)r * _cols, _cols);
            SoftmaxRow(x, y, _log);
        }
    }

    /// <summary>Stable softmax of one row; returns log(sum(exp(x - max))) + max (the log-sum-exp).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float SoftmaxRow(ReadOnlySpan<float> x, Span<float> y, bool log)
    {
        float max = TensorPrimitives.Max(x);
        TensorPrimitives.Subtract(x, max, y);
        if (log)
        {
            // y = x - max - log(sum(exp(x - max))), summed without overwriting y.
            double s = 0;
            for (int i = 0; i < y.Length; i++) s += Math.Exp(y[i]);
            float ls = (float)Math.Log(s);
            TensorPrimitives.Subtract(y, ls, y);
            return ls + max;
        }
        TensorPrimitives.Exp(y, y);
        float sum = TensorPrimitives.Sum(y);
        TensorPrimitives.Multiply(y, 1f / sum, y);
        return MathF.Log(sum) + max;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void SoftmaxCrossEntropy(DeviceBuffer logits, DeviceBuffer labels, DType labelType, DeviceBuffer loss, DeviceBuffer? gradient, int rows, int cols)
    {
        float* x = Cpu(logits).F32;
        var lb = Cpu(labels);
        float* l = Cpu(loss).F32;
        float* g = gradient is null ? null : Cpu(gradient).F32;
        float[]? scratch = g is null ? System.Buffers.ArrayPool<float>.Shared.Rent(cols) : null;
        try
        {
            for (int r = 0; r < rows; r++)
            {
                var xr = new ReadOnlySpan<float>(x + (long)r * cols, cols);
                var pr = g is null ? scratch.AsSpan(0, cols) : new Span<float>(g + (long)r * cols, cols);
                float lse = SoftmaxRow(xr, pr, log: false);
                if (labelType == DType.Float32)
                {
                    float* t = lb.F32 + (long)r * cols;
                    double sum = 0, tsum = 0;
                    for (int j = 0; j < cols; j++) { sum += t[j] * (double)(lse - xr[j]); tsum += t[j]; }
                    l[r] = (float)sum;
                    if (g is not null) for (int j = 0; j < cols; j++) pr[j] = (float)(pr[j] * tsum - t[j]);
                }
                else
                {
                    long label = labelType == DType.Int32 ? lb.I32[r] : lb.I64[r];
                    if ((ulong)label >= (ulong)cols)
                        throw new ArgumentOutOfRangeException(nameof(labels), $"Label {label} at row {r} is outside the valid class range [0, {cols}).");
                    l[r] = lse - xr[(int)label];
                    if (g is not null) pr[(int)label] -= 1f;
                }
            }
        }
        finally
        {
            if (scratch is not null) System.Buffers.ArrayPool<float>.Shared.Return(scratch);
        }
    }
}
