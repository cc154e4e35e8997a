using KerasNet.Backend;
using KerasNet.Backends.Native.Cuda;
using Xunit;

namespace KerasNet.Tests.Cuda;

/// <summary>The row-major to column-major GEMM mapping, checked without a GPU: the mapped call is executed by a
/// plain column-major SGEMM written here with cuBLAS's semantics and compared with a row-major double
/// reference, over transposes, padded leading dimensions, batches, broadcast operands, beta and k = 0.</summary>
public class GemmMappingTests
{
    /// <summary>cuBLAS's strided batched SGEMM on host arrays (operand offsets in elements).</summary>
    private static void ColumnMajorSgemm(in ColumnMajorGemm g, float[] a, long aOff, float[] b, long bOff, float[] c, long cOff)
    {
        // The leading dimensions cuBLAS validates (it returns CUBLAS_STATUS_INVALID_VALUE otherwise).
        Assert.True(g.Lda >= Math.Max(1, g.TransA == Cublas.OpN ? g.M : g.K), $"lda {g.Lda} too small");
        Assert.True(g.Ldb >= Math.Max(1, g.TransB == Cublas.OpN ? g.K : g.N), $"ldb {g.Ldb} too small");
        Assert.True(g.Ldc >= Math.Max(1, g.M), $"ldc {g.Ldc} too small");
        int calls = g.Sequential ? g.Batch : 1, batch = g.Sequential ? 1 : g.Batch;
        for (int call = 0; call < calls; call++)
            for (int bi = 0; bi < batch; bi++)
            {
                int e = call + bi;
                long ao = aOff + e * g.StrideA, bo = bOff + e * g.StrideB, co = cOff + (g.Sequential ? 0 : e * g.StrideC);
                for (int i = 0; i < g.M; i++)
                    for (int j = 0; j < g.N; j++)
                    {
                        float sum = 0;
                        for (int k = 0; k < g.K; k++)
                        {
                            float x = g.TransA == Cublas.OpN ? a[ao + i + (long)k * g.Lda] : a[ao + k + (long)i * g.Lda];
                            float y = g.TransB == Cublas.OpN ? b[bo + k + (long)j * g.Ldb] : b[bo + j + (long)k * g.Ldb];
                            sum += x * y;
                        }
                        long at = co + i + (long)j * g.Ldc;
                        c[at] = g.Beta == 0 ? g.Alpha * sum : g.Alpha * sum + g.Beta * c[at];
                    }
            }
    }

    /// <summary>The contract of <see cref="MatMulParams"/> in row-major doubles.</summary>
    private static double[] RowMajorReference(in MatMulParams p, float[] a, float[] b, float[] c)
    {
        var r = c.Select(v => (double)v).ToArray();
        for (int bi = 0; bi < p.Batch; bi++)
            for (int i = 0; i < p.M; i++)
                for (int j = 0; j < p.N; j++)
                {
                    double sum = 0;
                    for (int k = 0; k < p.K; k++)
                    {
                        double x = p.TransA ? a[bi * p.StrideA + (long)k * p.Lda + i] : a[bi * p.StrideA + (long)i * p.Lda + k];
                        double y = p.TransB ? b[bi * p.StrideB + (long)j * p.Ldb + k] : b[bi * p.StrideB + (long)k * p.Ldb + j];
                        sum += x * y;
                    }
                    long at = bi * p.StrideC + (long)i * p.Ldc + j;
                    r[at] = p.Beta == 0 ? p.Alpha * sum : p.Alpha * sum + p.Beta * r[at];
                }
        return r;
    }

    public static IEnumerable<object[]> Cases()
    {
        int[][] sizes = [[1, 1, 1], [3, 5, 4], [4, 1, 7], [1, 6, 3], [7, 3, 1], [5, 4, 0], [2, 9, 16]];
        foreach (var s in sizes)
            foreach (bool ta in (bool[])[false, true])
                foreach (bool tb in (bool[])[false, true])
                    foreach (int pad in (int[])[0, 3])
                        foreach (var (batch, broadcast) in ((int, string)[])[(1, ""), (3, ""), (3, "A"), (2, "B"), (3, "C")])
                            foreach (float beta in (float[])[0f, 0.5f])
                                yield return [s[0], s[1], s[2], ta, tb, pad, batch, broadcast, beta];
    }

