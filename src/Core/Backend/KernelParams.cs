namespace KerasNet.Backend;

/// <summary>An elementwise loop over an output of shape <see cref="OutShape"/> reading up to three inputs
/// through their own element strides (0 on a broadcast axis). Core builds it with adjacent axes already
/// coalesced, so a plain same-shape operation arrives as rank 1 with unit strides.</summary>
public readonly struct BroadcastPlan
{
    /// <summary>Output shape after coalescing.</summary>
    public Shape OutShape { get; init; }
    /// <summary>Element strides of input A over <see cref="OutShape"/>.</summary>
    public Shape AStrides { get; init; }
    /// <summary>Element strides of input B over <see cref="OutShape"/>.</summary>
    public Shape BStrides { get; init; }
    /// <summary>Element strides of input C (the third operand of Where) over <see cref="OutShape"/>.</summary>
    public Shape CStrides { get; init; }
    /// <summary>Number of output elements.</summary>
    public long Count => OutShape.Size;

    /// <summary>Builds the plan for inputs of the given shapes broadcast to <paramref name="outShape"/>.</summary>
    public static BroadcastPlan Create(Shape outShape, Shape a, Shape b, Shape c = default)
    {
        int rank = outShape.Rank;
        Span<int> o = stackalloc int[Shape.MaxRank];
        Span<int> sa = stackalloc int[Shape.MaxRank];
        Span<int> sb = stackalloc int[Shape.MaxRank];
        Span<int> sc = stackalloc int[Shape.MaxRank];
        FillStrides(outShape, a, sa);
        FillStrides(outShape, b, sb);
        FillStrides(outShape, c, sc);
        // Coalesce adjacent axes d-1, d when every operand is contiguous across them.
        int n = 0;
        for (int d = 0; d < rank; d++)
        {
            int size = outShape[d];
            if (size == 1) continue; // a size-1 axis adds nothing to the loop
            if (n > 0 && sa[n - 1] == sa[d] * size && sb[n - 1] == sb[d] * size && sc[n - 1] == sc[d] * size)
            {
                o[n - 1] *= size;
                sa[n - 1] = sa[d]; sb[n - 1] = sb[d]; sc[n - 1] = sc[d];
                continue;
            }
            o[n] = size; sa[n] = sa[d]; sb[n] = sb[d]; sc[n] = sc[d];
            n++;
        }
        if (n == 0) { o[0] = 1; sa[0] = 0; sb[0] = 0; sc[0] = 0; n = 1; }
        return new BroadcastPlan
        {
            OutShape = new Shape(o[..n]),
            AStrides = new Shape(sa[..n]),
            BStrides = new Shape(sb[..n]),
            CStrides = new Shape(sc[..n]),
        };
    }

    private static void FillStrides(Shape outShape, Shape x, Span<int> strides)
    {
        int rank = outShape.Rank, off = rank - x.Rank;
        int stride = 1;
        for (int d = rank - 1; d >= 0; d--)
        {
            int xd = d - off;
            if (xd < 0 || x[xd] == 1) strides[d] = 0;
            else { strides[d] = stride; stride *= x[xd]; }
        }
    }
}

/// <summary>A strided element copy: for every index i over <see cref="Shape"/>,
/// dst[DstOffset + i·DstStrides] = src[SrcOffset + i·SrcStrides]. Transpose, slice, broadcast-to, concat
/// and pad are all this one kernel.</summary>
public readonly struct StridedCopyParams
{
    /// <summary>The index space.</summary>
    public Shape Shape { get; init; }
    /// <summary>Source element strides (0 broadcasts).</summary>
    public Shape SrcStrides { get; init; }
    /// <summary>Destination element strides.</summary>
    public Shape DstStrides { get; init; }
    /// <summary>Source start, in elements.</summary>
    public long SrcOffset { get; init; }
    /// <summary>Destination start, in elements.</summary>
    public long DstOffset { get; init; }
}

