namespace KerasNet.Backends.Native.Cpu.Gemm;

/// <summary>Work fused into the GEMM's store of every C tile, after C = alpha·op(A)·op(B) + beta·C: first
/// a per-column bias is added to every row, then ReLU. It costs no extra pass over C (a fused Dense layer's
/// forward is one GEMM call).</summary>
internal readonly unsafe struct GemmEpilogue
{
    /// <summary>An epilogue adding <paramref name="bias"/> (N floats, or null) and optionally applying ReLU.</summary>
    public GemmEpilogue(float* bias, bool relu)
    {
        Bias = bias;
        Relu = relu;
    }

    /// <summary>N floats added to every row of C (column j gets Bias[j]); null adds nothing.</summary>
    public float* Bias { get; init; }

    /// <summary>Apply max(x, 0) to every element of C last.</summary>
    public bool Relu { get; init; }

    /// <summary>Whether the epilogue does anything.</summary>
    public bool IsNone => Bias == null && !Relu;
}
