using KerasNet.Tests.Reference;
using Xunit;

namespace KerasNet.Tests.Autodiff;

/// <summary>Gradient checks of the unary and binary elementwise ops, Where and Clip.</summary>
[Collection(GlobalBackendCollection.Name)]
public class ElementwiseGradientTests
{
    private static readonly int[] S = [3, 4];

    /// <summary>Unary ops: the op, its double reference, and inputs away from its kinks and poles.</summary>
    private static readonly Dictionary<string, (Func<Tensor, Tensor> Op, Func<double, double> F, Func<int, double[]> X)> Unary = new()
    {
        ["Negative"] = (Ops.Negative, x => -x, s => Gen.Uniform(S, -3, 3, s)),
        ["Abs"] = (Ops.Abs, Math.Abs, s => Gen.AwayFromZero(S, 0.1, 3, s)),
        ["Square"] = (Ops.Square, x => x * x, s => Gen.Uniform(S, -3, 3, s)),
        ["Sqrt"] = (Ops.Sqrt, Math.Sqrt, s => Gen.Uniform(S, 0.2, 4, s)),
        ["Rsqrt"] = (Ops.Rsqrt, x => 1 / Math.Sqrt(x), s => Gen.Uniform(S, 0.2, 4, s)),
        ["Reciprocal"] = (Ops.Reciprocal, x => 1 / x, s => Gen.AwayFromZero(S, 0.3, 3, s)),
        ["Exp"] = (Ops.Exp, Math.Exp, s => Gen.Uniform(S, -3, 3, s)),
        ["Log"] = (Ops.Log, Math.Log, s => Gen.Uniform(S, 0.2, 5, s)),
        ["Log1p"] = (Ops.Log1p, Ref.Log1p, s => Gen.Uniform(S, -0.7, 3, s)),
        ["Expm1"] = (Ops.Expm1, Ref.Expm1, s => Gen.Uniform(S, -3, 3, s)),
        ["Sin"] = (Ops.Sin, Math.Sin, s => Gen.Uniform(S, -4, 4, s)),
        ["Cos"] = (Ops.Cos, Math.Cos, s => Gen.Uniform(S, -4, 4, s)),
        ["Tanh"] = (Ops.Tanh, Math.Tanh, s => Gen.Uniform(S, -3, 3, s)),
        ["Sigmoid"] = (Ops.Sigmoid, Ref.Sigmoid, s => Gen.Uniform(S, -5, 5, s)),
        ["Relu"] = (Ops.Relu, x => Math.Max(x, 0), s => Gen.AwayFromZero(S, 0.05, 3, s)),
        ["LeakyRelu"] = (x => Ops.LeakyRelu(x), x => x > 0 ? x : 0.2 * x, s => Gen.AwayFromZero(S, 0.05, 3, s)),
        ["LeakyRelu(0.05)"] = (x => Ops.LeakyRelu(x, 0.05f), x => x > 0 ? x : (double)0.05f * x, s => Gen.AwayFromZero(S, 0.05, 3, s)),
        ["Elu"] = (x => Ops.Elu(x), x => x > 0 ? x : Ref.Expm1(x), s => Gen.AwayFromZero(S, 0.05, 3, s)),
        ["Elu(0.7)"] = (x => Ops.Elu(x, 0.7f), x => x > 0 ? x : (double)0.7f * Ref.Expm1(x), s => Gen.AwayFromZero(S, 0.05, 3, s)),
        ["Softplus"] = (Ops.Softplus, Ref.Softplus, s => Gen.Uniform(S, -5, 5, s)),
        ["Erf"] = (Ops.Erf, Ref.Erf, s => Gen.Uniform(S, -2.5, 2.5, s)),
        ["Power(2)"] = (x => Ops.Power(x, 2f), x => x * x, s => Gen.Uniform(S, -3, 3, s)),
        ["Power(3)"] = (x => Ops.Power(x, 3f), x => x * x * x, s => Gen.Uniform(S, -2, 2, s)),
        ["Power(1)"] = (x => Ops.Power(x, 1f), x => x, s => Gen.Uniform(S, -2, 2, s)),
        ["Power(0.5)"] = (x => Ops.Power(x, 0.5f), Math.Sqrt, s => Gen.Uniform(S, 0.2, 4, s)),
        ["Power(-1.5)"] = (x => Ops.Power(x, -1.5f), x => Math.Pow(x, -1.5), s => Gen.Uniform(S, 0.3, 3, s)),
    };

