using KerasNet.Backend;
using KerasNet.Tests.Reference;
using Xunit;

namespace KerasNet.Tests.Conformance;

/// <summary>Binary, Compare and Where kernels over broadcast plans built by <see cref="BroadcastPlan.Create"/>,
/// checked against a double (or exact integer) reference.</summary>
public class BinaryConformanceTests
{
    public static IEnumerable<object[]> Backends => BackendsUnderTest.Names;

    /// <summary>(a shape, b shape) pairs: same shape, scalar left, scalar right, row (bias), column, a 3-D
    /// both-sides broadcast, and large ones that take the kernels' multi-threaded paths.</summary>
    public static readonly (int[] A, int[] B)[] Shapes =
    [
        ([3, 4], [3, 4]),
        ([], [3, 4]),
        ([3, 4], []),
        ([3, 4], [4]),
        ([3, 4], [3, 1]),
        ([2, 1, 4], [3, 1]),
        ([5], [1]),
        ([40_000], [40_000]),
        ([70_000], []),
        ([], [70_000]),
        ([200, 300], [300]),
        ([300, 1], [1, 200]),
    ];

    private static readonly Dictionary<BinaryOp, Func<double, double, double>> FloatOps = new()
    {
        [BinaryOp.Add] = (a, b) => a + b,
        [BinaryOp.Subtract] = (a, b) => a - b,
        [BinaryOp.Multiply] = (a, b) => a * b,
        [BinaryOp.Divide] = (a, b) => a / b,
        [BinaryOp.Power] = Math.Pow,
        [BinaryOp.Maximum] = Math.Max,
        [BinaryOp.Minimum] = Math.Min,
        [BinaryOp.SquaredDifference] = (a, b) => (a - b) * (a - b),
        [BinaryOp.Atan2] = Math.Atan2,
        [BinaryOp.Mod] = Ref.PyMod,
    };

    public static IEnumerable<object[]> FloatCases =>
        from b in BackendsUnderTest.Names from op in FloatOps.Keys select new object[] { b[0], op };

    /// <summary>Operands in each op's domain: positive bases for Power, divisors away from 0.</summary>
    private static float[] Operand(BinaryOp op, bool left, int n, Random rng)
    {
        var x = new float[n];
        for (int i = 0; i < n; i++)
        {
            double u = rng.NextDouble();
            x[i] = (op, left) switch
            {
                (BinaryOp.Power, true) => (float)(0.1 + 4.9 * u),
                (BinaryOp.Power, false) => (float)(u * 6 - 3),
                (BinaryOp.Divide or BinaryOp.Mod, false) => (float)((0.25 + 4.75 * u) * (i % 2 == 0 ? 1 : -1)),
                _ => (float)(u * 20 - 10),
            };
        }
        // Exact ties (2 against 2 in same-shape cases) and zeros where the op allows them.
        bool zeroOk = left ? op != BinaryOp.Power : op is not (BinaryOp.Divide or BinaryOp.Mod);
        if (n >= 2)
        {
            if (zeroOk) x[0] = 0;
            x[1] = 2;
        }
        return x;
    }

    [Theory, MemberData(nameof(FloatCases))]
    public void FloatBinaryMatchesReferenceOnEveryBroadcast(string backend, BinaryOp op)
    {
        using var d = new DeviceArrays(BackendsUnderTest.Get(backend));
        var rng = new Random((int)op * 31 + 7);
        foreach (var (sa, sb) in Shapes)
        {
            var a = Operand(op, true, Ref.Size(sa), rng);
            var b = Operand(op, false, Ref.Size(sb), rng);
            var os = Ref.BroadcastShape(sa, sb);
            var plan = BroadcastPlan.Create(new Shape(os), new Shape(sa), new Shape(sb));
            var y = d.Alloc<float>(Ref.Size(os));
            d.Backend.Binary(op, d.Up(a), d.Up(b), y, DType.Float32, plan);
            var expected = Ref.Zip(ToD(a), sa, ToD(b), sb, FloatOps[op]);
            // One rounding (a few for pow/atan2/mod): relative 1e-6, plus 1e-6 absolute for results that
            // cancel to near 0 (python mod of values of magnitude ~10).
            Close.All(expected, d.Down<float>(y, expected.Length), 1e-6, 1e-6,
                $"{op} {new Shape(sa)} with {new Shape(sb)}");
        }
    }

