using KerasNet.Backend;
using KerasNet.Tests.Reference;
using Xunit;

namespace KerasNet.Tests.Conformance;

/// <summary>Fill, Cast, Copy, the unary kernels and a MatMul smoke test, checked against plain double
/// arithmetic on every backend under test.</summary>
public class KernelConformanceTests
{
    public static IEnumerable<object[]> Backends => BackendsUnderTest.Names;

    // ----- Fill, Cast, Copy -----

    [Theory, MemberData(nameof(Backends))]
    public void FillWritesTheValueInEveryDType(string backend)
    {
        using var d = new DeviceArrays(BackendsUnderTest.Get(backend));
        const int n = 37;
        var f = d.Alloc<float>(n);
        d.Backend.Fill(f, DType.Float32, n, -2.5);
        Assert.All(d.Down<float>(f, n), v => Assert.Equal(-2.5f, v));
        var i = d.Alloc<int>(n);
        d.Backend.Fill(i, DType.Int32, n, -7);
        Assert.All(d.Down<int>(i, n), v => Assert.Equal(-7, v));
        var l = d.Alloc<long>(n);
        d.Backend.Fill(l, DType.Int64, n, 1e12);
        Assert.All(d.Down<long>(l, n), v => Assert.Equal(1_000_000_000_000L, v));
        var b = d.Alloc<byte>(n);
        d.Backend.Fill(b, DType.Bool, n, 1);
        Assert.All(d.Down<byte>(b, n), v => Assert.Equal(1, v));
        d.Backend.Fill(b, DType.Bool, n, 0);
        Assert.All(d.Down<byte>(b, n), v => Assert.Equal(0, v));
        d.Backend.Fill(b, DType.Bool, n, -3);
        Assert.All(d.Down<byte>(b, n), v => Assert.Equal(1, v));
    }

    [Theory, MemberData(nameof(Backends))]
    public void FillOnlyTouchesCountElements(string backend)
    {
        using var d = new DeviceArrays(BackendsUnderTest.Get(backend));
        var f = d.Up(new float[] { 9, 9, 9, 9, 9 });
        d.Backend.Fill(f, DType.Float32, 3, 1);
        Assert.Equal(new float[] { 1, 1, 1, 9, 9 }, d.Down<float>(f, 5));
    }

    private static readonly DType[] AllTypes = [DType.Float32, DType.Int32, DType.Int64, DType.Bool];

    /// <summary>Source values of each dtype (as doubles) that every destination dtype can represent after
    /// the documented conversion (float truncates toward zero; to bool is x != 0).</summary>
    private static double[] CastSource(DType from, DType to) => (from, to) switch
    {
        (DType.Float32, DType.Int32) or (DType.Float32, DType.Int64) =>
            [-2.75, -1, -0.5, -0.0, 0, 0.25, 0.999, 1, 2.75, 100.5, -100.5, 123456.5, -2147483520, 2147483520],
        (DType.Float32, _) => [-2.75, -1, -0.5, -0.0, 0, 0.25, 1, 2.75, 1e30, -1e-30, float.MaxValue],
        (DType.Int32, _) => [-5, -1, 0, 1, 7, 16777217, int.MaxValue, int.MinValue],
        (DType.Int64, DType.Int32) => [-5, -1, 0, 1, 123456789, int.MaxValue, int.MinValue],
        (DType.Int64, _) => [-5, -1, 0, 1, 1L << 40, -(1L << 40), 1L << 53],
        _ => [0, 1, 1, 0, 1],
    };

    private static DeviceBuffer UploadAs(DeviceArrays d, double[] v, DType t) => t switch
    {
        DType.Float32 => d.Up(v.Select(x => (float)x).ToArray()),
        DType.Int32 => d.Up(v.Select(x => (int)x).ToArray()),
        DType.Int64 => d.Up(v.Select(x => (long)x).ToArray()),
        _ => d.Up(v.Select(x => x != 0 ? (byte)1 : (byte)0).ToArray()),
    };

    [Theory, MemberData(nameof(Backends))]
    public void CastConvertsEveryDTypePair(string backend)
    {
        using var d = new DeviceArrays(BackendsUnderTest.Get(backend));
        foreach (var from in AllTypes)
            foreach (var to in AllTypes)
            {
                var src = CastSource(from, to);
                int n = src.Length;
                var x = UploadAs(d, src, from);
                var y = d.Alloc<long>(n);
                d.Backend.Cast(x, from, y, to, n);
                string what = $"Cast {from} -> {to}";
                // The source as the exact value it holds in its own dtype.
                var held = from == DType.Float32 ? src.Select(v => (double)(float)v).ToArray() : src;
                switch (to)
                {
                    case DType.Float32:
                        Assert.True(held.Select(v => (float)v).SequenceEqual(d.Down<float>(y, n)), what);
                        break;
                    case DType.Int32:
                        Assert.True(held.Select(v => (int)Math.Truncate(v)).SequenceEqual(d.Down<int>(y, n)), what);
                        break;
                    case DType.Int64:
                        Assert.True(held.Select(v => (long)Math.Truncate(v)).SequenceEqual(d.Down<long>(y, n)), what);
                        break;
                    default:
                        Assert.True(held.Select(v => v != 0 ? (byte)1 : (byte)0).SequenceEqual(d.Down<byte>(y, n)), what);
                        break;
                }
            }
    }

