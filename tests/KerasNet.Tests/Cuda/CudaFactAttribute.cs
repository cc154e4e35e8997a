using KerasNet.Backends.Native;
using KerasNet.Backends.Native.Cuda;
using Xunit;

namespace KerasNet.Tests.Cuda;

/// <summary>A test that needs a CUDA device; skipped with the probe's reason where there is none.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class CudaFactAttribute : FactAttribute
{
    public CudaFactAttribute()
    {
        if (!CudaProbe.Result.Available) Skip = "No usable CUDA device: " + CudaProbe.Result.Reason;
    }
}

/// <summary>A theory that needs a CUDA device; skipped with the probe's reason where there is none.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class CudaTheoryAttribute : TheoryAttribute
{
    public CudaTheoryAttribute()
    {
        if (!CudaProbe.Result.Available) Skip = "No usable CUDA device: " + CudaProbe.Result.Reason;
    }
}

/// <summary>A test that needs NVRTC (no GPU). It skips where NVRTC is missing, except where the environment
/// requires it (CI=true or KERASNET_REQUIRE_NVRTC=1): there it runs and fails, so CI cannot skip it silently.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class NvrtcFactAttribute : FactAttribute
{
    public NvrtcFactAttribute()
    {
        if (NvrtcForTests.Instance is null && !NvrtcForTests.Required)
            Skip = "NVRTC is not installed (scripts/cuda-deps.sh installs Debian's libnvrtc11.2): " + NvrtcForTests.Load.Describe();
    }
}

/// <summary>NVRTC loaded once for the compile tests.</summary>
internal static class NvrtcForTests
{
    private static readonly Lazy<(CudaLibraryLoad Load, Nvrtc? Nvrtc)> State = new(() =>
    {
        var load = CudaLibraries.Load(CudaLibraryKind.Nvrtc);
        return (load, load.Loaded ? Nvrtc.Bind(load.Handle, out _) : null);
    });

    public static CudaLibraryLoad Load => State.Value.Load;

    public static Nvrtc? Instance => State.Value.Nvrtc;

    public static bool Required =>
        Environment.GetEnvironmentVariable("KERASNET_REQUIRE_NVRTC") == "1" ||
        Environment.GetEnvironmentVariable("CI") is { Length: > 0 } ci && ci != "0" && !ci.Equals("false", StringComparison.OrdinalIgnoreCase);

    /// <summary>NVRTC, or an assertion failure naming everything tried.</summary>
    public static Nvrtc Require() => Instance ?? throw new Xunit.Sdk.XunitException(
        "NVRTC is required here (CI or KERASNET_REQUIRE_NVRTC=1) but could not be loaded: " + Load.Describe());
}
