using KerasNet.Backend;
using KerasNet.Backends.Native.Cpu;

namespace KerasNet.Tests.Conformance;

/// <summary>Every backend and device the conformance suite runs against. A device that is not available on
/// this machine (CUDA without a GPU) is left out here and reported by its own skipping test.</summary>
public static class BackendsUnderTest
{
    private static readonly Lazy<IBackend[]> All = new(() => [new CpuBackend()]);

    /// <summary>xunit member data: one row per backend/device, named "native/cpu".</summary>
    public static IEnumerable<object[]> Names => All.Value.Select(b => new object[] { $"{b.Name}/{b.Device}" });

    /// <summary>Looks a backend up by its "name/device" row.</summary>
    public static IBackend Get(string id) => All.Value.Single(b => $"{b.Name}/{b.Device}" == id);
}
