using KerasNet.Backend;

namespace KerasNet;

public static partial class Ops
{
    internal static Tensor Unary(UnaryOp op, Tensor x, float alpha = 0f, string? name = null)
    {
        bool intOk = op is UnaryOp.Negate or UnaryOp.Abs or UnaryOp.Sign or UnaryOp.Square;
        if (op == UnaryOp.LogicalNot) CheckDType(x, DType.Bool, "LogicalNot", "x");
        else if (!(x.DType == DType.Float32 || (intOk && x.DType.IsInteger())))
            throw new ArgumentException($"{name ?? op.ToString()} expects a float32 tensor{(intOk ? " or an integer one" : "")}; got {x.DType.KerasName()} with shape {x.Shape}.", nameof(x));
        var y = Tensor.Empty(x.Shape, x.DType, x.Backend);
        x.Backend.Unary(op, x.Buffer, y.Buffer, x.DType, x.Size, alpha);
        if (x.DType == DType.Float32 && GradientTape.ShouldRecord(x) is { } tape)
        {
            var node = new TapeNode { Op = OpCode.Unary, A = x, Out = y, I0 = (int)op, F0 = alpha };
            tape.Record(ref node);
        }
        return y;
    }

    /// <summary>-x</summary>
    public static Tensor Negative(Tensor x) => Unary(UnaryOp.Negate, x);
    /// <summary>|x|</summary>
    public static Tensor Abs(Tensor x) => Unary(UnaryOp.Abs, x);
    /// <summary>sign(x): -1, 0 or 1.</summary>
    public static Tensor Sign(Tensor x) => Unary(UnaryOp.Sign, x);
    /// <summary>x²</summary>
    public static Tensor Square(Tensor x) => Unary(UnaryOp.Square, x);
    /// <summary>√x</summary>
    public static Tensor Sqrt(Tensor x) => Unary(UnaryOp.Sqrt, x);
    /// <summary>1/√x</summary>
    public static Tensor Rsqrt(Tensor x) => Unary(UnaryOp.Rsqrt, x);
    /// <summary>1/x</summary>
    public static Tensor Reciprocal(Tensor x) => Unary(UnaryOp.Reciprocal, x);
    /// <summary>eˣ</summary>
    public static Tensor Exp(Tensor x) => Unary(UnaryOp.Exp, x);
    /// <summary>ln x</summary>
    public static Tensor Log(Tensor x) => Unary(UnaryOp.Log, x);
    /// <summary>ln(1+x)</summary>
    public static Tensor Log1p(Tensor x) => Unary(UnaryOp.Log1p, x);
    /// <summary>eˣ−1</summary>
    public static Tensor Expm1(Tensor x) => Unary(UnaryOp.Expm1, x);
    /// <summary>sin x</summary>
    public static Tensor Sin(Tensor x) => Unary(UnaryOp.Sin, x);
    /// <summary>cos x</summary>
    public static Tensor Cos(Tensor x) => Unary(UnaryOp.Cos, x);
    /// <summary>tanh x</summary>
    public static Tensor Tanh(Tensor x) => Unary(UnaryOp.Tanh, x);
    /// <summary>1/(1+e⁻ˣ)</summary>
    public static Tensor Sigmoid(Tensor x) => Unary(UnaryOp.Sigmoid, x);
    /// <summary>max(x, 0)</summary>
    public static Tensor Relu(Tensor x) => Unary(UnaryOp.Relu, x);
    /// <summary>x if x &gt; 0 else negativeSlope·x (Keras's default slope is 0.2).</summary>
    public static Tensor LeakyRelu(Tensor x, float negativeSlope = 0.2f) => Unary(UnaryOp.LeakyRelu, x, negativeSlope);
    /// <summary>x if x &gt; 0 else alpha·(eˣ−1)</summary>
    public static Tensor Elu(Tensor x, float alpha = 1f) => Unary(UnaryOp.Elu, x, alpha);
    /// <summary>ln(1+eˣ)</summary>
    public static Tensor Softplus(Tensor x) => Unary(UnaryOp.Softplus, x);
    /// <summary>The error function.</summary>
    public static Tensor Erf(Tensor x) => Unary(UnaryOp.Erf, x);
    /// <summary>Round down.</summary>
    public static Tensor Floor(Tensor x) => Unary(UnaryOp.Floor, x);
    /// <summary>Round up.</summary>
    public static Tensor Ceil(Tensor x) => Unary(UnaryOp.Ceil, x);
    /// <summary>Round half to even.</summary>
    public static Tensor Round(Tensor x) => Unary(UnaryOp.Round, x);
    /// <summary>xᵖ for a scalar exponent.</summary>
    public static Tensor Power(Tensor x, float exponent) => Unary(UnaryOp.PowScalar, x, exponent);
    /// <summary>Logical not of a bool tensor.</summary>
    public static Tensor LogicalNot(Tensor x) => Unary(UnaryOp.LogicalNot, x);

