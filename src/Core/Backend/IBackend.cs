namespace KerasNet.Backend;

/// <summary>The kernel contract every engine implements: forward kernels over opaque device buffers, plus
/// the few backward kernels that are kernels in their own right (convolution and pooling gradients, the
/// fused softmax-cross-entropy gradient). Autodiff lives in Core and is written in terms of these, so a
/// backend gets training for free. Buffers never expose host pointers to Core; data crosses to the host
/// only through <see cref="Upload"/> and <see cref="Download"/>. All element counts and offsets are in
/// elements of the stated dtype unless a name says bytes. Kernels may run asynchronously on a device;
/// <see cref="Download"/> and <see cref="Synchronize"/> are the sync points.</summary>
public interface IBackend
{
    /// <summary>Backend name as selected by KERASNET_BACKEND ("native").</summary>
    string Name { get; }

    /// <summary>Device this instance runs on ("cpu", "cuda:0").</summary>
    string Device { get; }

    /// <summary>Allocates (or takes from the pool) a buffer of at least <paramref name="byteLength"/> bytes.</summary>
    DeviceBuffer Allocate(long byteLength);

    /// <summary>Takes back a buffer nobody references any more (into the pool, or frees it).</summary>
    void Recycle(DeviceBuffer buffer);

    /// <summary>Frees every pooled buffer not in use.</summary>
    void ClearPool();

    /// <summary>Host to device copy.</summary>
    void Upload(ReadOnlySpan<byte> source, DeviceBuffer destination, long destinationByteOffset);

    /// <summary>Device to host copy; waits for pending work on the buffer.</summary>
    void Download(DeviceBuffer source, long sourceByteOffset, Span<byte> destination);

    /// <summary>Device to device copy of raw bytes.</summary>
    void Copy(DeviceBuffer source, long sourceByteOffset, DeviceBuffer destination, long destinationByteOffset, long byteCount);

    /// <summary>Sets <paramref name="count"/> elements to <paramref name="value"/> converted to the dtype.</summary>
    void Fill(DeviceBuffer destination, DType dtype, long count, double value);

    /// <summary>Converts elements between dtypes (float to integer truncates toward zero; to Bool is x != 0).</summary>
    void Cast(DeviceBuffer source, DType sourceType, DeviceBuffer destination, DType destinationType, long count);

    /// <summary>y = op(x) elementwise; Float32 for the math ops, Int32/Int64 for Negate, Abs, Sign, Square; Bool for LogicalNot.</summary>
    void Unary(UnaryOp op, DeviceBuffer x, DeviceBuffer y, DType dtype, long count, float alpha);

    /// <summary>y = a op b with broadcasting; a, b and y share the dtype. y may alias a or b when shapes match.</summary>
    void Binary(BinaryOp op, DeviceBuffer a, DeviceBuffer b, DeviceBuffer y, DType dtype, in BroadcastPlan plan);

    /// <summary>y (Bool) = a op b with broadcasting; a and b share <paramref name="dtype"/>.</summary>
    void Compare(CompareOp op, DeviceBuffer a, DeviceBuffer b, DeviceBuffer y, DType dtype, in BroadcastPlan plan);

    /// <summary>y = cond ? a : b with broadcasting; cond is Bool (plan's A), a and b (B, C) share <paramref name="dtype"/>.</summary>
    void Where(DeviceBuffer condition, DeviceBuffer a, DeviceBuffer b, DeviceBuffer y, DType dtype, in BroadcastPlan plan);

    /// <summary>Reduces the middle axis of x viewed as (outer, reduce, inner) into y of (outer, inner).
    /// Float32 for every op; Int32 and Int64 for Sum, Max and Min.</summary>
    void Reduce(ReduceOp op, DeviceBuffer x, DeviceBuffer y, DType dtype, int outer, int reduce, int inner);

    /// <summary>Index (Int32) of the first maximum (or minimum) along the middle axis of a Float32 (outer, reduce, inner) view.</summary>
    void ArgReduce(bool max, DeviceBuffer x, DeviceBuffer y, int outer, int reduce, int inner);

