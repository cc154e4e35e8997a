namespace KerasNet.Backends.Native.Cuda;

/// <summary>What the probe found: whether the CUDA device can be used and, if not, why (naming the library or
/// call that failed and the paths tried); when it can, the bound libraries and device 0's properties.</summary>
internal sealed class CudaProbeResult
{
    public bool Available { get; init; }
    public string Reason { get; init; } = "";
    public CudaDriver? Driver { get; init; }
    public Nvrtc? Nvrtc { get; init; }
    public Cublas? Cublas { get; init; }
    public int DeviceCount { get; init; }
    public string DeviceName { get; init; } = "";
    /// <summary>Compute capability of device 0 as major·10 + minor (90 for an H100).</summary>
    public int Architecture { get; init; }
    public int DriverVersion { get; init; }
    public string NvrtcVersion { get; init; } = "";
    public IReadOnlyList<CudaLibraryLoad> Libraries { get; init; } = [];

    public static CudaProbeResult Unavailable(string reason, IReadOnlyList<CudaLibraryLoad> libraries) =>
        new() { Available = false, Reason = reason, Libraries = libraries };
}

/// <summary>Probes the CUDA device once, lazily, and caches the answer. Never throws: every failure becomes a
/// reason (a library not found with the paths tried, a missing export, a stub driver, cuInit's error, no
/// device).</summary>
internal static unsafe class CudaProbe
{
    private static readonly Lazy<CudaProbeResult> Cached = new(Run, LazyThreadSafetyMode.ExecutionAndPublication);

    public static CudaProbeResult Result => Cached.Value;

    private static CudaProbeResult Run()
    {
        var libraries = new List<CudaLibraryLoad>();
        try
        {
            return Probe(libraries);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException
            or CudaException or InvalidOperationException or IOException)
        {
            return CudaProbeResult.Unavailable($"probing the CUDA device failed: {e.GetType().Name}: {e.Message}", libraries);
        }
    }

    private static CudaProbeResult Probe(List<CudaLibraryLoad> libraries)
    {
        if (!OperatingSystem.IsLinux())
            return CudaProbeResult.Unavailable($"the CUDA device is built for Linux; this is {System.Runtime.InteropServices.RuntimeInformation.OSDescription}.", libraries);
        var driverLoad = CudaLibraries.Load(CudaLibraryKind.Driver);
        libraries.Add(driverLoad);
        if (!driverLoad.Loaded) return CudaProbeResult.Unavailable(driverLoad.Describe() + " No NVIDIA driver is installed here.", libraries);
        var driver = CudaDriver.Bind(driverLoad.Handle, out var missing);
        if (driver is null)
            return CudaProbeResult.Unavailable($"the CUDA driver at {driverLoad.LoadedFrom} lacks {string.Join(", ", missing)} (a driver for CUDA 11.4 or newer is needed).", libraries);
        if (driverLoad.LoadedFrom!.Contains("/stubs/", StringComparison.Ordinal))
            return CudaProbeResult.Unavailable($"the CUDA driver at {driverLoad.LoadedFrom} is the toolkit's link stub, not a driver.", libraries);
        int r = driver.cuInit(0);
        if (r != CudaDriver.Success)
        {
            string what = r switch
            {
                CudaDriver.ErrorStubLibrary => $"the CUDA driver at {driverLoad.LoadedFrom} is a stub library",
                CudaDriver.ErrorNoDevice => "no CUDA-capable device is present",
                CudaDriver.ErrorInsufficientDriver => "the installed driver is older than this CUDA runtime needs",
                _ => "the driver could not initialize",
            };
            return CudaProbeResult.Unavailable($"cuInit returned {driver.ErrorName(r)} ({driver.ErrorString(r)}): {what}.", libraries);
        }
        int count, version;
        driver.Check(driver.cuDriverGetVersion(&version), "cuDriverGetVersion");
        r = driver.cuDeviceGetCount(&count);
        if (r != CudaDriver.Success) return CudaProbeResult.Unavailable($"cuDeviceGetCount returned {driver.ErrorName(r)}.", libraries);
        if (count == 0) return CudaProbeResult.Unavailable("cuDeviceGetCount found no CUDA device.", libraries);
        int dev, major, minor;
        driver.Check(driver.cuDeviceGet(&dev, 0), "cuDeviceGet");
        driver.Check(driver.cuDeviceGetAttribute(&major, CudaDriver.AttributeComputeCapabilityMajor, dev), "cuDeviceGetAttribute");
        driver.Check(driver.cuDeviceGetAttribute(&minor, CudaDriver.AttributeComputeCapabilityMinor, dev), "cuDeviceGetAttribute");
        byte* name = stackalloc byte[256];
        driver.Check(driver.cuDeviceGetName(name, 256, dev), "cuDeviceGetName");

        var nvrtcLoad = CudaLibraries.Load(CudaLibraryKind.Nvrtc);
        libraries.Add(nvrtcLoad);
        if (!nvrtcLoad.Loaded) return CudaProbeResult.Unavailable(nvrtcLoad.Describe(), libraries);
        var nvrtc = Nvrtc.Bind(nvrtcLoad.Handle, out missing);
        if (nvrtc is null) return CudaProbeResult.Unavailable($"NVRTC at {nvrtcLoad.LoadedFrom} lacks {string.Join(", ", missing)}.", libraries);

        // cuBLASLt first: libcublas needs it, and loading it from the same place lets a wheel layout resolve.
        var ltLoad = CudaLibraries.Load(CudaLibraryKind.CublasLt);
        libraries.Add(ltLoad);
        var cublasLoad = CudaLibraries.Load(CudaLibraryKind.Cublas);
        libraries.Add(cublasLoad);
        if (!cublasLoad.Loaded) return CudaProbeResult.Unavailable(cublasLoad.Describe(), libraries);
        var cublas = Cublas.Bind(cublasLoad.Handle, out missing);
        if (cublas is null) return CudaProbeResult.Unavailable($"cuBLAS at {cublasLoad.LoadedFrom} lacks {string.Join(", ", missing)}.", libraries);

        return new CudaProbeResult
        {
            Available = true,
            Driver = driver,
            Nvrtc = nvrtc,
            Cublas = cublas,
            DeviceCount = count,
            DeviceName = Exports.Utf8(name) ?? "",
            Architecture = major * 10 + minor,
            DriverVersion = version,
            NvrtcVersion = nvrtc.Version,
            Libraries = libraries,
        };
    }
}
