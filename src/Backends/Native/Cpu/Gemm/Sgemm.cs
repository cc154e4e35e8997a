using KerasNet.Backend;

namespace KerasNet.Backends.Native.Cpu.Gemm;

/// <summary>Single-precision GEMM entry point of the CPU device.</summary>
internal static unsafe class Sgemm
{
    /// <summary>C[b] = alpha·op(A[b])·op(B[b]) + beta·C[b] for every batch entry, row-major.</summary>
    public static void Run(in MatMulParams p, float* a, float* b, float* c)
    {
        for (int bi = 0; bi < p.Batch; bi++)
        {
            float* A = a + bi * p.StrideA, B = b + bi * p.StrideB, C = c + bi * p.StrideC;
            for (int i = 0; i < p.M; i++)
                for (int j = 0; j < p.N; j++)
                {
                    float s = 0;
                    for (int k = 0; k < p.K; k++)
                        s += (p.TransA ? A[k * p.Lda + i] : A[i * p.Lda + k]) * (p.TransB ? B[j * p.Ldb + k] : B[k * p.Ldb + j]);
                    C[i * p.Ldc + j] = p.Alpha * s + (p.Beta == 0 ? 0 : p.Beta * C[i * p.Ldc + j]);
                }
        }
    }
}
