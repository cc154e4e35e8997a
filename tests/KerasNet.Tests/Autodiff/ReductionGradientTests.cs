using KerasNet.Tests.Reference;
using Xunit;

namespace KerasNet.Tests.Autodiff;

/// <summary>Gradient checks of the reductions, Var and MatMul.</summary>
[Collection(GlobalBackendCollection.Name)]
public class ReductionGradientTests
{
    private static readonly int[] S = [2, 3, 4];

    /// <summary>Axis sets: all, one, the last (negative), two contiguous, two non-contiguous.</summary>
    public static readonly int[][] AxisSets = [[], [1], [-1], [0, 1], [0, 2]];

    private static readonly Dictionary<string, (Func<Tensor, int[], bool, Tensor> Op, Func<double[], double> F)> Reductions = new()
    {
        ["Sum"] = ((x, a, k) => Ops.Sum(x, a, k), v => v.Sum()),
        ["Mean"] = ((x, a, k) => Ops.Mean(x, a, k), v => v.Average()),
        ["Max"] = ((x, a, k) => Ops.Max(x, a, k), v => v.Max()),
        ["Min"] = ((x, a, k) => Ops.Min(x, a, k), v => v.Min()),
        ["Prod"] = ((x, a, k) => Ops.Prod(x, a, k), Ref.Product),
        ["Var"] = ((x, a, k) => Ops.Var(x, a, k), Ref.Variance),
    };

    public static IEnumerable<object[]> Cases =>
        from op in Reductions.Keys
        from i in Enumerable.Range(0, AxisSets.Length)
        from keep in new[] { false, true }
        select new object[] { op, i, keep };

    [Theory, MemberData(nameof(Cases))]
    public void ReductionGradient(string name, int axisSet, bool keepDims)
    {
        var (op, f) = Reductions[name];
        var axes = AxisSets[axisSet];
        var norm = axes.Select(a => a < 0 ? a + S.Length : a).ToArray();
        // Max and min need no ties; products need factors away from 0.
        var x = name switch
        {
            "Max" or "Min" => Gen.Distinct(S, 3),
            "Prod" => Gen.AwayFromZero(S, 0.5, 1.5, 3),
            _ => Gen.Uniform(S, -2, 2, 3),
        };
        GradCheck.Check($"{name} axes [{string.Join(", ", axes)}] keepDims {keepDims}", xs => op(xs[0], axes, keepDims),
            v => Ref.Reduce(v[0], S, norm, f), Ref.ReducedShape(S, norm, keepDims), GradInput.Float(S, x));
    }

    [Fact]
    public void SingleAxisOverloads()
    {
        var x = GradInput.Float(S, Gen.Distinct(S, 9));
        GradCheck.Check("Sum(x)", xs => Ops.Sum(xs[0]), v => [v[0].Sum()], [], x);
        GradCheck.Check("Mean(x, 1, keepDims)", xs => Ops.Mean(xs[0], 1, keepDims: true), v => Ref.Reduce(v[0], S, [1], a => a.Average()), [2, 1, 4], x);
        GradCheck.Check("Max(x, -1)", xs => Ops.Max(xs[0], -1), v => Ref.Reduce(v[0], S, [2], a => a.Max()), [2, 3], x);
        GradCheck.Check("Min(x, 0)", xs => Ops.Min(xs[0], 0), v => Ref.Reduce(v[0], S, [0], a => a.Min()), [3, 4], x);
        GradCheck.Check("Prod(x)", xs => Ops.Prod(xs[0]), v => [Ref.Product(v[0])], [], GradInput.Float(S, Gen.AwayFromZero(S, 0.7, 1.3, 2)));
    }

    // ----- matmul -----

    public static IEnumerable<object[]> MatMulCases =>
    [
        // 2-D, every transpose combination
        [new[] { 3, 4 }, new[] { 4, 5 }, false, false],
        [new[] { 4, 3 }, new[] { 4, 5 }, true, false],
        [new[] { 3, 4 }, new[] { 5, 4 }, false, true],
        [new[] { 4, 3 }, new[] { 5, 4 }, true, true],
        // batched
        [new[] { 2, 3, 4 }, new[] { 2, 4, 5 }, false, false],
        [new[] { 2, 4, 3 }, new[] { 2, 5, 4 }, true, true],
        // a batch against a shared 2-D right operand (also transposed)
        [new[] { 2, 3, 4 }, new[] { 4, 5 }, false, false],
        [new[] { 2, 3, 4 }, new[] { 5, 4 }, false, true],
        [new[] { 2, 4, 3 }, new[] { 4, 5 }, true, false],
        [new[] { 2, 2, 3, 4 }, new[] { 4, 5 }, false, false],
        // a 2-D left operand against a batch
        [new[] { 3, 4 }, new[] { 2, 4, 5 }, false, false],
        [new[] { 4, 3 }, new[] { 2, 5, 4 }, true, true],
        // batch dimensions that broadcast against each other
        [new[] { 2, 1, 3, 4 }, new[] { 1, 3, 4, 5 }, false, false],
        [new[] { 1, 3, 4 }, new[] { 2, 4, 5 }, false, false],
    ];

    [Theory, MemberData(nameof(MatMulCases))]
    public void MatMulGradient(int[] sa, int[] sb, bool ta, bool tb)
    {
        var (_, os) = Ref.MatMul(new double[Ref.Size(sa)], sa, new double[Ref.Size(sb)], sb, ta, tb);
        GradCheck.Check($"MatMul {new Shape(sa)}{(ta ? "ᵀ" : "")} @ {new Shape(sb)}{(tb ? "ᵀ" : "")}",
            xs => Ops.MatMul(xs[0], xs[1], ta, tb), v => Ref.MatMul(v[0], sa, v[1], sb, ta, tb).Y, os,
            GradInput.Float(sa, Gen.Uniform(sa, -1, 1, 1)), GradInput.Float(sb, Gen.Uniform(sb, -1, 1, 2)));
    }

    [Fact]
    public void MatMulWithOneOperandConstant()
    {
        int[] sa = [2, 3, 4], sb = [4, 5];
        var (_, os) = Ref.MatMul(new double[24], sa, new double[20], sb);
        GradCheck.Check("MatMul, constant right", xs => Ops.MatMul(xs[0], xs[1]), v => Ref.MatMul(v[0], sa, v[1], sb).Y, os,
            GradInput.Float(sa, Gen.Uniform(sa, -1, 1, 3)), GradInput.Const(sb, Gen.Uniform(sb, -1, 1, 4)));
        GradCheck.Check("MatMul, constant left", xs => Ops.MatMul(xs[0], xs[1]), v => Ref.MatMul(v[0], sa, v[1], sb).Y, os,
            GradInput.Const(sa, Gen.Uniform(sa, -1, 1, 3)), GradInput.Float(sb, Gen.Uniform(sb, -1, 1, 4)));
        GradCheck.Check("Dot", xs => Ops.Dot(xs[0], xs[1]), v => Ref.MatMul(v[0], [3, 4], v[1], [4, 2]).Y, [3, 2],
            GradInput.Float([3, 4], Gen.Uniform([3, 4], -1, 1, 5)), GradInput.Float([4, 2], Gen.Uniform([4, 2], -1, 1, 6)));
    }
}
