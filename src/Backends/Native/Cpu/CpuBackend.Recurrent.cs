using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using KerasNet.Backend;

namespace KerasNet.Backends.Native.Cpu;

/// <summary>The fused LSTM cell kernels: one pass over a time step's gate rows, vectorised, split over rows
/// across the CPU threads when the step is large enough. Products are not fused into FMAs, so c = f·cPrev + i·g
/// rounds as the unfused ops do.</summary>
internal sealed unsafe partial class CpuBackend
{
    [ThreadStatic] private static LstmJob? t_lstmJob;

    public void LstmCellForward(in LstmCellParams p, DeviceBuffer gates, DeviceBuffer input, DeviceBuffer? cPrev, DeviceBuffer c,
        DeviceBuffer? cCopy, DeviceBuffer? h, DeviceBuffer? hCopy)
    {
        CheckLstmShape(p);
        int u = p.Units, b = p.Batch;
        var job = t_lstmJob ??= new LstmJob();
        job.Backward = false;
        job.Batch = b;
        job.Units = u;
        job.Gates = Rows(gates, p.Gates, b, 4 * u, nameof(gates));
        job.GatesStride = p.Gates.Stride;
        job.Input = Rows(input, p.Input, b, 4 * u, nameof(input));
        job.InputStride = p.Input.Stride;
        job.CPrev = cPrev is null ? null : Rows(cPrev, p.CPrev, b, u, nameof(cPrev));
        job.CPrevStride = p.CPrev.Stride;
        job.C = Rows(c, p.C, b, u, nameof(c));
        job.CStride = p.C.Stride;
        job.CCopy = cCopy is null ? null : Rows(cCopy, p.CCopy, b, u, nameof(cCopy));
        job.CCopyStride = p.CCopy.Stride;
        job.H = h is null ? null : Rows(h, p.H, b, u, nameof(h));
        job.HStride = p.H.Stride;
        job.HCopy = hCopy is null ? null : Rows(hCopy, p.HCopy, b, u, nameof(hCopy));
        job.HCopyStride = p.HCopy.Stride;
        Dispatch(job, b, u, 4);
    }

    public void LstmCellBackward(in LstmCellParams p, DeviceBuffer gates, DeviceBuffer? cPrev, DeviceBuffer c, DeviceBuffer? dh,
        DeviceBuffer? dh2, DeviceBuffer? dc, DeviceBuffer? dcPrev, DeviceBuffer dz)
    {
        CheckLstmShape(p);
        int u = p.Units, b = p.Batch;
        var job = t_lstmJob ??= new LstmJob();
        job.Backward = true;
        job.Batch = b;
        job.Units = u;
        job.Gates = Rows(gates, p.Gates, b, 4 * u, nameof(gates));
        job.GatesStride = p.Gates.Stride;
        job.CPrev = cPrev is null ? null : Rows(cPrev, p.CPrev, b, u, nameof(cPrev));
        job.CPrevStride = p.CPrev.Stride;
        job.C = Rows(c, p.C, b, u, nameof(c));
        job.CStride = p.C.Stride;
        job.H = dh is null ? null : Rows(dh, p.H, b, u, nameof(dh));
        job.HStride = p.H.Stride;
        job.HCopy = dh2 is null ? null : Rows(dh2, p.HCopy, b, u, nameof(dh2));
        job.HCopyStride = p.HCopy.Stride;
        job.DC = dc is null ? null : Rows(dc, p.DC, b, u, nameof(dc));
        job.DCStride = p.DC.Stride;
        job.DCPrev = dcPrev is null ? null : Rows(dcPrev, p.DCPrev, b, u, nameof(dcPrev));
        job.DCPrevStride = p.DCPrev.Stride;
        job.DZ = Rows(dz, p.DZ, b, 4 * u, nameof(dz));
        job.DZStride = p.DZ.Stride;
        Dispatch(job, b, u, 4);
    }

