using KerasNet.Tests.Reference;
using Xunit;

namespace KerasNet.Tests.Autodiff;

/// <summary>Gradient checks of softmax, the cross-entropies and dropout.</summary>
[Collection(GlobalBackendCollection.Name)]
public class NNGradientTests
{
    private static readonly int[] S = [2, 3, 4];

    public static IEnumerable<object[]> SoftmaxCases =>
        from log in new[] { false, true } from axis in new[] { -1, 2, 1, 0 } select new object[] { log, axis };

    [Theory, MemberData(nameof(SoftmaxCases))]
    public void SoftmaxAndLogSoftmax(bool log, int axis)
    {
        int a = axis < 0 ? axis + S.Length : axis;
        GradCheck.Check($"{(log ? "LogSoftmax" : "Softmax")} axis {axis}", xs => log ? Ops.LogSoftmax(xs[0], axis) : Ops.Softmax(xs[0], axis),
            v => Ref.Softmax(v[0], S, a, log), S, GradInput.Float(S, Gen.Uniform(S, -3, 3, 1)));
    }

    [Fact]
    public void SoftmaxOfLargeLogits()
    {
        int[] s = [2, 3];
        var x = new double[] { 1000, 999, 998.5, -1000, -1001, -999.5 };
        GradCheck.Check("Softmax of ±1000", xs => Ops.Softmax(xs[0]), v => Ref.Softmax(v[0], s, 1, false), s, GradInput.Float(s, x));
        GradCheck.Check("LogSoftmax of ±1000", xs => Ops.LogSoftmax(xs[0]), v => Ref.Softmax(v[0], s, 1, true), s, GradInput.Float(s, x));
    }

    public static IEnumerable<object[]> IndexTypes => [[DType.Int32], [DType.Int64]];

    [Theory, MemberData(nameof(IndexTypes))]
    public void SparseSoftmaxCrossEntropy(DType labelType)
    {
        GradCheck.Check($"SparseSoftmaxCrossEntropy ({labelType})", xs => Ops.SparseSoftmaxCrossEntropy(xs[0], xs[1]),
            v => Ref.CrossEntropySparse(v[0], v[1], 4, 5), [4],
            GradInput.Const([4], [4, 0, 2, 2], labelType), GradInput.Float([4, 5], Gen.Uniform([4, 5], -3, 3, 2)));
        // Rank-3 logits: labels have the leading shape.
        GradCheck.Check($"SparseSoftmaxCrossEntropy rank 3 ({labelType})", xs => Ops.SparseSoftmaxCrossEntropy(xs[0], xs[1]),
            v => Ref.CrossEntropySparse(v[0], v[1], 6, 4), [2, 3],
            GradInput.Const([2, 3], [3, 0, 1, 1, 2, 3], labelType), GradInput.Float(S, Gen.Uniform(S, -3, 3, 3)));
    }

    [Fact]
    public void SoftmaxCrossEntropyWithRespectToLogitsAndLabels()
    {
        int[] s = [3, 5];
        // Targets need not be distributions: the gradient w.r.t. logits is softmax·sum(t) − t.
        var labels = Gen.Uniform(s, 0, 1, 4);
        GradCheck.Check("SoftmaxCrossEntropy d/dlabels and d/dlogits", xs => Ops.SoftmaxCrossEntropy(xs[0], xs[1]),
            v => Ref.CrossEntropyDense(v[0], v[1], 3, 5), [3],
            GradInput.Float(s, labels), GradInput.Float(s, Gen.Uniform(s, -3, 3, 5)));
        GradCheck.Check("SoftmaxCrossEntropy, constant labels", xs => Ops.SoftmaxCrossEntropy(xs[0], xs[1]),
            v => Ref.CrossEntropyDense(v[0], v[1], 3, 5), [3],
            GradInput.Const(s, labels), GradInput.Float(s, Gen.Uniform(s, -3, 3, 6)));
        GradCheck.Check("SoftmaxCrossEntropy, constant logits", xs => Ops.SoftmaxCrossEntropy(xs[0], xs[1]),
            v => Ref.CrossEntropyDense(v[0], v[1], 3, 5), [3],
            GradInput.Float(s, labels), GradInput.Const(s, Gen.Uniform(s, -3, 3, 7)));
        GradCheck.Check("SoftmaxCrossEntropy rank 3", xs => Ops.SoftmaxCrossEntropy(xs[0], xs[1]),
            v => Ref.CrossEntropyDense(v[0], v[1], 6, 4), [2, 3],
            GradInput.Float(S, Gen.Uniform(S, 0, 1, 8)), GradInput.Float(S, Gen.Uniform(S, -3, 3, 9)));
    }

    [Fact]
    public void DropoutGradientIsTheScaledMask()
    {
        int[] s = [8, 25];
        const float rate = 0.3f;
        // The mask Dropout draws from a fresh SeedGenerator(42), drawn again independently.
        float[] keep;
        using (var scope = new TensorScope()) keep = Ops.RandomBernoulli(new Shape(s), 1 - rate, new SeedGenerator(42)).ToArray();
        double scale = 1.0 / (1 - rate);
        int dropped = keep.Count(k => k == 0);
        Assert.InRange(dropped, 30, 90); // 200 elements at rate 0.3: 60 ± 6.5
        GradCheck.Check("Dropout(0.3)", xs => Ops.Dropout(xs[0], rate, new SeedGenerator(42)),
            v => v[0].Select((d, i) => d * keep[i] * scale).ToArray(), s, GradInput.Float(s, Gen.AwayFromZero(s, 0.1, 2, 10)));

        // d sum(dropout(x)) / dx = mask / (1 - rate), exactly the scaled mask.
        using (var scope = new TensorScope())
        {
            var x = Tensor.FromArray<float>(Gen.Uniform(s, -1, 1, 11).Select(d => (float)d).ToArray(), new Shape(s));
            using var tape = new GradientTape();
            tape.Watch(x);
            var y = Ops.Dropout(x, rate, new SeedGenerator(42));
            var g = tape.Gradient(Ops.Sum(y), x).ToArray();
            for (int i = 0; i < g.Length; i++) Close.One(keep[i] * scale, g[i], 1e-6, 0, $"dropout gradient element {i}");
        }
    }

    [Fact]
    public void DropoutWithRateZeroIsIdentity()
    {
        int[] s = [3, 4];
        GradCheck.Check("Dropout(0)", xs => Ops.Dropout(xs[0], 0f, new SeedGenerator(1)), v => v[0], s, GradInput.Float(s, Gen.Uniform(s, -1, 1, 1)));
    }
}
