using KerasNet.Backends.Native;
using KerasNet.Backends.Native.Cuda;
using Xunit;

namespace KerasNet.Tests.Cuda;

/// <summary>Where the CUDA libraries are looked for, checked on fake environments and file systems, and what an
/// unavailable device says.</summary>
public class LibraryProbeTests
{
    private sealed class FakeMachine
    {
        public Dictionary<string, string> Env { get; } = new();
        public HashSet<string> Dirs { get; } = new();

        public string? Get(string name) => Env.GetValueOrDefault(name);

        public bool Exists(string dir) => Dirs.Contains(dir);

        public IEnumerable<string> Sub(string dir) =>
            Dirs.Where(d => d.StartsWith(dir + "/", StringComparison.Ordinal) && !d[(dir.Length + 1)..].Contains('/'));

        public void AddTree(string dir)
        {
            for (string? d = dir; !string.IsNullOrEmpty(d) && d != "/"; d = Path.GetDirectoryName(d)) Dirs.Add(d);
        }

        public IReadOnlyList<string> Candidates(CudaLibraryKind kind) => CudaLibraries.Candidates(kind, Get, Exists, Sub);
    }

    [Fact]
    public void NvrtcLoadedByPathPreloadsTheBuiltinsBesideIt()
    {
        // NVRTC dlopens libnvrtc-builtins.so.13.0 by name; from a wheel directory the loader does not search, it
        // is found only when preloaded from the directory NVRTC itself came from.
        string dir = "/venv/lib/python3.12/site-packages/nvidia/cu13/lib";
        IEnumerable<string> Files(string d) => d == dir
            ? [dir + "/libnvrtc.so.13", dir + "/libnvrtc-builtins.so.13.0", dir + "/libnvrtc-builtins.so.13.0.88", dir + "/libcublas.so.13"]
            : [];
        Assert.Equal([dir + "/libnvrtc-builtins.so.13.0.88", dir + "/libnvrtc-builtins.so.13.0"], CudaLibraries.NvrtcBuiltins(dir + "/libnvrtc.so.13", Files));
        // A bare soname went through the system loader, which finds the builtins the same way.
        Assert.Empty(CudaLibraries.NvrtcBuiltins("libnvrtc.so.13", Files));
        Assert.Empty(CudaLibraries.NvrtcBuiltins("/elsewhere/libnvrtc.so.13", Files));
    }

    [Fact]
    public void NvrtcCandidatesFollowTheDocumentedOrder()
    {
        var m = new FakeMachine();
        m.Env["KERASNET_NVRTC"] = "/opt/custom/libnvrtc.so.12";
        m.Env["KERASNET_CUDA_LIBRARY_PATH"] = "/opt/a:/opt/missing";
        m.Env["CUDA_PATH"] = "/opt/cuda-13";
        m.Env["VIRTUAL_ENV"] = "/venv";
        m.Env["HOME"] = "/home/u";
        m.AddTree("/opt/a");
        m.AddTree("/opt/cuda-13/lib64");
        m.AddTree("/usr/local/cuda/targets/x86_64-linux/lib");
        m.AddTree("/venv/lib/python3.12/site-packages/nvidia/cu13/lib");
        m.AddTree("/usr/lib/python3.9/dist-packages/nvidia/cuda_nvrtc/lib");
        m.AddTree("/usr/lib/python3.11/dist-packages/nvidia/cuda_nvrtc/lib");
        m.AddTree("/home/u/.local/lib/python3.12/site-packages/nvidia/cu13/lib");

        var c = m.Candidates(CudaLibraryKind.Nvrtc);

        string[] sonames = ["libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2", "libnvrtc.so.11.1", "libnvrtc.so.11.0", "libnvrtc.so"];
        var expected = new List<string> { "/opt/custom/libnvrtc.so.12" };
        expected.AddRange(sonames.Select(s => "/opt/a/" + s));
        expected.AddRange(sonames);
        foreach (var dir in (string[])["/opt/cuda-13/lib64", "/usr/local/cuda/targets/x86_64-linux/lib",
                     "/venv/lib/python3.12/site-packages/nvidia/cu13/lib",
                     "/usr/lib/python3.11/dist-packages/nvidia/cuda_nvrtc/lib",
                     "/usr/lib/python3.9/dist-packages/nvidia/cuda_nvrtc/lib",
                     "/home/u/.local/lib/python3.12/site-packages/nvidia/cu13/lib"])
            expected.AddRange(sonames.Select(s => dir + "/" + s));
        Assert.Equal(expected, c);
    }

    [Fact]
    public void SonamesAreNewestFirst()
    {
        Assert.Equal(["libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2", "libnvrtc.so.11.1", "libnvrtc.so.11.0", "libnvrtc.so"],
            CudaLibraries.Sonames(CudaLibraryKind.Nvrtc));
        Assert.Equal(["libcublas.so.13", "libcublas.so.12", "libcublas.so.11", "libcublas.so"], CudaLibraries.Sonames(CudaLibraryKind.Cublas));
        Assert.Equal("libcuda.so.1", CudaLibraries.Sonames(CudaLibraryKind.Driver)[0]);
    }

    [Fact]
    public void AnEmptyMachineTriesOnlyTheSonames()
    {
        var m = new FakeMachine();
        Assert.Equal(CudaLibraries.Sonames(CudaLibraryKind.Cublas), m.Candidates(CudaLibraryKind.Cublas));
    }

