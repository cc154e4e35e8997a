namespace KerasNet.Backends.Native.Cuda;

internal static partial class CudaKernels
{
    private static string[] ReduceKernels =>
    [
        "reduce_f32", "reduce_i32", "reduce_i64", "argreduce_f32", "softmax_f32", "softmax_xent_f32",
    ];

    private const string ReduceSource = """
// ----- reductions of the middle axis of an (outer, reduce, inner) view -----
// A block of (bx, by) threads owns bx consecutive inner positions of one outer row; its by rows of threads
// split the reduced axis and combine in shared memory (by is a power of two). Float32 accumulates in double.
__device__ __forceinline__ bool kn_isnan(double v) { return v != v; }
__device__ __forceinline__ bool kn_isnan(i64 v) { return false; }
template <typename A> __device__ __forceinline__ A kn_red_init(int op);
template <> __device__ __forceinline__ double kn_red_init<double>(int op)
{
    return op == RED_Max ? -KN_DINF : op == RED_Min ? KN_DINF : op == RED_Prod ? 1.0 : 0.0;
}
template <> __device__ __forceinline__ i64 kn_red_init<i64>(int op)
{
    return op == RED_Max ? (i64)0x8000000000000000ULL : op == RED_Min ? (i64)0x7fffffffffffffffLL : op == RED_Prod ? 1 : 0;
}
template <typename A> __device__ __forceinline__ A kn_red_combine(int op, A a, A b)
{
    switch (op)
    {
        case RED_Max: return (kn_isnan(a) || kn_isnan(b)) ? (kn_isnan(a) ? a : b) : (b > a ? b : a);
        case RED_Min: return (kn_isnan(a) || kn_isnan(b)) ? (kn_isnan(a) ? a : b) : (b < a ? b : a);
        case RED_Prod: return a * b;
        default: return a + b;
    }
}
template <typename T, typename A> __device__ void kn_reduce(int op, const T* x, T* y, int outer, int reduce, int inner, A* sh)
{
    int bx = blockDim.x, by = blockDim.y, tx = threadIdx.x, ty = threadIdx.y;
    i64 tiles = (inner + bx - 1) / bx;
    for (i64 t = blockIdx.x; t < (i64)outer * tiles; t += gridDim.x)
    {
        i64 o = t / tiles;
        i64 i = (t - o * tiles) * bx + tx;
        A acc = kn_red_init<A>(op);
        if (i < inner)
        {
            const T* p = x + o * reduce * (i64)inner + i;
            for (int k = ty; k < reduce; k += by) acc = kn_red_combine<A>(op, acc, (A)p[(i64)k * inner]);
        }
        sh[ty * bx + tx] = acc;
        __syncthreads();
        for (int s = by >> 1; s > 0; s >>= 1)
        {
            if (ty < s) sh[ty * bx + tx] = kn_red_combine<A>(op, sh[ty * bx + tx], sh[(ty + s) * bx + tx]);
            __syncthreads();
        }
        if (ty == 0 && i < inner)
        {
            A r = sh[tx];
            y[o * inner + i] = op == RED_Mean ? (T)(r / (A)reduce) : (T)r;
        }
        __syncthreads();
    }
}
extern "C" __global__ void reduce_f32(int op, const float* x, float* y, int outer, int reduce, int inner)
{
    extern __shared__ double kn_shared_d[];
    kn_reduce<float, double>(op, x, y, outer, reduce, inner, kn_shared_d);
}
extern "C" __global__ void reduce_i32(int op, const int* x, int* y, int outer, int reduce, int inner)
{
    extern __shared__ i64 kn_shared_l[];
    kn_reduce<int, i64>(op, x, y, outer, reduce, inner, kn_shared_l);
}
extern "C" __global__ void reduce_i64(int op, const i64* x, i64* y, int outer, int reduce, int inner)
{
    extern __shared__ i64 kn_shared_l[];
    kn_reduce<i64, i64>(op, x, y, outer, reduce, inner, kn_shared_l);
}

// Index of the first maximum (minimum) along the reduced axis; one thread per output, scanning in order as the
// CPU device does (a NaN never wins unless it is first).
extern "C" __global__ void argreduce_f32(int isMax, const float* x, int* y, int outer, int reduce, int inner)
{
    KN_LOOP(t, (i64)outer * inner)
    {
        i64 o = t / inner, i = t - o * inner;
        const float* p = x + o * reduce * (i64)inner + i;
        int best = 0;
        float bv = p[0];
        for (int k = 1; k < reduce; k++)
        {
            float v = p[(i64)k * inner];
            if (isMax ? v > bv : v < bv) { bv = v; best = k; }
        }
        y[t] = best;
    }
}

// ----- softmax and the fused softmax cross-entropy: one block per row -----
extern "C" __global__ void softmax_f32(const float* x, float* y, int rows, int cols, int isLog)
{
    __shared__ float shf[32];
    __shared__ double shd[32];
    for (i64 r = blockIdx.x; r < rows; r += gridDim.x)
    {
        const float* xr = x + r * cols;
        float* yr = y + r * cols;
        float m = -KN_INF;
        for (int j = threadIdx.x; j < cols; j += blockDim.x) m = kn_maxf(m, xr[j]);
        m = kn_block_max(m, shf);
        if (isLog)
        {
            double s = 0;
            for (int j = threadIdx.x; j < cols; j += blockDim.x) s += exp((double)(xr[j] - m));
            s = kn_block_sum(s, shd);
            float ls = (float)log(s);
            for (int j = threadIdx.x; j < cols; j += blockDim.x) yr[j] = (xr[j] - m) - ls;
        }
        else
        {
            float s = 0.f;
            for (int j = threadIdx.x; j < cols; j += blockDim.x) { float e = expf(xr[j] - m); yr[j] = e; s += e; }
            s = kn_block_sum(s, shf);
            float inv = 1.f / s;
            for (int j = threadIdx.x; j < cols; j += blockDim.x) yr[j] = yr[j] * inv;
        }
        __syncthreads();
    }
}

// labelType: 0 Float32 probabilities (rows, cols), 1 Int32 class indices, 2 Int64 class indices.
// loss[r] = sum_j t_j (lse - x_j); grad = softmax * sum(t) - t (or softmax - onehot) when grad is not null.
extern "C" __global__ void softmax_xent_f32(const float* x, const void* labels, int labelType, float* loss, float* grad,
    int rows, int cols, int* err)
{
    __shared__ float shf[32];
    __shared__ double shd[32];
    for (i64 r = blockIdx.x; r < rows; r += gridDim.x)
    {
        const float* xr = x + r * cols;
        float m = -KN_INF;
        for (int j = threadIdx.x; j < cols; j += blockDim.x) m = kn_maxf(m, xr[j]);
        m = kn_block_max(m, shf);
        float s = 0.f;
        for (int j = threadIdx.x; j < cols; j += blockDim.x) s += expf(xr[j] - m);
        s = kn_block_sum(s, shf);
        float lse = logf(s) + m;
        float inv = 1.f / s;
        if (labelType == 0)
        {
            const float* t = (const float*)labels + r * cols;
            double acc = 0, tsum = 0;
            for (int j = threadIdx.x; j < cols; j += blockDim.x) { acc += t[j] * (double)(lse - xr[j]); tsum += t[j]; }
            acc = kn_block_sum(acc, shd);
            tsum = kn_block_sum(tsum, shd);
            if (threadIdx.x == 0) loss[r] = (float)acc;
            if (grad)
                for (int j = threadIdx.x; j < cols; j += blockDim.x)
                    grad[r * cols + j] = (float)((double)(expf(xr[j] - m) * inv) * tsum - t[j]);
        }
        else
        {
            i64 label = labelType == 1 ? (i64)((const int*)labels)[r] : ((const i64*)labels)[r];
            bool bad = label < 0 || label >= cols;
            if (threadIdx.x == 0)
            {
                if (bad) { kn_report(err, ERR_LABEL, r, label); loss[r] = KN_NAN; }
                else loss[r] = lse - xr[label];
            }
            if (grad)
                for (int j = threadIdx.x; j < cols; j += blockDim.x)
                {
                    float p = expf(xr[j] - m) * inv;
                    grad[r * cols + j] = j == label ? p - 1.f : p;
                }
        }
        __syncthreads();
    }
}
""";
}