    private static void CheckLstmShape(in LstmCellParams p)
    {
        if (p.Batch < 0) throw new ArgumentOutOfRangeException(nameof(p), p.Batch, "The LSTM cell's batch (rows) cannot be negative.");
        if (p.Units < 0) throw new ArgumentOutOfRangeException(nameof(p), p.Units, "The LSTM cell's units cannot be negative.");
    }

    /// <summary>The address of row 0 of an operand, after checking that all its rows lie inside the buffer.</summary>
    private static float* Rows(DeviceBuffer buffer, LstmRows rows, int batch, int length, string name)
    {
        var cb = Cpu(buffer);
        if (batch > 1 && rows.Stride < length)
            throw new ArgumentOutOfRangeException(name, $"The row stride {rows.Stride} is shorter than the row length {length}.");
        long last = batch == 0 || length == 0 ? 0 : rows.Offset + (long)(batch - 1) * rows.Stride + length;
        CheckRange(cb, rows.Offset * sizeof(float), (last - rows.Offset) * sizeof(float), name);
        return cb.F32 + rows.Offset;
    }

    /// <summary>Runs a cell job over its rows: on the caller below the parallel threshold (work counted as
    /// rows × units × <paramref name="gates"/>), else one contiguous block of rows per thread.</summary>
    private static void Dispatch(CellJob job, int batch, int units, int gates)
    {
        if (batch == 0 || units == 0) return;
        long work = (long)batch * units * gates;
        int chunks = work < ParallelThreshold || CpuThreads.Count == 1 ? 1 : Math.Min(CpuThreads.Count, batch);
        job.Chunks = chunks;
        if (chunks == 1) job.Execute(0);
        else CpuThreads.Run(job, chunks);
    }

    /// <summary>A recurrent cell kernel over rows: each row (a batch entry) is independent, forward or backward.</summary>
    private abstract class CellJob : ParallelJob
    {
        public bool Backward;
        public int Batch, Units, Chunks;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override void Execute(int index)
        {
            int r0 = (int)((long)Batch * index / Chunks), r1 = (int)((long)Batch * (index + 1) / Chunks);
            for (int r = r0; r < r1; r++)
            {
                if (Backward) BackwardRow(r);
                else ForwardRow(r);
            }
        }

        protected abstract void ForwardRow(int r);

        protected abstract void BackwardRow(int r);

        protected static float* Row(float* p, int stride, int r) => p is null ? null : p + (long)r * stride;
    }


