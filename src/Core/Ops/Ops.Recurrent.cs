using System.Buffers;
using KerasNet.Backend;

namespace KerasNet;

public static partial class Ops
{
    // Layouts of the one output tensor the fused LSTM op records (the tape has one output per node; the
    // public outputs are that tensor or slices of it).
    private const int LstmSequenceOnly = 0; // (B, T, U): the sequence
    private const int LstmLastOnly = 1;     // (B, U): the last h
    private const int LstmPacked = 2;       // (B, S + 2, U): S sequence rows (S = T or 0), then the last h and the last c

    /// <summary>A whole LSTM layer's recurrence as one fused op (as cuDNN runs it), with Keras's default
    /// activations (tanh, and sigmoid for the gates) and gates in Keras's order i, f, c (g), o:
    /// for each step <c>z_t = projected[:, t] + h_{t-1}·recurrentKernel</c>, <c>i, f, o = σ(z_i, z_f, z_o)</c>,
    /// <c>g = tanh(z_g)</c>, <c>c_t = f·c_{t-1} + i·g</c>, <c>h_t = o·tanh(c_t)</c>. One matrix product and one
    /// fused cell kernel per step; the gradient is one tape node whose backward pass runs the steps in reverse
    /// (one cell-backward kernel and one matrix product each) and the recurrent kernel's gradient as one matrix
    /// product over all steps.</summary>
    /// <param name="projected">The projected inputs <c>x·kernel + bias</c> of every step, (batch, timesteps, 4·units).</param>
    /// <param name="recurrentKernel">(units, 4·units).</param>
    /// <param name="initialH">h_0, (batch, units), or default for zeros.</param>
    /// <param name="initialC">c_0, (batch, units), or default for zeros.</param>
    /// <param name="returnSequences">Return every step's h, (batch, timesteps, units), rather than the last (batch, units).</param>
    /// <param name="goBackwards">Process the steps from the last; the returned sequence is in processing order, as Keras's.</param>
    /// <param name="returnState">Also return the last h and c.</param>
    /// <param name="lastH">The last h, (batch, units), with <paramref name="returnState"/>; default otherwise.</param>
    /// <param name="lastC">The last c, (batch, units), with <paramref name="returnState"/>; default otherwise.</param>
    /// <returns>The sequence of h or the last h.</returns>
    public static Tensor LstmSequence(Tensor projected, Tensor recurrentKernel, Tensor initialH, Tensor initialC, bool returnSequences,
        bool goBackwards, bool returnState, out Tensor lastH, out Tensor lastC) =>
        LstmSequence(projected, recurrentKernel, initialH, initialC, returnSequences, goBackwards, returnState, sequenceInTimeOrder: false,
            out lastH, out lastC);

    /// <summary><see cref="LstmSequence(Tensor, Tensor, Tensor, Tensor, bool, bool, bool, out Tensor, out Tensor)"/>;
    /// with <paramref name="sequenceInTimeOrder"/> a backwards run returns its sequence in the inputs' time order
    /// (what Bidirectional wants) instead of the processing order.</summary>
    internal static Tensor LstmSequence(Tensor projected, Tensor recurrentKernel, Tensor initialH, Tensor initialC, bool returnSequences,
        bool goBackwards, bool returnState, bool sequenceInTimeOrder, out Tensor lastH, out Tensor lastC)
    {
        CheckFloat(projected, "LstmSequence", nameof(projected));
        CheckFloat(recurrentKernel, "LstmSequence", nameof(recurrentKernel));
        CheckSameBackend(projected, recurrentKernel, "LstmSequence");
        var sp = projected.Shape;
        var sk = recurrentKernel.Shape;
        if (sk.Rank != 2 || sk[1] != 4 * sk[0])
            throw new ArgumentException($"LstmSequence: the recurrent kernel must have shape (units, 4·units); got {sk}.", nameof(recurrentKernel));
        int u = sk[0];
        if (sp.Rank != 3 || sp[2] != 4 * u)
            throw new ArgumentException($"LstmSequence: projected must have shape (batch, timesteps, {4 * u}) for {u} units; got {sp}.", nameof(projected));
        int b = sp[0], t = sp[1];
        if (t <= 0) throw new ArgumentException($"LstmSequence needs at least one time step; got projected of shape {sp}.", nameof(projected));
        CheckLstmState(initialH, projected, b, u, nameof(initialH));
        CheckLstmState(initialC, projected, b, u, nameof(initialC));
        int mode = returnState ? LstmPacked : returnSequences ? LstmSequenceOnly : LstmLastOnly;
        var raw = LstmForward(projected, recurrentKernel, initialH, initialC, mode, returnSequences, goBackwards, sequenceInTimeOrder && goBackwards);
        if (!returnState)
        {
            lastH = default;
            lastC = default;
            return raw;
        }
        int s = returnSequences ? t : 0;
        var stateShape = new Shape(b, u);
        using (var h = SliceAxis(raw, 1, s, 1)) lastH = Reshape(h, stateShape);
        using (var c = SliceAxis(raw, 1, s + 1, 1)) lastC = Reshape(c, stateShape);
        Tensor output;
        if (s > 0) output = SliceAxis(raw, 1, 0, t);
        else using (var h = SliceAxis(raw, 1, s, 1)) output = Reshape(h, stateShape);
        raw.Dispose();
        return output;
    }

