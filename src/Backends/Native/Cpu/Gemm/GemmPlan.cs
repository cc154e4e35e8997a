namespace KerasNet.Backends.Native.Cpu.Gemm;

/// <summary>One GEMM call broken into tasks: the problem (with the epilogue), its k blocking and the task
/// grid. The jobs hold one and hand it to the driver by reference.</summary>
internal unsafe struct GemmPlan
{
    public float* A, B, C, Bias;
    public int M, N, K;
    public bool TransA, TransB, Relu;
    public nint Lda, Ldb, Ldc;
    public long StrideA, StrideB, StrideC;
    public float Alpha, Beta;

    /// <summary>Length of a k block (the last one may be shorter) and the number of blocks.</summary>
    public int Kc, KBlocks;

    /// <summary>Batch entries the task grid covers.</summary>
    public int BatchFirst, BatchCount;

    /// <summary>Register tiles along M and along the covered columns, and how many ranges each is split into;
    /// a task is (batch entry, M range, N range).</summary>
    public int TilesM, TilesN, SplitM, SplitN;

    /// <summary>Packed path: the packed panel of B for columns [Jc, Jc + Nc), all k blocks, with NcPad
    /// (TilesN·NR) columns per k row.</summary>
    public float* BPacked;
    public int Jc, Nc, NcPad;

    /// <summary>Packed path: whether blocks of A are copied into scratch (else read in place).</summary>
    public bool PackA;

    /// <summary>Packed path: slivers per B-packing task and tasks per k block.</summary>
    public int PackChunk, PackTasksPerBlock;

    /// <summary>Tasks in the compute grid.</summary>
    public readonly int Tasks => BatchCount * SplitM * SplitN;
}