    public static IEnumerable<object[]> UnaryNames => Unary.Keys.Select(k => new object[] { k });

    [Theory, MemberData(nameof(UnaryNames))]
    public void UnaryGradient(string name)
    {
        var (op, f, x) = Unary[name];
        GradCheck.Check(name, xs => op(xs[0]), v => Ref.Map(v[0], f), S, GradInput.Float(S, x(1)));
    }

    [Fact]
    public void ZeroGradientOpsGiveZeros()
    {
        // Sign, Floor, Ceil and Round are piecewise constant: zero gradient away from their jumps.
        var x = GradInput.Float(S, Gen.Uniform(S, -3, 3, 4).Select(v => Math.Floor(v) + 0.3).ToArray());
        GradCheck.Check("Sign", xs => Ops.Sign(xs[0]), v => Ref.Map(v[0], d => Math.Sign(d)), S, x);
        GradCheck.Check("Floor", xs => Ops.Floor(xs[0]), v => Ref.Map(v[0], Math.Floor), S, x);
        GradCheck.Check("Ceil", xs => Ops.Ceil(xs[0]), v => Ref.Map(v[0], Math.Ceiling), S, x);
        GradCheck.Check("Round", xs => Ops.Round(xs[0]), v => Ref.Map(v[0], d => Math.Round(d, MidpointRounding.ToEven)), S, x);
    }

    // ----- binary -----

    /// <summary>Broadcast cases: same shape, scalar left, scalar right, row, column, both sides in 3-D.</summary>
    public static readonly (int[] A, int[] B)[] Shapes =
    [
        ([3, 4], [3, 4]),
        ([], [3, 4]),
        ([2, 3, 4], []),
        ([2, 3, 4], [4]),
        ([3, 4], [3, 1]),
        ([2, 1, 4], [3, 1]),
        ([4], [2, 3, 4]),
    ];

    /// <summary>Binary ops: the op, its reference, operand generators, and a predicate every broadcast pair
    /// of operands must satisfy (distance from kinks, poles and branch cuts).</summary>
    private static readonly Dictionary<string, (Func<Tensor, Tensor, Tensor> Op, Func<double, double, double> F,
        Func<int[], int, double[]> A, Func<int[], int, double[]> B, Func<double, double, bool> Ok)> Binary = new()
    {
        ["Add"] = (Ops.Add, (a, b) => a + b, (s, r) => Gen.Uniform(s, -2, 2, r), (s, r) => Gen.Uniform(s, -2, 2, r), (_, _) => true),
        ["Subtract"] = (Ops.Subtract, (a, b) => a - b, (s, r) => Gen.Uniform(s, -2, 2, r), (s, r) => Gen.Uniform(s, -2, 2, r), (_, _) => true),
        ["Multiply"] = (Ops.Multiply, (a, b) => a * b, (s, r) => Gen.Uniform(s, -2, 2, r), (s, r) => Gen.Uniform(s, -2, 2, r), (_, _) => true),
        ["Divide"] = (Ops.Divide, (a, b) => a / b, (s, r) => Gen.Uniform(s, -2, 2, r), (s, r) => Gen.AwayFromZero(s, 0.5, 2, r), (_, _) => true),
        ["Power"] = (Ops.Power, Math.Pow, (s, r) => Gen.Uniform(s, 0.3, 3, r), (s, r) => Gen.Uniform(s, -2, 2, r), (_, _) => true),
        ["Maximum"] = (Ops.Maximum, Math.Max, (s, r) => Gen.Uniform(s, -2, 2, r), (s, r) => Gen.Uniform(s, -2, 2, r), (a, b) => Math.Abs(a - b) > 0.05),
        ["Minimum"] = (Ops.Minimum, Math.Min, (s, r) => Gen.Uniform(s, -2, 2, r), (s, r) => Gen.Uniform(s, -2, 2, r), (a, b) => Math.Abs(a - b) > 0.05),
        ["SquaredDifference"] = (Ops.SquaredDifference, (a, b) => (a - b) * (a - b), (s, r) => Gen.Uniform(s, -2, 2, r), (s, r) => Gen.Uniform(s, -2, 2, r), (_, _) => true),
        ["Arctan2"] = (Ops.Arctan2, Math.Atan2, (s, r) => Gen.AwayFromZero(s, 0.2, 2, r), (s, r) => Gen.Uniform(s, -2, 2, r), (_, _) => true),
        ["Mod"] = (Ops.Mod, Ref.PyMod, (s, r) => Gen.Uniform(s, -5, 5, r), (s, r) => Gen.AwayFromZero(s, 0.5, 2, r),
            (a, b) => { double q = a / b; return q - Math.Floor(q) is > 0.03 and < 0.97; }),
    };

