using KerasNet.Backend;

namespace KerasNet.Backends.Native.Cuda;

internal sealed unsafe partial class CudaBackend
{
    public void Unary(UnaryOp op, DeviceBuffer x, DeviceBuffer y, DType dtype, long count, float alpha)
    {
        var xb = Cuda(x, nameof(x));
        var yb = Cuda(y, nameof(y));
        CheckRange(xb, 0, count * dtype.SizeOf(), nameof(x));
        CheckRange(yb, 0, count * dtype.SizeOf(), nameof(y));
        bool ok = dtype switch
        {
            DType.Float32 => op != UnaryOp.LogicalNot && Enum.IsDefined(op),
            DType.Int32 or DType.Int64 => op is UnaryOp.Negate or UnaryOp.Abs or UnaryOp.Sign or UnaryOp.Square,
            DType.Bool => op == UnaryOp.LogicalNot,
            _ => false,
        };
        if (!ok)
            throw new NotSupportedException(dtype == DType.Float32 ? $"Unary op {op} is not defined for float32." : $"Unary op {op} is not defined for {dtype}.");
        using var scope = Enter();
        Touch(xb, yb);
        ulong xp = xb.Pointer, yp = yb.Pointer;
        long n = count;
        int o = (int)op;
        if (dtype == DType.Bool)
        {
            void** a = stackalloc void*[] { &xp, &yp, &n };
            Launch("unary_b8", n, a);
            return;
        }
        if (dtype == DType.Float32)
        {
            void** a = stackalloc void*[] { &o, &xp, &yp, &n, &alpha };
            Launch("unary_f32", n, a);
            return;
        }
        void** args = stackalloc void*[] { &o, &xp, &yp, &n };
        Launch(dtype == DType.Int32 ? "unary_i32" : "unary_i64", n, args);
    }

    public void Binary(BinaryOp op, DeviceBuffer a, DeviceBuffer b, DeviceBuffer y, DType dtype, in BroadcastPlan plan)
    {
        bool ok = dtype switch
        {
            DType.Float32 => op is not (BinaryOp.LogicalAnd or BinaryOp.LogicalOr) && Enum.IsDefined(op),
            DType.Int32 or DType.Int64 => op is BinaryOp.Add or BinaryOp.Subtract or BinaryOp.Multiply or BinaryOp.Divide
                or BinaryOp.Maximum or BinaryOp.Minimum or BinaryOp.Mod,
            DType.Bool => op is BinaryOp.LogicalAnd or BinaryOp.LogicalOr,
            _ => false,
        };
        if (!ok)
            throw new NotSupportedException(dtype switch
            {
                DType.Float32 => $"Binary op {op} is not defined for float32.",
                DType.Bool => $"Binary op {op} is not defined for bool.",
                DType.Int32 or DType.Int64 => $"Binary op {op} is not defined for integers.",
                _ => $"Binary op {op} does not support {dtype}.",
            });
        var ab = Cuda(a, nameof(a));
        var bb = Cuda(b, nameof(b));
        var yb = Cuda(y, nameof(y));
        CheckRange(yb, 0, plan.Count * dtype.SizeOf(), nameof(y));
        using var scope = Enter();
        Touch(ab, bb, yb);
        var p = BcastArgs.From(plan);
        ulong ap = ab.Pointer, bp = bb.Pointer, yp = yb.Pointer, err = _errorWord;
        int o = (int)op;
        void** args = stackalloc void*[] { &o, &ap, &bp, &yp, &p, &err };
        Launch("binary_" + Suffix(dtype), p.Count, args);
    }

    public void Compare(CompareOp op, DeviceBuffer a, DeviceBuffer b, DeviceBuffer y, DType dtype, in BroadcastPlan plan)
    {
        if (!Enum.IsDefined(op)) throw new ArgumentOutOfRangeException(nameof(op), op, "Unknown comparison.");
        var ab = Cuda(a, nameof(a));
        var bb = Cuda(b, nameof(b));
        var yb = Cuda(y, nameof(y));
        CheckRange(yb, 0, plan.Count, nameof(y));
        string kernel = "compare_" + Suffix(dtype);
        using var scope = Enter();
        Touch(ab, bb, yb);
        var p = BcastArgs.From(plan);
        ulong ap = ab.Pointer, bp = bb.Pointer, yp = yb.Pointer;
        int o = (int)op;
        void** args = stackalloc void*[] { &o, &ap, &bp, &yp, &p };
        Launch(kernel, p.Count, args);
    }