/// <summary>A batched row-major matrix product C[b] = alpha·op(A[b])·op(B[b]) + beta·C[b], where op
/// transposes when asked. op(A) is M×K, op(B) is K×N, C is M×N. A batch stride of 0 broadcasts.</summary>
public readonly struct MatMulParams
{
    /// <summary>Number of matrices.</summary>
    public int Batch { get; init; }
    /// <summary>Rows of op(A) and C.</summary>
    public int M { get; init; }
    /// <summary>Columns of op(B) and C.</summary>
    public int N { get; init; }
    /// <summary>Inner dimension.</summary>
    public int K { get; init; }
    /// <summary>A is stored K×M and used transposed.</summary>
    public bool TransA { get; init; }
    /// <summary>B is stored N×K and used transposed.</summary>
    public bool TransB { get; init; }
    /// <summary>Leading dimension (row stride) of A as stored.</summary>
    public int Lda { get; init; }
    /// <summary>Leading dimension of B as stored.</summary>
    public int Ldb { get; init; }
    /// <summary>Leading dimension of C.</summary>
    public int Ldc { get; init; }
    /// <summary>Elements between consecutive A matrices (0 broadcasts).</summary>
    public long StrideA { get; init; }
    /// <summary>Elements between consecutive B matrices (0 broadcasts).</summary>
    public long StrideB { get; init; }
    /// <summary>Elements between consecutive C matrices.</summary>
    public long StrideC { get; init; }
    /// <summary>Scale of the product.</summary>
    public float Alpha { get; init; }
    /// <summary>Scale of the existing C (0 overwrites C without reading it).</summary>
    public float Beta { get; init; }

    /// <summary>Dense row-major parameters for a single or batched product with no broadcasting.</summary>
    public static MatMulParams Dense(int batch, int m, int n, int k, bool transA = false, bool transB = false,
        float alpha = 1f, float beta = 0f) => new()
    {
        Batch = batch, M = m, N = n, K = k, TransA = transA, TransB = transB,
        Lda = transA ? m : k, Ldb = transB ? k : n, Ldc = n,
        StrideA = (long)m * k, StrideB = (long)k * n, StrideC = (long)m * n,
        Alpha = alpha, Beta = beta,
    };
}

/// <summary>A 2-D convolution over NHWC data with a (KH, KW, C/Groups, OutC) kernel, as Keras lays them
/// out. Padding is explicit (Core turns "same"/"valid" into it); 1-D convolutions use H = KH = 1.</summary>
public readonly struct ConvParams
{
    /// <summary>Batch size.</summary>
    public int N { get; init; }
    /// <summary>Input height.</summary>
    public int H { get; init; }
    /// <summary>Input width.</summary>
    public int W { get; init; }
    /// <summary>Input channels.</summary>
    public int C { get; init; }
    /// <summary>Output height.</summary>
    public int OutH { get; init; }
    /// <summary>Output width.</summary>
    public int OutW { get; init; }
    /// <summary>Output channels.</summary>
    public int OutC { get; init; }
    /// <summary>Kernel height.</summary>
    public int KH { get; init; }
    /// <summary>Kernel width.</summary>
    public int KW { get; init; }
    /// <summary>Vertical stride.</summary>
    public int StrideH { get; init; }
    /// <summary>Horizontal stride.</summary>
    public int StrideW { get; init; }
    /// <summary>Vertical dilation.</summary>
    public int DilationH { get; init; }
    /// <summary>Horizontal dilation.</summary>
    public int DilationW { get; init; }
    /// <summary>Rows of zero padding above the input.</summary>
    public int PadTop { get; init; }
    /// <summary>Columns of zero padding left of the input.</summary>
    public int PadLeft { get; init; }
    /// <summary>Channel groups: C and OutC are both divisible by it; each group sees C/Groups inputs.</summary>
    public int Groups { get; init; }
}