    /// <summary>Batched Float32 matrix product; see <see cref="MatMulParams"/>.</summary>
    void MatMul(in MatMulParams p, DeviceBuffer a, long aOffset, DeviceBuffer b, long bOffset, DeviceBuffer c, long cOffset) =>
        MatMul(p, a, aOffset, b, bOffset, c, cOffset, null, FusedActivation.None);

    /// <summary>Batched Float32 matrix product with a fused epilogue:
    /// C[b] = act(alpha·op(A[b])·op(B[b]) + beta·C[b] + bias), where <paramref name="bias"/> (N floats, or
    /// null) is added to every row of each C. A fused ReLU keeps NaN (as the ReLU op). With a bias or an
    /// activation every batch entry needs its own C: products accumulated into one C (StrideC 0, Batch &gt; 1)
    /// are refused with <see cref="ArgumentException"/>.</summary>
    void MatMul(in MatMulParams p, DeviceBuffer a, long aOffset, DeviceBuffer b, long bOffset, DeviceBuffer c, long cOffset,
        DeviceBuffer? bias, FusedActivation activation);

    /// <summary>Convolution forward: y (N, OutH, OutW, OutC) = conv(x (N, H, W, C), w (KH, KW, C/G, OutC)).</summary>
    void Conv2D(in ConvParams p, DeviceBuffer x, DeviceBuffer w, DeviceBuffer y) => Conv2D(p, x, w, y, null, FusedActivation.None);

    /// <summary>Convolution forward with a fused epilogue: y = act(conv(x, w) + bias), where
    /// <paramref name="bias"/> (OutC floats, or null) is added to every output pixel.</summary>
    void Conv2D(in ConvParams p, DeviceBuffer x, DeviceBuffer w, DeviceBuffer y, DeviceBuffer? bias, FusedActivation activation);

    /// <summary>Gradient of the convolution with respect to its input: dx (N, H, W, C), overwritten.</summary>
    void Conv2DBackwardInput(in ConvParams p, DeviceBuffer dy, DeviceBuffer w, DeviceBuffer dx);

    /// <summary>Gradient of the convolution with respect to its kernel: dw (KH, KW, C/G, OutC), overwritten.</summary>
    void Conv2DBackwardFilter(in ConvParams p, DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dw);

    /// <summary>Pooling forward: y (N, OutH, OutW, C).</summary>
    void Pool2D(in PoolParams p, DeviceBuffer x, DeviceBuffer y);

    /// <summary>Pooling backward: dx (N, H, W, C), overwritten. Max routes each gradient to the first
    /// maximum in its window; average spreads it over the window's in-bounds elements.</summary>
    void Pool2DBackward(in PoolParams p, DeviceBuffer x, DeviceBuffer y, DeviceBuffer dy, DeviceBuffer dx);

    /// <summary>y (outer, count, inner) = x (outer, axisSize, inner) gathered along the middle axis by
    /// Int32 or Int64 indices; an index outside [0, axisSize) throws (CPU) or is clamped and reported.</summary>
    void Gather(DeviceBuffer x, DeviceBuffer indices, DType indexType, DeviceBuffer y, DType dtype, int outer, int axisSize, int inner, int count);

    /// <summary>y (outer, axisSize, inner) += updates (outer, count, inner) scattered along the middle axis; Float32.</summary>
    void ScatterAdd(DeviceBuffer updates, DeviceBuffer indices, DType indexType, DeviceBuffer y, int outer, int axisSize, int inner, int count);

    /// <summary>Softmax (or log-softmax) of each row of a (rows, cols) Float32 matrix.</summary>
    void Softmax(DeviceBuffer x, DeviceBuffer y, int rows, int cols, bool log);

