using KerasNet.Backend;

namespace KerasNet;

/// <summary>The vector-Jacobian rule of every differentiable op, written with other ops. Each rule takes the
/// gradient of the node's output and hands the gradient of each tracked input to the tape, which owns it.</summary>
internal static class Vjp
{
    public static void Apply(ref TapeNode n, Tensor g, GradientTape tape)
    {
        switch (n.Op)
        {
            case OpCode.Copy:
            case OpCode.Cast:
                tape.Accumulate(n.SlotA, Ops.Identity(g));
                break;
            case OpCode.Unary: UnaryRule(ref n, g, tape); break;
            case OpCode.Binary: BinaryRule(ref n, g, tape); break;
            case OpCode.Where:
            {
                using var zero = Ops.ScalarLike(g, 0);
                if (n.SlotA >= 0)
                {
                    using var ga = Ops.Where(n.C, g, zero);
                    tape.Accumulate(n.SlotA, Ops.SumTo(ga, n.A.Shape));
                }
                if (n.SlotB >= 0)
                {
                    using var gb = Ops.Where(n.C, zero, g);
                    tape.Accumulate(n.SlotB, Ops.SumTo(gb, n.B.Shape));
                }
                break;
            }
            case OpCode.Reduce: ReduceRule(ref n, g, tape); break;
            case OpCode.MatMul: MatMulRule(ref n, g, tape); break;
            case OpCode.Linear: LinearRule(ref n, g, tape); break;
            case OpCode.Reshape:
                tape.Accumulate(n.SlotA, Ops.Reshape(g, n.A.Shape));
                break;
            case OpCode.Transpose:
            {
                Span<int> inv = stackalloc int[n.S0.Rank];
                for (int i = 0; i < inv.Length; i++) inv[n.S0[i]] = i;
                tape.Accumulate(n.SlotA, Ops.TransposeNoRecord(g, new Shape(inv)));
                break;
            }
            case OpCode.Slice:
            {
                var s = n.A.Shape;
                Span<int> after = stackalloc int[s.Rank];
                for (int i = 0; i < s.Rank; i++) after[i] = s[i] - n.S0[i] - g.Shape[i];
                tape.Accumulate(n.SlotA, Ops.Pad(g, n.S0.Dims, after));
                break;
            }
            case OpCode.Pad:
                tape.Accumulate(n.SlotA, Ops.Slice(g, n.S0.Dims, n.A.Shape.Dims));
                break;
            case OpCode.Concat:
            {
                int offset = 0;
                for (int i = 0; i < n.ManyCount; i++)
                {
                    int len = n.Many![i].Shape[n.I0];
                    if (n.ManySlots![i] >= 0) tape.Accumulate(n.ManySlots[i], Ops.SliceAxis(g, n.I0, offset, len));
                    offset += len;
                }
                break;
            }
            case OpCode.BroadcastTo:
                tape.Accumulate(n.SlotA, Ops.SumTo(g, n.A.Shape));
                break;
            case OpCode.Take:
            {
                using var zeros = Ops.ZerosLike(n.A);
                tape.Accumulate(n.SlotA, Ops.ScatterAdd(zeros, n.B, g, n.I0));
                break;
            }
            case OpCode.ScatterAdd:
                if (n.SlotA >= 0) tape.Accumulate(n.SlotA, Ops.Identity(g));
                if (n.SlotB >= 0)
                {
                    using var gathered = Ops.Take(g, n.C, n.I0);
                    tape.Accumulate(n.SlotB, Ops.Reshape(gathered, n.B.Shape));
                }
                break;
            case OpCode.Softmax:
            {
                // dx = y * (g - sum(g*y, axis))
                using var gy = Ops.Multiply(g, n.Out);
                using var s = Ops.Sum(gy, n.I0, keepDims: true);
                using var d = Ops.Subtract(g, s);
                tape.Accumulate(n.SlotA, Ops.Multiply(n.Out, d));
                break;
            }
            case OpCode.LogSoftmax:
            {
                // dx = g - softmax(x) * sum(g, axis)
                using var p = Ops.Exp(n.Out);
                using var s = Ops.Sum(g, n.I0, keepDims: true);
                using var ps = Ops.Multiply(p, s);
                tape.Accumulate(n.SlotA, Ops.Subtract(g, ps));
                break;
            }
            case OpCode.SoftmaxCrossEntropy:
            {
                using var gcol = Ops.ExpandDims(g, -1);
                if (n.SlotA >= 0) tape.Accumulate(n.SlotA, Ops.Multiply(n.Saved, gcol));
                if (!n.Flag0 && n.SlotB >= 0)
                {
                    // d loss / d labels = -log_softmax(logits)
                    using var ls = Ops.LogSoftmax(n.A);
                    using var neg = Ops.Negative(ls);
                    tape.Accumulate(n.SlotB, Ops.Multiply(neg, gcol));
                }
                break;
            }
            case OpCode.Conv:
            {
                // A fused bias and ReLU (I0) come off first: the ReLU mask from the output, the bias gradient as
                // the sum of the masked gradient over every output pixel.
                var gz = ActivationGradient(g, n.Out, (FusedActivation)n.I0);
                if (n.SlotA >= 0) tape.Accumulate(n.SlotA, Ops.ConvBackwardInput(n.Conv, gz, n.B, n.A.Shape));
                if (n.SlotB >= 0) tape.Accumulate(n.SlotB, Ops.ConvBackwardFilter(n.Conv, n.A, gz, n.B.Shape));
                if (n.SlotC >= 0) tape.Accumulate(n.SlotC, Ops.SumTo(gz, n.C.Shape));
                if (!gz.Equals(g)) gz.Dispose();
                break;
            }
            case OpCode.ConvTranspose:
                // y = convT(x, w) is the input-gradient of conv(y', w) at dy = x, so:
                if (n.SlotA >= 0) tape.Accumulate(n.SlotA, Ops.ConvForward(n.Conv, g, n.B, n.A.Shape));
                if (n.SlotB >= 0) tape.Accumulate(n.SlotB, Ops.ConvBackwardFilter(n.Conv, g, n.A, n.B.Shape));
                break;
            case OpCode.Pool:
                tape.Accumulate(n.SlotA, Ops.PoolBackward(n.Pool, n.A, n.Out, g));
                break;
            case OpCode.LstmSequence: Ops.LstmBackward(ref n, g, tape); break;
            case OpCode.GruSequence: Ops.GruBackward(ref n, g, tape); break;
            default:
                throw new InvalidOperationException($"No gradient rule for {n.Op}.");
        }
    }