    internal static Tensor Binary(BinaryOp op, Tensor a, Tensor b, string name)
    {
        CheckSameBackend(a, b, name);
        if (a.DType != b.DType)
            throw new ArgumentException($"{name} expects operands of one dtype; got {a.DType.KerasName()} {a.Shape} and {b.DType.KerasName()} {b.Shape}. Convert one with Ops.Cast.");
        bool boolOp = op is BinaryOp.LogicalAnd or BinaryOp.LogicalOr;
        if (boolOp != (a.DType == DType.Bool))
            throw new ArgumentException(boolOp
                ? $"{name} expects bool operands; got {a.DType.KerasName()}."
                : $"{name} does not accept bool operands; cast them to float32 or int32 first.");
        if (a.DType.IsInteger() && op is BinaryOp.Power or BinaryOp.SquaredDifference or BinaryOp.Atan2)
            throw new ArgumentException($"{name} expects float32 operands; got {a.DType.KerasName()}.");
        var shape = BroadcastShapes(a.Shape, b.Shape, name);
        var y = Tensor.Empty(shape, a.DType, a.Backend);
        var plan = BroadcastPlan.Create(shape, a.Shape, b.Shape);
        a.Backend.Binary(op, a.Buffer, b.Buffer, y.Buffer, a.DType, plan);
        if (a.DType == DType.Float32 && GradientTape.ShouldRecord(a, b) is { } tape)
        {
            var node = new TapeNode { Op = OpCode.Binary, A = a, B = b, Out = y, I0 = (int)op };
            tape.Record(ref node);
        }
        return y;
    }

    /// <summary>a + b</summary>
    public static Tensor Add(Tensor a, Tensor b) => Binary(BinaryOp.Add, a, b, "Add");
    /// <summary>a − b</summary>
    public static Tensor Subtract(Tensor a, Tensor b) => Binary(BinaryOp.Subtract, a, b, "Subtract");
    /// <summary>a · b</summary>
    public static Tensor Multiply(Tensor a, Tensor b) => Binary(BinaryOp.Multiply, a, b, "Multiply");
    /// <summary>a / b (integers: floor division)</summary>
    public static Tensor Divide(Tensor a, Tensor b) => Binary(BinaryOp.Divide, a, b, "Divide");
    /// <summary>aᵇ elementwise</summary>
    public static Tensor Power(Tensor a, Tensor b) => Binary(BinaryOp.Power, a, b, "Power");
    /// <summary>max(a, b)</summary>
    public static Tensor Maximum(Tensor a, Tensor b) => Binary(BinaryOp.Maximum, a, b, "Maximum");
    /// <summary>min(a, b)</summary>
    public static Tensor Minimum(Tensor a, Tensor b) => Binary(BinaryOp.Minimum, a, b, "Minimum");
    /// <summary>(a − b)²</summary>
    public static Tensor SquaredDifference(Tensor a, Tensor b) => Binary(BinaryOp.SquaredDifference, a, b, "SquaredDifference");
    /// <summary>atan2(a, b)</summary>
    public static Tensor Arctan2(Tensor a, Tensor b) => Binary(BinaryOp.Atan2, a, b, "Arctan2");
    /// <summary>a mod b with the sign of b (Python's %).</summary>
    public static Tensor Mod(Tensor a, Tensor b) => Binary(BinaryOp.Mod, a, b, "Mod");
    /// <summary>Logical and.</summary>
    public static Tensor LogicalAnd(Tensor a, Tensor b) => Binary(BinaryOp.LogicalAnd, a, b, "LogicalAnd");
    /// <summary>Logical or.</summary>
    public static Tensor LogicalOr(Tensor a, Tensor b) => Binary(BinaryOp.LogicalOr, a, b, "LogicalOr");

