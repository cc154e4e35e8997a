using KerasNet.Backend;
using KerasNet.Backends.Native;
using KerasNet.Backends.Native.Cpu;
using KerasNet.Backends.Native.Cuda;

[assembly: BackendProvider(typeof(NativeBackendProvider))]

namespace KerasNet.Backends.Native;

/// <summary>The built-in engine: managed SIMD kernels on the CPU, and the CUDA device (driver API, NVRTC-compiled
/// kernels, cuBLAS) where a GPU, its driver, NVRTC and cuBLAS are found. The CUDA probe runs once, lazily, on
/// the first question about the device, and never throws: an unavailable device says why.</summary>
public sealed class NativeBackendProvider : IBackendProvider
{
    private static readonly Lazy<CpuBackend> Cpu = new(() =>
    {
        KernelWarmup.Start();
        return new CpuBackend();
    });
    private static readonly Dictionary<int, CudaBackend> CudaDevices = new();
    private static readonly object CudaGate = new();

    /// <inheritdoc/>
    public string Name => "native";

    /// <inheritdoc/>
    public IReadOnlyList<string> Devices { get; } = ["cpu", "cuda"];

    /// <inheritdoc/>
    public string DefaultDevice => CudaProbe.Result.Available ? "cuda" : "cpu";

    /// <inheritdoc/>
    public bool IsAvailable(string device, out string reason)
    {
        if (device == "cpu")
        {
            reason = "";
            return true;
        }
        if (!TryParseCuda(device, out int ordinal))
        {
            reason = $"the native backend has no device '{device}'; its devices are cpu, cuda and cuda:N.";
            return false;
        }
        var probe = CudaProbe.Result;
        if (!probe.Available)
        {
            reason = probe.Reason;
            return false;
        }
        if (ordinal >= probe.DeviceCount)
        {
            reason = $"device '{device}' was asked for but this machine has {probe.DeviceCount} CUDA device(s) (cuda:0 .. cuda:{probe.DeviceCount - 1}).";
            return false;
        }
        reason = "";
        return true;
    }

    /// <inheritdoc/>
    public IBackend Create(string device)
    {
        if (device == "cpu") return Cpu.Value;
        if (!IsAvailable(device, out string reason))
            throw new NotSupportedException($"The native backend's device '{device}' is not available: {reason}");
        TryParseCuda(device, out int ordinal);
        lock (CudaGate)
        {
            if (!CudaDevices.TryGetValue(ordinal, out var backend))
            {
                backend = new CudaBackend(CudaProbe.Result, ordinal);
                CudaDevices.Add(ordinal, backend);
            }
            return backend;
        }
    }

    /// <summary>"cuda" is device 0; "cuda:N" device N.</summary>
    internal static bool TryParseCuda(string device, out int ordinal)
    {
        ordinal = 0;
        if (device == "cuda") return true;
        return device.StartsWith("cuda:", StringComparison.Ordinal)
            && int.TryParse(device.AsSpan(5), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out ordinal);
    }

    /// <summary>Sets the number of CPU threads the native kernels use (KERASNET_THREADS sets it at start-up).</summary>
    public static void SetThreads(int threads)
    {
        // An application that sets the thread count is about to train: compile the kernels meanwhile.
        KernelWarmup.Start();
        CpuThreads.SetCount(threads);
    }

    /// <summary>The number of CPU threads the native kernels use.</summary>
    public static int Threads => CpuThreads.Count;
}