    private static void UnaryRule(ref TapeNode n, Tensor g, GradientTape tape)
    {
        var x = n.A;
        var y = n.Out;
        Tensor r;
        switch ((UnaryOp)n.I0)
        {
            case UnaryOp.Negate: r = Ops.Negative(g); break;
            case UnaryOp.Abs: { using var s = Ops.Sign(x); r = Ops.Multiply(g, s); break; }
            case UnaryOp.Square: { using var t = Ops.Multiply(g, x); using var two = Ops.ScalarLike(g, 2); r = Ops.Multiply(t, two); break; }
            case UnaryOp.Sqrt: { using var half = Ops.ScalarLike(g, 0.5); using var t = Ops.Divide(g, y); r = Ops.Multiply(t, half); break; }
            case UnaryOp.Rsqrt:
            {
                using var y3 = Ops.Power(y, 3f);
                using var c = Ops.ScalarLike(g, -0.5);
                using var t = Ops.Multiply(g, y3);
                r = Ops.Multiply(t, c);
                break;
            }
            case UnaryOp.Reciprocal: { using var y2 = Ops.Square(y); using var t = Ops.Multiply(g, y2); r = Ops.Negative(t); break; }
            case UnaryOp.Exp: r = Ops.Multiply(g, y); break;
            case UnaryOp.Log: r = Ops.Divide(g, x); break;
            case UnaryOp.Log1p: { using var one = Ops.ScalarLike(g, 1); using var d = Ops.Add(x, one); r = Ops.Divide(g, d); break; }
            case UnaryOp.Expm1: { using var one = Ops.ScalarLike(g, 1); using var d = Ops.Add(y, one); r = Ops.Multiply(g, d); break; }
            case UnaryOp.Sin: { using var c = Ops.Cos(x); r = Ops.Multiply(g, c); break; }
            case UnaryOp.Cos: { using var s = Ops.Sin(x); using var t = Ops.Multiply(g, s); r = Ops.Negative(t); break; }
            // One fused pass each: g·(1 − y²), g·y·(1 − y), g where x > 0.
            case UnaryOp.Tanh: r = Ops.Binary(BinaryOp.TanhBackward, g, y, "TanhBackward"); break;
            case UnaryOp.Sigmoid: r = Ops.Binary(BinaryOp.SigmoidBackward, g, y, "SigmoidBackward"); break;
            case UnaryOp.Relu: r = Ops.Binary(BinaryOp.ReluBackward, g, x, "ReluBackward"); break;
            case UnaryOp.LeakyRelu:
            {
                using var zero = Ops.ScalarLike(x, 0);
                using var pos = Ops.Greater(x, zero);
                using var slope = Ops.ScalarLike(g, n.F0);
                using var alpha = Ops.Multiply(g, slope);
                r = Ops.Where(pos, g, alpha);
                break;
            }
            case UnaryOp.Elu:
            {
                using var zero = Ops.ScalarLike(x, 0);
                using var pos = Ops.Greater(x, zero);
                using var a = Ops.ScalarLike(g, n.F0);
                using var ya = Ops.Add(y, a);
                using var neg = Ops.Multiply(g, ya);
                r = Ops.Where(pos, g, neg);
                break;
            }
            case UnaryOp.Softplus: { using var s = Ops.Sigmoid(x); r = Ops.Multiply(g, s); break; }
            case UnaryOp.Erf:
            {
                using var x2 = Ops.Square(x);
                using var nx2 = Ops.Negative(x2);
                using var e = Ops.Exp(nx2);
                using var c = Ops.ScalarLike(g, 2.0 / Math.Sqrt(Math.PI));
                using var t = Ops.Multiply(e, c);
                r = Ops.Multiply(g, t);
                break;
            }
            case UnaryOp.PowScalar:
            {
                using var p = Ops.Power(x, n.F0 - 1f);
                using var c = Ops.ScalarLike(g, n.F0);
                using var t = Ops.Multiply(p, c);
                r = Ops.Multiply(g, t);
                break;
            }
            default: // Sign, Floor, Ceil, Round, Step: zero almost everywhere
                r = Ops.ZerosLike(x);
                break;
        }
        tape.Accumulate(n.SlotA, r);
    }

