using KerasNet.Backend;
using KerasNet.Backends.Native;
using KerasNet.Backends.Native.Cpu;
using KerasNet.Backends.Native.Cuda;

namespace KerasNet.Tests.Conformance;

/// <summary>Every backend and device the conformance suite runs against. A device that is not available on
/// this machine (CUDA without a GPU) is left out here and reported by its own skipping tests
/// (tests/KerasNet.Tests/Cuda); where it is available, every conformance test also runs on "native/cuda:0".</summary>
public static class BackendsUnderTest
{
    private static readonly Lazy<IBackend[]> All = new(() => CudaProbe.Result.Available
        ? [new CpuBackend(), new NativeBackendProvider().Create("cuda:0")]
        : [new CpuBackend()]);

    /// <summary>xunit member data: one row per backend/device, named "native/cpu".</summary>
    public static IEnumerable<object[]> Names => All.Value.Select(b => new object[] { $"{b.Name}/{b.Device}" });

    /// <summary>Looks a backend up by its "name/device" row.</summary>
    public static IBackend Get(string id) => All.Value.Single(b => $"{b.Name}/{b.Device}" == id);
}