    [Theory, MemberData(nameof(Backends))]
    public void FloatModFollowsPythonSigns(string backend)
    {
        using var d = new DeviceArrays(BackendsUnderTest.Get(backend));
        var a = new[] { 7f, -7f, 7f, -7f, 6f, -6f, 0.5f, -0.5f };
        var b = new[] { 3f, 3f, -3f, -3f, 3f, -3f, 2f, 2f };
        var y = d.Alloc<float>(a.Length);
        d.Backend.Binary(BinaryOp.Mod, d.Up(a), d.Up(b), y, DType.Float32, BroadcastPlan.Create(new Shape(8), new Shape(8), new Shape(8)));
        Assert.Equal(new[] { 1f, 2f, -2f, -1f, 0f, 0f, 0.5f, 1.5f }, d.Down<float>(y, a.Length));
    }

    [Theory, MemberData(nameof(Backends))]
    public void BinaryOutputMayAliasAnInput(string backend)
    {
        using var d = new DeviceArrays(BackendsUnderTest.Get(backend));
        foreach (int n in new[] { 10, 50_000 })
        {
            var a = Enumerable.Range(0, n).Select(i => (float)(i % 17)).ToArray();
            var b = Enumerable.Range(0, n).Select(i => (float)(i % 5)).ToArray();
            var plan = BroadcastPlan.Create(new Shape(n), new Shape(n), new Shape(n));
            var ab = d.Up(a);
            var bb = d.Up(b);
            d.Backend.Binary(BinaryOp.Subtract, ab, bb, ab, DType.Float32, plan);
            Assert.Equal(a.Zip(b, (x, z) => x - z), d.Down<float>(ab, n));
            d.Backend.Binary(BinaryOp.Multiply, ab, bb, bb, DType.Float32, plan);
            Assert.Equal(a.Zip(b, (x, z) => (x - z) * z), d.Down<float>(bb, n));
        }
    }

    // ----- integers -----

    private static readonly Dictionary<BinaryOp, Func<long, long, long>> IntOps = new()
    {
        [BinaryOp.Add] = (a, b) => a + b,
        [BinaryOp.Subtract] = (a, b) => a - b,
        [BinaryOp.Multiply] = (a, b) => a * b,
        [BinaryOp.Divide] = Ref.FloorDiv,
        [BinaryOp.Maximum] = Math.Max,
        [BinaryOp.Minimum] = Math.Min,
        [BinaryOp.Mod] = Ref.FloorMod,
    };

    public static IEnumerable<object[]> IntCases =>
        from b in BackendsUnderTest.Names
        from op in IntOps.Keys
        from t in new[] { DType.Int32, DType.Int64 }
        select new object[] { b[0], op, t };

    [Theory, MemberData(nameof(IntCases))]
    public void IntegerBinaryUsesFloorSemantics(string backend, BinaryOp op, DType dtype)
    {
        using var d = new DeviceArrays(BackendsUnderTest.Get(backend));
        var rng = new Random(11);
        foreach (var (sa, sb) in Shapes.Where(s => Ref.Size(s.A) <= 100_000 && Ref.Size(s.B) <= 100_000))
        {
            var a = Enumerable.Range(0, Ref.Size(sa)).Select(_ => (long)rng.Next(-20, 21)).ToArray();
            var b = Enumerable.Range(0, Ref.Size(sb)).Select(_ => { long v = rng.Next(-7, 8); return v == 0 ? 3 : v; }).ToArray();
            if (dtype == DType.Int64)
            {
                // Values beyond 32 bits (products stay within 64).
                for (int i = 0; i < a.Length; i += 3) a[i] *= 1L << 33;
            }
            var os = Ref.BroadcastShape(sa, sb);
            var plan = BroadcastPlan.Create(new Shape(os), new Shape(sa), new Shape(sb));
            int n = Ref.Size(os);
            var expected = new long[n];
            for (int i = 0; i < n; i++)
            {
                var idx = Ref.Unravel(i, os);
                expected[i] = IntOps[op](a[Ref.BroadcastIndex(idx, sa)], b[Ref.BroadcastIndex(idx, sb)]);
            }
            string what = $"{op} {dtype} {new Shape(sa)} with {new Shape(sb)}";
            if (dtype == DType.Int32)
            {
                var y = d.Alloc<int>(n);
                d.Backend.Binary(op, d.Up(a.Select(v => (int)v).ToArray()), d.Up(b.Select(v => (int)v).ToArray()), y, dtype, plan);
                Assert.True(expected.Select(v => (int)v).SequenceEqual(d.Down<int>(y, n)), what);
            }
            else
            {
                var y = d.Alloc<long>(n);
                d.Backend.Binary(op, d.Up(a), d.Up(b), y, dtype, plan);
                Assert.True(expected.SequenceEqual(d.Down<long>(y, n)), what);
            }
        }
    }

