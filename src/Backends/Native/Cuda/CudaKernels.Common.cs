using System.Text;
using KerasNet.Backend;

namespace KerasNet.Backends.Native.Cuda;

/// <summary>One CUDA C translation unit compiled by NVRTC as a whole, with the kernels it exports.</summary>
internal sealed record CudaModule(string Name, string Source, IReadOnlyList<string> Kernels);

/// <summary>The CUDA C kernels of the device, in a few modules compiled at run time by NVRTC. Every module
/// starts with <see cref="Prelude"/>: fixed-width types, the kernel parameter structs (laid out exactly as
/// their C# mirrors in <see cref="KernelStructs"/>), the error report every kernel can raise, and the op
/// numbers generated from Core's enums so the two never drift apart. Arithmetic is compiled with
/// <c>--fmad=false</c>, so a*b+c rounds twice as on the CPU device and results match it bit for bit where
/// the CPU's operations are the same.</summary>
internal static partial class CudaKernels
{
    /// <summary>Error codes a kernel writes into the device's error word (read at the next sync point).</summary>
    public const int ErrorIntegerDivideByZero = 1;
    public const int ErrorIndexOutOfRange = 2;
    public const int ErrorLabelOutOfRange = 3;

    private static readonly Lazy<string> PreludeText = new(BuildPrelude);

    public static string Prelude => PreludeText.Value;

    private static string BuildPrelude()
    {
        var sb = new StringBuilder();
        sb.AppendLine("// KerasNet CUDA prelude");
        Defines<UnaryOp>(sb, "UN_");
        Defines<BinaryOp>(sb, "BIN_");
        Defines<CompareOp>(sb, "CMP_");
        Defines<ReduceOp>(sb, "RED_");
        Defines<RandomDistribution>(sb, "RND_");
        Defines<PoolKind>(sb, "POOL_");
        sb.AppendLine($"#define ERR_INT_DIV_ZERO {ErrorIntegerDivideByZero}");
        sb.AppendLine($"#define ERR_INDEX {ErrorIndexOutOfRange}");
        sb.AppendLine($"#define ERR_LABEL {ErrorLabelOutOfRange}");
        sb.AppendLine($"#define KN_MAX_RANK {Shape.MaxRank}");
        sb.Append(PreludeBody);
        return sb.ToString();
    }

    private static void Defines<T>(StringBuilder sb, string prefix) where T : struct, Enum
    {
        foreach (var v in Enum.GetValues<T>()) sb.AppendLine($"#define {prefix}{v} {Convert.ToInt32(v, System.Globalization.CultureInfo.InvariantCulture)}");
    }

    private const string PreludeBody = """
typedef long long i64;
typedef unsigned long long u64;
typedef unsigned int u32;
typedef unsigned char u8;

#define KN_NAN __int_as_float(0x7fc00000)
#define KN_INF __int_as_float(0x7f800000)
#define KN_DNAN __longlong_as_double(0x7ff8000000000000LL)
#define KN_DINF __longlong_as_double(0x7ff0000000000000LL)
#define KN_LOOP(i, n) for (i64 i = (i64)blockIdx.x * blockDim.x + threadIdx.x; i < (n); i += (i64)gridDim.x * blockDim.x)

// An elementwise loop over up to three broadcast operands (KerasNet.Backend.BroadcastPlan).
struct Bcast { i64 count; int rank; int shape[KN_MAX_RANK]; int sa[KN_MAX_RANK]; int sb[KN_MAX_RANK]; int sc[KN_MAX_RANK]; };
// dst[doff + i.ds] = src[soff + i.ss] (KerasNet.Backend.StridedCopyParams).
struct CopyArgs { i64 count; i64 soff; i64 doff; int rank; int shape[KN_MAX_RANK]; int ss[KN_MAX_RANK]; int ds[KN_MAX_RANK]; };
struct ConvArgs { int N, H, W, C, OutH, OutW, OutC, KH, KW, StrideH, StrideW, DilationH, DilationW, PadTop, PadLeft, Groups; };
struct PoolArgs { int Kind, N, H, W, C, OutH, OutW, PoolH, PoolW, StrideH, StrideW, PadTop, PadLeft; };

// The error word: int code, int pad, i64 first detail, i64 second detail. The first error wins.
__device__ __forceinline__ void kn_report(int* err, int code, i64 a, i64 b)
{
    if (atomicCAS(err, 0, code) == 0) { i64* d = (i64*)(err + 2); d[0] = a; d[1] = b; }
}

__device__ __forceinline__ void bc_offsets(const Bcast& p, i64 i, i64& oa, i64& ob, i64& oc)
{
    if (p.rank == 1) { oa = i * p.sa[0]; ob = i * p.sb[0]; oc = i * p.sc[0]; return; }
    oa = 0; ob = 0; oc = 0;
    for (int d = p.rank - 1; d >= 0; d--)
    {
        int s = p.shape[d];
        i64 q = i / s;
        i64 idx = i - q * s;
        i = q;
        oa += idx * p.sa[d]; ob += idx * p.sb[d]; oc += idx * p.sc[d];
    }
}

__device__ __forceinline__ float kn_maxf(float a, float b) { return (a != a || b != b) ? KN_NAN : fmaxf(a, b); }
__device__ __forceinline__ float kn_minf(float a, float b) { return (a != a || b != b) ? KN_NAN : fminf(a, b); }

// Block-wide reductions over blockDim.x threads (a multiple of 32, at most 1024); every thread gets the result.
template <typename T> __device__ __forceinline__ T kn_warp_sum(T v)
{
    for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffffu, v, o);
    return v;
}
template <typename T> __device__ __forceinline__ T kn_warp_max(T v)
{
    for (int o = 16; o > 0; o >>= 1) { T u = __shfl_down_sync(0xffffffffu, v, o); v = (v != v || u != u) ? (v != v ? v : u) : (u > v ? u : v); }
    return v;
}
template <typename T> __device__ T kn_block_sum(T v, T* shared)
{
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = (blockDim.x + 31) >> 5;
    v = kn_warp_sum(v);
    __syncthreads();
    if (lane == 0) shared[warp] = v;
    __syncthreads();
    if (warp == 0)
    {
        T t = lane < warps ? shared[lane] : (T)0;
        t = kn_warp_sum(t);
        if (lane == 0) shared[0] = t;
    }
    __syncthreads();
    return shared[0];
}
template <typename T> __device__ T kn_block_max(T v, T* shared)
{
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = (blockDim.x + 31) >> 5;
    v = kn_warp_max(v);
    __syncthreads();
    if (lane == 0) shared[warp] = v;
    __syncthreads();
    if (warp == 0)
    {
        T t = lane < warps ? shared[lane] : -(T)KN_DINF;
        t = kn_warp_max(t);
        if (lane == 0) shared[0] = t;
    }
    __syncthreads();
    return shared[0];
}

""";

    /// <summary>Every module, in a fixed order (the test suite compiles each one).</summary>
    public static IReadOnlyList<CudaModule> Modules => ModuleList.Value;

    private static readonly Lazy<CudaModule[]> ModuleList = new(() =>
    [
        new CudaModule("elementwise", Prelude + ElementwiseSource, ElementwiseKernels),
        new CudaModule("reduce", Prelude + ReduceSource, ReduceKernels),
        new CudaModule("indexing", Prelude + IndexingSource, IndexingKernels),
        new CudaModule("random", Prelude + RandomSource, RandomKernels),
        new CudaModule("conv", Prelude + ConvSource, ConvKernels),
        new CudaModule("recurrent", Prelude + RecurrentSource, RecurrentKernels),
    ]);
}
