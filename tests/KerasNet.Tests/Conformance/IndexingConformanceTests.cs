using KerasNet.Backend;
using KerasNet.Tests.Reference;
using Xunit;

namespace KerasNet.Tests.Conformance;

/// <summary>Gather, ScatterAdd and StridedCopy against direct index arithmetic.</summary>
public class IndexingConformanceTests
{
    public static IEnumerable<object[]> Backends => BackendsUnderTest.Names;

    private static DeviceBuffer Indices(DeviceArrays d, long[] idx, DType t) =>
        t == DType.Int32 ? d.Up(idx.Select(v => (int)v).ToArray()) : d.Up(idx);

    public static IEnumerable<object[]> IndexTypeCases =>
        from b in BackendsUnderTest.Names from t in new[] { DType.Int32, DType.Int64 } select new object[] { b[0], t };

    [Theory, MemberData(nameof(IndexTypeCases))]
    public void GatherCopiesRowsIncludingRepeats(string backend, DType indexType)
    {
        using var d = new DeviceArrays(BackendsUnderTest.Get(backend));
        foreach (var (outer, axis, inner) in new[] { (1, 5, 1), (2, 5, 3), (3, 4, 7) })
        {
            var idx = new long[] { axis - 1, 0, axis - 1, 2, 2, 1 };
            int count = idx.Length;
            var x = Enumerable.Range(0, outer * axis * inner).Select(i => (double)(i * 3 - 7)).ToArray();
            var expected = Ref.Take(x, [outer, axis, inner], idx.Select(v => (double)v).ToArray(), 1);
            int n = outer * count * inner;
            string what = $"Gather (outer {outer}, axis {axis}, inner {inner}) {indexType}";
            // Every element size: float32, int64, bool.
            var yf = d.Alloc<float>(n);
            d.Backend.Gather(d.Up(x.Select(v => (float)v).ToArray()), Indices(d, idx, indexType), indexType, yf, DType.Float32, outer, axis, inner, count);
            Assert.True(expected.Select(v => (float)v).SequenceEqual(d.Down<float>(yf, n)), what + " float32");
            var yl = d.Alloc<long>(n);
            d.Backend.Gather(d.Up(x.Select(v => (long)v << 33).ToArray()), Indices(d, idx, indexType), indexType, yl, DType.Int64, outer, axis, inner, count);
            Assert.True(expected.Select(v => (long)v << 33).SequenceEqual(d.Down<long>(yl, n)), what + " int64");
            var yb = d.Alloc<byte>(n);
            d.Backend.Gather(d.Up(x.Select(v => (byte)(((int)v & 4) != 0 ? 1 : 0)).ToArray()), Indices(d, idx, indexType), indexType, yb, DType.Bool, outer, axis, inner, count);
            Assert.True(expected.Select(v => (byte)(((int)v & 4) != 0 ? 1 : 0)).SequenceEqual(d.Down<byte>(yb, n)), what + " bool");
        }
    }

    [Theory, MemberData(nameof(IndexTypeCases))]
    public void GatherRejectsOutOfRangeIndices(string backend, DType indexType)
    {
        using var d = new DeviceArrays(BackendsUnderTest.Get(backend));
        var x = d.Up(new float[2 * 4 * 3]);
        var y = d.Alloc<float>(2 * 2 * 3);
        foreach (long bad in new long[] { 4, -1, 1000 })
            Assert.Throws<ArgumentOutOfRangeException>(() =>
                d.Backend.Gather(x, Indices(d, [0, bad], indexType), indexType, y, DType.Float32, 2, 4, 3, 2));
    }

    [Theory, MemberData(nameof(IndexTypeCases))]
    public void ScatterAddAccumulatesRepeatedIndices(string backend, DType indexType)
    {
        using var d = new DeviceArrays(BackendsUnderTest.Get(backend));
        var rng = new Random(6);
        foreach (var (outer, axis, inner) in new[] { (1, 5, 1), (2, 5, 3), (3, 4, 7) })
        {
            var idx = new long[] { 1, axis - 1, 1, 0, 1 };
            int count = idx.Length;
            var target = Enumerable.Range(0, outer * axis * inner).Select(_ => (float)rng.Next(-50, 50)).ToArray();
            var updates = Enumerable.Range(0, outer * count * inner).Select(_ => (float)rng.Next(-50, 50) / 4).ToArray();
            var y = d.Up(target);
            d.Backend.ScatterAdd(d.Up(updates), Indices(d, idx, indexType), indexType, y, outer, axis, inner, count);
            var expected = Ref.ScatterAdd(target.Select(v => (double)v).ToArray(), [outer, axis, inner],
                idx.Select(v => (double)v).ToArray(), updates.Select(v => (double)v).ToArray(), 1);
            Assert.Equal(expected.Select(v => (float)v), d.Down<float>(y, target.Length));
        }
    }

    [Theory, MemberData(nameof(IndexTypeCases))]
    public void ScatterAddRejectsOutOfRangeIndices(string backend, DType indexType)
    {
        using var d = new DeviceArrays(BackendsUnderTest.Get(backend));
        var y = d.Up(new float[4]);
        var u = d.Up(new float[] { 1, 2 });
        foreach (long bad in new long[] { 4, -1 })
            Assert.Throws<ArgumentOutOfRangeException>(() =>
                d.Backend.ScatterAdd(u, Indices(d, [0, bad], indexType), indexType, y, 1, 4, 1, 2));
    }

    // ----- strided copy -----