    [Theory, MemberData(nameof(Backends))]
    public void IntegerDivideAndModFollowPython(string backend)
    {
        using var d = new DeviceArrays(BackendsUnderTest.Get(backend));
        var a = new[] { 7, -7, 7, -7, 6, -6, 0, 1 };
        var b = new[] { 2, 2, -2, -2, 3, 3, 5, -5 };
        var plan = BroadcastPlan.Create(new Shape(8), new Shape(8), new Shape(8));
        var q = d.Alloc<int>(8);
        var r = d.Alloc<int>(8);
        d.Backend.Binary(BinaryOp.Divide, d.Up(a), d.Up(b), q, DType.Int32, plan);
        d.Backend.Binary(BinaryOp.Mod, d.Up(a), d.Up(b), r, DType.Int32, plan);
        Assert.Equal(new[] { 3, -4, -4, 3, 2, -2, 0, -1 }, d.Down<int>(q, 8));
        Assert.Equal(new[] { 1, 1, -1, -1, 0, 0, 0, -4 }, d.Down<int>(r, 8));
    }

    [Theory, MemberData(nameof(Backends))]
    public void BoolAndOrBroadcast(string backend)
    {
        using var d = new DeviceArrays(BackendsUnderTest.Get(backend));
        var a = new byte[] { 0, 1, 1, 0, 1, 0 }; // (2, 3)
        var b = new byte[] { 1, 0, 1 };          // (3)
        var plan = BroadcastPlan.Create(new Shape(2, 3), new Shape(2, 3), new Shape(3));
        var y = d.Alloc<byte>(6);
        d.Backend.Binary(BinaryOp.LogicalAnd, d.Up(a), d.Up(b), y, DType.Bool, plan);
        Assert.Equal(new byte[] { 0, 0, 1, 0, 0, 0 }, d.Down<byte>(y, 6));
        d.Backend.Binary(BinaryOp.LogicalOr, d.Up(a), d.Up(b), y, DType.Bool, plan);
        Assert.Equal(new byte[] { 1, 1, 1, 1, 1, 1 }, d.Down<byte>(y, 6));
        var col = new byte[] { 0, 1 }; // (2, 1)
        var plan2 = BroadcastPlan.Create(new Shape(2, 3), new Shape(2, 1), new Shape(3));
        d.Backend.Binary(BinaryOp.LogicalOr, d.Up(col), d.Up(b), y, DType.Bool, plan2);
        Assert.Equal(new byte[] { 1, 0, 1, 1, 1, 1 }, d.Down<byte>(y, 6));
    }

    // ----- compare -----

    private static readonly Dictionary<CompareOp, Func<double, double, bool>> CompareOps = new()
    {
        [CompareOp.Equal] = (a, b) => a == b,
        [CompareOp.NotEqual] = (a, b) => a != b,
        [CompareOp.Less] = (a, b) => a < b,
        [CompareOp.LessEqual] = (a, b) => a <= b,
        [CompareOp.Greater] = (a, b) => a > b,
        [CompareOp.GreaterEqual] = (a, b) => a >= b,
    };

    public static IEnumerable<object[]> CompareCases =>
        from b in BackendsUnderTest.Names
        from op in CompareOps.Keys
        from t in new[] { DType.Float32, DType.Int32, DType.Int64 }
        select new object[] { b[0], op, t };

