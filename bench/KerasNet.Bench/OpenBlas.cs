using System.Runtime.InteropServices;

namespace KerasNet.Bench;

/// <summary>OpenBLAS's single-precision GEMM, loaded at run time from libopenblas.so.0 (Debian's
/// libopenblas0) so that the benchmark builds and runs without it.</summary>
internal static unsafe class OpenBlas
{
    private const int RowMajor = 101, NoTrans = 111, Trans = 112;

    private static readonly delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void> Sgemm;
    private static readonly delegate* unmanaged<int, void> SetThreads;

    static OpenBlas()
    {
        foreach (string name in new[] { "libopenblas.so.0", "libopenblas.so", "libopenblas" })
        {
            if (!NativeLibrary.TryLoad(name, out IntPtr lib)) continue;
            if (!NativeLibrary.TryGetExport(lib, "cblas_sgemm", out IntPtr gemm)) continue;
            Sgemm = (delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void>)gemm;
            if (NativeLibrary.TryGetExport(lib, "openblas_set_num_threads", out IntPtr set))
                SetThreads = (delegate* unmanaged<int, void>)set;
            LibraryName = name;
            return;
        }
    }

    /// <summary>Whether the library was found.</summary>
    public static bool Available => Sgemm != null;

    /// <summary>The name it was loaded under.</summary>
    public static string? LibraryName { get; }

    /// <summary>Sets OpenBLAS's thread count.</summary>
    public static void SetThreadCount(int threads)
    {
        if (SetThreads != null) SetThreads(threads);
    }

    /// <summary>Row-major cblas_sgemm.</summary>
    public static void Gemm(bool transA, bool transB, int m, int n, int k, float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc) =>
        Sgemm(RowMajor, transA ? Trans : NoTrans, transB ? Trans : NoTrans, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
