using KerasNet.Backends.Native.Cuda;
using Xunit;

namespace KerasNet.Tests.Cuda;

/// <summary>Every CUDA kernel source compiles with NVRTC, on any machine (no GPU needed), and exports every
/// kernel the device looks up.</summary>
public class NvrtcCompileTests
{
    [NvrtcFact]
    public void EveryModuleCompilesToPtxForCompute80()
    {
        var nvrtc = NvrtcForTests.Require();
        var target = new CompileTarget("compute_80", Cubin: false);
        Assert.NotEmpty(CudaKernels.Modules);
        foreach (var module in CudaKernels.Modules)
        {
            var image = nvrtc.Compile(module.Source, module.Name + ".cu", target.Options, cubin: false);
            string ptx = System.Text.Encoding.ASCII.GetString(image).TrimEnd('\0');
            Assert.Contains(".target sm_80", ptx);
            foreach (var kernel in module.Kernels)
                Assert.True(ptx.Contains($".entry {kernel}(", StringComparison.Ordinal),
                    $"Module '{module.Name}' does not export kernel '{kernel}'.");
        }
    }
}
