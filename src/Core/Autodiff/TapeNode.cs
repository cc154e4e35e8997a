using KerasNet.Backend;

namespace KerasNet;

/// <summary>What an op records for its backward pass.</summary>
internal enum OpCode
{
    Unary,
    Binary,
    Where,
    Reduce,
    MatMul,
    Reshape,
    Transpose,
    Slice,
    Pad,
    Concat,
    BroadcastTo,
    Take,
    ScatterAdd,
    Cast,
    Softmax,
    LogSoftmax,
    SoftmaxCrossEntropy,
    Conv,
    ConvTranspose,
    Pool,
    Copy,
    Linear,
    LstmSequence,
    GruSequence,
}

/// <summary>One recorded op: inputs, output, and what its vector-Jacobian rule needs. A struct kept in a
/// reused array, so recording allocates nothing.</summary>
internal struct TapeNode
{
    public OpCode Op;
    public Tensor A, B, C, Out, Saved;
    public int SlotA, SlotB, SlotC, SlotOut;
    public Tensor[]? Many;        // concat inputs (rented from ArrayPool)
    public int[]? ManySlots;      // their slots (rented)
    public int ManyCount;
    public int I0, I1;
    public float F0;
    public bool Flag0, Flag1;
    public Shape S0, S1;
    public ConvParams Conv;
    public PoolParams Pool;
}