    [Fact]
    public void AnOverrideDirectoryIsSearchedForEverySoname()
    {
        var m = new FakeMachine();
        m.Env["KERASNET_CUBLAS"] = "/wheel/lib";
        m.AddTree("/wheel/lib");
        var c = m.Candidates(CudaLibraryKind.Cublas);
        Assert.Equal("/wheel/lib/libcublas.so.13", c[0]);
        Assert.Equal("/wheel/lib/libcublas.so.12", c[1]);
    }

    [Fact]
    public void CublasLooksInTheCublasWheelNotTheNvrtcOne()
    {
        var m = new FakeMachine();
        m.AddTree("/usr/local/lib/python3.11/dist-packages/nvidia/cublas/lib");
        m.AddTree("/usr/local/lib/python3.11/dist-packages/nvidia/cuda_nvrtc/lib");
        var cublas = m.Candidates(CudaLibraryKind.Cublas);
        Assert.Contains("/usr/local/lib/python3.11/dist-packages/nvidia/cublas/lib/libcublas.so.13", cublas);
        Assert.DoesNotContain(cublas, c => c.Contains("cuda_nvrtc", StringComparison.Ordinal));
        var lt = m.Candidates(CudaLibraryKind.CublasLt);
        Assert.Contains("/usr/local/lib/python3.11/dist-packages/nvidia/cublas/lib/libcublasLt.so.13", lt);
    }

    [Fact]
    public void TheDriverIsNeverTakenFromToolkitOrWheelDirectories()
    {
        var m = new FakeMachine();
        m.Env["CUDA_PATH"] = "/opt/cuda";
        m.AddTree("/opt/cuda/lib64/stubs");
        m.AddTree("/usr/lib/python3.11/dist-packages/nvidia/cu13/lib");
        m.AddTree("/usr/lib/x86_64-linux-gnu");
        var c = m.Candidates(CudaLibraryKind.Driver);
        Assert.Equal(["libcuda.so.1", "libcuda.so", "/usr/lib/x86_64-linux-gnu/libcuda.so.1", "/usr/lib/x86_64-linux-gnu/libcuda.so"], c);
    }

    [Fact]
    public void PythonSitePackagesComeNewestFirstAfterPythonPath()
    {
        var m = new FakeMachine();
        m.Env["PYTHONPATH"] = "/pp:/nope";
        m.AddTree("/pp");
        m.AddTree("/usr/local/lib/python3.10/dist-packages");
        m.AddTree("/usr/local/lib/python3.13/dist-packages");
        m.AddTree("/usr/lib/python3/dist-packages");
        var sites = CudaLibraries.SitePackages(m.Get, m.Exists, m.Sub);
        Assert.Equal(["/pp", "/usr/local/lib/python3.13/dist-packages", "/usr/local/lib/python3.10/dist-packages", "/usr/lib/python3/dist-packages"], sites);
    }

    [Fact]
    public void AFailedLoadNamesEveryPathTriedAndTheOverride()
    {
        string[] candidates = ["/nonexistent/a/libnvrtc.so.13", "/nonexistent/b/libnvrtc.so.12"];
        var load = CudaLibraries.Load(CudaLibraryKind.Nvrtc, candidates);
        Assert.False(load.Loaded);
        Assert.Equal(candidates, load.Tried);
        string text = load.Describe();
        Assert.Contains("/nonexistent/a/libnvrtc.so.13", text);
        Assert.Contains("/nonexistent/b/libnvrtc.so.12", text);
        Assert.Contains("KERASNET_NVRTC", text);
    }

    [Fact]
    public void TheProbeNeverThrowsAndExplainsAnUnavailableDevice()
    {
        var probe = CudaProbe.Result;
        if (probe.Available)
        {
            Assert.True(probe.DeviceCount > 0);
            Assert.NotEmpty(probe.DeviceName);
            Assert.True(probe.Architecture >= 50);
            return;
        }
        Assert.False(string.IsNullOrWhiteSpace(probe.Reason));
        // The reason names what failed: a library (with the paths tried) or a driver call.
        Assert.Matches("libcuda|libnvrtc|libcublas|cuInit|cuDeviceGetCount|stub", probe.Reason);
        Assert.False(CudaDevice.IsAvailable);
        Assert.Equal(probe.Reason, CudaDevice.UnavailableReason);
    }

    [Fact]
    public void TheProviderReportsCudaWithTheProbesReasonAndDefaultsToTheFastestDevice()
    {
        var provider = new NativeBackendProvider();
        Assert.Equal(["cpu", "cuda"], provider.Devices);
        bool available = provider.IsAvailable("cuda", out string reason);
        Assert.Equal(CudaProbe.Result.Available, available);
        Assert.Equal(available ? "cuda" : "cpu", provider.DefaultDevice);
        if (!available)
        {
            Assert.Equal(CudaProbe.Result.Reason, reason);
            var e = Assert.Throws<NotSupportedException>(() => provider.Create("cuda"));
            Assert.Contains(reason, e.Message);
        }
        Assert.False(provider.IsAvailable("cuda:x", out string bad));
        Assert.Contains("cuda:x", bad);
        Assert.False(provider.IsAvailable("tpu", out _));
    }

    [Theory]
    [InlineData("cuda", true, 0)]
    [InlineData("cuda:0", true, 0)]
    [InlineData("cuda:3", true, 3)]
    [InlineData("cuda:-1", false, 0)]
    [InlineData("cuda:", false, 0)]
    [InlineData("cpu", false, 0)]
    public void DeviceNamesParse(string device, bool ok, int ordinal)
    {
        Assert.Equal(ok, NativeBackendProvider.TryParseCuda(device, out int n));
        if (ok) Assert.Equal(ordinal, n);
    }
}