    /// <summary>min(max(x, low), high)</summary>
    public static Tensor Clip(Tensor x, float low, float high)
    {
        var lo = ScalarLike(x, low);
        var hi = ScalarLike(x, high);
        var t = Maximum(x, lo);
        var y = Minimum(t, hi);
        // A recording tape's Maximum and Minimum nodes read lo, hi and t in the backward pass; the scope frees them then.
        if (GradientTape.ShouldRecord(x) is null)
        {
            lo.Dispose();
            hi.Dispose();
            t.Dispose();
        }
        return y;
    }

    internal static Tensor ScalarLike(Tensor x, double value) => FullOn(x.Backend, Shape.Scalar, value, x.DType);

    internal static Tensor Compare(CompareOp op, Tensor a, Tensor b, string name)
    {
        CheckSameBackend(a, b, name);
        if (a.DType != b.DType)
            throw new ArgumentException($"{name} expects operands of one dtype; got {a.DType.KerasName()} and {b.DType.KerasName()}.");
        var shape = BroadcastShapes(a.Shape, b.Shape, name);
        var y = Tensor.Empty(shape, DType.Bool, a.Backend);
        a.Backend.Compare(op, a.Buffer, b.Buffer, y.Buffer, a.DType, BroadcastPlan.Create(shape, a.Shape, b.Shape));
        return y;
    }

    /// <summary>a == b (bool)</summary>
    public static Tensor Equal(Tensor a, Tensor b) => Compare(CompareOp.Equal, a, b, "Equal");
    /// <summary>a != b (bool)</summary>
    public static Tensor NotEqual(Tensor a, Tensor b) => Compare(CompareOp.NotEqual, a, b, "NotEqual");
    /// <summary>a &lt; b (bool)</summary>
    public static Tensor Less(Tensor a, Tensor b) => Compare(CompareOp.Less, a, b, "Less");
    /// <summary>a &lt;= b (bool)</summary>
    public static Tensor LessEqual(Tensor a, Tensor b) => Compare(CompareOp.LessEqual, a, b, "LessEqual");
    /// <summary>a &gt; b (bool)</summary>
    public static Tensor Greater(Tensor a, Tensor b) => Compare(CompareOp.Greater, a, b, "Greater");
    /// <summary>a &gt;= b (bool)</summary>
    public static Tensor GreaterEqual(Tensor a, Tensor b) => Compare(CompareOp.GreaterEqual, a, b, "GreaterEqual");

    /// <summary>condition ? a : b elementwise, with broadcasting.</summary>
    public static Tensor Where(Tensor condition, Tensor a, Tensor b)
    {
        CheckDType(condition, DType.Bool, "Where", nameof(condition));
        CheckSameBackend(a, b, "Where");
        CheckSameBackend(condition, a, "Where");
        if (a.DType != b.DType)
            throw new ArgumentException($"Where expects a and b of one dtype; got {a.DType.KerasName()} and {b.DType.KerasName()}.");
        var shape = BroadcastShapes(BroadcastShapes(condition.Shape, a.Shape, "Where"), b.Shape, "Where");
        var y = Tensor.Empty(shape, a.DType, a.Backend);
        a.Backend.Where(condition.Buffer, a.Buffer, b.Buffer, y.Buffer, a.DType, BroadcastPlan.Create(shape, condition.Shape, a.Shape, b.Shape));
        if (a.DType == DType.Float32 && GradientTape.ShouldRecord(a, b) is { } tape)
        {
            var node = new TapeNode { Op = OpCode.Where, A = a, B = b, C = condition, Out = y };
            tape.Record(ref node);
        }
        return y;
    }
}

public readonly partial struct Tensor
{
    /// <summary>Elementwise sum with broadcasting.</summary>
    public static Tensor operator +(Tensor a, Tensor b) => Ops.Add(a, b);
    /// <summary>Elementwise difference with broadcasting.</summary>
    public static Tensor operator -(Tensor a, Tensor b) => Ops.Subtract(a, b);
    /// <summary>Elementwise product with broadcasting.</summary>
    public static Tensor operator *(Tensor a, Tensor b) => Ops.Multiply(a, b);
    /// <summary>Elementwise quotient with broadcasting.</summary>
    public static Tensor operator /(Tensor a, Tensor b) => Ops.Divide(a, b);
    /// <summary>Negation.</summary>
    public static Tensor operator -(Tensor a) => Ops.Negative(a);
}