    [Theory, MemberData(nameof(CompareCases))]
    public void CompareMatchesReferenceOnEveryBroadcast(string backend, CompareOp op, DType dtype)
    {
        using var d = new DeviceArrays(BackendsUnderTest.Get(backend));
        var rng = new Random((int)op + 100 * (int)dtype);
        foreach (var (sa, sb) in Shapes)
        {
            // Few distinct values, so ties are common; Int64 values need more than 32 bits.
            double scale = dtype == DType.Int64 ? 1L << 40 : dtype == DType.Float32 ? 0.5 : 1;
            var a = Enumerable.Range(0, Ref.Size(sa)).Select(_ => rng.Next(-3, 4) * scale).ToArray();
            var b = Enumerable.Range(0, Ref.Size(sb)).Select(_ => rng.Next(-3, 4) * scale).ToArray();
            var os = Ref.BroadcastShape(sa, sb);
            var plan = BroadcastPlan.Create(new Shape(os), new Shape(sa), new Shape(sb));
            var y = d.Alloc<byte>(Ref.Size(os));
            d.Backend.Compare(op, Up(d, a, dtype), Up(d, b, dtype), y, dtype, plan);
            var expected = Ref.Zip(a, sa, b, sb, (x, z) => CompareOps[op](x, z) ? 1 : 0).Select(v => (byte)v).ToArray();
            Assert.True(expected.SequenceEqual(d.Down<byte>(y, expected.Length)), $"{op} {dtype} {new Shape(sa)} with {new Shape(sb)}");
        }
    }

    // ----- where -----

    public static IEnumerable<object[]> WhereCases =>
        from b in BackendsUnderTest.Names
        from t in new[] { DType.Float32, DType.Int32, DType.Int64 }
        select new object[] { b[0], t };

    [Theory, MemberData(nameof(WhereCases))]
    public void WhereBroadcastsConditionAndBothBranches(string backend, DType dtype)
    {
        using var d = new DeviceArrays(BackendsUnderTest.Get(backend));
        var rng = new Random(3);
        (int[] C, int[] A, int[] B)[] cases =
        [
            ([3, 4], [3, 4], [3, 4]),
            ([3, 1], [1, 4], [3, 4]),
            ([4], [3, 4], []),
            ([], [3, 4], [4]),
            ([2, 1, 4], [3, 1], [1]),
            ([200, 1], [300], [200, 300]),
            ([60_000], [60_000], []),
        ];
        foreach (var (sc, sa, sb) in cases)
        {
            var c = Enumerable.Range(0, Ref.Size(sc)).Select(_ => (double)rng.Next(2)).ToArray();
            var a = Enumerable.Range(0, Ref.Size(sa)).Select(_ => (double)rng.Next(1, 1000)).ToArray();
            var b = Enumerable.Range(0, Ref.Size(sb)).Select(_ => (double)-rng.Next(1, 1000)).ToArray();
            var os = Ref.BroadcastShape(sc, sa, sb);
            var plan = BroadcastPlan.Create(new Shape(os), new Shape(sc), new Shape(sa), new Shape(sb));
            int n = Ref.Size(os);
            var y = d.Alloc<long>(n);
            d.Backend.Where(d.Up(c.Select(v => (byte)v).ToArray()), Up(d, a, dtype), Up(d, b, dtype), y, dtype, plan);
            var expected = Ref.Where(c, sc, a, sa, b, sb);
            string what = $"Where {dtype} cond {new Shape(sc)} a {new Shape(sa)} b {new Shape(sb)}";
            double[] got = dtype switch
            {
                DType.Float32 => d.Down<float>(y, n).Select(v => (double)v).ToArray(),
                DType.Int32 => d.Down<int>(y, n).Select(v => (double)v).ToArray(),
                _ => d.Down<long>(y, n).Select(v => (double)v).ToArray(),
            };
            Assert.True(expected.SequenceEqual(got), what);
        }
    }

    private static DeviceBuffer Up(DeviceArrays d, double[] v, DType t) => t switch
    {
        DType.Float32 => d.Up(v.Select(x => (float)x).ToArray()),
        DType.Int32 => d.Up(v.Select(x => (int)x).ToArray()),
        _ => d.Up(v.Select(x => (long)x).ToArray()),
    };

    private static double[] ToD(float[] x) => x.Select(v => (double)v).ToArray();
}