/// <summary>A 2-D pooling window over NHWC data with explicit padding; 1-D pooling uses H = PoolH = 1.</summary>
public readonly struct PoolParams
{
    /// <summary>Max or average.</summary>
    public PoolKind Kind { get; init; }
    /// <summary>Batch size.</summary>
    public int N { get; init; }
    /// <summary>Input height.</summary>
    public int H { get; init; }
    /// <summary>Input width.</summary>
    public int W { get; init; }
    /// <summary>Channels.</summary>
    public int C { get; init; }
    /// <summary>Output height.</summary>
    public int OutH { get; init; }
    /// <summary>Output width.</summary>
    public int OutW { get; init; }
    /// <summary>Window height.</summary>
    public int PoolH { get; init; }
    /// <summary>Window width.</summary>
    public int PoolW { get; init; }
    /// <summary>Vertical stride.</summary>
    public int StrideH { get; init; }
    /// <summary>Horizontal stride.</summary>
    public int StrideW { get; init; }
    /// <summary>Rows of padding above.</summary>
    public int PadTop { get; init; }
    /// <summary>Columns of padding left.</summary>
    public int PadLeft { get; init; }
}

/// <summary>Hyperparameters of one fused optimizer update over a Float32 variable of <see cref="Count"/>
/// elements (<see cref="IBackend.OptimizerUpdate"/>). The learning rate itself stays on the device (a
/// one-element buffer, so schedules need no host round trip); <see cref="LearningRateScale"/> multiplies
/// it (Adam's bias correction, 1 otherwise).</summary>
public readonly struct OptimizerUpdateParams
{
    /// <summary>The update rule.</summary>
    public OptimizerUpdateKind Kind { get; init; }
    /// <summary>Elements in the variable, the gradient and every slot.</summary>
    public long Count { get; init; }
    /// <summary>Factor applied to the learning rate read from the device.</summary>
    public float LearningRateScale { get; init; }
    /// <summary>SGD momentum (0: plain SGD, no slot).</summary>
    public float Momentum { get; init; }
    /// <summary>SGD Nesterov momentum.</summary>
    public bool Nesterov { get; init; }
    /// <summary>Adam β₁.</summary>
    public float Beta1 { get; init; }
    /// <summary>Adam β₂.</summary>
    public float Beta2 { get; init; }
    /// <summary>Adam ε, added to √v.</summary>
    public float Epsilon { get; init; }
    /// <summary>Adam with AMSGrad (slot 2 is v̂).</summary>
    public bool Amsgrad { get; init; }
}

/// <summary>Where one operand of a fused LSTM cell kernel lies: row r of the (Batch, Units) or (Batch, 4·Units)
/// matrix starts at element <see cref="Offset"/> + r·<see cref="Stride"/> of its buffer. Strided rows let a
/// kernel read and write one time step of a (batch, timesteps, features) tensor in place.</summary>
public readonly struct LstmRows
{
    /// <summary>Element offset of row 0.</summary>
    public long Offset { get; init; }
    /// <summary>Elements between the starts of consecutive rows (at least the row's length).</summary>
    public int Stride { get; init; }

    /// <summary>Rows starting at <paramref name="offset"/>, <paramref name="stride"/> elements apart.</summary>
    public static LstmRows At(long offset, int stride) => new() { Offset = offset, Stride = stride };
}

