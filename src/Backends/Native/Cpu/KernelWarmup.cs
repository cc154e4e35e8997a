using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using KerasNet.Backends.Native.Cpu.Gemm;

namespace KerasNet.Backends.Native.Cpu;

/// <summary>Compiles the CPU kernels ahead of their first call, on a background thread started with the CPU
/// device. The kernels are hardware-specific (AVX-512, AVX2), so they cannot be precompiled into a ReadyToRun
/// image and are always compiled by the JIT, fully optimized, the first time they run: without this, the first
/// training steps of a model wait tens of milliseconds on the JIT for each GEMM tile shape and kernel family
/// they meet. The thread only compiles (<see cref="RuntimeHelpers.PrepareMethod(RuntimeMethodHandle)"/>), never
/// runs a kernel or touches a buffer, so it cannot disturb the work it races with. KERASNET_WARMUP=0 turns it
/// off.</summary>
internal static class KernelWarmup
{
    private static int _started;

    /// <summary>Starts the warm-up once per process (later calls do nothing).</summary>
    public static void Start()
    {
        if (Environment.GetEnvironmentVariable("KERASNET_WARMUP") == "0") return;
        if (Interlocked.Exchange(ref _started, 1) != 0) return;
        var thread = new Thread(Run) { IsBackground = true, Priority = ThreadPriority.BelowNormal, Name = "KerasNet kernel warm-up" };
        thread.Start();
    }

    /// <summary>Every kernel method this machine will use: the loops marked for full optimization in the CPU
    /// namespaces, the micro-kernel of the GEMM instruction set in use with every tile shape it dispatches, and the
    /// GEMM driver over that micro-kernel.</summary>
    internal static List<MethodBase> Methods()
    {
        var result = new List<MethodBase>();
        var assembly = typeof(KernelWarmup).Assembly;
        Type kernel = Avx512F.IsSupported ? typeof(Avx512Kernel)
            : Avx2.IsSupported && Fma.IsSupported ? typeof(Avx2Kernel) : typeof(VectorKernel);
        // The micro-kernel dispatches Run<TRows, TCols> for 1..MR rows and one or two vectors of columns.
        int mr = (int)kernel.GetProperty("MR", BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)!.GetValue(null)!;
        var shapes = assembly.GetTypes().Where(t => t.IsValueType && typeof(IRows).IsAssignableFrom(t))
            .Select(t => (Type: t, Value: (int)t.GetProperty("Value", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!)).ToArray();
        Type[] rows = [.. shapes.Where(s => s.Value <= mr).Select(s => s.Type)];
        Type[] cols = [.. shapes.Where(s => s.Value <= 2).Select(s => s.Type)];
        const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly;
        foreach (var type in assembly.GetTypes())
        {
            if (type.Namespace is not { } ns || !ns.StartsWith("KerasNet.Backends.Native.Cpu", StringComparison.Ordinal)) continue;
            bool isKernel = typeof(IMicroKernel).IsAssignableFrom(type) && type.IsValueType;
            if (isKernel && type != kernel) continue;
            var concrete = type;
            if (type.IsGenericTypeDefinition)
            {
                // GemmDriver<TK> is the one generic kernel type: close it over the micro-kernel in use.
                if (type.GetGenericArguments().Length != 1) continue;
                try { concrete = type.MakeGenericType(kernel); }
                catch (ArgumentException) { continue; }
            }
            foreach (var method in concrete.GetMethods(All))
            {
                if (method.IsAbstract || (method.MethodImplementationFlags & MethodImplAttributes.AggressiveOptimization) == 0) continue;
                if (!method.IsGenericMethodDefinition)
                {
                    result.Add(method);
                    continue;
                }
                // The micro-kernel's Run<TRows, TCols>: every tile shape.
                var args = method.GetGenericArguments();
                if (!isKernel || args.Length != 2) continue;
                foreach (var r in rows)
                    foreach (var c in cols)
                    {
                        try { result.Add(method.MakeGenericMethod(r, c)); }
                        catch (ArgumentException) { }
                    }
            }
            foreach (var ctor in concrete.GetConstructors(All))
                if ((ctor.MethodImplementationFlags & MethodImplAttributes.AggressiveOptimization) != 0) result.Add(ctor);
        }
        return result;
    }

    private static void Run()
    {
        foreach (var method in Methods())
        {
            try { RuntimeHelpers.PrepareMethod(method.MethodHandle); }
            catch (Exception e) when (e is ArgumentException or NotSupportedException or InvalidOperationException or BadImageFormatException)
            {
                // A method the runtime will not prepare on its own (it is compiled at its first call instead).
            }
        }
    }
}
