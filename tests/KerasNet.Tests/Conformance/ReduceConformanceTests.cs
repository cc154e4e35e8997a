using KerasNet.Backend;
using KerasNet.Tests.Reference;
using Xunit;

namespace KerasNet.Tests.Conformance;

/// <summary>Reduce, ArgReduce, Softmax and the fused softmax cross-entropy against double references.</summary>
public class ReduceConformanceTests
{
    public static IEnumerable<object[]> Backends => BackendsUnderTest.Names;

    /// <summary>(outer, reduce, inner) views: inner 1 and above, outer above 1, and sizes that take the
    /// multi-threaded paths.</summary>
    private static readonly (int Outer, int Reduce, int Inner)[] Views =
    [
        (1, 7, 1), (4, 9, 1), (3, 5, 4), (2, 6, 33), (5, 1, 3), (1, 1, 1), (64, 600, 1), (8, 50, 100), (1, 3, 40_000),
    ];

    private static double ReduceRef(ReduceOp op, double[] v) => op switch
    {
        ReduceOp.Sum => v.Sum(),
        ReduceOp.Mean => v.Average(),
        ReduceOp.Max => v.Max(),
        ReduceOp.Min => v.Min(),
        _ => Ref.Product(v),
    };

    private static double[] ReduceRef(ReduceOp op, double[] x, int outer, int r, int inner)
    {
        var y = new double[outer * inner];
        var v = new double[r];
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                for (int k = 0; k < r; k++) v[k] = x[((long)o * r + k) * inner + i];
                y[o * inner + i] = ReduceRef(op, v);
            }
        return y;
    }

    public static IEnumerable<object[]> FloatReduceCases =>
        from b in BackendsUnderTest.Names from op in Enum.GetValues<ReduceOp>() select new object[] { b[0], op };

    [Theory, MemberData(nameof(FloatReduceCases))]
    public void FloatReduceMatchesReference(string backend, ReduceOp op)
    {
        using var d = new DeviceArrays(BackendsUnderTest.Get(backend));
        var rng = new Random(17 + (int)op);
        foreach (var (outer, r, inner) in Views)
        {
            int n = outer * r * inner;
            // Products stay near 1 so that long ones neither overflow nor vanish.
            var x = Enumerable.Range(0, n).Select(_ => op == ReduceOp.Prod ? (float)(0.9 + 0.2 * rng.NextDouble()) : (float)(rng.NextDouble() * 8 - 4)).ToArray();
            var y = d.Alloc<float>(outer * inner);
            d.Backend.Reduce(op, d.Up(x), y, DType.Float32, outer, r, inner);
            var xd = x.Select(v => (double)v).ToArray();
            var expected = ReduceRef(op, xd, outer, r, inner);
            // Sums are judged against the sum of magnitudes (cancellation is not the kernel's fault).
            var scale = ReduceRef(ReduceOp.Sum, xd.Select(Math.Abs).ToArray(), outer, r, inner);
            var got = d.Down<float>(y, outer * inner);
            for (int i = 0; i < got.Length; i++)
            {
                double tol = op switch
                {
                    ReduceOp.Sum => 1e-6 * scale[i],
                    ReduceOp.Mean => 1e-6 * scale[i] / r,
                    ReduceOp.Prod => 1e-6 * r * Math.Abs(expected[i]),
                    _ => 0,
                };
                Close.One(expected[i], got[i], 0, tol, $"{op} over (outer {outer}, reduce {r}, inner {inner}) element {i}");
            }
        }
    }

    [Theory, MemberData(nameof(Backends))]
    public void LongRowSumAndMeanKeepFloat32Precision(string backend)
    {
        // A naive float32 running sum of 100000 values in [0, 1) drifts by ~1e-5 relative; the kernel's
        // sum must be float32-accurate (a few ulps).
        using var d = new DeviceArrays(BackendsUnderTest.Get(backend));
        var rng = new Random(99);
        const int n = 100_000;
        var x = Enumerable.Range(0, n).Select(_ => (float)rng.NextDouble()).ToArray();
        double exact = x.Sum(v => (double)v);
        var y = d.Alloc<float>(1);
        var xb = d.Up(x);
        d.Backend.Reduce(ReduceOp.Sum, xb, y, DType.Float32, 1, n, 1);
        Close.One(exact, d.Down<float>(y, 1)[0], 3e-7, 0, "Sum of 100000");
        d.Backend.Reduce(ReduceOp.Mean, xb, y, DType.Float32, 1, n, 1);
        Close.One(exact / n, d.Down<float>(y, 1)[0], 3e-7, 0, "Mean of 100000");
        // The same values as two interleaved columns (inner = 2).
        var y2 = d.Alloc<float>(2);
        d.Backend.Reduce(ReduceOp.Sum, xb, y2, DType.Float32, 1, n / 2, 2);
        var got = d.Down<float>(y2, 2);
        for (int c = 0; c < 2; c++)
        {
            double e = 0;
            for (int k = c; k < n; k += 2) e += x[k];
            Close.One(e, got[c], 3e-7, 0, $"Sum of 50000 rows, column {c}");
        }
    }

    [Theory, MemberData(nameof(Backends))]
    public void EmptyReductionsGiveTheIdentity(string backend)
    {
        using var d = new DeviceArrays(BackendsUnderTest.Get(backend));
        var x = d.Up(new float[] { 5 });
        foreach (int inner in new[] { 1, 3 })
        {
            var y = d.Up(Enumerable.Repeat(7f, 2 * inner).ToArray());
            d.Backend.Reduce(ReduceOp.Sum, x, y, DType.Float32, 2, 0, inner);
            Assert.All(d.Down<float>(y, 2 * inner), v => Assert.Equal(0f, v));
            d.Backend.Reduce(ReduceOp.Prod, x, y, DType.Float32, 2, 0, inner);
            Assert.All(d.Down<float>(y, 2 * inner), v => Assert.Equal(1f, v));
        }
    }

    public static IEnumerable<object[]> IntReduceCases =>
        from b in BackendsUnderTest.Names
        from op in new[] { ReduceOp.Sum, ReduceOp.Max, ReduceOp.Min }
        from t in new[] { DType.Int32, DType.Int64 }
        select new object[] { b[0], op, t };

    [Theory, MemberData(nameof(IntReduceCases))]
    public void IntegerReduceIsExact(string backend, ReduceOp op, DType dtype)
    {
        using var d = new DeviceArrays(BackendsUnderTest.Get(backend));
        var rng = new Random(5);
        foreach (var (outer, r, inner) in new[] { (1, 7, 1), (3, 5, 4), (2, 1, 3), (4, 300, 2) })
        {
            int n = outer * r * inner;
            long scale = dtype == DType.Int64 ? 1L << 35 : 1;
            var x = Enumerable.Range(0, n).Select(_ => rng.Next(-1000, 1000) * scale).ToArray();
            var expected = new long[outer * inner];
            for (int o = 0; o < outer; o++)
                for (int i = 0; i < inner; i++)
                {
                    var v = Enumerable.Range(0, r).Select(k => x[((long)o * r + k) * inner + i]).ToArray();
                    expected[o * inner + i] = op switch { ReduceOp.Sum => v.Sum(), ReduceOp.Max => v.Max(), _ => v.Min() };
                }
            string what = $"{op} {dtype} (outer {outer}, reduce {r}, inner {inner})";
            if (dtype == DType.Int32)
            {
                var y = d.Alloc<int>(outer * inner);
                d.Backend.Reduce(op, d.Up(x.Select(v => (int)v).ToArray()), y, dtype, outer, r, inner);
                Assert.True(expected.Select(v => (int)v).SequenceEqual(d.Down<int>(y, outer * inner)), what);
            }
            else
            {
                var y = d.Alloc<long>(outer * inner);
                d.Backend.Reduce(op, d.Up(x), y, dtype, outer, r, inner);
                Assert.True(expected.SequenceEqual(d.Down<long>(y, outer * inner)), what);
            }
        }
    }

    [Theory, MemberData(nameof(Backends))]
    public void ArgReducePicksTheFirstExtremum(string backend)
    {
        using var d = new DeviceArrays(BackendsUnderTest.Get(backend));
        // (outer 2, reduce 5, inner 3) with ties in several columns.
        var x = new float[]
        {
            1, 5, -2,   3, 5, -2,   3, 0, -7,   -1, 5, -7,   2, 1, -2,
            0, 0, 0,    0, 0, 0,    9, -9, 4,   9, -9, 4,    1, -9, 5,
        };
        var y = d.Alloc<int>(6);
        var xb = d.Up(x);
        d.Backend.ArgReduce(true, xb, y, 2, 5, 3);
        Assert.Equal(new[] { 1, 0, 0, 2, 0, 4 }, d.Down<int>(y, 6));
        d.Backend.ArgReduce(false, xb, y, 2, 5, 3);
        Assert.Equal(new[] { 3, 2, 2, 0, 2, 0 }, d.Down<int>(y, 6));
        // Random data against a reference, inner 1 and above.
        var rng = new Random(8);
        foreach (var (outer, r, inner) in new[] { (1, 100, 1), (7, 13, 1), (3, 9, 5) })
        {
            var v = Enumerable.Range(0, outer * r * inner).Select(_ => (float)rng.Next(-20, 20)).ToArray();
            var yb = d.Alloc<int>(outer * inner);
            foreach (bool max in new[] { true, false })
            {
                d.Backend.ArgReduce(max, d.Up(v), yb, outer, r, inner);
                var got = d.Down<int>(yb, outer * inner);
                for (int o = 0; o < outer; o++)
                    for (int i = 0; i < inner; i++)
                    {
                        int best = 0;
                        for (int k = 1; k < r; k++)
                        {
                            float a = v[(o * r + k) * inner + i], b = v[(o * r + best) * inner + i];
                            if (max ? a > b : a < b) best = k;
                        }
                        Assert.Equal(best, got[o * inner + i]);
                    }
            }
        }
    }

    // ----- softmax -----

    private static float[] SoftmaxRows(int rows, int cols, Random rng)
    {
        var x = new float[rows * cols];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() * 10 - 5);
        // Rows that overflow a naive exp: large positive, large negative, mixed, and all equal.
        for (int j = 0; j < cols; j++)
        {
            x[j] = 1000f - j;
            x[cols + j] = -1000f - 3 * j;
            x[2 * cols + j] = j % 2 == 0 ? 1000f : -1000f;
            x[3 * cols + j] = 88.5f;
        }
        return x;
    }

    [Theory, MemberData(nameof(Backends))]
    public void SoftmaxAndLogSoftmaxAreStableAndMatchReference(string backend)
    {
        using var d = new DeviceArrays(BackendsUnderTest.Get(backend));
        var rng = new Random(21);
        foreach (var (rows, cols) in new[] { (6, 7), (4, 1), (5, 300), (64, 600) })
        {
            var x = SoftmaxRows(rows, cols, rng);
            var xd = x.Select(v => (double)v).ToArray();
            var y = d.Alloc<float>(x.Length);
            var xb = d.Up(x);
            d.Backend.Softmax(xb, y, rows, cols, log: false);
            var got = d.Down<float>(y, x.Length);
            Assert.All(got, v => Assert.True(float.IsFinite(v)));
            Close.All(Ref.Softmax(xd, [rows, cols], 1, log: false), got, 1e-5, 1e-37, $"softmax ({rows}, {cols})");
            for (int r = 0; r < rows; r++)
                Close.One(1, got.Skip(r * cols).Take(cols).Sum(v => (double)v), 0, 1e-5, $"softmax row {r} sums to 1");
            d.Backend.Softmax(xb, y, rows, cols, log: true);
            got = d.Down<float>(y, x.Length);
            Assert.All(got, v => Assert.True(float.IsFinite(v)));
            Close.All(Ref.Softmax(xd, [rows, cols], 1, log: true), got, 1e-6, 1e-5, $"log-softmax ({rows}, {cols})");
        }
    }

    // ----- fused softmax cross-entropy -----

    public static IEnumerable<object[]> SparseLabelCases =>
        from b in BackendsUnderTest.Names from t in new[] { DType.Int32, DType.Int64 } select new object[] { b[0], t };

    [Theory, MemberData(nameof(SparseLabelCases))]
    public void SparseCrossEntropyLossAndGradient(string backend, DType labelType)
    {
        using var d = new DeviceArrays(BackendsUnderTest.Get(backend));
        var rng = new Random(2);
        const int rows = 6, cols = 7;
        var x = SoftmaxRows(rows, cols, rng);
        var labels = new double[] { 0, 6, 3, 2, 5, 6 };
        var lb = labelType == DType.Int32 ? d.Up(labels.Select(v => (int)v).ToArray()) : d.Up(labels.Select(v => (long)v).ToArray());
        var xd = x.Select(v => (double)v).ToArray();
        var expectedLoss = Ref.CrossEntropySparse(labels, xd, rows, cols);
        var p = Ref.Softmax(xd, [rows, cols], 1, log: false);
        var expectedGrad = p.Select((v, i) => v - (i % cols == (int)labels[i / cols] ? 1 : 0)).ToArray();

        var loss = d.Alloc<float>(rows);
        var grad = d.Alloc<float>(rows * cols);
        d.Backend.SoftmaxCrossEntropy(d.Up(x), lb, labelType, loss, grad, rows, cols);
        Close.All(expectedLoss, d.Down<float>(loss, rows), 1e-5, 1e-5, "sparse loss");
        Close.All(expectedGrad, d.Down<float>(grad, rows * cols), 1e-5, 1e-6, "sparse gradient");
        // Without a gradient buffer the loss is the same.
        var loss2 = d.Alloc<float>(rows);
        d.Backend.SoftmaxCrossEntropy(d.Up(x), lb, labelType, loss2, null, rows, cols);
        Close.All(expectedLoss, d.Down<float>(loss2, rows), 1e-5, 1e-5, "sparse loss without gradient");
    }

    [Theory, MemberData(nameof(SparseLabelCases))]
    public void SparseCrossEntropyRejectsOutOfRangeLabels(string backend, DType labelType)
    {
        using var d = new DeviceArrays(BackendsUnderTest.Get(backend));
        var x = d.Up(new float[2 * 3]);
        var loss = d.Alloc<float>(2);
        foreach (long bad in new long[] { 3, -1, 1L << 40 })
        {
            if (labelType == DType.Int32 && bad > int.MaxValue) continue;
            var lb = labelType == DType.Int32 ? d.Up(new[] { 0, (int)bad }) : d.Up(new[] { 0L, bad });
            Assert.Throws<ArgumentOutOfRangeException>(() => d.Backend.SoftmaxCrossEntropy(x, lb, labelType, loss, null, 2, 3));
            Assert.Throws<ArgumentOutOfRangeException>(() => d.Backend.SoftmaxCrossEntropy(x, lb, labelType, loss, d.Alloc<float>(6), 2, 3));
        }
    }

    [Theory, MemberData(nameof(Backends))]
    public void DenseCrossEntropyLossAndGradientIncludingUnnormalisedTargets(string backend)
    {
        using var d = new DeviceArrays(BackendsUnderTest.Get(backend));
        var rng = new Random(4);
        const int rows = 6, cols = 5;
        var x = SoftmaxRows(rows, cols, rng);
        var t = new float[rows * cols];
        for (int r = 0; r < rows; r++)
        {
            double s = 0;
            for (int j = 0; j < cols; j++) s += t[r * cols + j] = (float)rng.NextDouble();
            // Rows 0-2 are distributions; rows 3-5 sum to 2.5, 0.3 and 0 (an all-zero target).
            double target = r < 3 ? 1 : r == 3 ? 2.5 : r == 4 ? 0.3 : 0;
            for (int j = 0; j < cols; j++) t[r * cols + j] = (float)(t[r * cols + j] / s * target);
        }
        var xd = x.Select(v => (double)v).ToArray();
        var td = t.Select(v => (double)v).ToArray();
        var expectedLoss = Ref.CrossEntropyDense(td, xd, rows, cols);
        var p = Ref.Softmax(xd, [rows, cols], 1, log: false);
        var expectedGrad = new double[rows * cols];
        for (int r = 0; r < rows; r++)
        {
            double ts = td.Skip(r * cols).Take(cols).Sum();
            for (int j = 0; j < cols; j++) expectedGrad[r * cols + j] = p[r * cols + j] * ts - td[r * cols + j];
        }
        var loss = d.Alloc<float>(rows);
        var grad = d.Alloc<float>(rows * cols);
        d.Backend.SoftmaxCrossEntropy(d.Up(x), d.Up(t), DType.Float32, loss, grad, rows, cols);
        // The loss of a 1000-logit row is a difference of numbers near 2000: 1e-4 absolute is float32 accuracy.
        Close.All(expectedLoss, d.Down<float>(loss, rows), 1e-5, 1e-4, "dense loss");
        Close.All(expectedGrad, d.Down<float>(grad, rows * cols), 1e-5, 1e-6, "dense gradient = softmax·sum(t) − t");
        var loss2 = d.Alloc<float>(rows);
        d.Backend.SoftmaxCrossEntropy(d.Up(x), d.Up(t), DType.Float32, loss2, null, rows, cols);
        Close.All(expectedLoss, d.Down<float>(loss2, rows), 1e-5, 1e-4, "dense loss without gradient");
    }
}
