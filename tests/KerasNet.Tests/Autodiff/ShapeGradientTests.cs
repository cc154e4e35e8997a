using KerasNet.Tests.Reference;
using Xunit;

namespace KerasNet.Tests.Autodiff;

/// <summary>Gradient checks of the shape, indexing and copy ops.</summary>
[Collection(GlobalBackendCollection.Name)]
public class ShapeGradientTests
{
    private static readonly int[] S = [2, 3, 4];

    private static GradInput X(int[] shape, int seed = 1) => GradInput.Float(shape, Gen.Uniform(shape, -2, 2, seed));

    private static double[] Same(double[][] v) => v[0];

    [Fact]
    public void Reshape()
    {
        GradCheck.Check("Reshape (6, 4)", xs => Ops.Reshape(xs[0], new Shape(6, 4)), Same, [6, 4], X(S));
        GradCheck.Check("Reshape (4, -1)", xs => Ops.Reshape(xs[0], new Shape(4, -1)), Same, [4, 6], X(S));
        // A reshape feeding an op that reads the values.
        GradCheck.Check("Square(Reshape)", xs => Ops.Square(Ops.Reshape(xs[0], new Shape(24))), v => Ref.Map(v[0], d => d * d), [24], X(S));
    }

    [Fact]
    public void FlattenExpandDimsSqueeze()
    {
        GradCheck.Check("Flatten", xs => Ops.Flatten(xs[0]), Same, [2, 12], X(S));
        GradCheck.Check("ExpandDims 1", xs => Ops.ExpandDims(xs[0], 1), Same, [2, 1, 3, 4], X(S));
        GradCheck.Check("ExpandDims -1", xs => Ops.ExpandDims(xs[0], -1), Same, [2, 3, 4, 1], X(S));
        GradCheck.Check("Squeeze", xs => Ops.Squeeze(xs[0]), Same, [3, 4], X([1, 3, 1, 4]));
        GradCheck.Check("Squeeze axis 2", xs => Ops.Squeeze(xs[0], 2), Same, [1, 3, 4], X([1, 3, 1, 4]));
    }

    [Fact]
    public void Transpose()
    {
        GradCheck.Check("Transpose reversed", xs => Ops.Transpose(xs[0]), v => Ref.Transpose(v[0], S, [2, 1, 0]), [4, 3, 2], X(S));
        GradCheck.Check("Transpose (1, 2, 0)", xs => Ops.Transpose(xs[0], [1, 2, 0]), v => Ref.Transpose(v[0], S, [1, 2, 0]), [3, 4, 2], X(S));
        GradCheck.Check("Transpose (2, 0, 1)", xs => Ops.Transpose(xs[0], [2, 0, 1]), v => Ref.Transpose(v[0], S, [2, 0, 1]), [4, 2, 3], X(S));
        int[] s4 = [2, 3, 2, 2];
        GradCheck.Check("Transpose (0, 2, 3, 1)", xs => Ops.Transpose(xs[0], [0, 2, 3, 1]), v => Ref.Transpose(v[0], s4, [0, 2, 3, 1]), [2, 2, 2, 3], X(s4));
    }

    [Fact]
    public void BroadcastTo()
    {
        GradCheck.Check("BroadcastTo (3, 1) -> (2, 3, 4)", xs => Ops.BroadcastTo(xs[0], new Shape(2, 3, 4)),
            v => Ref.BroadcastTo(v[0], [3, 1], S), S, X([3, 1]));
        GradCheck.Check("BroadcastTo (4) -> (2, 3, 4)", xs => Ops.BroadcastTo(xs[0], new Shape(2, 3, 4)),
            v => Ref.BroadcastTo(v[0], [4], S), S, X([4]));
        GradCheck.Check("BroadcastTo () -> (2, 3)", xs => Ops.BroadcastTo(xs[0], new Shape(2, 3)),
            v => Ref.BroadcastTo(v[0], [], [2, 3]), [2, 3], X([]));
        GradCheck.Check("BroadcastTo (2, 1, 4) -> (2, 3, 4)", xs => Ops.BroadcastTo(xs[0], new Shape(2, 3, 4)),
            v => Ref.BroadcastTo(v[0], [2, 1, 4], S), S, X([2, 1, 4]));
    }

