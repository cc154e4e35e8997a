namespace KerasNet.Backends.Native.Cuda;

internal static partial class CudaKernels
{
    private static string[] RecurrentKernels => ["lstm_cell_forward", "lstm_cell_backward", "gru_cell_forward", "gru_cell_backward"];

    private const string RecurrentSource = """
// ----- the fused LSTM cell (IBackend.LstmCellForward / LstmCellBackward) -----
// One thread per (row, unit); operand k's row r starts at off[k] + r * stride[k] (elements). Operands:
// 0 gates, 1 input, 2 cPrev, 3 c, 4 cCopy, 5 h (backward: dh), 6 hCopy (backward: dh2), 7 dc, 8 dcPrev, 9 dz.
struct LstmArgs
{
    int batch, units;
    i64 off[10];
    int stride[10];
};
__device__ __forceinline__ float kn_lstm_sigmoid(float v) { return 1.f / (1.f + expf(-v)); }
__device__ __forceinline__ i64 kn_lstm_at(const LstmArgs& a, int k, int r, int j) { return a.off[k] + (i64)r * a.stride[k] + j; }

extern "C" __global__ void lstm_cell_forward(LstmArgs a, float* gates, const float* input, const float* cprev, float* c,
    float* ccopy, float* h, float* hcopy)
{
    int u = a.units;
    KN_LOOP(k, (i64)a.batch * u)
    {
        int r = (int)(k / u), j = (int)(k - (i64)r * u);
        float* g = gates + kn_lstm_at(a, 0, r, j);
        const float* x = input + kn_lstm_at(a, 1, r, j);
        float i = kn_lstm_sigmoid(g[0] + x[0]);
        float f = kn_lstm_sigmoid(g[u] + x[u]);
        float gg = tanhf(g[2 * u] + x[2 * u]);
        float o = kn_lstm_sigmoid(g[3 * u] + x[3 * u]);
        g[0] = i; g[u] = f; g[2 * u] = gg; g[3 * u] = o;
        float cv = i * gg;
        if (cprev) cv = f * cprev[kn_lstm_at(a, 2, r, j)] + cv;
        float hv = o * tanhf(cv);
        c[kn_lstm_at(a, 3, r, j)] = cv;
        if (ccopy) ccopy[kn_lstm_at(a, 4, r, j)] = cv;
        if (h) h[kn_lstm_at(a, 5, r, j)] = hv;
        if (hcopy) hcopy[kn_lstm_at(a, 6, r, j)] = hv;
    }
}

extern "C" __global__ void lstm_cell_backward(LstmArgs a, const float* gates, const float* cprev, const float* c,
    const float* dh1, const float* dh2, const float* dc, float* dcprev, float* dz)
{
    int u = a.units;
    KN_LOOP(k, (i64)a.batch * u)
    {
        int r = (int)(k / u), j = (int)(k - (i64)r * u);
        const float* g = gates + kn_lstm_at(a, 0, r, j);
        float i = g[0], f = g[u], gg = g[2 * u], o = g[3 * u];
        float dh = 0.f;
        if (dh1) dh = dh1[kn_lstm_at(a, 5, r, j)];
        if (dh2) dh += dh2[kn_lstm_at(a, 6, r, j)];
        float tc = tanhf(c[kn_lstm_at(a, 3, r, j)]);
        float dct = dh * o * (1.f - tc * tc);
        if (dc) dct = dc[kn_lstm_at(a, 7, r, j)] + dct;
        float cp = cprev ? cprev[kn_lstm_at(a, 2, r, j)] : 0.f;
        float* d = dz + kn_lstm_at(a, 9, r, j);
        d[0] = dct * gg * (i * (1.f - i));
        d[u] = dct * cp * (f * (1.f - f));
        d[2 * u] = dct * i * (1.f - gg * gg);
        d[3 * u] = dh * tc * (o * (1.f - o));
        if (dcprev) dcprev[kn_lstm_at(a, 8, r, j)] = dct * f;
    }
}

// ----- the fused GRU cell, reset_after (IBackend.GruCellForward / GruCellBackward) -----
// The LstmArgs layout with the operands 0 gates, 1 input, 2 bias (stride 0: one row for all), 3 hPrev,
// 4 recurrentH, 5 h (backward: dh), 6 hCopy (backward: dh2), 7 dhPrev, 8 dInput, 9 dRecurrent.
extern "C" __global__ void gru_cell_forward(LstmArgs a, float* gates, const float* input, const float* bias, const float* hprev,
    float* rech, float* h, float* hcopy)
{
    int u = a.units;
    KN_LOOP(k, (i64)a.batch * u)
    {
        int r = (int)(k / u), j = (int)(k - (i64)r * u);
        float* g = gates + kn_lstm_at(a, 0, r, j);
        const float* x = input + kn_lstm_at(a, 1, r, j);
        float az = g[0], ar = g[u], ah = g[2 * u];
        if (bias)
        {
            const float* bb = bias + kn_lstm_at(a, 2, r, j);
            az += bb[0]; ar += bb[u]; ah += bb[2 * u];
        }
        float z = kn_lstm_sigmoid(x[0] + az);
        float rr = kn_lstm_sigmoid(x[u] + ar);
        float hh = tanhf(x[2 * u] + rr * ah);
        float hp = hprev ? hprev[kn_lstm_at(a, 3, r, j)] : 0.f;
        float hv = hh + z * (hp - hh);
        g[0] = z; g[u] = rr; g[2 * u] = hh;
        rech[kn_lstm_at(a, 4, r, j)] = ah;
        if (h) h[kn_lstm_at(a, 5, r, j)] = hv;
        if (hcopy) hcopy[kn_lstm_at(a, 6, r, j)] = hv;
    }
}

extern "C" __global__ void gru_cell_backward(LstmArgs a, const float* gates, const float* rech, const float* hprev,
    const float* dh1, const float* dh2, float* dhprev, float* dinput, float* drec)
{
    int u = a.units;
    KN_LOOP(k, (i64)a.batch * u)
    {
        int r = (int)(k / u), j = (int)(k - (i64)r * u);
        const float* g = gates + kn_lstm_at(a, 0, r, j);
        float z = g[0], rr = g[u], hh = g[2 * u];
        float dh = 0.f;
        if (dh1) dh = dh1[kn_lstm_at(a, 5, r, j)];
        if (dh2) dh += dh2[kn_lstm_at(a, 6, r, j)];
        float hp = hprev ? hprev[kn_lstm_at(a, 3, r, j)] : 0.f;
        float dz = dh * (hp - hh) * (z * (1.f - z));
        float dhh = dh * (1.f - z) * (1.f - hh * hh);
        float dr = dhh * rech[kn_lstm_at(a, 4, r, j)] * (rr * (1.f - rr));
        float* d = dinput + kn_lstm_at(a, 8, r, j);
        d[0] = dz; d[u] = dr; d[2 * u] = dhh;
        float* e = drec + kn_lstm_at(a, 9, r, j);
        e[0] = dz; e[u] = dr; e[2 * u] = dhh * rr;
        if (dhprev) dhprev[kn_lstm_at(a, 7, r, j)] = dh * z;
    }
}

""";
}
