using KerasNet.Backend;

namespace KerasNet.Backends.Native.Cuda;

/// <summary>The arguments of one column-major cuBLAS strided batched GEMM:
/// C[b] = alpha·op(A[b])·op(B[b]) + beta·C[b] with op(A) m×k, op(B) k×n, C m×n, all column-major.
/// <see cref="Sequential"/> asks for one call per batch entry in order (C's batch stride is 0, so the
/// entries must not run concurrently); the offsets of entry b are then b·stride.</summary>
internal readonly record struct ColumnMajorGemm(
    int TransA, int TransB, int M, int N, int K, float Alpha,
    int Lda, long StrideA, int Ldb, long StrideB, float Beta, int Ldc, long StrideC, int Batch, bool Sequential);

/// <summary>Row-major products on column-major cuBLAS. A row-major matrix read as column-major is its
/// transpose, so C = op(A)·op(B) (row-major, M×N) is computed as Cᵀ = op(B)ᵀ·op(A)ᵀ in column-major: cuBLAS is
/// called with (transB, transA, N, M, K, B, ldb, A, lda, C, ldc) and the batch strides swapped likewise.</summary>
internal static class GemmMapping
{
    /// <summary>Maps <paramref name="p"/>; the returned call's "A" operand is the row-major B and its "B" operand
    /// the row-major A. Leading dimensions of matrices with a single stored row (never used as strides) are
    /// raised to what cuBLAS validates.</summary>
    public static ColumnMajorGemm Map(in MatMulParams p)
    {
        // Row-major B is stored (TransB ? N×K : K×N); read column-major it is op(B)ᵀ when not transposed.
        int bRows = p.TransB ? p.N : p.K, bCols = p.TransB ? p.K : p.N;
        int aRows = p.TransA ? p.K : p.M, aCols = p.TransA ? p.M : p.K;
        return new ColumnMajorGemm(
            TransA: p.TransB ? Cublas.OpT : Cublas.OpN,
            TransB: p.TransA ? Cublas.OpT : Cublas.OpN,
            M: p.N, N: p.M, K: p.K, Alpha: p.Alpha,
            Lda: Leading(p.Ldb, bRows, bCols), StrideA: p.StrideB,
            Ldb: Leading(p.Lda, aRows, aCols), StrideB: p.StrideA,
            Beta: p.Beta,
            Ldc: Leading(p.Ldc, p.M, p.N), StrideC: p.StrideC,
            Batch: p.Batch,
            Sequential: p.Batch > 1 && p.StrideC == 0);
    }

    /// <summary>The most batch entries one cuBLAS call is given: 63·1024, below the 65535 grid-dimension limit past
    /// which batched GEMMs have failed inside cuBLAS on some architectures and versions (PyTorch splits likewise).</summary>
    public const int MaxBatchPerCall = 63 * 1024;

    /// <summary>The call for batch entries <paramref name="first"/> .. first + <paramref name="maxBatch"/> − 1 of
    /// a non-sequential <paramref name="g"/>; its operands start <paramref name="first"/>·stride elements further.</summary>
    public static ColumnMajorGemm Part(in ColumnMajorGemm g, int first, int maxBatch = MaxBatchPerCall) =>
        g with { Batch = Math.Min(maxBatch, g.Batch - first) };

    private static int Leading(int ld, int rows, int cols) => rows <= 1 ? Math.Max(Math.Max(ld, cols), 1) : Math.Max(ld, 1);
}