/// <summary>One time step of the fused LSTM cell (<see cref="IBackend.LstmCellForward"/>) over
/// <see cref="Batch"/> rows of <see cref="Units"/> units, gates in Keras's order i, f, c (g), o. Every operand
/// has its own <see cref="LstmRows"/>; an operand whose buffer is passed as null is ignored.</summary>
public readonly struct LstmCellParams
{
    /// <summary>Number of rows (batch size).</summary>
    public int Batch { get; init; }
    /// <summary>Number of units U (gate rows are 4·U long).</summary>
    public int Units { get; init; }
    /// <summary>Forward: h_{t-1}·recurrent_kernel on entry, the activated gates [i, f, g, o] on return. Backward:
    /// the activated gates saved by the forward pass.</summary>
    public LstmRows Gates { get; init; }
    /// <summary>Forward: the projected input x_t·kernel + bias (4·U per row).</summary>
    public LstmRows Input { get; init; }
    /// <summary>c_{t-1} (U per row); a null buffer means zeros.</summary>
    public LstmRows CPrev { get; init; }
    /// <summary>c_t: written by the forward pass, read by the backward pass.</summary>
    public LstmRows C { get; init; }
    /// <summary>Forward: a second copy of c_t (optional).</summary>
    public LstmRows CCopy { get; init; }
    /// <summary>Forward: h_t (optional). Backward: the incoming gradient of h_t (optional, zeros when null).</summary>
    public LstmRows H { get; init; }
    /// <summary>Forward: a second copy of h_t (optional). Backward: a second gradient of h_t added to
    /// <see cref="H"/> (optional).</summary>
    public LstmRows HCopy { get; init; }
    /// <summary>Backward: the incoming gradient of c_t (optional, zeros when null).</summary>
    public LstmRows DC { get; init; }
    /// <summary>Backward: the gradient of c_{t-1}, written (optional); may be the same rows as <see cref="DC"/>.</summary>
    public LstmRows DCPrev { get; init; }
    /// <summary>Backward: the gradient of the pre-activation gates z_t (4·U per row), written.</summary>
    public LstmRows DZ { get; init; }
}

/// <summary>One time step of the fused GRU cell (<see cref="IBackend.GruCellForward"/>,
/// <see cref="IBackend.GruCellBackward"/>) over <see cref="Batch"/> rows of <see cref="Units"/> units, gates in
/// Keras's order z (update), r (reset), h (candidate), reset applied after the recurrent product (Keras's
/// <c>reset_after=True</c>). Every operand has its own <see cref="LstmRows"/>; an operand whose buffer is passed as
/// null is ignored.</summary>
public readonly struct GruCellParams
{
    /// <summary>Number of rows (batch size).</summary>
    public int Batch { get; init; }
    /// <summary>Number of units U (gate rows are 3·U long).</summary>
    public int Units { get; init; }
    /// <summary>Forward: h_{t-1}·recurrent_kernel on entry, the activated gates [z, r, ĥ] on return. Backward: the
    /// activated gates saved by the forward pass.</summary>
    public LstmRows Gates { get; init; }
    /// <summary>Forward: the projected input x_t·kernel + input bias (3·U per row).</summary>
    public LstmRows Input { get; init; }
    /// <summary>Forward: the recurrent bias (3·U per row; a stride of 0 repeats one row for every row).</summary>
    public LstmRows Bias { get; init; }
    /// <summary>h_{t-1} (U per row); a null buffer means zeros.</summary>
    public LstmRows HPrev { get; init; }
    /// <summary>The candidate's recurrent part h_{t-1}·U_h + b_h (U per row): written by the forward pass, read by the
    /// backward pass.</summary>
    public LstmRows RecurrentH { get; init; }
    /// <summary>Forward: h_t (optional). Backward: the incoming gradient of h_t (optional, zeros when null).</summary>
    public LstmRows H { get; init; }
    /// <summary>Forward: a second copy of h_t (optional). Backward: a second gradient of h_t added to
    /// <see cref="H"/> (optional).</summary>
    public LstmRows HCopy { get; init; }
    /// <summary>Backward: the direct part z·dh of the gradient of h_{t-1}, written (optional); may be the same rows
    /// as <see cref="H"/>.</summary>
    public LstmRows DHPrev { get; init; }
    /// <summary>Backward: the gradient of the projected input (3·U per row), written.</summary>
    public LstmRows DInput { get; init; }
    /// <summary>Backward: the gradient of the recurrent part a = h_{t-1}·recurrent_kernel + recurrent bias (3·U per
    /// row), written; may be the same rows as <see cref="Gates"/>.</summary>
    public LstmRows DRecurrent { get; init; }
}