    private static void CheckLstmState(Tensor state, Tensor projected, int b, int u, string name)
    {
        if (state.IsNull) return;
        CheckFloat(state, "LstmSequence", name);
        CheckSameBackend(projected, state, "LstmSequence");
        if (state.Shape != new Shape(b, u))
            throw new ArgumentException($"LstmSequence: {name} must have shape ({b}, {u}); got {state.Shape}.", name);
    }

    /// <summary>Rows of the output sequence in the raw output (mode's S), its rows per batch element, and the rows
    /// of the last h and c (-1 when absent).</summary>
    private static (int SeqRows, int RowsPerBatch, int HRow, int CRow) LstmLayout(int mode, int t, bool returnSequences) => mode switch
    {
        LstmSequenceOnly => (t, t, -1, -1),
        LstmLastOnly => (0, 1, 0, -1),
        _ => returnSequences ? (t, t + 2, t, t + 1) : (0, 2, 0, 1),
    };

    private static Tensor LstmForward(Tensor projected, Tensor kernel, Tensor h0, Tensor c0, int mode, bool returnSequences, bool goBackwards,
        bool timeOrder)
    {
        var backend = projected.Backend;
        int b = projected.Shape[0], t = projected.Shape[1], u = kernel.Shape[0], g4 = 4 * u;
        var (seqRows, rowsPer, hRow, cRow) = LstmLayout(mode, t, returnSequences);
        var output = Tensor.Empty(mode == LstmLastOnly ? new Shape(b, u) : new Shape(b, rowsPer, u), DType.Float32, backend);
        var tape = GradientTape.ShouldRecord(projected, kernel, h0) ?? GradientTape.ShouldRecord(c0);
        bool record = tape is not null;
        if (b == 0 || u == 0)
        {
            if (record) RecordSequence(OpCode.LstmSequence, tape!, projected, kernel, h0, c0, output, default, mode, returnSequences, goBackwards, timeOrder);
            return output;
        }
        long bt = (long)b * t;
        // Training saves every step: the activated gates G (B, T, 4U), c_t (B, T, U) and the h entering each step
        // (B, T, U), all indexed by time. Inference keeps one step of gates and two of h and c.
        long gSize = record ? bt * g4 : (long)b * g4;
        long cOff = gSize, cSize = record ? bt * u : 2L * b * u;
        long hOff = cOff + cSize, hSize = cSize;
        var work = Tensor.Empty(new Shape(checked((int)(hOff + hSize))), DType.Float32, backend);
        var wb = work.Buffer;
        int gStride = record ? t * g4 : g4, sStride = record ? t * u : u;
        var kb = kernel.Buffer;
        var ob = output.Buffer;
        int oStride = rowsPer * u;
        Tensor zero = default;
        for (int k = 0; k < t; k++)
        {
            int ti = goBackwards ? t - 1 - k : k;
            int prev = goBackwards ? ti + 1 : ti - 1, next = goBackwards ? ti - 1 : ti + 1;
            long gOffset = record ? (long)ti * g4 : 0;
            // h_{t-1}·U into the gate rows (zeros at the first step without an initial h).
            DeviceBuffer? hPrevBuffer;
            long hPrevOffset;
            int hPrevStride;
            if (k == 0)
            {
                if (record)
                {
                    // The h entering the first step is saved for the recurrent kernel's gradient.
                    if (h0.IsNull) ZeroRows(backend, ref zero, wb, hOff + (long)ti * u, b, u, sStride);
                    else CopyRows(backend, h0.Buffer, 0, u, wb, hOff + (long)ti * u, sStride, b, u);
                }
                hPrevBuffer = h0.IsNull ? null : h0.Buffer;
                hPrevOffset = 0;
                hPrevStride = u;
            }
            else
            {
                hPrevBuffer = wb;
                hPrevOffset = record ? hOff + (long)ti * u : hOff + (long)((k - 1) & 1) * b * u;
                hPrevStride = sStride;
            }
            if (hPrevBuffer is null) ZeroRows(backend, ref zero, wb, gOffset, b, g4, gStride);
            else
            {
                var mp = new MatMulParams
                {
                    Batch = 1, M = b, N = g4, K = u, Lda = hPrevStride, Ldb = g4, Ldc = gStride,
                    StrideA = 0, StrideB = 0, StrideC = 0, Alpha = 1f, Beta = 0f,
                };
                backend.MatMul(mp, hPrevBuffer, hPrevOffset, kb, 0, wb, gOffset);
            }
            bool last = k == t - 1;
            DeviceBuffer? cPrev = k == 0 ? (c0.IsNull ? null : c0.Buffer) : wb;
            long cPrevOffset = k == 0 ? 0 : record ? cOff + (long)prev * u : cOff + (long)((k - 1) & 1) * b * u;
            int cPrevStride = k == 0 ? u : sStride;
            long cOutOffset = record ? cOff + (long)ti * u : cOff + (long)(k & 1) * b * u;
            // h: into the next step's slot, or at the last step into the output's last-h row; a copy goes to the
            // output sequence.
            DeviceBuffer? h = null, hCopy = null;
            LstmRows hRows = default, hCopyRows = default;
            if (!last)
            {
                h = wb;
                hRows = LstmRows.At(record ? hOff + (long)next * u : hOff + (long)(k & 1) * b * u, sStride);
            }
            else if (hRow >= 0)
            {
                h = ob;
                hRows = LstmRows.At((long)hRow * u, oStride);
            }
            if (seqRows > 0)
            {
                hCopy = ob;
                hCopyRows = LstmRows.At((long)(timeOrder ? ti : k) * u, oStride);
            }
            var p = new LstmCellParams
            {
                Batch = b, Units = u,
                Gates = LstmRows.At(gOffset, gStride),
                Input = LstmRows.At((long)ti * g4, t * g4),
                CPrev = LstmRows.At(cPrevOffset, cPrevStride),
                C = LstmRows.At(cOutOffset, sStride),
                CCopy = LstmRows.At((long)Math.Max(cRow, 0) * u, oStride),
                H = hRows,
                HCopy = hCopyRows,
            };
            backend.LstmCellForward(p, wb, projected.Buffer, cPrev, wb, last && cRow >= 0 ? ob : null, h, hCopy);
        }
        zero.Dispose();
        if (record) RecordSequence(OpCode.LstmSequence, tape!, projected, kernel, h0, c0, output, work, mode, returnSequences, goBackwards, timeOrder);
        // A recording tape pins the workspace until its backward pass; otherwise it is free now.
        work.Dispose();
        return output;
    }

