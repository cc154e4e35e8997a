namespace KerasNet.Backends.Native.Cuda;

internal static partial class CudaKernels
{
    private static string[] ElementwiseKernels =>
    [
        "fill_u64",
        "cast_f32_i32", "cast_f32_i64", "cast_f32_b8", "cast_i32_f32", "cast_i32_i64", "cast_i32_b8",
        "cast_i64_f32", "cast_i64_i32", "cast_i64_b8", "cast_b8_f32", "cast_b8_i32", "cast_b8_i64",
        "unary_f32", "unary_i32", "unary_i64", "unary_b8",
        "binary_f32", "binary_i32", "binary_i64", "binary_b8",
        "compare_f32", "compare_i32", "compare_i64", "compare_b8",
        "where_1", "where_4", "where_8",
        "copy_1", "copy_4", "copy_8",
        "bias_act", "sgd_update", "adam_update",
    ];

    private const string ElementwiseSource = """
extern "C" __global__ void fill_u64(u64* y, i64 n, u64 v)
{
    KN_LOOP(i, n) y[i] = v;
}

// ----- casts: float to integer truncates toward zero (saturating, NaN to 0, as .NET); to bool is x != 0 -----
template <typename S, typename D> __device__ __forceinline__ void kn_cast(const S* x, D* y, i64 n)
{
    KN_LOOP(i, n) y[i] = (D)x[i];
}
template <typename S> __device__ __forceinline__ void kn_cast_bool(const S* x, u8* y, i64 n)
{
    KN_LOOP(i, n) y[i] = x[i] != (S)0 ? 1 : 0;
}
extern "C" __global__ void cast_f32_i32(const float* x, int* y, i64 n) { kn_cast(x, y, n); }
extern "C" __global__ void cast_f32_i64(const float* x, i64* y, i64 n) { kn_cast(x, y, n); }
extern "C" __global__ void cast_f32_b8(const float* x, u8* y, i64 n) { kn_cast_bool(x, y, n); }
extern "C" __global__ void cast_i32_f32(const int* x, float* y, i64 n) { kn_cast(x, y, n); }
extern "C" __global__ void cast_i32_i64(const int* x, i64* y, i64 n) { kn_cast(x, y, n); }
extern "C" __global__ void cast_i32_b8(const int* x, u8* y, i64 n) { kn_cast_bool(x, y, n); }
extern "C" __global__ void cast_i64_f32(const i64* x, float* y, i64 n) { kn_cast(x, y, n); }
extern "C" __global__ void cast_i64_i32(const i64* x, int* y, i64 n) { kn_cast(x, y, n); }
extern "C" __global__ void cast_i64_b8(const i64* x, u8* y, i64 n) { kn_cast_bool(x, y, n); }
extern "C" __global__ void cast_b8_f32(const u8* x, float* y, i64 n) { kn_cast(x, y, n); }
extern "C" __global__ void cast_b8_i32(const u8* x, int* y, i64 n) { kn_cast(x, y, n); }
extern "C" __global__ void cast_b8_i64(const u8* x, i64* y, i64 n) { kn_cast(x, y, n); }

// ----- unary -----
__device__ __forceinline__ float kn_unary(int op, float v, float alpha)
{
    switch (op)
    {
        case UN_Negate: return -v;
        case UN_Abs: return fabsf(v);
        case UN_Sign: return v > 0.f ? 1.f : v < 0.f ? -1.f : v == 0.f ? 0.f : KN_NAN;
        case UN_Square: return v * v;
        case UN_Sqrt: return sqrtf(v);
        case UN_Rsqrt: return 1.f / sqrtf(v);
        case UN_Reciprocal: return 1.f / v;
        case UN_Exp: return expf(v);
        case UN_Log: return logf(v);
        case UN_Log1p: return (float)log1p((double)v);
        case UN_Expm1: return (float)expm1((double)v);
        case UN_Sin: return sinf(v);
        case UN_Cos: return cosf(v);
        case UN_Tanh: return tanhf(v);
        case UN_Sigmoid: return 1.f / (1.f + expf(-v));
        case UN_Relu: return (v > 0.f || v != v) ? v : 0.f;
        case UN_LeakyRelu: return v > 0.f ? v : alpha * v;
        case UN_Elu: return v > 0.f ? v : alpha * (float)expm1((double)v);
        case UN_Softplus: return fmaxf(v, 0.f) + (float)log1p(exp(-fabs((double)v)));
        case UN_Erf: return (float)erf((double)v);
        case UN_Floor: return floorf(v);
        case UN_Ceil: return ceilf(v);
        case UN_Round: return rintf(v);
        case UN_PowScalar: return alpha == 2.f ? v * v : alpha == 1.f ? v : powf(v, alpha);
        case UN_Step: return v > 0.f ? 1.f : 0.f;
        default: return KN_NAN;
    }
}
extern "C" __global__ void unary_f32(int op, const float* x, float* y, i64 n, float alpha)
{
    KN_LOOP(i, n) y[i] = kn_unary(op, x[i], alpha);
}
template <typename T> __device__ __forceinline__ void kn_unary_int(int op, const T* x, T* y, i64 n)
{
    KN_LOOP(i, n)
    {
        T v = x[i];
        y[i] = op == UN_Negate ? (T)(-v) : op == UN_Abs ? (v < 0 ? (T)(-v) : v) : op == UN_Sign ? (T)(v > 0 ? 1 : v < 0 ? -1 : 0) : (T)(v * v);
    }
}
extern "C" __global__ void unary_i32(int op, const int* x, int* y, i64 n) { kn_unary_int(op, x, y, n); }
extern "C" __global__ void unary_i64(int op, const i64* x, i64* y, i64 n) { kn_unary_int(op, x, y, n); }
extern "C" __global__ void unary_b8(const u8* x, u8* y, i64 n)
{
    KN_LOOP(i, n) y[i] = x[i] == 0 ? 1 : 0;
}

// ----- binary with broadcasting -----
__device__ __forceinline__ float kn_binary(int op, float a, float b)
{
    switch (op)
    {
        case BIN_Add: return a + b;
        case BIN_Subtract: return a - b;
        case BIN_Multiply: return a * b;
        case BIN_Divide: return a / b;
        case BIN_Power: return powf(a, b);
        case BIN_Maximum: return kn_maxf(a, b);
        case BIN_Minimum: return kn_minf(a, b);
        case BIN_SquaredDifference: { float d = a - b; return d * d; }
        case BIN_Atan2: return atan2f(a, b);
        case BIN_Mod: { float r = fmodf(a, b); return (r != 0.f && ((r < 0.f) != (b < 0.f))) ? r + b : r; }
        case BIN_ReluBackward: return b > 0.f ? a : 0.f;
        case BIN_SigmoidBackward: return a * b * (1.f - b);
        case BIN_TanhBackward: return a * (1.f - b * b);
        default: return KN_NAN;
    }
}
extern "C" __global__ void binary_f32(int op, const float* a, const float* b, float* y, Bcast p)
{
    KN_LOOP(i, p.count)
    {
        i64 oa, ob, oc;
        bc_offsets(p, i, oa, ob, oc);
        y[i] = kn_binary(op, a[oa], b[ob]);
    }
}
// Integer floor division and Python's modulo; division by zero reports and writes 0.
template <typename T> __device__ __forceinline__ T kn_floordiv(T a, T b, int* err, i64 i)
{
    if (b == 0) { kn_report(err, ERR_INT_DIV_ZERO, i, 0); return 0; }
    T q = a / b;
    return ((a % b != 0) && ((a < 0) != (b < 0))) ? q - 1 : q;
}
template <typename T> __device__ __forceinline__ void kn_binary_int(int op, const T* a, const T* b, T* y, const Bcast& p, int* err)
{
    KN_LOOP(i, p.count)
    {
        i64 oa, ob, oc;
        bc_offsets(p, i, oa, ob, oc);
        T x = a[oa], z = b[ob], r;
        switch (op)
        {
            case BIN_Add: r = x + z; break;
            case BIN_Subtract: r = x - z; break;
            case BIN_Multiply: r = x * z; break;
            case BIN_Divide: r = kn_floordiv(x, z, err, i); break;
            case BIN_Maximum: r = x > z ? x : z; break;
            case BIN_Minimum: r = x < z ? x : z; break;
            default: r = x - kn_floordiv(x, z, err, i) * z; break; // BIN_Mod
        }
        y[i] = r;
    }
}
extern "C" __global__ void binary_i32(int op, const int* a, const int* b, int* y, Bcast p, int* err) { kn_binary_int(op, a, b, y, p, err); }
extern "C" __global__ void binary_i64(int op, const i64* a, const i64* b, i64* y, Bcast p, int* err) { kn_binary_int(op, a, b, y, p, err); }
extern "C" __global__ void binary_b8(int op, const u8* a, const u8* b, u8* y, Bcast p)
{
    KN_LOOP(i, p.count)
    {
        i64 oa, ob, oc;
        bc_offsets(p, i, oa, ob, oc);
        bool x = a[oa] != 0, z = b[ob] != 0;
        y[i] = (op == BIN_LogicalAnd ? (x && z) : (x || z)) ? 1 : 0;
    }
}

// ----- compare and where -----
template <typename T> __device__ __forceinline__ void kn_compare(int op, const T* a, const T* b, u8* y, const Bcast& p)
{
    KN_LOOP(i, p.count)
    {
        i64 oa, ob, oc;
        bc_offsets(p, i, oa, ob, oc);
        T x = a[oa], z = b[ob];
        bool r;
        switch (op)
        {
            case CMP_Equal: r = x == z; break;
            case CMP_NotEqual: r = x != z; break;
            case CMP_Less: r = x < z; break;
            case CMP_LessEqual: r = x <= z; break;
            case CMP_Greater: r = x > z; break;
            default: r = x >= z; break;
        }
        y[i] = r ? 1 : 0;
    }
}
extern "C" __global__ void compare_f32(int op, const float* a, const float* b, u8* y, Bcast p) { kn_compare(op, a, b, y, p); }
extern "C" __global__ void compare_i32(int op, const int* a, const int* b, u8* y, Bcast p) { kn_compare(op, a, b, y, p); }
extern "C" __global__ void compare_i64(int op, const i64* a, const i64* b, u8* y, Bcast p) { kn_compare(op, a, b, y, p); }
extern "C" __global__ void compare_b8(int op, const u8* a, const u8* b, u8* y, Bcast p) { kn_compare(op, a, b, y, p); }

// Plan operands: A = condition, B = a, C = b.
template <typename T> __device__ __forceinline__ void kn_where(const u8* c, const T* a, const T* b, T* y, const Bcast& p)
{
    KN_LOOP(i, p.count)
    {
        i64 oc, oa, ob;
        bc_offsets(p, i, oc, oa, ob);
        y[i] = c[oc] != 0 ? a[oa] : b[ob];
    }
}
extern "C" __global__ void where_1(const u8* c, const u8* a, const u8* b, u8* y, Bcast p) { kn_where(c, a, b, y, p); }
extern "C" __global__ void where_4(const u8* c, const u32* a, const u32* b, u32* y, Bcast p) { kn_where(c, a, b, y, p); }
extern "C" __global__ void where_8(const u8* c, const u64* a, const u64* b, u64* y, Bcast p) { kn_where(c, a, b, y, p); }

// ----- strided copy -----
template <typename T> __device__ __forceinline__ void kn_copy(const T* src, T* dst, const CopyArgs& p)
{
    KN_LOOP(i, p.count)
    {
        i64 so = p.soff, dof = p.doff, r = i;
        for (int d = p.rank - 1; d >= 0; d--)
        {
            int s = p.shape[d];
            i64 q = r / s;
            i64 idx = r - q * s;
            r = q;
            so += idx * p.ss[d];
            dof += idx * p.ds[d];
        }
        dst[dof] = src[so];
    }
}
extern "C" __global__ void copy_1(const u8* src, u8* dst, CopyArgs p) { kn_copy(src, dst, p); }
extern "C" __global__ void copy_4(const u32* src, u32* dst, CopyArgs p) { kn_copy(src, dst, p); }
extern "C" __global__ void copy_8(const u64* src, u64* dst, CopyArgs p) { kn_copy(src, dst, p); }

// ----- GEMM / convolution epilogue: c = act(c + bias[j]) over batch x rows x cols (row stride ldc); with scaleC
// first c = scale * c (scale 0 overwrites without reading, as beta = 0 does) -----
extern "C" __global__ void bias_act(float* c, i64 ldc, i64 strideC, int batch, int rows, int cols, const float* bias, int relu,
    int scaleC, float scale)
{
    i64 per = (i64)rows * cols;
    KN_LOOP(i, per * batch)
    {
        i64 b = i / per, r = i - b * per;
        i64 row = r / cols, col = r - row * cols;
        float* p = c + b * strideC + row * ldc + col;
        float v = *p;
        if (scaleC) v = scale == 0.f ? 0.f : v * scale;
        if (bias) v = v + bias[col];
        if (relu) v = (v > 0.f || v != v) ? v : 0.f;
        *p = v;
    }
}

// ----- fused optimizer updates (Keras's rules op for op, in float32) -----
extern "C" __global__ void sgd_update(i64 n, const float* lr, float scale, float mu, int nesterov, float* w, const float* g, float* m)
{
    float rate = lr[0] * scale;
    KN_LOOP(i, n)
    {
        if (mu == 0.f) { w[i] = w[i] - g[i] * rate; continue; }
        float step = g[i] * rate;
        float next = m[i] * mu - step;
        m[i] = next;
        w[i] = w[i] + (nesterov ? next * mu - step : next);
    }
}
extern "C" __global__ void adam_update(i64 n, const float* lr, float scale, float b1, float b2, float eps,
    float* w, const float* g, float* m, float* v, float* vhat, const i64* iterations, float beta1, float beta2)
{
    float alpha = lr[0] * scale;
    if (iterations)
    {
        // The bias correction at t = updates so far + 1, in double as the CPU device computes it.
        double t = (double)(iterations[0] + 1);
        alpha = alpha * (float)(sqrt(1.0 - pow((double)beta2, t)) / (1.0 - pow((double)beta1, t)));
    }
    KN_LOOP(i, n)
    {
        float gi = g[i];
        float mi = m[i] + (gi - m[i]) * b1;
        m[i] = mi;
        float vi = v[i] + (gi * gi - v[i]) * b2;
        v[i] = vi;
        // kn_maxf, not fmaxf: a NaN second moment propagates into v̂ and w as MathF.Max does on the CPU device.
        if (vhat) { vi = kn_maxf(vhat[i], vi); vhat[i] = vi; }
        w[i] = w[i] - mi * alpha / (sqrtf(vi) + eps);
    }
}
""";
}
