using System.Runtime.Intrinsics.X86;
using KerasNet.Backends.Native.Cpu;
using KerasNet.Backends.Native.Cpu.Gemm;
using Xunit;

namespace KerasNet.Tests.Kernels;

/// <summary>The background warm-up finds the kernels this machine runs and the runtime accepts every one.</summary>
public class KernelWarmupTests
{
    [Fact]
    public void ListsEveryTileShapeOfTheMicroKernelInUseAndTheKernelFamilies()
    {
        var methods = KernelWarmup.Methods();
        var names = methods.Select(m => $"{m.DeclaringType!.Name}.{m.Name}{(m.IsGenericMethod ? "<" + string.Join(",", m.GetGenericArguments().Select(a => a.Name)) + ">" : "")}").ToHashSet();
        (string kernel, int mr) = Avx512F.IsSupported ? (nameof(Avx512Kernel), 12) : Avx2.IsSupported && Fma.IsSupported ? (nameof(Avx2Kernel), 6) : (nameof(VectorKernel), 0);
        if (mr > 0)
        {
            // Run<TRows, TCols> for rows 1..MR and one or two column vectors, nothing else.
            var runs = names.Where(n => n.StartsWith(kernel + ".Run<", StringComparison.Ordinal)).ToList();
            Assert.Equal(mr * 2, runs.Count);
            Assert.Contains($"{kernel}.Run<R{mr},R2>", names);
            Assert.Contains($"{kernel}.Run<R1,R1>", names);
        }
        // Other instruction sets' micro-kernels are never compiled.
        foreach (var other in new[] { nameof(Avx512Kernel), nameof(Avx2Kernel) }.Where(k => k != kernel))
            Assert.DoesNotContain(names, n => n.StartsWith(other + ".Run<", StringComparison.Ordinal));
        // The loops of the elementwise, reduction, optimizer and GEMM driver kernels are there.
        Assert.Contains(names, n => n.StartsWith("CpuBackend.BinaryRowF32", StringComparison.Ordinal));
        Assert.Contains(names, n => n.StartsWith("OptimizerJob.Adam", StringComparison.Ordinal));
        Assert.Contains(names, n => n.StartsWith("GemmDriver`1.", StringComparison.Ordinal));
        foreach (var m in methods) System.Runtime.CompilerServices.RuntimeHelpers.PrepareMethod(m.MethodHandle);
    }
}
