namespace KerasNet.Backends.Native.Cuda;

internal static partial class CudaKernels
{
    private static string[] IndexingKernels => ["gather_1", "gather_4", "gather_8", "scatter_add_f32"];

    private static string[] RandomKernels => ["random_f32"];

    private const string IndexingSource = """
// y (outer, count, inner) = x (outer, axisSize, inner) gathered along the middle axis. An index outside
// [0, axisSize) is clamped and reported (the host throws at the next sync point).
__device__ __forceinline__ i64 kn_index(const void* indices, int is64, i64 j)
{
    return is64 ? ((const i64*)indices)[j] : (i64)((const int*)indices)[j];
}
template <typename T> __device__ __forceinline__ void kn_gather(const T* x, const void* indices, int is64, T* y,
    int outer, int axisSize, int inner, int count, int* err)
{
    i64 per = (i64)count * inner;
    KN_LOOP(t, per * outer)
    {
        i64 o = t / per, r = t - o * per;
        i64 j = r / inner, i = r - j * inner;
        i64 idx = kn_index(indices, is64, j);
        if (idx < 0 || idx >= axisSize)
        {
            kn_report(err, ERR_INDEX, j, idx);
            // An empty axis has nothing to clamp to: write zero rather than read outside x.
            if (axisSize <= 0) { y[t] = (T)0; continue; }
            idx = idx < 0 ? 0 : axisSize - 1;
        }
        y[t] = x[(o * axisSize + idx) * inner + i];
    }
}
extern "C" __global__ void gather_1(const u8* x, const void* ix, int is64, u8* y, int outer, int axisSize, int inner, int count, int* err)
{ kn_gather(x, ix, is64, y, outer, axisSize, inner, count, err); }
extern "C" __global__ void gather_4(const u32* x, const void* ix, int is64, u32* y, int outer, int axisSize, int inner, int count, int* err)
{ kn_gather(x, ix, is64, y, outer, axisSize, inner, count, err); }
extern "C" __global__ void gather_8(const u64* x, const void* ix, int is64, u64* y, int outer, int axisSize, int inner, int count, int* err)
{ kn_gather(x, ix, is64, y, outer, axisSize, inner, count, err); }

// y (outer, axisSize, inner) += updates (outer, count, inner); an index outside [0, axisSize) is skipped and reported.
extern "C" __global__ void scatter_add_f32(const float* u, const void* indices, int is64, float* y,
    int outer, int axisSize, int inner, int count, int* err)
{
    i64 per = (i64)count * inner;
    KN_LOOP(t, per * outer)
    {
        i64 o = t / per, r = t - o * per;
        i64 j = r / inner, i = r - j * inner;
        i64 idx = kn_index(indices, is64, j);
        if (idx < 0 || idx >= axisSize) { kn_report(err, ERR_INDEX, j, idx); continue; }
        atomicAdd(y + (o * axisSize + idx) * inner + i, u[t]);
    }
}
""";

    private const string RandomSource = """
// Philox4x32-10 keyed by the seed, bit-identical to the CPU device (KerasNet.Backends.Native.Cpu.Philox):
// every floating-point step is an explicitly rounded intrinsic, so nothing is contracted into an FMA.
#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u
__device__ __forceinline__ void kn_philox(u64 counter, u32 stream, u32 k0, u32 k1, u32* out)
{
    u32 c0 = (u32)counter, c1 = (u32)(counter >> 32), c2 = stream, c3 = 0;
    for (int r = 0; r < 10; r++)
    {
        u64 p0 = (u64)PHILOX_M0 * c0, p1 = (u64)PHILOX_M1 * c2;
        u32 n0 = (u32)(p1 >> 32) ^ c1 ^ k0;
        u32 n2 = (u32)(p0 >> 32) ^ c3 ^ k1;
        c1 = (u32)p1;
        c3 = (u32)p0;
        c0 = n0;
        c2 = n2;
        k0 += PHILOX_W0;
        k1 += PHILOX_W1;
    }
    out[0] = c0; out[1] = c1; out[2] = c2; out[3] = c3;
}
__device__ __forceinline__ float kn_unit(u32 w) { return __fmul_rn((float)(w >> 8), 1.f / 16777216.f); }
__device__ __forceinline__ float kn_box_muller(u32 w1, u32 w2, bool cosine)
{
    double u1 = __dmul_rn((double)((w1 >> 8) + 1), 1.0 / 16777216.0);
    double u2 = __dmul_rn((double)(w2 >> 8), 1.0 / 16777216.0);
    double r = __dsqrt_rn(__dmul_rn(-2.0, log(u1)));
    double t = __dmul_rn(6.283185307179586, u2); // (2 * Math.PI) * u2
    return (float)__dmul_rn(r, cosine ? cos(t) : sin(t));
}
// MathF.BitDecrement: the next float toward negative infinity.
__device__ __forceinline__ float kn_bit_decrement(float x)
{
    int b = __float_as_int(x);
    if (x != x || b == (int)0xff800000) return x;
    if (b == 0x7f800000) return __int_as_float(0x7f7fffff);
    if (x == 0.f) return __int_as_float((int)0x80000001);
    return __int_as_float(b >= 0 ? b - 1 : b + 1);
}
extern "C" __global__ void random_f32(int dist, float* y, i64 n, u64 seed, u64 offset, float a, float b)
{
    u32 k0 = (u32)seed, k1 = (u32)(seed >> 32);
    u32 w[4];
    KN_LOOP(i, n)
    {
        float v;
        if (dist == RND_Uniform || dist == RND_Bernoulli)
        {
            u64 c = offset + (u64)i;
            kn_philox(c >> 2, 0, k0, k1, w);
            float u = kn_unit(w[c & 3]);
            if (dist == RND_Bernoulli) v = u < a ? 1.f : 0.f;
            else
            {
                v = __fadd_rn(a, __fmul_rn(u, __fsub_rn(b, a)));
                if (!(v < b)) v = kn_bit_decrement(b);
            }
        }
        else if (dist == RND_Normal)
        {
            kn_philox((offset >> 2) + (u64)i, 0, k0, k1, w);
            v = __fadd_rn(a, __fmul_rn(b, kn_box_muller(w[0], w[1], true)));
        }
        else
        {
            v = KN_NAN;
            for (u32 round = 0; ; round++)
            {
                kn_philox((offset >> 2) + (u64)i, round, k0, k1, w);
                bool done = false;
                for (int j = 0; j < 4 && !done; j += 2)
                {
                    float z0 = kn_box_muller(w[j], w[j + 1], true);
                    if (fabsf(z0) <= 2.f) { v = __fadd_rn(a, __fmul_rn(b, z0)); done = true; break; }
                    float z1 = kn_box_muller(w[j], w[j + 1], false);
                    if (fabsf(z1) <= 2.f) { v = __fadd_rn(a, __fmul_rn(b, z1)); done = true; }
                }
                if (done) break;
            }
        }
        y[i] = v;
    }
}
""";
}