    /// <summary>Records a fused recurrence (LSTM or GRU) as one tape node: the projected inputs, the recurrent kernel,
    /// the initial h, the output and the forward workspace, plus one more input in Many (the LSTM's initial c, the GRU's
    /// recurrent bias) when there is one.</summary>
    private static void RecordSequence(OpCode op, GradientTape tape, Tensor projected, Tensor kernel, Tensor h0, Tensor extra,
        Tensor output, Tensor work, int mode, bool returnSequences, bool goBackwards, bool timeOrder)
    {
        var node = new TapeNode
        {
            Op = op, A = projected, B = kernel, C = h0, Out = output, Saved = work,
            I0 = mode, I1 = returnSequences ? 1 : 0, Flag0 = goBackwards, Flag1 = timeOrder,
        };
        if (!extra.IsNull)
        {
            node.Many = ArrayPool<Tensor>.Shared.Rent(1);
            node.Many[0] = extra;
            node.ManyCount = 1;
        }
        tape.Record(ref node);
    }

    /// <summary>The backward pass of the fused LSTM op (back-propagation through time).</summary>
    internal static void LstmBackward(ref TapeNode n, Tensor g, GradientTape tape)
    {
        var projected = n.A;
        var kernel = n.B;
        var h0 = n.C;
        var c0 = n.ManyCount > 0 ? n.Many![0] : default;
        int slotC0 = n.ManyCount > 0 ? n.ManySlots![0] : -1;
        int mode = n.I0;
        bool goBackwards = n.Flag0, timeOrder = n.Flag1, returnSequences = n.I1 != 0;
        var backend = projected.Backend;
        int b = projected.Shape[0], t = projected.Shape[1], u = kernel.Shape[0], g4 = 4 * u;
        var dp = Tensor.Empty(projected.Shape, DType.Float32, backend);
        if (b == 0 || u == 0)
        {
            if (n.SlotA >= 0) tape.Accumulate(n.SlotA, dp); else dp.Dispose();
            if (n.SlotB >= 0) tape.Accumulate(n.SlotB, ZerosLike(kernel));
            if (n.SlotC >= 0) tape.Accumulate(n.SlotC, ZerosLike(h0));
            if (slotC0 >= 0) tape.Accumulate(slotC0, ZerosLike(c0));
            return;
        }
        var (seqRows, rowsPer, hRow, cRow) = LstmLayout(mode, t, returnSequences);
        long bt = (long)b * t;
        long cOff = bt * g4, hOff = cOff + bt * u;
        int gStride = t * g4, sStride = t * u, oStride = rowsPer * u;
        var wb = n.Saved.Buffer;
        var gb = g.Buffer;
        var dpb = dp.Buffer;
        var kb = kernel.Buffer;
        var dh = Tensor.Empty(new Shape(b, u), DType.Float32, backend);
        var dc = Tensor.Empty(new Shape(b, u), DType.Float32, backend);
        bool needH0 = n.SlotC >= 0, needC0 = slotC0 >= 0;
        for (int k = t - 1; k >= 0; k--)
        {
            int ti = goBackwards ? t - 1 - k : k;
            int prev = goBackwards ? ti + 1 : ti - 1;
            bool last = k == t - 1;
            DeviceBuffer? dh1 = null, dh2 = null, dcIn = null, dcOut = null;
            LstmRows dh1Rows = default, dh2Rows = default, dcRows = default;
            if (!last) { dh1 = dh.Buffer; dh1Rows = LstmRows.At(0, u); }
            else if (hRow >= 0) { dh1 = gb; dh1Rows = LstmRows.At((long)hRow * u, oStride); }
            if (seqRows > 0) { dh2 = gb; dh2Rows = LstmRows.At((long)(timeOrder ? ti : k) * u, oStride); }
            if (!last) { dcIn = dc.Buffer; dcRows = LstmRows.At(0, u); }
            else if (cRow >= 0) { dcIn = gb; dcRows = LstmRows.At((long)cRow * u, oStride); }
            if (k > 0 || needC0) dcOut = dc.Buffer;
            var p = new LstmCellParams
            {
                Batch = b, Units = u,
                Gates = LstmRows.At((long)ti * g4, gStride),
                CPrev = k == 0 ? LstmRows.At(0, u) : LstmRows.At(cOff + (long)prev * u, sStride),
                C = LstmRows.At(cOff + (long)ti * u, sStride),
                H = dh1Rows, HCopy = dh2Rows, DC = dcRows, DCPrev = LstmRows.At(0, u),
                DZ = LstmRows.At((long)ti * g4, gStride),
            };
            var cPrev = k == 0 ? (c0.IsNull ? null : c0.Buffer) : wb;
            backend.LstmCellBackward(p, wb, cPrev, wb, dh1, dh2, dcIn, dcOut, dpb);
            if (k > 0 || needH0)
            {
                // dh_{t-1} = dz_t·Uᵀ
                var mp = new MatMulParams
                {
                    Batch = 1, M = b, N = u, K = g4, TransB = true, Lda = gStride, Ldb = g4, Ldc = u,
                    StrideA = 0, StrideB = 0, StrideC = 0, Alpha = 1f, Beta = 0f,
                };
                backend.MatMul(mp, dpb, (long)ti * g4, kb, 0, dh.Buffer, 0);
            }
        }
        if (n.SlotB >= 0)
        {
            // dU = Σ_t h_{t-1}ᵀ·dz_t: the saved h entering each step (B·T, U) against dz (B·T, 4U), one product.
            var dk = Tensor.Empty(kernel.Shape, DType.Float32, backend);
            var mp = MatMulParams.Dense(1, u, g4, checked((int)bt), transA: true);
            backend.MatMul(mp, wb, hOff, dpb, 0, dk.Buffer, 0);
            tape.Accumulate(n.SlotB, dk);
        }
        if (n.SlotA >= 0) tape.Accumulate(n.SlotA, dp); else dp.Dispose();
        if (needH0) tape.Accumulate(n.SlotC, dh); else dh.Dispose();
        if (needC0) tape.Accumulate(slotC0, dc); else dc.Dispose();
    }