    [Theory, MemberData(nameof(Backends))]
    public void CastTruncatesFloatTowardZero(string backend)
    {
        using var d = new DeviceArrays(BackendsUnderTest.Get(backend));
        var x = d.Up(new[] { -2.9f, -2.1f, -0.9f, 0.9f, 2.1f, 2.9f });
        var y = d.Alloc<int>(6);
        d.Backend.Cast(x, DType.Float32, y, DType.Int32, 6);
        Assert.Equal(new[] { -2, -2, 0, 0, 2, 2 }, d.Down<int>(y, 6));
        var z = d.Alloc<long>(6);
        d.Backend.Cast(x, DType.Float32, z, DType.Int64, 6);
        Assert.Equal(new long[] { -2, -2, 0, 0, 2, 2 }, d.Down<long>(z, 6));
    }

    [Theory, MemberData(nameof(Backends))]
    public void CopyMovesRawBytesBetweenOffsets(string backend)
    {
        using var d = new DeviceArrays(BackendsUnderTest.Get(backend));
        var src = d.Up(Enumerable.Range(0, 16).Select(i => (byte)(i + 1)).ToArray());
        var dst = d.Up(new byte[16]);
        d.Backend.Copy(src, 3, dst, 5, 7);
        var expected = new byte[16];
        for (int i = 0; i < 7; i++) expected[5 + i] = (byte)(3 + i + 1);
        Assert.Equal(expected, d.Down<byte>(dst, 16));
        // A float array copied whole comes back bit for bit.
        var f = new[] { 1.5f, float.NaN, -0f, float.Epsilon, float.MaxValue };
        var fs = d.Up(f);
        var fd = d.Alloc<float>(5);
        d.Backend.Copy(fs, 0, fd, 0, 20);
        Assert.Equal(f.Select(BitConverter.SingleToInt32Bits), d.Down<float>(fd, 5).Select(BitConverter.SingleToInt32Bits));
    }

    // ----- unary -----

    /// <summary>Every float32 unary op with its double reference and the inputs it is defined on.</summary>
    public static readonly Dictionary<UnaryOp, (Func<double, double> F, Func<double, bool> Domain, float Alpha)> FloatUnary = new()
    {
        [UnaryOp.Negate] = (x => -x, _ => true, 0),
        [UnaryOp.Abs] = (Math.Abs, _ => true, 0),
        [UnaryOp.Sign] = (x => Math.Sign(x), _ => true, 0),
        [UnaryOp.Square] = (x => x * x, x => Math.Abs(x) < 1e18, 0),
        [UnaryOp.Sqrt] = (Math.Sqrt, x => x >= 0, 0),
        [UnaryOp.Rsqrt] = (x => 1 / Math.Sqrt(x), x => x > 0, 0),
        [UnaryOp.Reciprocal] = (x => 1 / x, x => x != 0, 0),
        [UnaryOp.Exp] = (Math.Exp, x => x < 88, 0),
        [UnaryOp.Log] = (Math.Log, x => x > 0, 0),
        [UnaryOp.Log1p] = (Ref.Log1p, x => x > -1, 0),
        [UnaryOp.Expm1] = (Ref.Expm1, x => x < 88, 0),
        [UnaryOp.Sin] = (Math.Sin, x => Math.Abs(x) <= 1000, 0),
        [UnaryOp.Cos] = (Math.Cos, x => Math.Abs(x) <= 1000, 0),
        [UnaryOp.Tanh] = (Math.Tanh, _ => true, 0),
        [UnaryOp.Sigmoid] = (Ref.Sigmoid, _ => true, 0),
        [UnaryOp.Relu] = (x => Math.Max(x, 0), _ => true, 0),
        [UnaryOp.LeakyRelu] = (x => x > 0 ? x : 0.15 * x, _ => true, 0.15f),
        [UnaryOp.Elu] = (x => x > 0 ? x : 1.5 * Ref.Expm1(x), _ => true, 1.5f),
        [UnaryOp.Softplus] = (Ref.Softplus, _ => true, 0),
        [UnaryOp.Erf] = (Ref.Erf, _ => true, 0),
        [UnaryOp.Floor] = (Math.Floor, _ => true, 0),
        [UnaryOp.Ceil] = (Math.Ceiling, _ => true, 0),
        [UnaryOp.Round] = (x => Math.Round(x, MidpointRounding.ToEven), _ => true, 0),
        [UnaryOp.PowScalar] = (x => Math.Pow(x, 2.5), x => x >= 0 && x < 1e15, 2.5f),
        [UnaryOp.Step] = (x => x > 0 ? 1 : 0, _ => true, 0),
    };