    private static void BinaryRule(ref TapeNode n, Tensor g, GradientTape tape)
    {
        var a = n.A;
        var b = n.B;
        Tensor ga = default, gb = default;
        bool needA = n.SlotA >= 0, needB = n.SlotB >= 0;
        switch ((BinaryOp)n.I0)
        {
            case BinaryOp.Add:
                if (needA) ga = Ops.Identity(g);
                if (needB) gb = Ops.Identity(g);
                break;
            case BinaryOp.Subtract:
                if (needA) ga = Ops.Identity(g);
                if (needB) gb = Ops.Negative(g);
                break;
            case BinaryOp.Multiply:
                if (needA) ga = Ops.Multiply(g, b);
                if (needB) gb = Ops.Multiply(g, a);
                break;
            case BinaryOp.Divide:
                if (needA) ga = Ops.Divide(g, b);
                if (needB)
                {
                    // -g * a / b^2 = -g * y / b
                    using var t = Ops.Multiply(g, n.Out);
                    using var u = Ops.Divide(t, b);
                    gb = Ops.Negative(u);
                }
                break;
            case BinaryOp.Power:
                if (needA)
                {
                    // g * b * a^(b-1)
                    using var one = Ops.ScalarLike(b, 1);
                    using var bm1 = Ops.Subtract(b, one);
                    using var p = Ops.Power(a, bm1);
                    using var t = Ops.Multiply(p, b);
                    ga = Ops.Multiply(g, t);
                }
                if (needB)
                {
                    // g * y * log(a), taken as 0 where a <= 0
                    using var zero = Ops.ScalarLike(a, 0);
                    using var pos = Ops.Greater(a, zero);
                    using var one = Ops.ScalarLike(a, 1);
                    using var safe = Ops.Where(pos, a, one);
                    using var la = Ops.Log(safe);
                    using var t = Ops.Multiply(n.Out, la);
                    gb = Ops.Multiply(g, t);
                }
                break;
            case BinaryOp.Maximum:
            case BinaryOp.Minimum:
            {
                // The gradient goes to a where a wins (a >= b for max, a <= b for min), else to b.
                using var aWins = (BinaryOp)n.I0 == BinaryOp.Maximum ? Ops.GreaterEqual(a, b) : Ops.LessEqual(a, b);
                using var zero = Ops.ScalarLike(g, 0);
                if (needA) ga = Ops.Where(aWins, g, zero);
                if (needB) gb = Ops.Where(aWins, zero, g);
                break;
            }
            case BinaryOp.SquaredDifference:
            {
                using var d = Ops.Subtract(a, b);
                using var two = Ops.ScalarLike(g, 2);
                using var t = Ops.Multiply(d, two);
                if (needA) ga = Ops.Multiply(g, t);
                if (needB) { using var u = Ops.Multiply(g, t); gb = Ops.Negative(u); }
                break;
            }
            case BinaryOp.Atan2:
            {
                using var a2 = Ops.Square(a);
                using var b2 = Ops.Square(b);
                using var den = Ops.Add(a2, b2);
                if (needA) { using var t = Ops.Divide(b, den); ga = Ops.Multiply(g, t); }
                if (needB) { using var t = Ops.Divide(a, den); using var u = Ops.Multiply(g, t); gb = Ops.Negative(u); }
                break;
            }
            case BinaryOp.Mod:
            {
                if (needA) ga = Ops.Identity(g);
                if (needB)
                {
                    using var q = Ops.Divide(a, b);
                    using var f = Ops.Floor(q);
                    using var t = Ops.Multiply(g, f);
                    gb = Ops.Negative(t);
                }
                break;
            }
            default:
                throw new InvalidOperationException($"No gradient rule for binary op {(BinaryOp)n.I0}.");
        }
        if (needA) { tape.Accumulate(n.SlotA, Ops.SumTo(ga, a.Shape)); ga.Dispose(); }
        if (needB) { tape.Accumulate(n.SlotB, Ops.SumTo(gb, b.Shape)); gb.Dispose(); }
    }