    // Layouts of the one output tensor the fused GRU op records: the sequence (B, T, U), the last h (B, U), or
    // (B, S + 1, U): S sequence rows (S = T or 0), then the last h.
    private const int GruSequenceOnly = 0, GruLastOnly = 1, GruPacked = 2;

    /// <summary>A whole GRU layer's recurrence as one fused op (as cuDNN runs it), for Keras's
    /// <c>reset_after=True</c> with the default activations (tanh, and sigmoid for the gates) and gates in Keras's
    /// order z (update), r (reset), h (candidate): for each step <c>a = h_{t-1}·recurrentKernel + recurrentBias</c>,
    /// <c>z = σ(x_z + a_z)</c>, <c>r = σ(x_r + a_r)</c>, <c>ĥ = tanh(x_h + r·a_h)</c>, <c>h_t = z·h_{t-1} + (1 − z)·ĥ</c>
    /// with <c>x = projected[:, t]</c>. One matrix product and one fused cell kernel per step; the gradient is one
    /// tape node whose backward pass runs the steps in reverse (one cell-backward kernel and one matrix product each)
    /// and the recurrent kernel's gradient as one matrix product over all steps.</summary>
    /// <param name="projected">The projected inputs <c>x·kernel + inputBias</c> of every step, (batch, timesteps, 3·units).</param>
    /// <param name="recurrentKernel">(units, 3·units).</param>
    /// <param name="recurrentBias">(3·units,), or default for none.</param>
    /// <param name="initialH">h_0, (batch, units), or default for zeros.</param>
    /// <param name="returnSequences">Return every step's h, (batch, timesteps, units), rather than the last (batch, units).</param>
    /// <param name="goBackwards">Process the steps from the last; the returned sequence is in processing order, as Keras's.</param>
    /// <param name="returnState">Also return the last h.</param>
    /// <param name="lastH">The last h, (batch, units), with <paramref name="returnState"/>; default otherwise.</param>
    /// <returns>The sequence of h or the last h.</returns>
    public static Tensor GruSequence(Tensor projected, Tensor recurrentKernel, Tensor recurrentBias, Tensor initialH, bool returnSequences,
        bool goBackwards, bool returnState, out Tensor lastH) =>
        GruSequence(projected, recurrentKernel, recurrentBias, initialH, returnSequences, goBackwards, returnState, sequenceInTimeOrder: false,
            out lastH);