    public static IEnumerable<object[]> FloatUnaryCases =>
        from b in BackendsUnderTest.Names from op in FloatUnary.Keys select new object[] { b[0], op };

    /// <summary>Special values (zeros, tiny, halves, large) followed by enough random ones that the kernel
    /// takes its multi-threaded path.</summary>
    private static float[] UnaryInputs()
    {
        var special = new float[]
        {
            0f, -0f, 1e-30f, -1e-30f, 1e-7f, -1e-7f, 1e-3f, -1e-3f, 0.5f, -0.5f, 1f, -1f, 1.5f, -1.5f, 2.5f, -2.5f,
            3f, -3f, 10f, -10f, 20.5f, -20.5f, 40f, -40f, 50f, -50f, 60f, -60f, 87f, -87f, 100f, -100f, 1000f, -1000f, 1e6f, -1e6f, 1e20f, -1e20f,
        };
        var rng = new Random(1234);
        var x = new float[40_000];
        special.CopyTo(x, 0);
        for (int i = special.Length; i < x.Length; i++)
            x[i] = i % 3 == 0 ? (float)(rng.NextDouble() * 40 - 20) : (float)(rng.NextDouble() * 6 - 3);
        return x;
    }

    [Theory, MemberData(nameof(FloatUnaryCases))]
    public void FloatUnaryMatchesDoubleReference(string backend, UnaryOp op)
    {
        using var d = new DeviceArrays(BackendsUnderTest.Get(backend));
        var (f, domain, alpha) = FloatUnary[op];
        var x = UnaryInputs().Where(v => domain(v)).ToArray();
        var y = d.Alloc<float>(x.Length);
        d.Backend.Unary(op, d.Up(x), y, DType.Float32, x.Length, alpha);
        var expected = x.Select(v => f(v)).ToArray();
        // float32 results of a correctly implemented kernel are within a few ulps; 1e-37 absorbs underflow.
        Close.All(expected, d.Down<float>(y, x.Length), 2e-6, 1e-37, $"{op}");
    }

    [Theory, MemberData(nameof(Backends))]
    public void PowScalarCoversIntegerFractionalAndNegativeExponents(string backend)
    {
        using var d = new DeviceArrays(BackendsUnderTest.Get(backend));
        var x = new[] { -3f, -1.5f, -1f, 0.25f, 1f, 2f, 7.5f };
        foreach (float p in new[] { 0f, 1f, 2f, 3f, -1f, -2f })
        {
            var y = d.Alloc<float>(x.Length);
            d.Backend.Unary(UnaryOp.PowScalar, d.Up(x), y, DType.Float32, x.Length, p);
            Close.All(x.Select(v => Math.Pow(v, p)).ToArray(), d.Down<float>(y, x.Length), 2e-6, 0, $"x^{p}");
        }
        var pos = x.Where(v => v > 0).ToArray();
        foreach (float p in new[] { 0.5f, -0.5f, 1.7f, -2.3f })
        {
            var y = d.Alloc<float>(pos.Length);
            d.Backend.Unary(UnaryOp.PowScalar, d.Up(pos), y, DType.Float32, pos.Length, p);
            Close.All(pos.Select(v => Math.Pow(v, p)).ToArray(), d.Down<float>(y, pos.Length), 2e-6, 0, $"x^{p}");
        }
    }

    [Theory, MemberData(nameof(Backends))]
    public void RoundIsHalfToEven(string backend)
    {
        using var d = new DeviceArrays(BackendsUnderTest.Get(backend));
        var x = new[] { -2.5f, -1.5f, -0.5f, 0.5f, 1.5f, 2.5f, 3.5f, 0.49999997f, -2.6f };
        var y = d.Alloc<float>(x.Length);
        d.Backend.Unary(UnaryOp.Round, d.Up(x), y, DType.Float32, x.Length, 0);
        Assert.Equal(new[] { -2f, -2f, -0f, 0f, 2f, 2f, 4f, 0f, -3f }, d.Down<float>(y, x.Length));
    }