    private static void ReduceRule(ref TapeNode n, Tensor g, GradientTape tape)
    {
        var x = n.A;
        var xs = x.Shape;
        var keptShape = Ops.ReducedShape(xs, n.S0, keepDims: true);
        using var gk = Ops.Reshape(g, keptShape);
        switch ((ReduceOp)n.I0)
        {
            case ReduceOp.Sum:
                tape.Accumulate(n.SlotA, Ops.BroadcastTo(gk, xs));
                break;
            case ReduceOp.Mean:
            {
                long count = xs.Size / Math.Max(keptShape.Size, 1);
                using var scale = Ops.ScalarLike(g, 1.0 / Math.Max(count, 1));
                using var t = Ops.Multiply(gk, scale);
                tape.Accumulate(n.SlotA, Ops.BroadcastTo(t, xs));
                break;
            }
            case ReduceOp.Max:
            case ReduceOp.Min:
            {
                // Split equally among the tied extremes, as TensorFlow does.
                using var yk = Ops.Reshape(n.Out, keptShape);
                using var eq = Ops.Equal(x, yk);
                using var mask = Ops.Cast(eq, DType.Float32);
                using var count = Ops.Sum(mask, n.S0.Dims, keepDims: true);
                using var share = Ops.Divide(gk, count);
                tape.Accumulate(n.SlotA, Ops.Multiply(mask, share));
                break;
            }
            case ReduceOp.Prod:
            {
                using var yk = Ops.Reshape(n.Out, keptShape);
                using var t = Ops.Multiply(gk, yk);
                tape.Accumulate(n.SlotA, Ops.Divide(t, x));
                break;
            }
        }
    }