    private sealed class LstmJob : CellJob
    {
        public float* Gates, Input, CPrev, C, CCopy, H, HCopy, DC, DCPrev, DZ;
        public int GatesStride, InputStride, CPrevStride, CStride, CCopyStride, HStride, HCopyStride, DCStride, DCPrevStride, DZStride;


        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        protected override void ForwardRow(int r)
        {
            int u = Units;
            float* g = Row(Gates, GatesStride, r), x = Row(Input, InputStride, r), cp = Row(CPrev, CPrevStride, r);
            float* c = Row(C, CStride, r), c2 = Row(CCopy, CCopyStride, r), h = Row(H, HStride, r), h2 = Row(HCopy, HCopyStride, r);
            int j = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                for (; j <= u - 8; j += 8)
                {
                    var i = LstmMath.Sigmoid(Vector256.Load(g + j) + Vector256.Load(x + j));
                    var f = LstmMath.Sigmoid(Vector256.Load(g + u + j) + Vector256.Load(x + u + j));
                    var gg = LstmMath.Tanh(Vector256.Load(g + 2 * u + j) + Vector256.Load(x + 2 * u + j));
                    var o = LstmMath.Sigmoid(Vector256.Load(g + 3 * u + j) + Vector256.Load(x + 3 * u + j));
                    i.Store(g + j);
                    f.Store(g + u + j);
                    gg.Store(g + 2 * u + j);
                    o.Store(g + 3 * u + j);
                    var cv = i * gg;
                    if (cp is not null) cv = f * Vector256.Load(cp + j) + cv;
                    var hv = o * LstmMath.Tanh(cv);
                    cv.Store(c + j);
                    if (c2 is not null) cv.Store(c2 + j);
                    if (h is not null) hv.Store(h + j);
                    if (h2 is not null) hv.Store(h2 + j);
                }
            }
            for (; j < u; j++)
            {
                float i = LstmMath.Sigmoid(g[j] + x[j]);
                float f = LstmMath.Sigmoid(g[u + j] + x[u + j]);
                float gg = LstmMath.Tanh(g[2 * u + j] + x[2 * u + j]);
                float o = LstmMath.Sigmoid(g[3 * u + j] + x[3 * u + j]);
                g[j] = i; g[u + j] = f; g[2 * u + j] = gg; g[3 * u + j] = o;
                float cv = i * gg;
                if (cp is not null) cv = f * cp[j] + cv;
                float hv = o * LstmMath.Tanh(cv);
                c[j] = cv;
                if (c2 is not null) c2[j] = cv;
                if (h is not null) h[j] = hv;
                if (h2 is not null) h2[j] = hv;
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        protected override void BackwardRow(int r)
        {
            int u = Units;
            float* g = Row(Gates, GatesStride, r), cp = Row(CPrev, CPrevStride, r), c = Row(C, CStride, r);
            float* dh1 = Row(H, HStride, r), dh2 = Row(HCopy, HCopyStride, r), dc = Row(DC, DCStride, r);
            float* dcp = Row(DCPrev, DCPrevStride, r), dz = Row(DZ, DZStride, r);
            int j = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                var one = Vector256<float>.One;
                for (; j <= u - 8; j += 8)
                {
                    var dh = Vector256<float>.Zero;
                    if (dh1 is not null) dh = Vector256.Load(dh1 + j);
                    if (dh2 is not null) dh += Vector256.Load(dh2 + j);
                    var i = Vector256.Load(g + j);
                    var f = Vector256.Load(g + u + j);
                    var gg = Vector256.Load(g + 2 * u + j);
                    var o = Vector256.Load(g + 3 * u + j);
                    var tc = LstmMath.Tanh(Vector256.Load(c + j));
                    var dct = dh * o * (one - tc * tc);
                    if (dc is not null) dct = Vector256.Load(dc + j) + dct;
                    var cpv = cp is null ? Vector256<float>.Zero : Vector256.Load(cp + j);
                    (dct * gg * (i * (one - i))).Store(dz + j);
                    (dct * cpv * (f * (one - f))).Store(dz + u + j);
                    (dct * i * (one - gg * gg)).Store(dz + 2 * u + j);
                    (dh * tc * (o * (one - o))).Store(dz + 3 * u + j);
                    if (dcp is not null) (dct * f).Store(dcp + j);
                }
            }
            for (; j < u; j++)
            {
                float dh = 0f;
                if (dh1 is not null) dh = dh1[j];
                if (dh2 is not null) dh += dh2[j];
                float i = g[j], f = g[u + j], gg = g[2 * u + j], o = g[3 * u + j];
                float tc = LstmMath.Tanh(c[j]);
                float dct = dh * o * (1f - tc * tc);
                if (dc is not null) dct = dc[j] + dct;
                float cpv = cp is null ? 0f : cp[j];
                dz[j] = dct * gg * (i * (1f - i));
                dz[u + j] = dct * cpv * (f * (1f - f));
                dz[2 * u + j] = dct * i * (1f - gg * gg);
                dz[3 * u + j] = dh * tc * (o * (1f - o));
                if (dcp is not null) dcp[j] = dct * f;
            }
        }
    }
}

/// <summary>The fused GRU cell kernels (reset_after): one pass over a time step's gate rows, vectorised, split over
/// rows across the CPU threads when the step is large enough. Products are not fused into FMAs, so the results
/// round as the unfused ops do.</summary>
internal sealed unsafe partial class CpuBackend
{
    [ThreadStatic] private static GruJob? t_gruJob;