    public void Where(DeviceBuffer condition, DeviceBuffer a, DeviceBuffer b, DeviceBuffer y, DType dtype, in BroadcastPlan plan)
    {
        var cb = Cuda(condition, nameof(condition));
        var ab = Cuda(a, nameof(a));
        var bb = Cuda(b, nameof(b));
        var yb = Cuda(y, nameof(y));
        int size = dtype.SizeOf();
        CheckRange(yb, 0, plan.Count * size, nameof(y));
        using var scope = Enter();
        Touch(cb, ab, bb, yb);
        var p = BcastArgs.From(plan);
        ulong cp = cb.Pointer, ap = ab.Pointer, bp = bb.Pointer, yp = yb.Pointer;
        void** args = stackalloc void*[] { &cp, &ap, &bp, &yp, &p };
        Launch(size switch { 1 => "where_1", 4 => "where_4", 8 => "where_8", _ => throw new NotSupportedException($"Where does not support {dtype}.") }, p.Count, args);
    }

    public void Reduce(ReduceOp op, DeviceBuffer x, DeviceBuffer y, DType dtype, int outer, int reduce, int inner)
    {
        if (!Enum.IsDefined(op)) throw new ArgumentOutOfRangeException(nameof(op), op, "Unknown reduction.");
        if (dtype is DType.Int32 or DType.Int64 && op is not (ReduceOp.Sum or ReduceOp.Max or ReduceOp.Min))
            throw new NotSupportedException($"Reduce {op} is not defined for {dtype}.");
        if (dtype is not (DType.Float32 or DType.Int32 or DType.Int64))
            throw new NotSupportedException($"Reduce {op} is not defined for {dtype}.");
        if (outer < 0 || reduce < 0 || inner < 0)
            throw new ArgumentOutOfRangeException(nameof(outer), $"Reduce sizes must not be negative (outer {outer}, reduce {reduce}, inner {inner}).");
        var xb = Cuda(x, nameof(x));
        var yb = Cuda(y, nameof(y));
        int size = dtype.SizeOf();
        CheckRange(xb, 0, (long)outer * reduce * inner * size, nameof(x));
        CheckRange(yb, 0, (long)outer * inner * size, nameof(y));
        if ((long)outer * inner == 0) return;
        using var scope = Enter();
        Touch(xb, yb);
        uint bx = inner == 1 ? 1u : 32u, by = inner == 1 ? 256u : 8u;
        long tiles = (long)outer * ((inner + bx - 1) / bx);
        ulong xp = xb.Pointer, yp = yb.Pointer;
        int o = (int)op;
        void** args = stackalloc void*[] { &o, &xp, &yp, &outer, &reduce, &inner };
        LaunchGrid("reduce_" + Suffix(dtype), RowBlocks(tiles), bx, by, bx * by * 8, args);
    }

    public void ArgReduce(bool max, DeviceBuffer x, DeviceBuffer y, int outer, int reduce, int inner)
    {
        var xb = Cuda(x, nameof(x));
        var yb = Cuda(y, nameof(y));
        CheckRange(xb, 0, (long)outer * reduce * inner * sizeof(float), nameof(x));
        CheckRange(yb, 0, (long)outer * inner * sizeof(int), nameof(y));
        using var scope = Enter();
        Touch(xb, yb);
        int m = max ? 1 : 0;
        ulong xp = xb.Pointer, yp = yb.Pointer;
        void** args = stackalloc void*[] { &m, &xp, &yp, &outer, &reduce, &inner };
        Launch("argreduce_f32", (long)outer * inner, args);
    }

    /// <summary>Threads per row-block: a multiple of 32 covering the row, at most 256.</summary>
    private static uint RowThreads(int cols) => (uint)Math.Clamp((cols + 31) / 32 * 32, 32, 256);

    public void Softmax(DeviceBuffer x, DeviceBuffer y, int rows, int cols, bool log)
    {
        var xb = Cuda(x, nameof(x));
        var yb = Cuda(y, nameof(y));
        CheckRange(xb, 0, (long)rows * cols * sizeof(float), nameof(x));
        CheckRange(yb, 0, (long)rows * cols * sizeof(float), nameof(y));
        if (rows <= 0 || cols <= 0) return;
        using var scope = Enter();
        Touch(xb, yb);
        ulong xp = xb.Pointer, yp = yb.Pointer;
        int l = log ? 1 : 0;
        void** args = stackalloc void*[] { &xp, &yp, &rows, &cols, &l };
        LaunchGrid("softmax_f32", RowBlocks(rows), RowThreads(cols), 1, 0, args);
    }