    [Theory, MemberData(nameof(Cases))]
    public void MappedColumnMajorCallComputesTheRowMajorProduct(int m, int n, int k, bool transA, bool transB, int pad, int batch, string broadcast, float beta)
    {
        int aRows = transA ? k : m, aCols = transA ? m : k, bRows = transB ? n : k, bCols = transB ? k : n;
        int lda = aCols + pad, ldb = bCols + pad, ldc = n + pad;
        long aSize = (long)Math.Max(aRows, 1) * lda, bSize = (long)Math.Max(bRows, 1) * ldb, cSize = (long)m * ldc;
        var p = new MatMulParams
        {
            Batch = batch, M = m, N = n, K = k, TransA = transA, TransB = transB, Lda = lda, Ldb = ldb, Ldc = ldc,
            StrideA = broadcast == "A" ? 0 : aSize, StrideB = broadcast == "B" ? 0 : bSize, StrideC = broadcast == "C" ? 0 : cSize,
            Alpha = 1.5f, Beta = beta,
        };
        var rng = new Random(m * 1000 + n * 100 + k * 10 + batch);
        float[] Fill(long count) => Enumerable.Range(0, (int)count).Select(_ => (float)Math.Round(rng.NextDouble() * 4 - 2, 2)).ToArray();
        var a = Fill(aSize * batch + 5);
        var b = Fill(bSize * batch + 5);
        var c = Fill(cSize * batch + 5);
        var expected = RowMajorReference(p, a, b, c);

        var g = GemmMapping.Map(p);
        Assert.Equal(transB ? Cublas.OpT : Cublas.OpN, g.TransA);
        Assert.Equal(transA ? Cublas.OpT : Cublas.OpN, g.TransB);
        Assert.Equal((n, m, k), (g.M, g.N, g.K));
        Assert.Equal(broadcast == "C" && batch > 1, g.Sequential);
        var actual = (float[])c.Clone();
        if (k > 0) ColumnMajorSgemm(g, b, 0, a, 0, actual, 0); // cuBLAS's A is the row-major B, and the reverse
        else
        {
            // k = 0 is the backend's own C = beta·C (cuBLAS is not called).
            int batches = p.StrideC == 0 ? 1 : batch;
            for (int bi = 0; bi < batches; bi++)
                for (int i = 0; i < m; i++)
                    for (int j = 0; j < n; j++)
                    {
                        long at = bi * p.StrideC + (long)i * ldc + j;
                        actual[at] = beta == 0 ? 0 : actual[at] * beta;
                    }
            if (p.StrideC == 0 && batch > 1 && beta != 0)
                for (int rep = 1; rep < batch; rep++)
                    for (int i = 0; i < m; i++)
                        for (int j = 0; j < n; j++) actual[(long)i * ldc + j] *= beta;
        }
        for (int i = 0; i < c.Length; i++)
            Assert.True(Math.Abs(actual[i] - expected[i]) <= 1e-4 * (1 + Math.Abs(expected[i])),
                $"element {i}: {actual[i]} vs {expected[i]} (mapped {g})");
    }

    [Theory]
    [InlineData(7, 3)]
    [InlineData(6, 3)]
    [InlineData(5, 1)]
    [InlineData(2, 5)]
    public void ABatchSplitIntoPartsComputesWhatOneCallDoes(int batch, int maxBatch)
    {
        // The backend gives cuBLAS at most MaxBatchPerCall entries per call, each part's operands offset by
        // first·stride; split finer here, the parts must reproduce the single call (broadcast A included).
        Assert.True(GemmMapping.MaxBatchPerCall <= 65535);
        int m = 3, n = 4, k = 5;
        var p = new MatMulParams
        {
            Batch = batch, M = m, N = n, K = k, Lda = k, Ldb = n, Ldc = n,
            StrideA = 0, StrideB = (long)k * n, StrideC = (long)m * n, Alpha = 1f, Beta = 0.5f,
        };
        var rng = new Random(batch * 10 + maxBatch);
        float[] Fill(long count) => Enumerable.Range(0, (int)count).Select(_ => (float)Math.Round(rng.NextDouble() * 4 - 2, 2)).ToArray();
        var a = Fill(m * k);
        var b = Fill((long)k * n * batch);
        var c = Fill((long)m * n * batch);
        var g = GemmMapping.Map(p);
        Assert.False(g.Sequential);
        var whole = (float[])c.Clone();
        ColumnMajorSgemm(g, b, 0, a, 0, whole, 0);
        var parts = (float[])c.Clone();
        int calls = 0;
        for (int first = 0; first < g.Batch; first += maxBatch, calls++)
        {
            var part = GemmMapping.Part(g, first, maxBatch);
            Assert.InRange(part.Batch, 1, maxBatch);
            ColumnMajorSgemm(part, b, first * part.StrideA, a, first * part.StrideB, parts, first * part.StrideC);
        }
        Assert.Equal((batch + maxBatch - 1) / maxBatch, calls);
        Assert.Equal(whole, parts);
    }

    [Fact]
    public void SingleRowMatricesGetLeadingDimensionsCublasAccepts()
    {
        // A 1×K row vector times K×N: row-major lda may be anything for a single row.
        var p = new MatMulParams { Batch = 1, M = 1, N = 8, K = 4, Lda = 0, Ldb = 8, Ldc = 0, StrideA = 4, StrideB = 32, StrideC = 8, Alpha = 1 };
        var g = GemmMapping.Map(p);
        Assert.True(g.Ldb >= 4); // cuBLAS's B is the row-major A, used as K×1 column-major
        Assert.True(g.Ldc >= 8); // ldc >= m = N
    }
}