    public void GruCellForward(in GruCellParams p, DeviceBuffer gates, DeviceBuffer input, DeviceBuffer? bias, DeviceBuffer? hPrev,
        DeviceBuffer recurrentH, DeviceBuffer? h, DeviceBuffer? hCopy)
    {
        CheckGruShape(p);
        int u = p.Units, b = p.Batch;
        var job = t_gruJob ??= new GruJob();
        job.Backward = false;
        job.Batch = b;
        job.Units = u;
        job.Gates = Rows(gates, p.Gates, b, 3 * u, nameof(gates));
        job.GatesStride = p.Gates.Stride;
        job.Input = Rows(input, p.Input, b, 3 * u, nameof(input));
        job.InputStride = p.Input.Stride;
        job.Bias = bias is null ? null : GruBiasRows(bias, p.Bias, b, 3 * u);
        job.BiasStride = p.Bias.Stride;
        job.HPrev = hPrev is null ? null : Rows(hPrev, p.HPrev, b, u, nameof(hPrev));
        job.HPrevStride = p.HPrev.Stride;
        job.RecH = Rows(recurrentH, p.RecurrentH, b, u, nameof(recurrentH));
        job.RecHStride = p.RecurrentH.Stride;
        job.H = h is null ? null : Rows(h, p.H, b, u, nameof(h));
        job.HStride = p.H.Stride;
        job.HCopy = hCopy is null ? null : Rows(hCopy, p.HCopy, b, u, nameof(hCopy));
        job.HCopyStride = p.HCopy.Stride;
        job.DHPrev = job.DInput = job.DRec = null;
        Dispatch(job, b, u, 3);
    }

    public void GruCellBackward(in GruCellParams p, DeviceBuffer gates, DeviceBuffer recurrentH, DeviceBuffer? hPrev, DeviceBuffer? dh,
        DeviceBuffer? dh2, DeviceBuffer? dhPrev, DeviceBuffer dInput, DeviceBuffer dRecurrent)
    {
        CheckGruShape(p);
        int u = p.Units, b = p.Batch;
        var job = t_gruJob ??= new GruJob();
        job.Backward = true;
        job.Batch = b;
        job.Units = u;
        job.Gates = Rows(gates, p.Gates, b, 3 * u, nameof(gates));
        job.GatesStride = p.Gates.Stride;
        job.RecH = Rows(recurrentH, p.RecurrentH, b, u, nameof(recurrentH));
        job.RecHStride = p.RecurrentH.Stride;
        job.HPrev = hPrev is null ? null : Rows(hPrev, p.HPrev, b, u, nameof(hPrev));
        job.HPrevStride = p.HPrev.Stride;
        job.H = dh is null ? null : Rows(dh, p.H, b, u, nameof(dh));
        job.HStride = p.H.Stride;
        job.HCopy = dh2 is null ? null : Rows(dh2, p.HCopy, b, u, nameof(dh2));
        job.HCopyStride = p.HCopy.Stride;
        job.DHPrev = dhPrev is null ? null : Rows(dhPrev, p.DHPrev, b, u, nameof(dhPrev));
        job.DHPrevStride = p.DHPrev.Stride;
        job.DInput = Rows(dInput, p.DInput, b, 3 * u, nameof(dInput));
        job.DInputStride = p.DInput.Stride;
        job.DRec = Rows(dRecurrent, p.DRecurrent, b, 3 * u, nameof(dRecurrent));
        job.DRecStride = p.DRecurrent.Stride;
        job.Input = job.Bias = null;
        Dispatch(job, b, u, 3);
    }

    private static void CheckGruShape(in GruCellParams p)
    {
        if (p.Batch < 0) throw new ArgumentOutOfRangeException(nameof(p), p.Batch, "The GRU cell's batch (rows) cannot be negative.");
        if (p.Units < 0) throw new ArgumentOutOfRangeException(nameof(p), p.Units, "The GRU cell's units cannot be negative.");
    }