    /// <summary>The contract, directly: dst[DstOffset + i·DstStrides] = src[SrcOffset + i·SrcStrides].</summary>
    private static long[] StridedRef(StridedCopyParams p, long[] src, long[] dst)
    {
        var y = (long[])dst.Clone();
        var shape = p.Shape.ToArray();
        int n = Ref.Size(shape);
        for (int i = 0; i < n; i++)
        {
            var idx = Ref.Unravel(i, shape);
            long so = p.SrcOffset, dof = p.DstOffset;
            for (int k = 0; k < idx.Length; k++)
            {
                so += (long)idx[k] * p.SrcStrides[k];
                dof += (long)idx[k] * p.DstStrides[k];
            }
            y[dof] = src[so];
        }
        return y;
    }

    public static IEnumerable<object[]> StridedCases =>
        from b in BackendsUnderTest.Names
        from c in StridedCopies.Keys
        from t in new[] { DType.Float32, DType.Int32, DType.Int64, DType.Bool }
        select new object[] { b[0], c, t };

    /// <summary>Named copies with their source and destination sizes.</summary>
    private static readonly Dictionary<string, (StridedCopyParams P, int Src, int Dst)> StridedCopies = new()
    {
        ["transpose 2-D"] = (new() { Shape = new(5, 3), SrcStrides = new(1, 5), DstStrides = new(3, 1) }, 15, 15),
        ["permute 3-D (2, 0, 1)"] = (new() { Shape = new(4, 2, 3), SrcStrides = new(1, 12, 4), DstStrides = new(6, 3, 1) }, 24, 24),
        ["slice with offset"] = (new() { Shape = new(2, 3), SrcStrides = new(6, 1), SrcOffset = 8, DstStrides = new(3, 1) }, 24, 6),
        ["broadcast a row (stride 0)"] = (new() { Shape = new(3, 4), SrcStrides = new(0, 1), DstStrides = new(4, 1) }, 4, 12),
        ["broadcast a column (inner stride 0)"] = (new() { Shape = new(3, 4), SrcStrides = new(1, 0), DstStrides = new(4, 1) }, 3, 12),
        ["broadcast a scalar"] = (new() { Shape = new(2, 3), SrcStrides = new(0, 0), SrcOffset = 1, DstStrides = new(3, 1) }, 2, 6),
        ["into a strided destination (pad)"] = (new() { Shape = new(2, 3), SrcStrides = new(3, 1), DstStrides = new(6, 1), DstOffset = 7 }, 6, 24),
        ["into every other column"] = (new() { Shape = new(3, 3), SrcStrides = new(3, 1), DstStrides = new(8, 2), DstOffset = 1 }, 9, 24),
        ["rank 0"] = (new() { Shape = Shape.Scalar, SrcStrides = Shape.Scalar, DstStrides = Shape.Scalar, SrcOffset = 2, DstOffset = 3 }, 4, 5),
        ["rank 1 strided source"] = (new() { Shape = new(4), SrcStrides = new(3), SrcOffset = 1, DstStrides = new(1) }, 12, 4),
        ["large transpose"] = (new() { Shape = new(200, 300), SrcStrides = new(1, 200), DstStrides = new(300, 1) }, 60_000, 60_000),
        ["large broadcast"] = (new() { Shape = new(400, 100), SrcStrides = new(0, 1), DstStrides = new(100, 1) }, 100, 40_000),
        ["large slice"] = (new() { Shape = new(300, 150), SrcStrides = new(200, 1), SrcOffset = 25, DstStrides = new(150, 1) }, 60_000, 45_000),
    };

    [Theory, MemberData(nameof(StridedCases))]
    public void StridedCopyFollowsTheStrides(string backend, string name, DType dtype)
    {
        using var d = new DeviceArrays(BackendsUnderTest.Get(backend));
        var (p, ns, nd) = StridedCopies[name];
        var src = Enumerable.Range(0, ns).Select(i => (long)(i + 1)).ToArray();
        var dst = Enumerable.Range(0, nd).Select(i => (long)-(i + 1)).ToArray();
        var expected = StridedRef(p, src, dst);
        // Values as the dtype holds them (bool: odd/even, which the copy must keep in place).
        long Hold(long v) => dtype switch { DType.Int64 => v << 32 | (v & 0xffff), DType.Bool => v & 1, _ => v };
        var sb = Up(d, src.Select(Hold).ToArray(), dtype);
        var db = Up(d, dst.Select(Hold).ToArray(), dtype);
        d.Backend.StridedCopy(p, sb, db, dtype);
        Assert.Equal(expected.Select(Hold), Down(d, db, nd, dtype));
    }

    private static DeviceBuffer Up(DeviceArrays d, long[] v, DType t) => t switch
    {
        DType.Float32 => d.Up(v.Select(x => (float)x).ToArray()),
        DType.Int32 => d.Up(v.Select(x => (int)x).ToArray()),
        DType.Int64 => d.Up(v),
        _ => d.Up(v.Select(x => (byte)x).ToArray()),
    };

    private static long[] Down(DeviceArrays d, DeviceBuffer b, int n, DType t) => t switch
    {
        DType.Float32 => d.Down<float>(b, n).Select(x => (long)x).ToArray(),
        DType.Int32 => d.Down<int>(b, n).Select(x => (long)x).ToArray(),
        DType.Int64 => d.Down<long>(b, n),
        _ => d.Down<byte>(b, n).Select(x => (long)x).ToArray(),
    };
}