    [Theory, MemberData(nameof(Backends))]
    public void SmallArgumentsKeepRelativePrecision(string backend)
    {
        // log1p, expm1 (and elu, built on it), sin, tanh and erf exist to stay accurate near 0.
        using var d = new DeviceArrays(BackendsUnderTest.Get(backend));
        var x = new[] { 1e-3f, -1e-3f, 3e-5f, -3e-5f, 1e-7f, -1e-7f, 1e-12f, -1e-12f, 1e-30f, -1e-30f };
        foreach (var op in new[] { UnaryOp.Log1p, UnaryOp.Expm1, UnaryOp.Elu, UnaryOp.Sin, UnaryOp.Tanh, UnaryOp.Erf })
        {
            var y = d.Alloc<float>(x.Length);
            d.Backend.Unary(op, d.Up(x), y, DType.Float32, x.Length, FloatUnary[op].Alpha);
            Close.All(x.Select(v => FloatUnary[op].F(v)).ToArray(), d.Down<float>(y, x.Length), 2e-6, 0, $"{op} near 0");
        }
    }

    public static IEnumerable<object[]> IntUnaryCases =>
        from b in BackendsUnderTest.Names
        from op in new[] { UnaryOp.Negate, UnaryOp.Abs, UnaryOp.Sign, UnaryOp.Square }
        select new object[] { b[0], op };

    private static long IntUnaryRef(UnaryOp op, long x) => op switch
    {
        UnaryOp.Negate => -x,
        UnaryOp.Abs => Math.Abs(x),
        UnaryOp.Sign => Math.Sign(x),
        _ => x * x,
    };

    [Theory, MemberData(nameof(IntUnaryCases))]
    public void IntegerUnaryMatchesReference(string backend, UnaryOp op)
    {
        using var d = new DeviceArrays(BackendsUnderTest.Get(backend));
        var xi = new[] { -46340, -7, -1, 0, 1, 2, 13, 46340, int.MaxValue };
        if (op == UnaryOp.Square) xi = xi.Where(v => Math.Abs(v) <= 46340).ToArray();
        var yi = d.Alloc<int>(xi.Length);
        d.Backend.Unary(op, d.Up(xi), yi, DType.Int32, xi.Length, 0);
        Assert.Equal(xi.Select(v => (int)IntUnaryRef(op, v)), d.Down<int>(yi, xi.Length));

        var xl = new[] { -3_000_000_000L, -7, -1, 0, 1, 13, 3_000_000_000L, long.MaxValue };
        if (op == UnaryOp.Square) xl = xl.Where(v => Math.Abs(v) <= 3_000_000_000L).ToArray();
        var yl = d.Alloc<long>(xl.Length);
        d.Backend.Unary(op, d.Up(xl), yl, DType.Int64, xl.Length, 0);
        Assert.Equal(xl.Select(v => IntUnaryRef(op, v)), d.Down<long>(yl, xl.Length));
    }

    [Theory, MemberData(nameof(Backends))]
    public void LogicalNotFlipsBools(string backend)
    {
        using var d = new DeviceArrays(BackendsUnderTest.Get(backend));
        var x = new byte[] { 0, 1, 1, 0, 0 };
        var y = d.Alloc<byte>(5);
        d.Backend.Unary(UnaryOp.LogicalNot, d.Up(x), y, DType.Bool, 5, 0);
        Assert.Equal(new byte[] { 1, 0, 0, 1, 1 }, d.Down<byte>(y, 5));
    }

    // ----- MatMul smoke test (GEMM has its own suite) -----

    [Theory, MemberData(nameof(Backends))]
    public void MatMulSmoke(string backend)
    {
        using var d = new DeviceArrays(BackendsUnderTest.Get(backend));
        var rng = new Random(5);
        foreach (var (ta, tb) in new[] { (false, false), (true, false), (false, true), (true, true) })
        {
            const int batch = 2, m = 3, n = 4, k = 5;
            var a = Enumerable.Range(0, batch * m * k).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
            var b = Enumerable.Range(0, batch * k * n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
            var c = d.Alloc<float>(batch * m * n);
            d.Backend.MatMul(MatMulParams.Dense(batch, m, n, k, ta, tb), d.Up(a), 0, d.Up(b), 0, c, 0);
            var (expected, _) = Ref.MatMul(a.Select(v => (double)v).ToArray(), ta ? [batch, k, m] : [batch, m, k],
                b.Select(v => (double)v).ToArray(), tb ? [batch, n, k] : [batch, k, n], ta, tb);
            Close.All(expected, d.Down<float>(c, batch * m * n), 1e-5, 1e-5, $"MatMul ta={ta} tb={tb}");
        }
        // alpha and beta: C = 2·A·B + 0.5·C
        var a1 = new float[] { 1, 2, 3, 4 };
        var b1 = new float[] { 5, 6, 7, 8 };
        var c1 = d.Up(new float[] { 1, 1, 1, 1 });
        d.Backend.MatMul(MatMulParams.Dense(1, 2, 2, 2, alpha: 2, beta: 0.5f), d.Up(a1), 0, d.Up(b1), 0, c1, 0);
        Assert.Equal(new float[] { 38.5f, 44.5f, 86.5f, 100.5f }, d.Down<float>(c1, 4));
    }
}