    /// <summary>The bias rows: a stride of 0 (one row for every row) is allowed.</summary>
    private static float* GruBiasRows(DeviceBuffer bias, LstmRows rows, int batch, int length)
    {
        if (rows.Stride != 0) return Rows(bias, rows, batch, length, nameof(bias));
        var cb = Cpu(bias);
        CheckRange(cb, rows.Offset * sizeof(float), (long)(batch == 0 ? 0 : length) * sizeof(float), nameof(bias));
        return cb.F32 + rows.Offset;
    }

    private sealed class GruJob : CellJob
    {
        public float* Gates, Input, Bias, HPrev, RecH, H, HCopy, DHPrev, DInput, DRec;
        public int GatesStride, InputStride, BiasStride, HPrevStride, RecHStride, HStride, HCopyStride, DHPrevStride, DInputStride, DRecStride;


        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        protected override void ForwardRow(int r)
        {
            int u = Units;
            float* g = Row(Gates, GatesStride, r), x = Row(Input, InputStride, r), bias = Row(Bias, BiasStride, r);
            float* hp = Row(HPrev, HPrevStride, r), rh = Row(RecH, RecHStride, r), h = Row(H, HStride, r), h2 = Row(HCopy, HCopyStride, r);
            int j = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                for (; j <= u - 8; j += 8)
                {
                    var az = Vector256.Load(g + j);
                    var ar = Vector256.Load(g + u + j);
                    var ah = Vector256.Load(g + 2 * u + j);
                    if (bias is not null)
                    {
                        az += Vector256.Load(bias + j);
                        ar += Vector256.Load(bias + u + j);
                        ah += Vector256.Load(bias + 2 * u + j);
                    }
                    var z = LstmMath.Sigmoid(Vector256.Load(x + j) + az);
                    var rr = LstmMath.Sigmoid(Vector256.Load(x + u + j) + ar);
                    var hh = LstmMath.Tanh(Vector256.Load(x + 2 * u + j) + rr * ah);
                    var hpv = hp is null ? Vector256<float>.Zero : Vector256.Load(hp + j);
                    var hv = hh + z * (hpv - hh);
                    z.Store(g + j);
                    rr.Store(g + u + j);
                    hh.Store(g + 2 * u + j);
                    ah.Store(rh + j);
                    if (h is not null) hv.Store(h + j);
                    if (h2 is not null) hv.Store(h2 + j);
                }
            }
            for (; j < u; j++)
            {
                float az = g[j], ar = g[u + j], ah = g[2 * u + j];
                if (bias is not null)
                {
                    az += bias[j];
                    ar += bias[u + j];
                    ah += bias[2 * u + j];
                }
                float z = LstmMath.Sigmoid(x[j] + az);
                float rr = LstmMath.Sigmoid(x[u + j] + ar);
                float hh = LstmMath.Tanh(x[2 * u + j] + rr * ah);
                float hpv = hp is null ? 0f : hp[j];
                float hv = hh + z * (hpv - hh);
                g[j] = z; g[u + j] = rr; g[2 * u + j] = hh;
                rh[j] = ah;
                if (h is not null) h[j] = hv;
                if (h2 is not null) h2[j] = hv;
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        protected override void BackwardRow(int r)
        {
            int u = Units;
            float* g = Row(Gates, GatesStride, r), rh = Row(RecH, RecHStride, r), hp = Row(HPrev, HPrevStride, r);
            float* dh1 = Row(H, HStride, r), dh2 = Row(HCopy, HCopyStride, r), dhp = Row(DHPrev, DHPrevStride, r);
            float* dx = Row(DInput, DInputStride, r), da = Row(DRec, DRecStride, r);
            int j = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                var one = Vector256<float>.One;
                for (; j <= u - 8; j += 8)
                {
                    var dh = Vector256<float>.Zero;
                    if (dh1 is not null) dh = Vector256.Load(dh1 + j);
                    if (dh2 is not null) dh += Vector256.Load(dh2 + j);
                    var z = Vector256.Load(g + j);
                    var rr = Vector256.Load(g + u + j);
                    var hh = Vector256.Load(g + 2 * u + j);
                    var hpv = hp is null ? Vector256<float>.Zero : Vector256.Load(hp + j);
                    var dz = dh * (hpv - hh) * (z * (one - z));
                    var dhh = dh * (one - z) * (one - hh * hh);
                    var dr = dhh * Vector256.Load(rh + j) * (rr * (one - rr));
                    dz.Store(dx + j);
                    dr.Store(dx + u + j);
                    dhh.Store(dx + 2 * u + j);
                    dz.Store(da + j);
                    dr.Store(da + u + j);
                    (dhh * rr).Store(da + 2 * u + j);
                    if (dhp is not null) (dh * z).Store(dhp + j);
                }
            }
            for (; j < u; j++)
            {
                float dh = 0f;
                if (dh1 is not null) dh = dh1[j];
                if (dh2 is not null) dh += dh2[j];
                float z = g[j], rr = g[u + j], hh = g[2 * u + j];
                float hpv = hp is null ? 0f : hp[j];
                float dz = dh * (hpv - hh) * (z * (1f - z));
                float dhh = dh * (1f - z) * (1f - hh * hh);
                float dr = dhh * rh[j] * (rr * (1f - rr));
                dx[j] = dz; dx[u + j] = dr; dx[2 * u + j] = dhh;
                da[j] = dz; da[u + j] = dr; da[2 * u + j] = dhh * rr;
                if (dhp is not null) dhp[j] = dh * z;
            }
        }
    }
}

