namespace KerasNet.Backends.Native.Cuda;

/// <summary>The cuBLAS entry points the device uses: a handle bound to the device's stream, strided batched
/// SGEMM, and the Ex variant for TF32 tensor-core math when it is asked for.</summary>
internal sealed unsafe class Cublas
{
    public const int OpN = 0;
    public const int OpT = 1;
    public const int DataFloat32 = 0; // CUDA_R_32F
    public const int Compute32F = 68; // CUBLAS_COMPUTE_32F
    public const int Compute32FFastTf32 = 77; // CUBLAS_COMPUTE_32F_FAST_TF32
    public const int GemmDefault = -1; // CUBLAS_GEMM_DEFAULT

    private readonly delegate* unmanaged[Cdecl]<nint*, int> _create;
    private readonly delegate* unmanaged[Cdecl]<nint, nint, int> _setStream;
    private readonly delegate* unmanaged[Cdecl]<nint, void*, nuint, int> _setWorkspace;
    private readonly delegate* unmanaged[Cdecl]<nint, int, int, int, int, int, float*, float*, int, long, float*, int, long, float*, float*, int, long, int, int> _sgemmStridedBatched;
    private readonly delegate* unmanaged[Cdecl]<nint, int, int, int, int, int, void*, void*, int, int, long, void*, int, int, long, void*, void*, int, int, long, int, int, int, int> _gemmStridedBatchedEx;
    private readonly delegate* unmanaged[Cdecl]<int, byte*> _getStatusName;

    private Cublas(nint lib, List<string> missing)
    {
        _create = (delegate* unmanaged[Cdecl]<nint*, int>)Exports.Get(lib, "cublasCreate_v2", missing);
        _setStream = (delegate* unmanaged[Cdecl]<nint, nint, int>)Exports.Get(lib, "cublasSetStream_v2", missing);
        _sgemmStridedBatched = (delegate* unmanaged[Cdecl]<nint, int, int, int, int, int, float*, float*, int, long, float*, int, long, float*, float*, int, long, int, int>)
            Exports.Get(lib, "cublasSgemmStridedBatched", missing);
        _gemmStridedBatchedEx = (delegate* unmanaged[Cdecl]<nint, int, int, int, int, int, void*, void*, int, int, long, void*, int, int, long, void*, void*, int, int, long, int, int, int, int>)
            Exports.Get(lib, "cublasGemmStridedBatchedEx", missing);
        // cuBLAS 11.x and later; absent ones only lose an optimization or a name in messages.
        _setWorkspace = (delegate* unmanaged[Cdecl]<nint, void*, nuint, int>)Exports.Optional(lib, "cublasSetWorkspace_v2");
        _getStatusName = (delegate* unmanaged[Cdecl]<int, byte*>)Exports.Optional(lib, "cublasGetStatusName");
    }

    public static Cublas? Bind(nint library, out IReadOnlyList<string> missing)
    {
        var list = new List<string>();
        var b = new Cublas(library, list);
        missing = list;
        return list.Count == 0 ? b : null;
    }

    public nint Create(nint stream)
    {
        nint handle;
        Check(_create(&handle), "cublasCreate_v2");
        Check(_setStream(handle, stream), "cublasSetStream_v2");
        return handle;
    }

    /// <summary>Gives cuBLAS a fixed workspace, so no call allocates (a requirement of graph capture).</summary>
    public bool SetWorkspace(nint handle, ulong workspace, long bytes)
    {
        if (_setWorkspace == null) return false;
        Check(_setWorkspace(handle, (void*)workspace, (nuint)bytes), "cublasSetWorkspace_v2");
        return true;
    }

    /// <summary>Runs one mapped column-major call (see <see cref="GemmMapping"/>).</summary>
    public void Gemm(nint handle, in ColumnMajorGemm g, ulong a, ulong b, ulong c, bool tf32)
    {
        float alpha = g.Alpha, beta = g.Beta;
        if (!tf32)
        {
            Check(_sgemmStridedBatched(handle, g.TransA, g.TransB, g.M, g.N, g.K, &alpha, (float*)a, g.Lda, g.StrideA,
                (float*)b, g.Ldb, g.StrideB, &beta, (float*)c, g.Ldc, g.StrideC, g.Batch), "cublasSgemmStridedBatched");
            return;
        }
        Check(_gemmStridedBatchedEx(handle, g.TransA, g.TransB, g.M, g.N, g.K, &alpha, (void*)a, DataFloat32, g.Lda, g.StrideA,
            (void*)b, DataFloat32, g.Ldb, g.StrideB, &beta, (void*)c, DataFloat32, g.Ldc, g.StrideC, g.Batch,
            Compute32FFastTf32, GemmDefault), "cublasGemmStridedBatchedEx");
    }

    private void Check(int status, string call)
    {
        if (status == 0) return;
        string name = _getStatusName != null ? Exports.Utf8(_getStatusName(status)) ?? $"cublasStatus {status}" : $"cublasStatus {status}";
        throw new CudaException(call, name, $"{call} failed with {name} ({status}).");
    }
}