    public static IEnumerable<object[]> BinaryCases =>
        from op in Binary.Keys from i in Enumerable.Range(0, Shapes.Length) select new object[] { op, i };

    [Theory, MemberData(nameof(BinaryCases))]
    public void BinaryGradientWithBroadcasting(string name, int shapeCase)
    {
        var (op, f, ga, gb, ok) = Binary[name];
        var (sa, sb) = Shapes[shapeCase];
        var os = Ref.BroadcastShape(sa, sb);
        var (a, b) = Gen.Until(s => (ga(sa, s), gb(sb, s + 500)),
            p => Ref.Zip(p.Item1, sa, p.Item2, sb, (x, y) => ok((float)x, (float)y) ? 1 : 0).All(v => v == 1), 10 * shapeCase);
        GradCheck.Check($"{name} {new Shape(sa)} with {new Shape(sb)}", xs => op(xs[0], xs[1]),
            v => Ref.Zip(v[0], sa, v[1], sb, f), os, GradInput.Float(sa, a), GradInput.Float(sb, b));
    }

    [Fact]
    public void SameTensorOnBothSides()
    {
        int[] s = [2, 3];
        var x = GradInput.Float(s, Gen.Uniform(s, 0.5, 2, 3));
        GradCheck.Check("x*x", xs => Ops.Multiply(xs[0], xs[0]), v => Ref.Map(v[0], d => d * d), s, x);
        GradCheck.Check("x/x + x-x", xs => Ops.Add(Ops.Divide(xs[0], xs[0]), Ops.Subtract(xs[0], xs[0])), v => Ref.Map(v[0], _ => 1), s, x);
        GradCheck.Check("x^x", xs => Ops.Power(xs[0], xs[0]), v => Ref.Map(v[0], d => Math.Pow(d, d)), s, x);
    }

    [Fact]
    public void WhereRoutesTheGradientByTheCondition()
    {
        (int[] C, int[] A, int[] B)[] cases =
        [
            ([3, 4], [3, 4], [3, 4]),
            ([3, 1], [1, 4], [3, 4]),
            ([2, 3, 4], [4], []),
            ([4], [2, 3, 1], [3, 4]),
        ];
        int seed = 0;
        foreach (var (sc, sa, sb) in cases)
        {
            var c = Gen.Uniform(sc, 0, 1, ++seed).Select(v => v < 0.5 ? 0.0 : 1.0).ToArray();
            var os = Ref.BroadcastShape(sc, sa, sb);
            GradCheck.Check($"Where cond {new Shape(sc)} a {new Shape(sa)} b {new Shape(sb)}", xs => Ops.Where(xs[0], xs[1], xs[2]),
                v => Ref.Where(v[0], sc, v[1], sa, v[2], sb), os,
                GradInput.Const(sc, c, DType.Bool), GradInput.Float(sa, Gen.Uniform(sa, -2, 2, ++seed)), GradInput.Float(sb, Gen.Uniform(sb, -2, 2, ++seed)));
        }
    }

    [Fact]
    public void ClipPassesTheGradientInsideTheBounds()
    {
        int[] s = [4, 5];
        var x = Gen.Until(r => Gen.Uniform(s, -2, 2, r), v => v.All(d => Math.Abs(d + 0.5) > 0.05 && Math.Abs(d - 1.2) > 0.05), 1);
        GradCheck.Check("Clip(-0.5, 1.2)", xs => Ops.Clip(xs[0], -0.5f, 1.2f), v => Ref.Map(v[0], d => Math.Min(Math.Max(d, (double)-0.5f), (double)1.2f)), s, GradInput.Float(s, x));
    }
}