/// <summary>Sigmoid and tanh for the LSTM kernels, vector and scalar forms of the same formulas.
/// σ(x) = 1/(1 + e^−x). tanh: an odd minimax polynomial x + x³·P(x²) below |x| = 0.625 (max relative error
/// 7.3e-8 in float32, so results near 0 keep full relative precision), else sign(x)·(1 − 2/(e^{2|x|} + 1)).</summary>
internal static class LstmMath
{
    private const float Threshold = 0.625f;
    private const float P1 = -0.3333333134651184f, P2 = 0.1333320587873459f, P3 = -0.05394669994711876f,
        P4 = 0.021700484678149223f, P5 = -0.008177054114639759f, P6 = 0.002142766024917364f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Sigmoid(Vector256<float> x) => Vector256<float>.One / (Vector256<float>.One + Vector256.Exp(-x));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Tanh(Vector256<float> x)
    {
        var a = Vector256.Abs(x);
        var u = x * x;
        var p = Vector256.Create(P6);
        p = p * u + Vector256.Create(P5);
        p = p * u + Vector256.Create(P4);
        p = p * u + Vector256.Create(P3);
        p = p * u + Vector256.Create(P2);
        p = p * u + Vector256.Create(P1);
        var small = x + x * (u * p);
        var e = Vector256.Exp(a + a);
        var large = Vector256<float>.One - Vector256.Create(2f) / (e + Vector256<float>.One);
        large = Vector256.ConditionalSelect(Vector256.Create(-0f), x, large); // copy x's sign
        return Vector256.ConditionalSelect(Vector256.LessThan(a, Vector256.Create(Threshold)), small, large);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Tanh(float x)
    {
        float a = MathF.Abs(x);
        if (a < Threshold)
        {
            float u = x * x;
            float p = ((((P6 * u + P5) * u + P4) * u + P3) * u + P2) * u + P1;
            return x + x * (u * p);
        }
        if (float.IsNaN(x)) return x;
        float t = 1f - 2f / (MathF.Exp(a + a) + 1f);
        return MathF.CopySign(t, x);
    }
}
