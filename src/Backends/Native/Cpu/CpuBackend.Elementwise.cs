using System.Runtime.CompilerServices;
using System.Numerics.Tensors;
using KerasNet.Backend;

namespace KerasNet.Backends.Native.Cpu;

internal sealed unsafe partial class CpuBackend
{
    /// <summary>Elementwise work below this many elements stays on the calling thread.</summary>
    internal const int ParallelThreshold = 1 << 15;
    private const int SegmentLength = 1 << 13;

    [ThreadStatic] private static UnaryJob? t_unaryJob;
    [ThreadStatic] private static BinaryJob? t_binaryJob;

    public void Unary(UnaryOp op, DeviceBuffer x, DeviceBuffer y, DType dtype, long count, float alpha)
    {
        var xb = Cpu(x);
        var yb = Cpu(y);
        int n = checked((int)count);
        if (dtype != DType.Float32)
        {
            UnaryOther(op, xb, yb, dtype, n);
            return;
        }
        if (n >= ParallelThreshold && CpuThreads.Count > 1)
        {
            var job = t_unaryJob ??= new UnaryJob();
            job.Set(op, xb.F32, yb.F32, n, alpha);
            CpuThreads.Run(job, (n + SegmentLength - 1) / SegmentLength);
            return;
        }
        UnaryF32(op, new ReadOnlySpan<float>(xb.F32, n), new Span<float>(yb.F32, n), alpha);
    }

    private sealed class UnaryJob : ParallelJob
    {
        private UnaryOp _op;
        private float* _x, _y;
        private int _n;
        private float _alpha;

        public void Set(UnaryOp op, float* x, float* y, int n, float alpha) { _op = op; _x = x; _y = y; _n = n; _alpha = alpha; }

