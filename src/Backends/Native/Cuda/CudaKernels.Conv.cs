namespace KerasNet.Backends.Native.Cuda;

internal static partial class CudaKernels
{
    private static string[] ConvKernels =>
    [
        "im2col_f32", "col2im_f32", "depthwise_fwd_f32", "depthwise_bwd_input_f32", "depthwise_bwd_filter_f32",
        "pool_fwd_f32", "pool_bwd_f32",
    ];

    private const string ConvSource = """
// ----- convolution as im2col + GEMM. cols is [group][pixel][(kh, kw, c in group)] for the images n0 .. n0+count-1 -----
extern "C" __global__ void im2col_f32(const float* x, float* cols, ConvArgs p, int n0, int count)
{
    int cg = p.C / p.Groups;
    i64 kd = (i64)p.KH * p.KW * cg;
    i64 pixels = (i64)count * p.OutH * p.OutW;
    KN_LOOP(t, pixels * kd * p.Groups)
    {
        i64 g = t / (pixels * kd), r = t - g * pixels * kd;
        i64 pix = r / kd, k = r - pix * kd;
        int c = (int)(k % cg), kw = (int)((k / cg) % p.KW), kh = (int)(k / ((i64)cg * p.KW));
        int ow = (int)(pix % p.OutW), oh = (int)((pix / p.OutW) % p.OutH);
        i64 n = n0 + pix / ((i64)p.OutW * p.OutH);
        int ih = oh * p.StrideH - p.PadTop + kh * p.DilationH;
        int iw = ow * p.StrideW - p.PadLeft + kw * p.DilationW;
        float v = 0.f;
        if (ih >= 0 && ih < p.H && iw >= 0 && iw < p.W) v = x[((n * p.H + ih) * p.W + iw) * p.C + g * cg + c];
        cols[t] = v;
    }
}

// dx (images n0 .. n0+count-1) = the sum of every column entry that read it; a gather, so no atomics.
extern "C" __global__ void col2im_f32(const float* cols, float* dx, ConvArgs p, int n0, int count)
{
    int cg = p.C / p.Groups;
    i64 kd = (i64)p.KH * p.KW * cg;
    i64 pixels = (i64)count * p.OutH * p.OutW;
    KN_LOOP(t, (i64)count * p.H * p.W * p.C)
    {
        int c = (int)(t % p.C), w = (int)((t / p.C) % p.W), h = (int)((t / ((i64)p.C * p.W)) % p.H);
        i64 nl = t / ((i64)p.C * p.W * p.H);
        int g = c / cg, ci = c - g * cg;
        float acc = 0.f;
        for (int kh = 0; kh < p.KH; kh++)
        {
            int ih = h + p.PadTop - kh * p.DilationH;
            if (ih < 0 || ih % p.StrideH != 0) continue;
            int oh = ih / p.StrideH;
            if (oh >= p.OutH) continue;
            for (int kw = 0; kw < p.KW; kw++)
            {
                int iw = w + p.PadLeft - kw * p.DilationW;
                if (iw < 0 || iw % p.StrideW != 0) continue;
                int ow = iw / p.StrideW;
                if (ow >= p.OutW) continue;
                i64 pix = (nl * p.OutH + oh) * p.OutW + ow;
                acc += cols[(g * pixels + pix) * kd + ((i64)kh * p.KW + kw) * cg + ci];
            }
        }
        dx[(i64)n0 * p.H * p.W * p.C + t] = acc;
    }
}

// ----- depthwise convolution (one input channel per group) computed directly -----
extern "C" __global__ void depthwise_fwd_f32(const float* x, const float* w, float* y, ConvArgs p, const float* bias, int relu)
{
    int ocg = p.OutC / p.Groups;
    KN_LOOP(t, (i64)p.N * p.OutH * p.OutW * p.OutC)
    {
        int oc = (int)(t % p.OutC), ow = (int)((t / p.OutC) % p.OutW), oh = (int)((t / ((i64)p.OutC * p.OutW)) % p.OutH);
        i64 n = t / ((i64)p.OutC * p.OutW * p.OutH);
        int g = oc / ocg;
        float acc = 0.f;
        for (int kh = 0; kh < p.KH; kh++)
        {
            int ih = oh * p.StrideH - p.PadTop + kh * p.DilationH;
            if (ih < 0 || ih >= p.H) continue;
            for (int kw = 0; kw < p.KW; kw++)
            {
                int iw = ow * p.StrideW - p.PadLeft + kw * p.DilationW;
                if (iw < 0 || iw >= p.W) continue;
                acc += x[((n * p.H + ih) * p.W + iw) * p.C + g] * w[((i64)kh * p.KW + kw) * p.OutC + oc];
            }
        }
        if (bias) acc = acc + bias[oc];
        if (relu) acc = (acc > 0.f || acc != acc) ? acc : 0.f;
        y[t] = acc;
    }
}
extern "C" __global__ void depthwise_bwd_input_f32(const float* dy, const float* w, float* dx, ConvArgs p)
{
    int ocg = p.OutC / p.Groups;
    KN_LOOP(t, (i64)p.N * p.H * p.W * p.C)
    {
        int c = (int)(t % p.C), iw0 = (int)((t / p.C) % p.W), ih0 = (int)((t / ((i64)p.C * p.W)) % p.H);
        i64 n = t / ((i64)p.C * p.W * p.H);
        float acc = 0.f;
        for (int kh = 0; kh < p.KH; kh++)
        {
            int ih = ih0 + p.PadTop - kh * p.DilationH;
            if (ih < 0 || ih % p.StrideH != 0) continue;
            int oh = ih / p.StrideH;
            if (oh >= p.OutH) continue;
            for (int kw = 0; kw < p.KW; kw++)
            {
                int iw = iw0 + p.PadLeft - kw * p.DilationW;
                if (iw < 0 || iw % p.StrideW != 0) continue;
                int ow = iw / p.StrideW;
                if (ow >= p.OutW) continue;
                const float* g = dy + ((n * p.OutH + oh) * p.OutW + ow) * p.OutC + (i64)c * ocg;
                const float* wk = w + ((i64)kh * p.KW + kw) * p.OutC + (i64)c * ocg;
                for (int m = 0; m < ocg; m++) acc += g[m] * wk[m];
            }
        }
        dx[t] = acc;
    }
}
// One block per kernel weight (kh, kw, oc): the sum over every image and output pixel.
extern "C" __global__ void depthwise_bwd_filter_f32(const float* x, const float* dy, float* dw, ConvArgs p)
{
    __shared__ float sh[32];
    int ocg = p.OutC / p.Groups;
    for (i64 wi = blockIdx.x; wi < (i64)p.KH * p.KW * p.OutC; wi += gridDim.x)
    {
        int oc = (int)(wi % p.OutC), kw = (int)((wi / p.OutC) % p.KW), kh = (int)(wi / ((i64)p.OutC * p.KW));
        int g = oc / ocg;
        float acc = 0.f;
        for (i64 q = threadIdx.x; q < (i64)p.N * p.OutH * p.OutW; q += blockDim.x)
        {
            int ow = (int)(q % p.OutW), oh = (int)((q / p.OutW) % p.OutH);
            i64 n = q / ((i64)p.OutW * p.OutH);
            int ih = oh * p.StrideH - p.PadTop + kh * p.DilationH;
            int iw = ow * p.StrideW - p.PadLeft + kw * p.DilationW;
            if (ih < 0 || ih >= p.H || iw < 0 || iw >= p.W) continue;
            acc += x[((n * p.H + ih) * p.W + iw) * p.C + g] * dy[q * p.OutC + oc];
        }
        acc = kn_block_sum(acc, sh);
        if (threadIdx.x == 0) dw[wi] = acc;
        __syncthreads();
    }
}

// ----- pooling: max (padding never wins, ties go to the first maximum in row-major window order) and
// average over the window's in-bounds elements -----
__device__ __forceinline__ void kn_window(const PoolArgs& p, int oh, int ow, int& h0, int& h1, int& w0, int& w1)
{
    int hs = oh * p.StrideH - p.PadTop, ws = ow * p.StrideW - p.PadLeft;
    h0 = max(hs, 0); h1 = min(hs + p.PoolH, p.H);
    w0 = max(ws, 0); w1 = min(ws + p.PoolW, p.W);
}
extern "C" __global__ void pool_fwd_f32(const float* x, float* y, PoolArgs p)
{
    KN_LOOP(t, (i64)p.N * p.OutH * p.OutW * p.C)
    {
        int c = (int)(t % p.C), ow = (int)((t / p.C) % p.OutW), oh = (int)((t / ((i64)p.C * p.OutW)) % p.OutH);
        i64 n = t / ((i64)p.C * p.OutW * p.OutH);
        int h0, h1, w0, w1;
        kn_window(p, oh, ow, h0, h1, w0, w1);
        if (h0 >= h1 || w0 >= w1) { y[t] = 0.f; continue; }
        const float* img = x + n * p.H * p.W * p.C + c;
        float acc;
        if (p.Kind == POOL_Max)
        {
            acc = img[((i64)h0 * p.W + w0) * p.C];
            for (int h = h0; h < h1; h++)
                for (int w = w0; w < w1; w++) acc = kn_maxf(acc, img[((i64)h * p.W + w) * p.C]);
        }
        else
        {
            acc = 0.f;
            for (int h = h0; h < h1; h++)
                for (int w = w0; w < w1; w++) acc += img[((i64)h * p.W + w) * p.C];
            acc = acc * (1.f / (float)((h1 - h0) * (w1 - w0)));
        }
        y[t] = acc;
    }
}
// dx gathered per input element over every window containing it (in the CPU's window order), so no atomics.
extern "C" __global__ void pool_bwd_f32(const float* x, const float* dy, float* dx, PoolArgs p)
{
    KN_LOOP(t, (i64)p.N * p.H * p.W * p.C)
    {
        int c = (int)(t % p.C), w = (int)((t / p.C) % p.W), h = (int)((t / ((i64)p.C * p.W)) % p.H);
        i64 n = t / ((i64)p.C * p.W * p.H);
        const float* img = x + n * p.H * p.W * p.C + c;
        const float* g = dy + n * p.OutH * p.OutW * p.C + c;
        // Windows whose rows cover h: oh*StrideH - PadTop <= h < oh*StrideH - PadTop + PoolH.
        int ohLo = h + p.PadTop - p.PoolH + 1;
        ohLo = ohLo <= 0 ? 0 : (ohLo + p.StrideH - 1) / p.StrideH;
        int ohHi = min((h + p.PadTop) / p.StrideH, p.OutH - 1);
        int owLo = w + p.PadLeft - p.PoolW + 1;
        owLo = owLo <= 0 ? 0 : (owLo + p.StrideW - 1) / p.StrideW;
        int owHi = min((w + p.PadLeft) / p.StrideW, p.OutW - 1);
        float acc = 0.f;
        for (int oh = ohLo; oh <= ohHi; oh++)
            for (int ow = owLo; ow <= owHi; ow++)
            {
                int h0, h1, w0, w1;
                kn_window(p, oh, ow, h0, h1, w0, w1);
                if (h0 >= h1 || w0 >= w1) continue;
                float gv = g[((i64)oh * p.OutW + ow) * p.C];
                if (p.Kind == POOL_Max)
                {
                    int bh = h0, bw = w0;
                    float best = img[((i64)h0 * p.W + w0) * p.C];
                    for (int hh = h0; hh < h1; hh++)
                        for (int ww = w0; ww < w1; ww++)
                        {
                            float v = img[((i64)hh * p.W + ww) * p.C];
                            if (v > best) { best = v; bh = hh; bw = ww; }
                        }
                    if (bh == h && bw == w) acc += gv;
                }
                else
                {
                    acc += gv * (1.f / (float)((h1 - h0) * (w1 - w0)));
                }
            }
        dx[t] = acc;
    }
}
""";
}