    public void SoftmaxCrossEntropy(DeviceBuffer logits, DeviceBuffer labels, DType labelType, DeviceBuffer loss, DeviceBuffer? gradient, int rows, int cols)
    {
        var xb = Cuda(logits, nameof(logits));
        var lb = Cuda(labels, nameof(labels));
        var lossb = Cuda(loss, nameof(loss));
        var gb = gradient is null ? null : Cuda(gradient, nameof(gradient));
        int type = labelType switch
        {
            DType.Float32 => 0,
            DType.Int32 => 1,
            DType.Int64 => 2,
            _ => throw new NotSupportedException($"Softmax cross-entropy labels must be Float32, Int32 or Int64, not {labelType}."),
        };
        CheckRange(xb, 0, (long)rows * cols * sizeof(float), nameof(logits));
        CheckRange(lb, 0, type == 0 ? (long)rows * cols * sizeof(float) : (long)rows * labelType.SizeOf(), nameof(labels));
        CheckRange(lossb, 0, (long)rows * sizeof(float), nameof(loss));
        if (gb is not null) CheckRange(gb, 0, (long)rows * cols * sizeof(float), nameof(gradient));
        if (rows <= 0) return;
        using var scope = Enter();
        Touch(xb, lb, lossb);
        if (gb is not null) Touch(gb);
        ulong xp = xb.Pointer, lp = lb.Pointer, lossp = lossb.Pointer, gp = gb?.Pointer ?? 0, err = _errorWord;
        void** args = stackalloc void*[] { &xp, &lp, &type, &lossp, &gp, &rows, &cols, &err };
        LaunchGrid("softmax_xent_f32", RowBlocks(rows), RowThreads(cols), 1, 0, args);
    }

    public void Gather(DeviceBuffer x, DeviceBuffer indices, DType indexType, DeviceBuffer y, DType dtype, int outer, int axisSize, int inner, int count)
    {
        int is64 = IndexWidth(indexType);
        var xb = Cuda(x, nameof(x));
        var ib = Cuda(indices, nameof(indices));
        var yb = Cuda(y, nameof(y));
        int size = dtype.SizeOf();
        CheckRange(xb, 0, (long)outer * axisSize * inner * size, nameof(x));
        CheckRange(ib, 0, (long)count * indexType.SizeOf(), nameof(indices));
        CheckRange(yb, 0, (long)outer * count * inner * size, nameof(y));
        using var scope = Enter();
        Touch(xb, ib, yb);
        ulong xp = xb.Pointer, ip = ib.Pointer, yp = yb.Pointer, err = _errorWord;
        void** args = stackalloc void*[] { &xp, &ip, &is64, &yp, &outer, &axisSize, &inner, &count, &err };
        Launch(size switch { 1 => "gather_1", 4 => "gather_4", 8 => "gather_8", _ => throw new NotSupportedException($"Gather does not support {dtype}.") },
            (long)outer * count * inner, args);
    }

    public void ScatterAdd(DeviceBuffer updates, DeviceBuffer indices, DType indexType, DeviceBuffer y, int outer, int axisSize, int inner, int count)
    {
        int is64 = IndexWidth(indexType);
        var ub = Cuda(updates, nameof(updates));
        var ib = Cuda(indices, nameof(indices));
        var yb = Cuda(y, nameof(y));
        CheckRange(ub, 0, (long)outer * count * inner * sizeof(float), nameof(updates));
        CheckRange(ib, 0, (long)count * indexType.SizeOf(), nameof(indices));
        CheckRange(yb, 0, (long)outer * axisSize * inner * sizeof(float), nameof(y));
        using var scope = Enter();
        Touch(ub, ib, yb);
        ulong up = ub.Pointer, ip = ib.Pointer, yp = yb.Pointer, err = _errorWord;
        void** args = stackalloc void*[] { &up, &ip, &is64, &yp, &outer, &axisSize, &inner, &count, &err };
        Launch("scatter_add_f32", (long)outer * count * inner, args);
    }

    private static int IndexWidth(DType indexType) => indexType switch
    {
        DType.Int32 => 0,
        DType.Int64 => 1,
        _ => throw new NotSupportedException($"Indices must be Int32 or Int64, not {indexType}."),
    };

    public void Random(RandomDistribution distribution, DeviceBuffer y, long count, ulong seed, ulong offset, float a, float b)
    {
        if (!Enum.IsDefined(distribution)) throw new ArgumentOutOfRangeException(nameof(distribution), distribution, "Unknown distribution.");
        var yb = Cuda(y, nameof(y));
        CheckRange(yb, 0, count * sizeof(float), nameof(y));
        using var scope = Enter();
        Touch(yb);
        int d = (int)distribution;
        ulong yp = yb.Pointer;
        long n = count;
        void** args = stackalloc void*[] { &d, &yp, &n, &seed, &offset, &a, &b };
        Launch("random_f32", n, args);
    }