    [Fact]
    public void SliceAndSliceAxis()
    {
        GradCheck.Check("Slice", xs => Ops.Slice(xs[0], [1, 1, 0], [1, 2, -1]), v => Ref.Slice(v[0], S, [1, 1, 0], [1, 2, 4]), [1, 2, 4], X(S));
        GradCheck.Check("Slice middle", xs => Ops.Slice(xs[0], [0, 1, 1], [2, 1, 2]), v => Ref.Slice(v[0], S, [0, 1, 1], [2, 1, 2]), [2, 1, 2], X(S));
        GradCheck.Check("SliceAxis 2", xs => Ops.SliceAxis(xs[0], 2, 1, 3), v => Ref.Slice(v[0], S, [0, 0, 1], [2, 3, 3]), [2, 3, 3], X(S));
        GradCheck.Check("SliceAxis -2", xs => Ops.SliceAxis(xs[0], -2, 2, 1), v => Ref.Slice(v[0], S, [0, 2, 0], [2, 1, 4]), [2, 1, 4], X(S));
    }

    [Fact]
    public void Pad()
    {
        GradCheck.Check("Pad", xs => Ops.Pad(xs[0], [1, 0, 2], [0, 2, 1], 0.5f), v => Ref.Pad(v[0], S, [1, 0, 2], [0, 2, 1], 0.5), [3, 5, 7], X(S));
        GradCheck.Check("Pad 2-D", xs => Ops.Pad(xs[0], [2, 1], [1, 3]), v => Ref.Pad(v[0], [3, 4], [2, 1], [1, 3], 0), [6, 8], X([3, 4]));
    }

    [Fact]
    public void Concatenate()
    {
        int[] a = [2, 1, 4], b = [2, 3, 4], c = [2, 2, 4];
        GradCheck.Check("Concatenate axis 1", xs => Ops.Concatenate(xs, 1), v => Ref.Concat(v, [a, b, c], 1), [2, 6, 4], X(a, 1), X(b, 2), X(c, 3));
        GradCheck.Check("Concatenate axis -1", xs => Ops.Concatenate(xs, -1), v => Ref.Concat(v, [[2, 3], [2, 1]], 1), [2, 4], X([2, 3], 1), X([2, 1], 2));
        GradCheck.Check("Concatenate axis 0", xs => Ops.Concatenate(xs, 0), v => Ref.Concat(v, [[1, 3], [2, 3]], 0), [3, 3], X([1, 3], 1), X([2, 3], 2));
        // One input held constant: only the others get gradients.
        GradCheck.Check("Concatenate with a constant", xs => Ops.Concatenate(xs, 0), v => Ref.Concat(v, [[1, 3], [2, 3]], 0), [3, 3],
            GradInput.Const([1, 3], Gen.Uniform([1, 3], -1, 1, 5)), X([2, 3], 2));
    }

    [Fact]
    public void Stack()
    {
        int[] s = [2, 3];
        GradCheck.Check("Stack axis 0", xs => Ops.Stack(xs, 0), v => Ref.Concat(v, [[1, 2, 3], [1, 2, 3], [1, 2, 3]], 0), [3, 2, 3], X(s, 1), X(s, 2), X(s, 3));
        GradCheck.Check("Stack axis 1", xs => Ops.Stack(xs, 1), v => Ref.Concat(v, [[2, 1, 3], [2, 1, 3]], 1), [2, 2, 3], X(s, 1), X(s, 2));
        GradCheck.Check("Stack axis -1", xs => Ops.Stack(xs, -1), v => Ref.Concat(v, [[2, 3, 1], [2, 3, 1]], 2), [2, 3, 2], X(s, 1), X(s, 2));
    }