        public override void Execute(int index)
        {
            int start = index * SegmentLength;
            int len = Math.Min(SegmentLength, _n - start);
            UnaryF32(_op, new ReadOnlySpan<float>(_x + start, len), new Span<float>(_y + start, len), _alpha);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void UnaryF32(UnaryOp op, ReadOnlySpan<float> x, Span<float> y, float alpha)
    {
        switch (op)
        {
            case UnaryOp.Negate: TensorPrimitives.Negate(x, y); break;
            case UnaryOp.Abs: TensorPrimitives.Abs(x, y); break;
            case UnaryOp.Sign: for (int i = 0; i < x.Length; i++) y[i] = x[i] > 0 ? 1f : x[i] < 0 ? -1f : x[i] == 0 ? 0f : float.NaN; break;
            case UnaryOp.Square: TensorPrimitives.Multiply(x, x, y); break;
            case UnaryOp.Sqrt: TensorPrimitives.Sqrt(x, y); break;
            case UnaryOp.Rsqrt: TensorPrimitives.Sqrt(x, y); TensorPrimitives.Reciprocal(y, y); break;
            case UnaryOp.Reciprocal: TensorPrimitives.Reciprocal(x, y); break;
            case UnaryOp.Exp: TensorPrimitives.Exp(x, y); break;
            case UnaryOp.Log: TensorPrimitives.Log(x, y); break;
            case UnaryOp.Log1p: for (int i = 0; i < x.Length; i++) y[i] = (float)Log1p(x[i]); break;
            case UnaryOp.Expm1: for (int i = 0; i < x.Length; i++) y[i] = (float)Expm1(x[i]); break;
            case UnaryOp.Sin: TensorPrimitives.Sin(x, y); break;
            case UnaryOp.Cos: TensorPrimitives.Cos(x, y); break;
            // TensorPrimitives.Tanh computes via exp(2x)-1 and loses all relative precision near 0 (tanh(0) = -6e-8).
            case UnaryOp.Tanh: for (int i = 0; i < x.Length; i++) y[i] = MathF.Tanh(x[i]); break;
            case UnaryOp.Sigmoid: TensorPrimitives.Sigmoid(x, y); break;
            case UnaryOp.Relu: TensorPrimitives.Max(x, 0f, y); break;
            case UnaryOp.LeakyRelu: for (int i = 0; i < x.Length; i++) { float v = x[i]; y[i] = v > 0 ? v : alpha * v; } break;
            case UnaryOp.Elu: for (int i = 0; i < x.Length; i++) { float v = x[i]; y[i] = v > 0 ? v : alpha * (float)Expm1(v); } break;
            case UnaryOp.Softplus:
                // ln(1+e^x) = max(x, 0) + ln(1 + e^-|x|), exact for large |x| (log1p keeps e^x for x below -37)
                for (int i = 0; i < x.Length; i++) { float v = x[i]; y[i] = MathF.Max(v, 0f) + (float)Log1p(Math.Exp(-Math.Abs(v))); }
                break;
            case UnaryOp.Erf: for (int i = 0; i < x.Length; i++) y[i] = (float)SpecialFunctions.Erf(x[i]); break;
            case UnaryOp.Floor: TensorPrimitives.Floor(x, y); break;
            case UnaryOp.Ceil: TensorPrimitives.Ceiling(x, y); break;
            case UnaryOp.Round: for (int i = 0; i < x.Length; i++) y[i] = MathF.Round(x[i], MidpointRounding.ToEven); break;
            case UnaryOp.PowScalar:
                if (alpha == 2f) TensorPrimitives.Multiply(x, x, y);
                else if (alpha == 1f) x.CopyTo(y);
                else TensorPrimitives.Pow(x, alpha, y);
                break;
            case UnaryOp.Step: for (int i = 0; i < x.Length; i++) y[i] = x[i] > 0 ? 1f : 0f; break;
            default: throw new NotSupportedException($"Unary op {op} is not defined for float32.");
        }
    }

    // double.LogP1 and double.ExpM1 are log(1+x) and exp(x)-1, which lose all precision for |x| below ~1e-16
    // (and float32 precision below ~1e-9); a short series covers the small arguments.
    private static double Log1p(double x) => Math.Abs(x) < 1e-5 ? x * (1 - x * (0.5 - x / 3)) : Math.Log(1.0 + x);

    private static double Expm1(double x) => Math.Abs(x) < 1e-5 ? x * (1 + x * (0.5 + x / 6)) : Math.Exp(x) - 1.0;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void UnaryOther(UnaryOp op, CpuBuffer x, CpuBuffer y, DType dtype, int n)
    {
        switch (dtype, op)
        {
            case (DType.Bool, UnaryOp.LogicalNot): for (int i = 0; i < n; i++) y.Pointer[i] = x.Pointer[i] == 0 ? (byte)1 : (byte)0; break;
            case (DType.Int32, UnaryOp.Negate): for (int i = 0; i < n; i++) y.I32[i] = -x.I32[i]; break;
            case (DType.Int32, UnaryOp.Abs): for (int i = 0; i < n; i++) y.I32[i] = Math.Abs(x.I32[i]); break;
            case (DType.Int32, UnaryOp.Sign): for (int i = 0; i < n; i++) y.I32[i] = Math.Sign(x.I32[i]); break;
            case (DType.Int32, UnaryOp.Square): for (int i = 0; i < n; i++) y.I32[i] = x.I32[i] * x.I32[i]; break;
            case (DType.Int64, UnaryOp.Negate): for (int i = 0; i < n; i++) y.I64[i] = -x.I64[i]; break;
            case (DType.Int64, UnaryOp.Abs): for (int i = 0; i < n; i++) y.I64[i] = Math.Abs(x.I64[i]); break;
            case (DType.Int64, UnaryOp.Sign): for (int i = 0; i < n; i++) y.I64[i] = Math.Sign(x.I64[i]); break;
            case (DType.Int64, UnaryOp.Square): for (int i = 0; i < n; i++) y.I64[i] = x.I64[i] * x.I64[i]; break;
            default: throw new NotSupportedException($"Unary op {op} is not defined for {dtype}.");
        }
    }

    // ----- binary -----

    public void Binary(BinaryOp op, DeviceBuffer a, DeviceBuffer b, DeviceBuffer y, DType dtype, in BroadcastPlan plan)
    {
        var job = t_binaryJob ??= new BinaryJob();
        job.Set(op, Cpu(a).Pointer, Cpu(b).Pointer, Cpu(y).Pointer, dtype, plan);
        RunRows(job, plan);
    }

    /// <summary>Runs a row job over the plan: rank-1 plans are cut into segments, others into row blocks.</summary>
    private static void RunRows(RowJob job, in BroadcastPlan plan)
    {
        long count = plan.Count;
        int rowLen = plan.OutShape[plan.OutShape.Rank - 1];
        long rows = count / Math.Max(rowLen, 1);
        if (count < ParallelThreshold || CpuThreads.Count == 1)
        {
            job.Configure(rows, rowLen, segmented: false, chunk: (int)Math.Max(rows, 1));
            job.Execute(0);
            return;
        }
        if (rows == 1)
        {
            job.Configure(1, rowLen, segmented: true, chunk: SegmentLength);
            CpuThreads.Run(job, (rowLen + SegmentLength - 1) / SegmentLength);
        }
        else
        {
            int rowsPerChunk = (int)Math.Max(1, SegmentLength / Math.Max(rowLen, 1));
            job.Configure(rows, rowLen, segmented: false, chunk: rowsPerChunk);
            CpuThreads.Run(job, (int)((rows + rowsPerChunk - 1) / rowsPerChunk));
        }
    }

    /// <summary>A broadcast loop cut into rows (the last plan axis) or, for a single row, segments.</summary>
    private abstract class RowJob : ParallelJob
    {
        protected BroadcastPlan Plan;
        private long _rows;
        private int _rowLen;
        private bool _segmented;
        private int _chunk;

        public void Configure(long rows, int rowLen, bool segmented, int chunk) { _rows = rows; _rowLen = rowLen; _segmented = segmented; _chunk = chunk; }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override void Execute(int index)
        {
            var p = Plan;
            int r = p.OutShape.Rank;
            int sa = p.AStrides[r - 1], sb = p.BStrides[r - 1], sc = p.CStrides[r - 1];
            if (_segmented)
            {
                int start = index * _chunk;
                int len = Math.Min(_chunk, _rowLen - start);
                Row(start * (long)sa, sa, start * (long)sb, sb, start * (long)sc, sc, start, len);
                return;
            }
            long first = (long)index * _chunk;
            long last = Math.Min(_rows, first + _chunk);
            Span<int> idx = stackalloc int[Shape.MaxRank];
            // Decompose the first row number into indices over the leading axes.
            long rem = first;
            for (int d = r - 2; d >= 0; d--)
            {
                int size = p.OutShape[d];
                idx[d] = (int)(rem % size);
                rem /= size;
            }
            long oa = 0, ob = 0, oc = 0;
            for (int d = 0; d < r - 1; d++)
            {
                oa += (long)idx[d] * p.AStrides[d];
                ob += (long)idx[d] * p.BStrides[d];
                oc += (long)idx[d] * p.CStrides[d];
            }
            for (long row = first; row < last; row++)
            {
                Row(oa, sa, ob, sb, oc, sc, row * _rowLen, _rowLen);
                // Advance the leading-axis index like an odometer.
                for (int d = r - 2; d >= 0; d--)
                {
                    idx[d]++;
                    oa += p.AStrides[d];
                    ob += p.BStrides[d];
                    oc += p.CStrides[d];
                    if (idx[d] < p.OutShape[d]) break;
                    oa -= (long)p.AStrides[d] * p.OutShape[d];
                    ob -= (long)p.BStrides[d] * p.OutShape[d];
                    oc -= (long)p.CStrides[d] * p.OutShape[d];
                    idx[d] = 0;
                }
            }
        }

        /// <summary>One contiguous output run of <paramref name="len"/> elements starting at <paramref name="outOffset"/>.</summary>
        protected abstract void Row(long oa, int sa, long ob, int sb, long oc, int sc, long outOffset, int len);
    }

    private sealed class BinaryJob : RowJob
    {
        private BinaryOp _op;
        private byte* _a, _b, _y;
        private DType _dtype;

        public void Set(BinaryOp op, byte* a, byte* b, byte* y, DType dtype, in BroadcastPlan plan) { _op = op; _a = a; _b = b; _y = y; _dtype = dtype; Plan = plan; }

        protected override void Row(long oa, int sa, long ob, int sb, long oc, int sc, long o, int len)
        {
            switch (_dtype)
            {
                case DType.Float32: BinaryRowF32(_op, (float*)_a + oa, sa, (float*)_b + ob, sb, (float*)_y + o, len); break;
                case DType.Int32: BinaryRowInt(_op, (int*)_a + oa, sa, (int*)_b + ob, sb, (int*)_y + o, len); break;
                case DType.Int64: BinaryRowInt(_op, (long*)_a + oa, sa, (long*)_b + ob, sb, (long*)_y + o, len); break;
                case DType.Bool: BinaryRowBool(_op, _a + oa, sa, _b + ob, sb, _y + o, len); break;
                default: throw new NotSupportedException($"Binary op {_op} does not support {_dtype}.");
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BinaryRowF32(BinaryOp op, float* a, int sa, float* b, int sb, float* y, int n)
    {
        var ys = new Span<float>(y, n);
        if (sa == 1 && sb == 1)
        {
            var xa = new ReadOnlySpan<float>(a, n);
            var xb = new ReadOnlySpan<float>(b, n);
            switch (op)
            {
                case BinaryOp.Add: TensorPrimitives.Add(xa, xb, ys); return;
                case BinaryOp.Subtract: TensorPrimitives.Subtract(xa, xb, ys); return;
                case BinaryOp.Multiply: TensorPrimitives.Multiply(xa, xb, ys); return;
                case BinaryOp.Divide: TensorPrimitives.Divide(xa, xb, ys); return;
                case BinaryOp.Maximum: TensorPrimitives.Max(xa, xb, ys); return;
                case BinaryOp.Minimum: TensorPrimitives.Min(xa, xb, ys); return;
                case BinaryOp.SquaredDifference: TensorPrimitives.Subtract(xa, xb, ys); TensorPrimitives.Multiply(ys, ys, ys); return;
                case BinaryOp.ReluBackward:
                case BinaryOp.SigmoidBackward:
                case BinaryOp.TanhBackward:
                    ActivationBackwardRow(op, a, b, y, n);
                    return;
            }
        }
        else if (sa == 1 && sb == 0)
        {
            var xa = new ReadOnlySpan<float>(a, n);
            float s = *b;
            switch (op)
            {
                case BinaryOp.Add: TensorPrimitives.Add(xa, s, ys); return;
                case BinaryOp.Subtract: TensorPrimitives.Subtract(xa, s, ys); return;
                case BinaryOp.Multiply: TensorPrimitives.Multiply(xa, s, ys); return;
                case BinaryOp.Divide: TensorPrimitives.Divide(xa, s, ys); return;
                case BinaryOp.Maximum: TensorPrimitives.Max(xa, s, ys); return;
                case BinaryOp.Minimum: TensorPrimitives.Min(xa, s, ys); return;
            }
        }
        else if (sa == 0 && sb == 1)
        {
            float s = *a;
            var xb = new ReadOnlySpan<float>(b, n);
            switch (op)
            {
                case BinaryOp.Add: TensorPrimitives.Add(xb, s, ys); return;
                case BinaryOp.Subtract: TensorPrimitives.Subtract(s, xb, ys); return;
                case BinaryOp.Multiply: TensorPrimitives.Multiply(xb, s, ys); return;
                case BinaryOp.Divide: TensorPrimitives.Divide(s, xb, ys); return;
                case BinaryOp.Maximum: TensorPrimitives.Max(xb, s, ys); return;
                case BinaryOp.Minimum: TensorPrimitives.Min(xb, s, ys); return;
            }
        }
        for (int i = 0; i < n; i++) y[i] = ApplyF32(op, a[(long)i * sa], b[(long)i * sb]);
    }

    private static float ApplyF32(BinaryOp op, float a, float b) => op switch
    {
        BinaryOp.Add => a + b,
        BinaryOp.Subtract => a - b,
        BinaryOp.Multiply => a * b,
        BinaryOp.Divide => a / b,
        BinaryOp.Power => MathF.Pow(a, b),
        BinaryOp.Maximum => float.IsNaN(a) || float.IsNaN(b) ? float.NaN : MathF.Max(a, b),
        BinaryOp.Minimum => float.IsNaN(a) || float.IsNaN(b) ? float.NaN : MathF.Min(a, b),
        BinaryOp.SquaredDifference => (a - b) * (a - b),
        BinaryOp.Atan2 => MathF.Atan2(a, b),
        BinaryOp.Mod => PyMod(a, b),
        BinaryOp.ReluBackward => b > 0 ? a : 0f,
        BinaryOp.SigmoidBackward => a * b * (1f - b),
        BinaryOp.TanhBackward => a * (1f - b * b),
        _ => throw new NotSupportedException($"Binary op {op} is not defined for float32."),
    };

    /// <summary>The activation gradients over contiguous runs: dy = <paramref name="a"/>, the activation's
    /// output (or ReLU's input) = <paramref name="b"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ActivationBackwardRow(BinaryOp op, float* a, float* b, float* y, int n)
    {
        int i = 0;
        if (System.Numerics.Vector.IsHardwareAccelerated)
        {
            int w = System.Numerics.Vector<float>.Count;
            var one = System.Numerics.Vector<float>.One;
            for (; i <= n - w; i += w)
            {
                var va = System.Numerics.Vector.Load(a + i);
                var vb = System.Numerics.Vector.Load(b + i);
                var r = op switch
                {
                    BinaryOp.ReluBackward => System.Numerics.Vector.ConditionalSelect(
                        System.Numerics.Vector.GreaterThan(vb, System.Numerics.Vector<float>.Zero), va, System.Numerics.Vector<float>.Zero),
                    BinaryOp.SigmoidBackward => va * vb * (one - vb),
                    _ => va * (one - vb * vb),
                };
                System.Numerics.Vector.Store(r, y + i);
            }
        }
        for (; i < n; i++) y[i] = ApplyF32(op, a[i], b[i]);
    }

    private static float PyMod(float a, float b)
    {
        float r = a % b;
        return r != 0 && (r < 0) != (b < 0) ? r + b : r;
    }

    private static void BinaryRowInt<T>(BinaryOp op, T* a, int sa, T* b, int sb, T* y, int n)
        where T : unmanaged, System.Numerics.IBinaryInteger<T>
    {
        for (int i = 0; i < n; i++)
        {
            T x = a[(long)i * sa], z = b[(long)i * sb];
            y[i] = op switch
            {
                BinaryOp.Add => x + z,
                BinaryOp.Subtract => x - z,
                BinaryOp.Multiply => x * z,
                BinaryOp.Divide => FloorDiv(x, z),
                BinaryOp.Maximum => T.Max(x, z),
                BinaryOp.Minimum => T.Min(x, z),
                BinaryOp.Mod => x - FloorDiv(x, z) * z,
                _ => throw new NotSupportedException($"Binary op {op} is not defined for integers."),
            };
        }
    }

    private static T FloorDiv<T>(T a, T b) where T : System.Numerics.IBinaryInteger<T>
    {
        if (b == T.Zero) throw new DivideByZeroException("Integer division by zero in a tensor op.");
        T q = a / b;
        return (a % b != T.Zero) && ((a < T.Zero) != (b < T.Zero)) ? q - T.One : q;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BinaryRowBool(BinaryOp op, byte* a, int sa, byte* b, int sb, byte* y, int n)
    {
        for (int i = 0; i < n; i++)
        {
            bool x = a[(long)i * sa] != 0, z = b[(long)i * sb] != 0;
            y[i] = (op switch
            {
                BinaryOp.LogicalAnd => x && z,
                BinaryOp.LogicalOr => x || z,
                _ => throw new NotSupportedException($"Binary op {op} is not defined for bool."),
            }) ? (byte)1 : (byte)0;
        }
    }

    // ----- compare and where -----

    [ThreadStatic] private static CompareJob? t_compareJob;
    [ThreadStatic] private static WhereJob? t_whereJob;

    public void Compare(CompareOp op, DeviceBuffer a, DeviceBuffer b, DeviceBuffer y, DType dtype, in BroadcastPlan plan)
    {
        var job = t_compareJob ??= new CompareJob();
        job.Set(op, Cpu(a).Pointer, Cpu(b).Pointer, Cpu(y).Pointer, dtype, plan);
        RunRows(job, plan);
    }

    private sealed class CompareJob : RowJob
    {
        private CompareOp _op;
        private byte* _a, _b, _y;
        private DType _dtype;

        public void Set(CompareOp op, byte* a, byte* b, byte* y, DType dtype, in BroadcastPlan plan) { _op = op; _a = a; _b = b; _y = y; _dtype = dtype; Plan = plan; }

        protected override void Row(long oa, int sa, long ob, int sb, long oc, int sc, long o, int len)
        {
            byte* y = _y + o;
            switch (_dtype)
            {
                case DType.Float32: CompareRow(_op, (float*)_a + oa, sa, (float*)_b + ob, sb, y, len); break;
                case DType.Int32: CompareRow(_op, (int*)_a + oa, sa, (int*)_b + ob, sb, y, len); break;
                case DType.Int64: CompareRow(_op, (long*)_a + oa, sa, (long*)_b + ob, sb, y, len); break;
                case DType.Bool: CompareRow(_op, _a + oa, sa, _b + ob, sb, y, len); break;
            }
        }
    }

    private static void CompareRow<T>(CompareOp op, T* a, int sa, T* b, int sb, byte* y, int n)
        where T : unmanaged, System.Numerics.IComparisonOperators<T, T, bool>
    {
        for (int i = 0; i < n; i++)
        {
            T x = a[(long)i * sa], z = b[(long)i * sb];
            bool r = op switch
            {
                CompareOp.Equal => x == z,
                CompareOp.NotEqual => x != z,
                CompareOp.Less => x < z,
                CompareOp.LessEqual => x <= z,
                CompareOp.Greater => x > z,
                _ => x >= z,
            };
            y[i] = r ? (byte)1 : (byte)0;
        }
    }

    public void Where(DeviceBuffer condition, DeviceBuffer a, DeviceBuffer b, DeviceBuffer y, DType dtype, in BroadcastPlan plan)
    {
        var job = t_whereJob ??= new WhereJob();
        job.Set(Cpu(condition).Pointer, Cpu(a).Pointer, Cpu(b).Pointer, Cpu(y).Pointer, dtype.SizeOf(), plan);
        RunRows(job, plan);
    }

    private sealed class WhereJob : RowJob
    {
        private byte* _c, _a, _b, _y;
        private int _size;

        public void Set(byte* c, byte* a, byte* b, byte* y, int size, in BroadcastPlan plan) { _c = c; _a = a; _b = b; _y = y; _size = size; Plan = plan; }

        // Plan operands: A = condition, B = a, C = b.
        protected override void Row(long oc, int sc, long oa, int sa, long ob, int sb, long o, int len)
        {
            switch (_size)
            {
                case 4: WhereRow(_c + oc, sc, (int*)_a + oa, sa, (int*)_b + ob, sb, (int*)_y + o, len); break;
                case 8: WhereRow(_c + oc, sc, (long*)_a + oa, sa, (long*)_b + ob, sb, (long*)_y + o, len); break;
                default: WhereRow(_c + oc, sc, _a + oa, sa, _b + ob, sb, _y + o, len); break;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WhereRow<T>(byte* c, int sc, T* a, int sa, T* b, int sb, T* y, int n) where T : unmanaged
    {
        for (int i = 0; i < n; i++) y[i] = c[(long)i * sc] != 0 ? a[(long)i * sa] : b[(long)i * sb];
    }
}
