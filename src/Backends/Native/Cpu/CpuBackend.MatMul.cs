using KerasNet.Backend;
using KerasNet.Backends.Native.Cpu.Gemm;

namespace KerasNet.Backends.Native.Cpu;

internal sealed unsafe partial class CpuBackend
{
    public void MatMul(in MatMulParams p, DeviceBuffer a, long aOffset, DeviceBuffer b, long bOffset, DeviceBuffer c, long cOffset) =>
        MatMul(p, a, aOffset, b, bOffset, c, cOffset, null, FusedActivation.None);

    public void MatMul(in MatMulParams p, DeviceBuffer a, long aOffset, DeviceBuffer b, long bOffset, DeviceBuffer c, long cOffset,
        DeviceBuffer? bias, FusedActivation activation)
    {
        CpuBuffer ca = Cpu(a), cb = Cpu(b), cc = Cpu(c);
        if (p.Batch > 0 && p.M > 0 && p.N > 0)
        {
            CheckMatrix(ca, aOffset, p.Batch, p.StrideA, p.TransA ? p.K : p.M, p.TransA ? p.M : p.K, p.Lda, nameof(a));
            CheckMatrix(cb, bOffset, p.Batch, p.StrideB, p.TransB ? p.N : p.K, p.TransB ? p.K : p.N, p.Ldb, nameof(b));
            CheckMatrix(cc, cOffset, p.Batch, p.StrideC, p.M, p.N, p.Ldc, nameof(c));
        }
        if (bias != null && bias.ByteLength < (long)p.N * sizeof(float))
            throw new ArgumentException($"The bias holds {bias.ByteLength} bytes but the product has {p.N} columns.", nameof(bias));
        if ((bias != null || activation != FusedActivation.None) && p.Batch > 1 && p.StrideC == 0)
            throw new ArgumentException($"A fused bias or activation needs one C per batch entry; got {p.Batch} products accumulated into one C (StrideC 0). Add the bias and apply the activation after the accumulation.", nameof(p));
        var epilogue = new GemmEpilogue(bias == null ? null : Cpu(bias).F32, IsRelu(activation));
        Sgemm.Run(p, ca.F32 + aOffset, cb.F32 + bOffset, cc.F32 + cOffset, epilogue);
    }

    /// <summary>Throws unless every element of a batch of rows×cols matrices (row stride ld, batch stride
    /// stride, starting at element offset) lies inside the buffer.</summary>
    private static void CheckMatrix(CpuBuffer buffer, long offset, int batch, long stride, int rows, int cols, int ld, string name)
    {
        if (rows == 0 || cols == 0) return;
        if (offset < 0 || stride < 0 || (rows > 1 && ld < cols))
            throw new ArgumentOutOfRangeException(name, $"Invalid matrix layout: offset {offset}, batch stride {stride}, leading dimension {ld} for {rows}×{cols}.");
        long end = offset + (batch - 1) * stride + (long)(rows - 1) * ld + cols;
        if (end * sizeof(float) > buffer.ByteLength)
            throw new ArgumentOutOfRangeException(name, $"The matrix product reads or writes up to element {end} but the buffer holds {buffer.ByteLength / sizeof(float)} floats.");
    }
}