    [Fact]
    public void Split()
    {
        GradCheck.CheckMany("Split 3 along axis 2 of (2, 3, 6)", xs => Ops.Split(xs[0], 3, 2),
            v => [Ref.Slice(v[0], [2, 3, 6], [0, 0, 0], [2, 3, 2]), Ref.Slice(v[0], [2, 3, 6], [0, 0, 2], [2, 3, 2]), Ref.Slice(v[0], [2, 3, 6], [0, 0, 4], [2, 3, 2])],
            [[2, 3, 2], [2, 3, 2], [2, 3, 2]], X([2, 3, 6]));
        // Only one of the parts used.
        GradCheck.Check("Split, one part used", xs => Ops.Split(xs[0], 2, 0)[1], v => Ref.Slice(v[0], [4, 3], [2, 0], [2, 3]), [2, 3], X([4, 3]));
    }

    public static IEnumerable<object[]> IndexTypes => [[DType.Int32], [DType.Int64]];

    [Theory, MemberData(nameof(IndexTypes))]
    public void TakeWithRepeatedIndices(DType indexType)
    {
        double[] idx = [2, 0, 2, 1, 2];
        GradCheck.Check($"Take axis 1 ({indexType})", xs => Ops.Take(xs[0], xs[1], 1), v => Ref.Take(v[0], S, v[1], 1), [2, 5, 4],
            X(S), GradInput.Const([5], idx, indexType));
        GradCheck.Check($"Take axis 0 ({indexType})", xs => Ops.Take(xs[0], xs[1], 0), v => Ref.Take(v[0], S, v[1], 0), [3, 3, 4],
            X(S), GradInput.Const([3], [1, 1, 0], indexType));
        GradCheck.Check($"Take axis -1, 2-D indices ({indexType})", xs => Ops.Take(xs[0], xs[1], -1), v => Ref.Take(v[0], S, v[1], 2), [2, 3, 2, 2],
            X(S), GradInput.Const([2, 2], [3, 3, 0, 3], indexType));
    }

    [Theory, MemberData(nameof(IndexTypes))]
    public void ScatterAddToTargetAndUpdates(DType indexType)
    {
        int[] target = [2, 4, 3], updates = [2, 5, 3];
        double[] idx = [1, 3, 1, 0, 1];
        GradCheck.Check($"ScatterAdd axis 1 ({indexType})", xs => Ops.ScatterAdd(xs[0], xs[1], xs[2], 1),
            v => Ref.ScatterAdd(v[0], target, v[1], v[2], 1), target,
            X(target, 1), GradInput.Const([5], idx, indexType), X(updates, 2));
        GradCheck.Check($"ScatterAdd axis 0, updates only ({indexType})", xs => Ops.ScatterAdd(xs[0], xs[1], xs[2], 0),
            v => Ref.ScatterAdd(v[0], [4, 3], v[1], v[2], 0), [4, 3],
            GradInput.Const([4, 3], Gen.Uniform([4, 3], -1, 1, 7)), GradInput.Const([3], [2, 2, 0], indexType), X([3, 3], 3));
    }

    [Fact]
    public void OneHotComposition()
    {
        // OneHot itself is not differentiable; used as a mask it routes the gradient to the labelled entries.
        double[] labels = [2, 0, 3];
        GradCheck.Check("OneHot(labels) * x", xs => Ops.Multiply(Ops.OneHot(xs[0], 4), xs[1]),
            v => v[1].Select((d, i) => (i % 4 == (int)v[0][i / 4] ? 1 : 0) * d).ToArray(), [3, 4],
            GradInput.Const([3], labels, DType.Int32), X([3, 4]));
        GradCheck.Check("Sum(OneHot * LogSoftmax)", xs => Ops.Sum(Ops.Multiply(Ops.OneHot(xs[0], 4), Ops.LogSoftmax(xs[1])), -1),
            v => Ref.CrossEntropySparse(v[0], v[1], 3, 4).Select(d => -d).ToArray(), [3],
            GradInput.Const([3], labels, DType.Int64), X([3, 4]));
    }

    [Fact]
    public void CastAndIdentity()
    {
        GradCheck.Check("Cast float32 -> float32", xs => Ops.Cast(xs[0], DType.Float32), Same, S, X(S));
        GradCheck.Check("Identity", xs => Ops.Identity(xs[0]), Same, S, X(S));
        GradCheck.Check("Square(Identity)", xs => Ops.Square(Ops.Identity(xs[0])), v => Ref.Map(v[0], d => d * d), S, X(S));
    }
}