    /// <summary>Fused softmax cross-entropy over rows of logits (rows, cols). Labels are class indices
    /// (Int32/Int64, one per row) or Float32 probabilities (rows, cols). Writes the per-row loss
    /// sum_j target_j·(logsumexp(row) - logits_j) and, when <paramref name="gradient"/> is not null,
    /// d(loss_row)/d(logits) = softmax·sum(target) - target (softmax - target for a distribution or a class
    /// index).</summary>
    void SoftmaxCrossEntropy(DeviceBuffer logits, DeviceBuffer labels, DType labelType, DeviceBuffer loss, DeviceBuffer? gradient, int rows, int cols);

    /// <summary>Counter-based random numbers (Philox4x32-10 keyed by the seed), so results do not depend on
    /// threads or devices. Counters count 32-bit words: a Uniform or Bernoulli element i is word offset + i;
    /// a Normal or TruncatedNormal element takes a whole block of four words, element i the block starting at
    /// word offset + 4i (offset a multiple of 4). Float32 output.</summary>
    void Random(RandomDistribution distribution, DeviceBuffer y, long count, ulong seed, ulong offset, float a, float b);

    /// <summary>Strided element copy; see <see cref="StridedCopyParams"/>.</summary>
    void StridedCopy(in StridedCopyParams p, DeviceBuffer source, DeviceBuffer destination, DType dtype);

    /// <summary>One fused optimizer step on a Float32 variable: reads the gradient, the slots the rule needs
    /// (null otherwise) and the learning rate (element 0 of <paramref name="learningRate"/>), and updates the
    /// variable and slots in place; see <see cref="OptimizerUpdateKind"/>. For Adam, <paramref name="iterations"/>
    /// (an Int64 count of the updates applied so far, or null) makes the kernel fold in the bias correction
    /// √(1 − β₂ᵗ)/(1 − β₁ᵗ) at t = count + 1 itself, computed in double and rounded to float, after
    /// <see cref="OptimizerUpdateParams.LearningRateScale"/>: with the count on the device, the step has no
    /// per-step host value, so a captured step replays correctly.</summary>
    void OptimizerUpdate(in OptimizerUpdateParams p, DeviceBuffer learningRate, DeviceBuffer variable, DeviceBuffer gradient,
        DeviceBuffer? slot0, DeviceBuffer? slot1, DeviceBuffer? slot2, DeviceBuffer? iterations = null);

    /// <summary>One time step of a Keras LSTM cell with its default activations (tanh, and sigmoid for the gates),
    /// for every row r in [0, Batch) and unit j in [0, U), all Float32, rows addressed per <see cref="LstmCellParams"/>:
    /// <c>z_k = gates[k·U + j] + input[k·U + j]</c> for the gates k = 0 (i), 1 (f), 2 (g), 3 (o);
    /// <c>i = σ(z_0)</c>, <c>f = σ(z_1)</c>, <c>g = tanh(z_2)</c>, <c>o = σ(z_3)</c> (σ(x) = 1/(1+e^−x));
    /// <c>c = f·cPrev + i·g</c> (cPrev = 0 when <paramref name="cPrev"/> is null); <c>h = o·tanh(c)</c>.
    /// Writes i, f, g, o over <paramref name="gates"/> (in place), c to <paramref name="c"/> and, when not null,
    /// to <paramref name="cCopy"/>, and h to <paramref name="h"/> and <paramref name="hCopy"/> when not null.
    /// Written rows must not overlap any row read, except each gate row, which is read then overwritten.</summary>
    void LstmCellForward(in LstmCellParams p, DeviceBuffer gates, DeviceBuffer input, DeviceBuffer? cPrev, DeviceBuffer c,
        DeviceBuffer? cCopy, DeviceBuffer? h, DeviceBuffer? hCopy);

