using KerasNet.Backend;

namespace KerasNet.Backends.Native.Cuda;

/// <summary>The native backend's CUDA device, from user code: whether it is available and why not, TF32,
/// device memory, and CUDA graph capture of a training step. Select the device with
/// <c>KERASNET_DEVICE=cuda</c> (or <c>cuda:1</c>), or <c>BackendRegistry.Set("native", "cuda")</c>; it is the
/// default wherever it is available.</summary>
public static class CudaDevice
{
    /// <summary>Whether a CUDA device, its driver, NVRTC and cuBLAS were all found (probed once, lazily).</summary>
    public static bool IsAvailable => CudaProbe.Result.Available;

    /// <summary>Why the device is not available (the library or call that failed, with the paths tried); empty
    /// when it is.</summary>
    public static string UnavailableReason => CudaProbe.Result.Reason;

    /// <summary>Device 0's name ("NVIDIA H100 80GB HBM3"), or empty.</summary>
    public static string DeviceName => CudaProbe.Result.DeviceName;

    /// <summary>Device 0's compute capability as major·10 + minor (90 for sm_90), or 0.</summary>
    public static int Architecture => CudaProbe.Result.Architecture;

    /// <summary>Where compiled kernels are cached (KERASNET_CUDA_CACHE, else $XDG_CACHE_HOME/kerasnet/cuda, else
    /// ~/.cache/kerasnet/cuda); null when no home directory is known (kernels are then compiled every run).</summary>
    public static string? CacheDirectory => KernelCache.DefaultDirectory;

    /// <summary>Lets cuBLAS use TF32 tensor cores for float32 GEMMs (faster, about 10 mantissa bits in the
    /// products). Off by default, as in Keras on Ampere and later with TF32 disabled.</summary>
    public static bool AllowTf32
    {
        get => CudaBackend.AllowTf32;
        set => CudaBackend.AllowTf32 = value;
    }

    /// <summary>Free and total bytes of device memory (cuMemGetInfo) on the CUDA backend <paramref name="backend"/>.</summary>
    public static (long Free, long Total) GetMemoryInfo(IBackend backend) => Of(backend).MemoryInfo();

    /// <summary>Bytes the device's caching allocator holds in live buffers and in its pool.</summary>
    public static (long Live, long Pooled) GetPoolBytes(IBackend backend)
    {
        var b = Of(backend);
        return (b.LiveBytes, b.PooledBytes);
    }

    /// <summary>Captures <paramref name="step"/> (run once, nothing executes) as a CUDA graph that
    /// <see cref="CudaGraphStep.Replay"/> launches whole. Run the step once normally first (kernels are compiled
    /// and buffers pooled on first use), keep every shape static, and read results only after a replay; see
    /// <see cref="CudaGraphStep"/> for what is frozen at capture.</summary>
    public static CudaGraphStep CaptureStep(IBackend backend, Action step) => Of(backend).Capture(step);

    /// <summary>Compiles (or loads from the cache) every kernel module now instead of on first use.</summary>
    public static void Warmup(IBackend backend) => Of(backend).LoadAllModules();

    private static CudaBackend Of(IBackend backend) => backend as CudaBackend ?? throw new ArgumentException(
        $"The backend '{backend?.Name}' on device '{backend?.Device}' is not the native backend's CUDA device.", nameof(backend));
}
