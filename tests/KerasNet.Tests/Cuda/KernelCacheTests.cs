using KerasNet.Backends.Native.Cuda;
using Xunit;

namespace KerasNet.Tests.Cuda;

/// <summary>The kernel cache: keys, directory choice, atomic writes, the compile target, and compilation
/// through the cache with NVRTC (no GPU needed).</summary>
public class KernelCacheTests
{
    private static readonly string[] Options = ["--gpu-architecture=sm_90", "--fmad=false"];

    [Fact]
    public void KeysAreStableHexSha256()
    {
        string k = KernelCache.Key("src", Options, "sm_90", "13.0");
        Assert.Equal(k, KernelCache.Key("src", Options, "sm_90", "13.0"));
        Assert.Matches("^[0-9a-f]{64}$", k);
    }

    [Fact]
    public void KeysChangeWithEachInput()
    {
        string k = KernelCache.Key("src", Options, "sm_90", "13.0");
        Assert.NotEqual(k, KernelCache.Key("src ", Options, "sm_90", "13.0"));
        Assert.NotEqual(k, KernelCache.Key("src", ["--gpu-architecture=sm_90"], "sm_90", "13.0"));
        Assert.NotEqual(k, KernelCache.Key("src", ["--fmad=false", "--gpu-architecture=sm_90"], "sm_90", "13.0"));
        Assert.NotEqual(k, KernelCache.Key("src", Options, "compute_90", "13.0"));
        Assert.NotEqual(k, KernelCache.Key("src", Options, "sm_90", "12.8"));
    }

    [Fact]
    public void FieldsCannotRunIntoEachOther()
    {
        Assert.NotEqual(KernelCache.Key("ab", ["c"], "x", "1"), KernelCache.Key("a", ["bc"], "x", "1"));
        Assert.NotEqual(KernelCache.Key("a", ["b", "c"], "x", "1"), KernelCache.Key("a", ["b c"], "x", "1"));
        Assert.NotEqual(KernelCache.Key("a", [], "x1", ""), KernelCache.Key("a", [], "x", "1"));
    }

    [Fact]
    public void TheDirectoryComesFromTheEnvironmentInOrder()
    {
        var env = new Dictionary<string, string> { ["KERASNET_CUDA_CACHE"] = "/c", ["XDG_CACHE_HOME"] = "/x", ["HOME"] = "/h" };
        Assert.Equal("/c", KernelCache.Directory(env.GetValueOrDefault));
        env.Remove("KERASNET_CUDA_CACHE");
        Assert.Equal("/x/kerasnet/cuda", KernelCache.Directory(env.GetValueOrDefault));
        env.Remove("XDG_CACHE_HOME");
        Assert.Equal("/h/.cache/kerasnet/cuda", KernelCache.Directory(env.GetValueOrDefault));
        env.Remove("HOME");
        Assert.Null(KernelCache.Directory(env.GetValueOrDefault));
    }

    [Fact]
    public void WritesAreAtomicAndReadBack()
    {
        string dir = Path.Combine(Path.GetTempPath(), "kerasnet-cache-test-" + Guid.NewGuid().ToString("N"));
        try
        {
            string key = KernelCache.Key("s", Options, "sm_80", "11.8");
            Assert.Null(KernelCache.TryRead(dir, key));
            Assert.True(KernelCache.TryWrite(dir, key, [1, 2, 3]));
            Assert.Equal([1, 2, 3], KernelCache.TryRead(dir, key));
            Assert.True(KernelCache.TryWrite(dir, key, [4, 5]));
            Assert.Equal([4, 5], KernelCache.TryRead(dir, key));
            // Only the entry itself remains: the temporary files were renamed into place.
            Assert.Equal([KernelCache.EntryPath(dir, key)], Directory.GetFiles(dir));
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void AnUnwritableCacheOnlyReportsFalse()
    {
        string file = Path.GetTempFileName();
        try
        {
            // A "directory" below a regular file cannot be created.
            Assert.False(KernelCache.TryWrite(Path.Combine(file, "sub"), "k", [1]));
            Assert.Null(KernelCache.TryRead(Path.Combine(file, "sub"), "k"));
            Assert.False(KernelCache.TryWrite(null, "k", [1]));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void TheTargetIsACubinForAKnownArchitectureElsePtx()
    {
        int[] nvrtc118 = [35, 37, 50, 52, 53, 60, 61, 62, 70, 72, 75, 80, 86, 87, 89, 90];
        Assert.Equal(new CompileTarget("sm_90", true), CompileTarget.Choose(90, nvrtc118, canEmitCubin: true));
        Assert.Equal(new CompileTarget("compute_90", false), CompileTarget.Choose(90, nvrtc118, canEmitCubin: false));
        // A device newer than this NVRTC: PTX for the newest architecture it knows, which the driver JIT-compiles.
        Assert.Equal(new CompileTarget("compute_90", false), CompileTarget.Choose(100, nvrtc118, canEmitCubin: true));
        Assert.Equal(new CompileTarget("compute_87", false), CompileTarget.Choose(88, nvrtc118, canEmitCubin: true));
        // An NVRTC that cannot list its architectures: PTX for the device's own.
        Assert.Equal(new CompileTarget("compute_75", false), CompileTarget.Choose(75, [], canEmitCubin: true));
        Assert.Throws<NotSupportedException>(() => CompileTarget.Choose(30, nvrtc118, canEmitCubin: true));
        Assert.Contains("--gpu-architecture=sm_90", new CompileTarget("sm_90", true).Options);
        Assert.Contains("--fmad=false", new CompileTarget("sm_90", true).Options);
    }

    [NvrtcFact]
    public void CompilingGoesThroughTheCacheAndCubinsAreElf()
    {
        var nvrtc = NvrtcForTests.Require();
        string dir = Path.Combine(Path.GetTempPath(), "kerasnet-cache-test-" + Guid.NewGuid().ToString("N"));
        try
        {
            var module = CudaKernels.Modules.Single(m => m.Name == "random");
            var target = CompileTarget.Choose(80, nvrtc.SupportedArchitectures(), nvrtc.CanEmitCubin);
            var first = CudaCompiler.Compile(nvrtc, module, target, dir, out bool cached1);
            var second = CudaCompiler.Compile(nvrtc, module, target, dir, out bool cached2);
            Assert.False(cached1);
            Assert.True(cached2);
            Assert.Equal(first, second);
            Assert.Single(Directory.GetFiles(dir));
            if (target.Cubin) Assert.Equal([0x7f, (byte)'E', (byte)'L', (byte)'F'], first[..4]);
            else Assert.Contains(".entry random_f32", System.Text.Encoding.ASCII.GetString(first));
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }
}