    /// <summary>The backward pass of <see cref="LstmCellForward"/> for one time step, from the saved activated
    /// gates i, f, g, o (<paramref name="gates"/>), cPrev (zeros when null) and c: with
    /// <c>dh = dh1 + dh2</c> (each zero when its buffer is null: <paramref name="dh"/> at <c>p.H</c>,
    /// <paramref name="dh2"/> at <c>p.HCopy</c>), <c>dc_in</c> (<paramref name="dc"/> at <c>p.DC</c>, zero when null)
    /// and <c>τ = tanh(c)</c>: <c>dcT = dc_in + dh·o·(1 − τ²)</c>; the pre-activation gradients
    /// <c>dz_i = dcT·g·i(1−i)</c>, <c>dz_f = dcT·cPrev·f(1−f)</c>, <c>dz_g = dcT·i·(1−g²)</c>,
    /// <c>dz_o = dh·τ·o(1−o)</c> go to <paramref name="dz"/> in gate order; <c>dcPrev = dcT·f</c> goes to
    /// <paramref name="dcPrev"/> when not null (it may be the same rows as <paramref name="dc"/>).</summary>
    void LstmCellBackward(in LstmCellParams p, DeviceBuffer gates, DeviceBuffer? cPrev, DeviceBuffer c, DeviceBuffer? dh,
        DeviceBuffer? dh2, DeviceBuffer? dc, DeviceBuffer? dcPrev, DeviceBuffer dz);

    /// <summary>One time step of a Keras GRU cell with <c>reset_after=True</c> and its default activations (tanh,
    /// and sigmoid for the gates), for every row r in [0, Batch) and unit j in [0, U), all Float32, rows addressed
    /// per <see cref="GruCellParams"/>: with <c>a_k = gates[k·U + j] + bias[k·U + j]</c> (bias 0 when
    /// <paramref name="bias"/> is null) for k = 0 (z), 1 (r), 2 (h) and <c>x_k = input[k·U + j]</c>:
    /// <c>z = σ(x_0 + a_0)</c>, <c>r = σ(x_1 + a_1)</c>, <c>ĥ = tanh(x_2 + r·a_2)</c> (σ(x) = 1/(1+e^−x)),
    /// <c>h = ĥ + z·(hPrev − ĥ)</c> (hPrev = 0 when <paramref name="hPrev"/> is null). Writes z, r, ĥ over
    /// <paramref name="gates"/> (in place), a_2 to <paramref name="recurrentH"/>, and h to <paramref name="h"/> and
    /// <paramref name="hCopy"/> when not null. Written rows must not overlap any row read, except each gate row,
    /// which is read then overwritten.</summary>
    void GruCellForward(in GruCellParams p, DeviceBuffer gates, DeviceBuffer input, DeviceBuffer? bias, DeviceBuffer? hPrev,
        DeviceBuffer recurrentH, DeviceBuffer? h, DeviceBuffer? hCopy);

    /// <summary>The backward pass of <see cref="GruCellForward"/> for one time step, from the saved activated gates
    /// z, r, ĥ (<paramref name="gates"/>), a_2 (<paramref name="recurrentH"/>) and hPrev (zeros when null): with
    /// <c>dh = dh1 + dh2</c> (each zero when its buffer is null: <paramref name="dh"/> at <c>p.H</c>,
    /// <paramref name="dh2"/> at <c>p.HCopy</c>), <c>d_z = dh·(hPrev − ĥ)·z(1−z)</c>,
    /// <c>d_h = dh·(1−z)·(1−ĥ²)</c>, <c>d_r = d_h·a_2·r(1−r)</c>: writes [d_z, d_r, d_h] to <paramref name="dInput"/>,
    /// [d_z, d_r, d_h·r] (the gradient of the recurrent part a) to <paramref name="dRecurrent"/> (its rows may be the
    /// gate rows), and <c>dh·z</c> to <paramref name="dhPrev"/> when not null (it may be the same rows as
    /// <paramref name="dh"/>). No other written row may overlap a row read.</summary>
    void GruCellBackward(in GruCellParams p, DeviceBuffer gates, DeviceBuffer recurrentH, DeviceBuffer? hPrev, DeviceBuffer? dh,
        DeviceBuffer? dh2, DeviceBuffer? dhPrev, DeviceBuffer dInput, DeviceBuffer dRecurrent);

    /// <summary>Waits until all queued work has finished.</summary>
    void Synchronize();
}