    private static void MatMulRule(ref TapeNode n, Tensor g, GradientTape tape)
    {
        var a = n.A;
        var b = n.B;
        bool ta = n.Flag0, tb = n.Flag1;
        if (n.SlotA >= 0)
        {
            // C = op(A) op(B): dop(A) = G op(B)^T, and dA is its transpose when A was used transposed.
            Tensor da = ta ? Ops.MatMul(b, g, transposeA: tb, transposeB: true) : Ops.MatMul(g, b, transposeA: false, transposeB: !tb);
            tape.Accumulate(n.SlotA, ReduceBatch(da, a.Shape));
            da.Dispose();
        }
        if (n.SlotB >= 0)
        {
            Tensor db;
            if (b.Rank == 2 && a.Rank > 2 && !ta)
            {
                // A shared weight under a batched A: fold the batch into the rows, one GEMM.
                using var a2 = Ops.Reshape(a, new Shape(-1, a.Shape[-1]));
                using var g2 = Ops.Reshape(g, new Shape(-1, g.Shape[-1]));
                db = tb ? Ops.MatMul(g2, a2, transposeA: true) : Ops.MatMul(a2, g2, transposeA: true);
            }
            else
            {
                db = tb ? Ops.MatMul(g, a, transposeA: true, transposeB: ta) : Ops.MatMul(a, g, transposeA: !ta, transposeB: false);
            }
            tape.Accumulate(n.SlotB, ReduceBatch(db, b.Shape));
            db.Dispose();
        }
    }

    private static Tensor ReduceBatch(Tensor grad, Shape target) => Ops.SumTo(grad, target);

    /// <summary>The gradient before a fused activation, given the gradient after it and the op's output.</summary>
    private static Tensor ActivationGradient(Tensor g, Tensor output, FusedActivation activation) => activation switch
    {
        FusedActivation.None => g,
        FusedActivation.Relu => Ops.Binary(BinaryOp.ReluBackward, g, output, "ReluBackward"),
        _ => throw new InvalidOperationException($"No gradient rule for the fused activation {activation}."),
    };

    /// <summary>y = act(x·W + b) with x (..., in): gz = the gradient through act, dx = gz·Wᵀ, dW = xᵀ·gz over the
    /// rows of x folded together, db = the column sums of gz.</summary>
    private static void LinearRule(ref TapeNode n, Tensor g, GradientTape tape)
    {
        var x = n.A;
        var kernel = n.B;
        var gz = ActivationGradient(g, n.Out, (FusedActivation)n.I0);
        int k = kernel.Shape[0], units = kernel.Shape[1];
        long rows = k == 0 ? 0 : x.Size / k;
        var backend = x.Backend;
        if (n.SlotA >= 0)
        {
            var dx = Tensor.Empty(x.Shape, DType.Float32, backend);
            if (rows > 0 && k > 0)
            {
                if (units == 0) backend.Fill(dx.Buffer, DType.Float32, dx.Size, 0);
                else backend.MatMul(MatMulParams.Dense(1, checked((int)rows), k, units, transB: true), gz.Buffer, 0, kernel.Buffer, 0, dx.Buffer, 0);
            }
            tape.Accumulate(n.SlotA, dx);
        }
        if (n.SlotB >= 0)
        {
            var dw = Tensor.Empty(kernel.Shape, DType.Float32, backend);
            if (k > 0 && units > 0)
            {
                if (rows == 0) backend.Fill(dw.Buffer, DType.Float32, dw.Size, 0);
                else backend.MatMul(MatMulParams.Dense(1, k, units, checked((int)rows), transA: true), x.Buffer, 0, gz.Buffer, 0, dw.Buffer, 0);
            }
            tape.Accumulate(n.SlotB, dw);
        }
        if (n.SlotC >= 0) tape.Accumulate(n.SlotC, Ops.SumTo(gz, n.C.Shape));
        if (!gz.Equals(g)) gz.Dispose();
    }
}