    /// <summary><see cref="GruSequence(Tensor, Tensor, Tensor, Tensor, bool, bool, bool, out Tensor)"/>; with
    /// <paramref name="sequenceInTimeOrder"/> a backwards run returns its sequence in the inputs' time order (what
    /// Bidirectional wants) instead of the processing order.</summary>
    internal static Tensor GruSequence(Tensor projected, Tensor recurrentKernel, Tensor recurrentBias, Tensor initialH, bool returnSequences,
        bool goBackwards, bool returnState, bool sequenceInTimeOrder, out Tensor lastH)
    {
        CheckFloat(projected, "GruSequence", nameof(projected));
        CheckFloat(recurrentKernel, "GruSequence", nameof(recurrentKernel));
        CheckSameBackend(projected, recurrentKernel, "GruSequence");
        var sp = projected.Shape;
        var sk = recurrentKernel.Shape;
        if (sk.Rank != 2 || sk[1] != 3 * sk[0])
            throw new ArgumentException($"GruSequence: the recurrent kernel must have shape (units, 3·units); got {sk}.", nameof(recurrentKernel));
        int u = sk[0];
        if (sp.Rank != 3 || sp[2] != 3 * u)
            throw new ArgumentException($"GruSequence: projected must have shape (batch, timesteps, {3 * u}) for {u} units; got {sp}.", nameof(projected));
        int b = sp[0], t = sp[1];
        if (t <= 0) throw new ArgumentException($"GruSequence needs at least one time step; got projected of shape {sp}.", nameof(projected));
        if (!recurrentBias.IsNull)
        {
            CheckFloat(recurrentBias, "GruSequence", nameof(recurrentBias));
            CheckSameBackend(projected, recurrentBias, "GruSequence");
            if (recurrentBias.Shape != new Shape(3 * u))
                throw new ArgumentException($"GruSequence: the recurrent bias must have shape ({3 * u}) for {u} units; got {recurrentBias.Shape}.",
                    nameof(recurrentBias));
        }
        if (!initialH.IsNull)
        {
            CheckFloat(initialH, "GruSequence", nameof(initialH));
            CheckSameBackend(projected, initialH, "GruSequence");
            if (initialH.Shape != new Shape(b, u))
                throw new ArgumentException($"GruSequence: initialH must have shape ({b}, {u}); got {initialH.Shape}.", nameof(initialH));
        }
        int mode = returnState ? GruPacked : returnSequences ? GruSequenceOnly : GruLastOnly;
        var raw = GruForward(projected, recurrentKernel, recurrentBias, initialH, mode, returnSequences, goBackwards, sequenceInTimeOrder && goBackwards);
        if (!returnState)
        {
            lastH = default;
            return raw;
        }
        int s = returnSequences ? t : 0;
        var stateShape = new Shape(b, u);
        using (var h = SliceAxis(raw, 1, s, 1)) lastH = Reshape(h, stateShape);
        Tensor output;
        if (s > 0) output = SliceAxis(raw, 1, 0, t);
        else using (var h = SliceAxis(raw, 1, s, 1)) output = Reshape(h, stateShape);
        raw.Dispose();
        return output;
    }

