using KerasNet.Backend;

namespace KerasNet;

public static partial class Ops
{
    /// <summary>Matrix product with NumPy semantics for rank ≥ 2 operands: the last two axes multiply and the
    /// leading (batch) axes broadcast. Optional transposes apply to the last two axes.</summary>
    public static Tensor MatMul(Tensor a, Tensor b, bool transposeA = false, bool transposeB = false)
    {
        CheckFloat(a, "MatMul", "a");
        CheckFloat(b, "MatMul", "b");
        CheckSameBackend(a, b, "MatMul");
        var sa = a.Shape;
        var sb = b.Shape;
        if (sa.Rank < 2 || sb.Rank < 2)
            throw new ArgumentException($"MatMul expects operands of rank 2 or more; got shapes {sa} and {sb}. Reshape vectors to (1, n) or (n, 1).");
        int m = transposeA ? sa[-1] : sa[-2];
        int k = transposeA ? sa[-2] : sa[-1];
        int kb = transposeB ? sb[-1] : sb[-2];
        int n = transposeB ? sb[-2] : sb[-1];
        if (k != kb)
            throw new ArgumentException($"MatMul: inner dimensions differ: a {sa}{(transposeA ? " (transposed)" : "")} has {k} columns, b {sb}{(transposeB ? " (transposed)" : "")} has {kb} rows.");
        // Batch dimensions broadcast.
        var batchA = new Shape(sa.Dims[..^2]);
        var batchB = new Shape(sb.Dims[..^2]);
        var batch = BroadcastShapes(batchA, batchB, "MatMul (batch dimensions)");
        Span<int> outDims = stackalloc int[batch.Rank + 2];
        batch.Dims.CopyTo(outDims);
        outDims[^2] = m;
        outDims[^1] = n;
        var y = Tensor.Empty(new Shape(outDims), DType.Float32, a.Backend);
        int batchCount = checked((int)batch.Size);
        // A side whose batch equals the full batch is addressed densely; one with no batch (or all ones)
        // broadcasts with stride 0; anything else is materialized.
        Tensor ea = a, eb = b;
        bool ownA = false, ownB = false;
        if (batchA.Size != 1 && batchA != batch) { ea = BroadcastToNoRecord(a, WithBatch(batch, sa)); ownA = true; }
        if (batchB.Size != 1 && batchB != batch) { eb = BroadcastToNoRecord(b, WithBatch(batch, sb)); ownB = true; }
        var p = new MatMulParams
        {
            Batch = batchCount, M = m, N = n, K = k, TransA = transposeA, TransB = transposeB,
            Lda = sa[-1], Ldb = sb[-1], Ldc = n,
            StrideA = batchA.Size == 1 ? 0 : (long)sa[-1] * sa[-2],
            StrideB = batchB.Size == 1 ? 0 : (long)sb[-1] * sb[-2],
            StrideC = (long)m * n, Alpha = 1f, Beta = 0f,
        };
        if (batchCount == 0 || m == 0 || n == 0) { }
        else if (k == 0) a.Backend.Fill(y.Buffer, DType.Float32, y.Size, 0);
        else a.Backend.MatMul(p, ea.Buffer, 0, eb.Buffer, 0, y.Buffer, 0);
        if (ownA) ea.Dispose();
        if (ownB) eb.Dispose();
        if (GradientTape.ShouldRecord(a, b) is { } tape)
        {
            var node = new TapeNode { Op = OpCode.MatMul, A = a, B = b, Out = y, Flag0 = transposeA, Flag1 = transposeB };
            tape.Record(ref node);
        }
        return y;
    }

    private static Shape WithBatch(Shape batch, Shape matrix)
    {
        Span<int> d = stackalloc int[batch.Rank + 2];
        batch.Dims.CopyTo(d);
        d[^2] = matrix[-2];
        d[^1] = matrix[-1];
        return new Shape(d);
    }

    /// <summary>A dense layer's forward pass as one fused kernel: <c>act(x·kernel + bias)</c>, where x is
    /// (..., in), kernel is (in, units) and bias is (units) or null. The leading axes of x fold into the rows of
    /// one GEMM whose epilogue adds the bias and applies the activation, so the layer costs one pass over its
    /// output instead of three; the gradient is one ReLU mask, two GEMMs and a column sum.</summary>
    public static Tensor Linear(Tensor x, Tensor kernel, Tensor bias = default, FusedActivation activation = FusedActivation.None)
    {
        CheckFloat(x, "Linear", "x");
        CheckFloat(kernel, "Linear", "kernel");
        CheckSameBackend(x, kernel, "Linear");
        var sx = x.Shape;
        var sk = kernel.Shape;
        if (sx.Rank < 1 || sk.Rank != 2 || sx[-1] != sk[0])
            throw new ArgumentException($"Linear expects x (..., in) and a kernel (in, units); got x {sx} and kernel {sk}.");
        int units = sk[1];
        if (!bias.IsNull)
        {
            CheckFloat(bias, "Linear", "bias");
            CheckSameBackend(x, bias, "Linear");
            if (bias.Shape.Rank != 1 || bias.Shape[0] != units)
                throw new ArgumentException($"Linear: the bias must have shape ({units}); got {bias.Shape}.", nameof(bias));
        }
        int k = sk[0];
        long rows = 1;
        for (int i = 0; i < sx.Rank - 1; i++) rows *= sx[i];
        var y = Tensor.Empty(sx.With(-1, units), DType.Float32, x.Backend);
        if (rows > 0 && units > 0)
        {
            if (k == 0) x.Backend.Fill(y.Buffer, DType.Float32, y.Size, 0);
            var p = MatMulParams.Dense(1, checked((int)rows), units, k, beta: k == 0 ? 1f : 0f);
            x.Backend.MatMul(p, x.Buffer, 0, kernel.Buffer, 0, y.Buffer, 0, bias.IsNull ? null : bias.Buffer, activation);
        }
        if (GradientTape.ShouldRecord(x, kernel, bias) is { } tape)
        {
            var node = new TapeNode { Op = OpCode.Linear, A = x, B = kernel, C = bias, Out = y, I0 = (int)activation };
            tape.Record(ref node);
        }
        return y;
    }

    /// <summary>Dot product of the last axis of a with the second-to-last of b (matrix product for rank 2).</summary>
    public static Tensor Dot(Tensor a, Tensor b) => MatMul(a, b);
}
