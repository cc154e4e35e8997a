using KerasNet.Backend;
using KerasNet.Backends.Native;
using KerasNet.Backends.Native.Cpu;

[assembly: BackendProvider(typeof(NativeBackendProvider))]

namespace KerasNet.Backends.Native;

/// <summary>The built-in engine: managed SIMD kernels on the CPU. The CUDA device joins it later; until
/// then asking for it reports it unavailable.</summary>
public sealed class NativeBackendProvider : IBackendProvider
{
    private static readonly Lazy<CpuBackend> Cpu = new(() => new CpuBackend());

    /// <inheritdoc/>
    public string Name => "native";

    /// <inheritdoc/>
    public IReadOnlyList<string> Devices { get; } = ["cpu", "cuda"];

    /// <inheritdoc/>
    public string DefaultDevice => "cpu";

    /// <inheritdoc/>
    public bool IsAvailable(string device, out string reason)
    {
        if (device == "cpu")
        {
            reason = "";
            return true;
        }
        reason = "the native backend's CUDA device is not part of this build yet; use KERASNET_DEVICE=cpu.";
        return false;
    }

    /// <inheritdoc/>
    public IBackend Create(string device) => device == "cpu"
        ? Cpu.Value
        : throw new NotSupportedException($"The native backend has no device '{device}' in this build.");

    /// <summary>Sets the number of CPU threads the native kernels use (KERASNET_THREADS sets it at start-up).</summary>
    public static void SetThreads(int threads) => CpuThreads.SetCount(threads);

    /// <summary>The number of CPU threads the native kernels use.</summary>
    public static int Threads => CpuThreads.Count;
}