    /// <summary>Rows of the output sequence in the raw output, its rows per batch element, and the row of the last h
    /// (-1 when absent).</summary>
    private static (int SeqRows, int RowsPerBatch, int HRow) GruLayout(int mode, int t, bool returnSequences) => mode switch
    {
        GruSequenceOnly => (t, t, -1),
        GruLastOnly => (0, 1, 0),
        _ => returnSequences ? (t, t + 1, t) : (0, 1, 0),
    };

    private static Tensor GruForward(Tensor projected, Tensor kernel, Tensor bias, Tensor h0, int mode, bool returnSequences, bool goBackwards,
        bool timeOrder)
    {
        var backend = projected.Backend;
        int b = projected.Shape[0], t = projected.Shape[1], u = kernel.Shape[0], g3 = 3 * u;
        var (seqRows, rowsPer, hRow) = GruLayout(mode, t, returnSequences);
        var output = Tensor.Empty(mode == GruLastOnly ? new Shape(b, u) : new Shape(b, rowsPer, u), DType.Float32, backend);
        var tape = GradientTape.ShouldRecord(projected, kernel, h0) ?? GradientTape.ShouldRecord(bias);
        bool record = tape is not null;
        if (b == 0 || u == 0)
        {
            if (record) RecordSequence(OpCode.GruSequence, tape!, projected, kernel, h0, bias, output, default, mode, returnSequences, goBackwards, timeOrder);
            return output;
        }
        long bt = (long)b * t;
        // Training saves every step: the activated gates (B, T, 3U), the candidate's recurrent part a_h (B, T, U) and
        // the h entering each step (B, T, U), all indexed by time. Inference keeps one step of gates and a_h and two of h.
        long gSize = record ? bt * g3 : (long)b * g3;
        long rOff = gSize, rSize = record ? bt * u : (long)b * u;
        long hOff = rOff + rSize, hSize = record ? bt * u : 2L * b * u;
        var work = Tensor.Empty(new Shape(checked((int)(hOff + hSize))), DType.Float32, backend);
        var wb = work.Buffer;
        int gStride = record ? t * g3 : g3, sStride = record ? t * u : u;
        var kb = kernel.Buffer;
        var ob = output.Buffer;
        var bb = bias.IsNull ? null : bias.Buffer;
        int oStride = rowsPer * u;
        Tensor zero = default;
        for (int k = 0; k < t; k++)
        {
            int ti = goBackwards ? t - 1 - k : k;
            int next = goBackwards ? ti - 1 : ti + 1;
            long gOffset = record ? (long)ti * g3 : 0;
            DeviceBuffer? hPrevBuffer;
            long hPrevOffset;
            int hPrevStride;
            if (k == 0)
            {
                if (record)
                {
                    // The h entering the first step is saved for the backward pass.
                    if (h0.IsNull) ZeroRows(backend, ref zero, wb, hOff + (long)ti * u, b, u, sStride);
                    else CopyRows(backend, h0.Buffer, 0, u, wb, hOff + (long)ti * u, sStride, b, u);
                }
                hPrevBuffer = h0.IsNull ? null : h0.Buffer;
                hPrevOffset = 0;
                hPrevStride = u;
            }
            else
            {
                hPrevBuffer = wb;
                hPrevOffset = record ? hOff + (long)ti * u : hOff + (long)((k - 1) & 1) * b * u;
                hPrevStride = sStride;
            }
            // h_{t-1}·U into the gate rows (zeros at the first step without an initial h).
            if (hPrevBuffer is null) ZeroRows(backend, ref zero, wb, gOffset, b, g3, gStride);
            else
            {
                var mp = new MatMulParams
                {
                    Batch = 1, M = b, N = g3, K = u, Lda = hPrevStride, Ldb = g3, Ldc = gStride,
                    StrideA = 0, StrideB = 0, StrideC = 0, Alpha = 1f, Beta = 0f,
                };
                backend.MatMul(mp, hPrevBuffer, hPrevOffset, kb, 0, wb, gOffset);
            }
            bool last = k == t - 1;
            DeviceBuffer? h = null, hCopy = null;
            LstmRows hRows = default, hCopyRows = default;
            if (!last)
            {
                h = wb;
                hRows = LstmRows.At(record ? hOff + (long)next * u : hOff + (long)(k & 1) * b * u, sStride);
            }
            else if (hRow >= 0)
            {
                h = ob;
                hRows = LstmRows.At((long)hRow * u, oStride);
            }
            if (seqRows > 0)
            {
                hCopy = ob;
                hCopyRows = LstmRows.At((long)(timeOrder ? ti : k) * u, oStride);
            }
            var p = new GruCellParams
            {
                Batch = b, Units = u,
                Gates = LstmRows.At(gOffset, gStride),
                Input = LstmRows.At((long)ti * g3, t * g3),
                Bias = LstmRows.At(0, 0),
                HPrev = LstmRows.At(hPrevOffset, hPrevStride),
                RecurrentH = LstmRows.At(rOff + (record ? (long)ti * u : 0), sStride),
                H = hRows,
                HCopy = hCopyRows,
            };
            backend.GruCellForward(p, wb, projected.Buffer, bb, hPrevBuffer, wb, h, hCopy);
        }
        zero.Dispose();
        if (record) RecordSequence(OpCode.GruSequence, tape!, projected, kernel, h0, bias, output, work, mode, returnSequences, goBackwards, timeOrder);
        // A recording tape pins the workspace until its backward pass; otherwise it is free now.
        work.Dispose();
        return output;
    }