    public void StridedCopy(in StridedCopyParams p, DeviceBuffer source, DeviceBuffer destination, DType dtype)
    {
        var sb = Cuda(source, nameof(source));
        var db = Cuda(destination, nameof(destination));
        int size = dtype.SizeOf();
        using var scope = Enter();
        Touch(sb, db);
        var args0 = CopyArgs.From(p);
        ulong sp = sb.Pointer, dp = db.Pointer;
        void** args = stackalloc void*[] { &sp, &dp, &args0 };
        Launch(size switch { 1 => "copy_1", 4 => "copy_4", 8 => "copy_8", _ => throw new NotSupportedException($"StridedCopy does not support {dtype}.") },
            args0.Count, args);
    }

    public void OptimizerUpdate(in OptimizerUpdateParams p, DeviceBuffer learningRate, DeviceBuffer variable, DeviceBuffer gradient,
        DeviceBuffer? slot0, DeviceBuffer? slot1, DeviceBuffer? slot2, DeviceBuffer? iterations = null)
    {
        if (p.Count < 0) throw new ArgumentOutOfRangeException(nameof(p), p.Count, "The element count of an optimizer update cannot be negative.");
        if (iterations != null) CheckBytes(iterations, sizeof(long), nameof(iterations));
        long bytes = p.Count * sizeof(float);
        CheckBytes(learningRate, sizeof(float), nameof(learningRate));
        CheckBytes(variable, bytes, nameof(variable));
        CheckBytes(gradient, bytes, nameof(gradient));
        switch (p.Kind)
        {
            case OptimizerUpdateKind.Sgd:
                if (p.Momentum != 0) CheckBytes(slot0 ?? throw Missing(nameof(slot0), "SGD with momentum needs its velocity"), bytes, nameof(slot0));
                break;
            case OptimizerUpdateKind.Adam:
                CheckBytes(slot0 ?? throw Missing(nameof(slot0), "Adam needs its first moment"), bytes, nameof(slot0));
                CheckBytes(slot1 ?? throw Missing(nameof(slot1), "Adam needs its second moment"), bytes, nameof(slot1));
                if (p.Amsgrad) CheckBytes(slot2 ?? throw Missing(nameof(slot2), "AMSGrad needs the running maximum v̂"), bytes, nameof(slot2));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(p), p.Kind, "Unknown optimizer update kind.");
        }
        var lr = Cuda(learningRate, nameof(learningRate));
        var w = Cuda(variable, nameof(variable));
        var g = Cuda(gradient, nameof(gradient));
        if (p.Count == 0) return;
        using var scope = Enter();
        Touch(lr, w, g);
        ulong lrp = lr.Pointer, wp = w.Pointer, gp = g.Pointer;
        long n = p.Count;
        float scale = p.LearningRateScale;
        if (p.Kind == OptimizerUpdateKind.Sgd)
        {
            float mu = p.Momentum;
            int nesterov = p.Nesterov ? 1 : 0;
            ulong mp = 0;
            if (mu != 0)
            {
                var m = Cuda(slot0!, nameof(slot0));
                Touch(m);
                mp = m.Pointer;
            }
            void** a = stackalloc void*[] { &n, &lrp, &scale, &mu, &nesterov, &wp, &gp, &mp };
            Launch("sgd_update", n, a);
            return;
        }
        var s0 = Cuda(slot0!, nameof(slot0));
        var s1 = Cuda(slot1!, nameof(slot1));
        Touch(s0, s1);
        ulong m0 = s0.Pointer, v0 = s1.Pointer, vh = 0;
        if (p.Amsgrad)
        {
            var s2 = Cuda(slot2!, nameof(slot2));
            Touch(s2);
            vh = s2.Pointer;
        }
        // As the CPU device: the update uses 1 - β in float32; the bias correction (from the device's update
        // count, when given) is computed in double from β.
        float b1 = 1f - p.Beta1, b2 = 1f - p.Beta2, eps = p.Epsilon, beta1 = p.Beta1, beta2 = p.Beta2;
        ulong itp = 0;
        if (iterations != null)
        {
            var it = Cuda(iterations, nameof(iterations));
            Touch(it);
            itp = it.Pointer;
        }
        void** args = stackalloc void*[] { &n, &lrp, &scale, &b1, &b2, &eps, &wp, &gp, &m0, &v0, &vh, &itp, &beta1, &beta2 };
        Launch("adam_update", n, args);

        static ArgumentNullException Missing(string name, string what) => new(name, $"{what} (slot buffer {name} was null).");
    }
}