    /// <summary>The backward pass of the fused GRU op (back-propagation through time).</summary>
    internal static void GruBackward(ref TapeNode n, Tensor g, GradientTape tape)
    {
        var projected = n.A;
        var kernel = n.B;
        var h0 = n.C;
        var bias = n.ManyCount > 0 ? n.Many![0] : default;
        int slotBias = n.ManyCount > 0 ? n.ManySlots![0] : -1;
        int mode = n.I0;
        bool goBackwards = n.Flag0, timeOrder = n.Flag1, returnSequences = n.I1 != 0;
        var backend = projected.Backend;
        int b = projected.Shape[0], t = projected.Shape[1], u = kernel.Shape[0], g3 = 3 * u;
        var dp = Tensor.Empty(projected.Shape, DType.Float32, backend);
        if (b == 0 || u == 0)
        {
            if (n.SlotA >= 0) tape.Accumulate(n.SlotA, dp); else dp.Dispose();
            if (n.SlotB >= 0) tape.Accumulate(n.SlotB, ZerosLike(kernel));
            if (n.SlotC >= 0) tape.Accumulate(n.SlotC, ZerosLike(h0));
            if (slotBias >= 0) tape.Accumulate(slotBias, ZerosLike(bias));
            return;
        }
        var (seqRows, rowsPer, hRow) = GruLayout(mode, t, returnSequences);
        long bt = (long)b * t;
        long rOff = bt * g3, hOff = rOff + bt * u;
        int gStride = t * g3, sStride = t * u, oStride = rowsPer * u;
        var wb = n.Saved.Buffer;
        var gb = g.Buffer;
        var dpb = dp.Buffer;
        var kb = kernel.Buffer;
        var dh = Tensor.Empty(new Shape(b, u), DType.Float32, backend);
        // The gradient of the recurrent part a = h_{t-1}·U + b_rec of every step (the saved gates stay intact, for a
        // persistent tape's next backward pass).
        var da = Tensor.Empty(projected.Shape, DType.Float32, backend);
        var dab = da.Buffer;
        bool needH0 = n.SlotC >= 0;
        for (int k = t - 1; k >= 0; k--)
        {
            int ti = goBackwards ? t - 1 - k : k;
            bool last = k == t - 1;
            DeviceBuffer? dh1 = null, dh2 = null, dhPrev = null;
            LstmRows dh1Rows = default, dh2Rows = default;
            if (!last) { dh1 = dh.Buffer; dh1Rows = LstmRows.At(0, u); }
            else if (hRow >= 0) { dh1 = gb; dh1Rows = LstmRows.At((long)hRow * u, oStride); }
            if (seqRows > 0) { dh2 = gb; dh2Rows = LstmRows.At((long)(timeOrder ? ti : k) * u, oStride); }
            bool carry = k > 0 || needH0;
            if (carry) dhPrev = dh.Buffer;
            var p = new GruCellParams
            {
                Batch = b, Units = u,
                Gates = LstmRows.At((long)ti * g3, gStride),
                RecurrentH = LstmRows.At(rOff + (long)ti * u, sStride),
                HPrev = LstmRows.At(hOff + (long)ti * u, sStride),
                H = dh1Rows, HCopy = dh2Rows, DHPrev = LstmRows.At(0, u),
                DInput = LstmRows.At((long)ti * g3, gStride),
                DRecurrent = LstmRows.At((long)ti * g3, gStride),
            };
            backend.GruCellBackward(p, wb, wb, wb, dh1, dh2, dhPrev, dpb, dab);
            if (carry)
            {
                // dh_{t-1} = z·dh + da·Uᵀ
                var mp = new MatMulParams
                {
                    Batch = 1, M = b, N = u, K = g3, TransB = true, Lda = gStride, Ldb = g3, Ldc = u,
                    StrideA = 0, StrideB = 0, StrideC = 0, Alpha = 1f, Beta = 1f,
                };
                backend.MatMul(mp, dab, (long)ti * g3, kb, 0, dh.Buffer, 0);
            }
        }
        if (n.SlotB >= 0)
        {
            // dU = Σ_t h_{t-1}ᵀ·da_t: the saved h entering each step (B·T, U) against da (B·T, 3U), one product.
            var dk = Tensor.Empty(kernel.Shape, DType.Float32, backend);
            var mp = MatMulParams.Dense(1, u, g3, checked((int)bt), transA: true);
            backend.MatMul(mp, wb, hOff, dab, 0, dk.Buffer, 0);
            tape.Accumulate(n.SlotB, dk);
        }
        if (slotBias >= 0)
        {
            // d b_rec = Σ over every row and step of da.
            var db = Tensor.Empty(bias.Shape, DType.Float32, backend);
            backend.Reduce(ReduceOp.Sum, dab, db.Buffer, DType.Float32, 1, checked((int)bt), g3);
            tape.Accumulate(slotBias, db);
        }
        if (n.SlotA >= 0) tape.Accumulate(n.SlotA, dp); else dp.Dispose();
        if (needH0) tape.Accumulate(n.SlotC, dh); else dh.Dispose();
        da.Dispose();
    }

    /// <summary>Sets <paramref name="rows"/> rows of <paramref name="length"/> elements, <paramref name="stride"/>
    /// apart from <paramref name="offset"/>, to zero.</summary>
    private static void ZeroRows(IBackend backend, ref Tensor zero, DeviceBuffer buffer, long offset, int rows, int length, int stride)
    {
        if (zero.IsNull)
        {
            zero = Tensor.Empty(new Shape(1), DType.Float32, backend);
            backend.Fill(zero.Buffer, DType.Float32, 1, 0);
        }
        var p = new StridedCopyParams
        {
            Shape = new Shape(rows, length), SrcStrides = new Shape(0, 0), DstStrides = new Shape(stride, 1), SrcOffset = 0, DstOffset = offset,
        };
        backend.StridedCopy(p, zero.Buffer, buffer, DType.Float32);
    }

    private static void CopyRows(IBackend backend, DeviceBuffer source, long sourceOffset, int sourceStride, DeviceBuffer destination,
        long destinationOffset, int destinationStride, int rows, int length)
    {
        var p = new StridedCopyParams
        {
            Shape = new Shape(rows, length), SrcStrides = new Shape(sourceStride, 1), DstStrides = new Shape(destinationStride, 1),
            SrcOffset = sourceOffset, DstOffset = destinationOffset,
        };
        backend.StridedCopy(p, source, destination, DType.Float32);
    }
}
