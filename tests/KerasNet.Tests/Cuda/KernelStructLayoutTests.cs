using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using KerasNet.Backends.Native.Cuda;
using Xunit;

namespace KerasNet.Tests.Cuda;

/// <summary>The C# argument structs passed by value to <c>cuLaunchKernel</c> must have the layout of their CUDA C
/// declarations (field order, offsets, size), or a kernel reads shifted fields: a bug that only shows on a GPU.
/// Two checks: the offsets against a table derived by hand from the C layout rules (runs anywhere), and the
/// offsets as .NET lays them out turned into <c>static_assert</c>s on the CUDA C structs and compiled by NVRTC
/// (the C compiler itself confirms them; needs NVRTC, no GPU).</summary>
public class KernelStructLayoutTests
{
    private const int R = KernelStructs.MaxRank;

    /// <summary>Each managed struct, its C name, the module that declares it, and (managed field, C field,
    /// offset derived by hand from the C declaration) in declaration order.</summary>
    private static readonly (Type Managed, string C, string Module, int Size, (string Managed, string C, int Offset)[] Fields)[] Structs =
    [
        // struct Bcast { i64 count; int rank; int shape[R]; int sa[R]; int sb[R]; int sc[R]; }: rank at 8, the
        // arrays follow at 12 + 4R·k, the size 12 + 16R rounded up to the 8-byte alignment of count.
        (typeof(BcastArgs), "Bcast", "elementwise", RoundUp(12 + 16 * R, 8),
        [
            ("Count", "count", 0), ("Rank", "rank", 8), ("Shape", "shape", 12),
            ("SA", "sa", 12 + 4 * R), ("SB", "sb", 12 + 8 * R), ("SC", "sc", 12 + 12 * R),
        ]),
        // struct CopyArgs { i64 count; i64 soff; i64 doff; int rank; int shape[R]; int ss[R]; int ds[R]; }
        (typeof(CopyArgs), "CopyArgs", "elementwise", RoundUp(28 + 12 * R, 8),
        [
            ("Count", "count", 0), ("SrcOffset", "soff", 8), ("DstOffset", "doff", 16), ("Rank", "rank", 24),
            ("Shape", "shape", 28), ("SrcStrides", "ss", 28 + 4 * R), ("DstStrides", "ds", 28 + 8 * R),
        ]),
        // struct ConvArgs { 16 ints }
        (typeof(ConvArgs), "ConvArgs", "conv", 64, Ints(
            "N", "H", "W", "C", "OutH", "OutW", "OutC", "KH", "KW", "StrideH", "StrideW", "DilationH", "DilationW", "PadTop", "PadLeft", "Groups")),
        // struct PoolArgs { 13 ints }
        (typeof(PoolArgs), "PoolArgs", "conv", 52, Ints(
            "Kind", "N", "H", "W", "C", "OutH", "OutW", "PoolH", "PoolW", "StrideH", "StrideW", "PadTop", "PadLeft")),
        // struct LstmArgs { int batch, units; i64 off[10]; int stride[10]; }: off is 8-aligned right after the two ints.
        (typeof(LstmArgs), "LstmArgs", "recurrent", 8 + 80 + 40,
        [
            ("Batch", "batch", 0), ("Units", "units", 4), ("Offset", "off", 8), ("Stride", "stride", 88),
        ]),
    ];

    private static int RoundUp(int v, int a) => (v + a - 1) / a * a;

    private static (string, string, int)[] Ints(params string[] names) => names.Select((n, i) => (n, n, 4 * i)).ToArray();

    private static int ManagedSize(Type t) =>
        (int)typeof(Unsafe).GetMethod(nameof(Unsafe.SizeOf))!.MakeGenericMethod(t).Invoke(null, null)!;

    [Fact]
    public void EveryArgumentStructMatchesTheHandDerivedCLayout()
    {
        foreach (var (managed, c, _, size, fields) in Structs)
        {
            // Every instance field is in the table, so a field added on one side only cannot slip through.
            var declared = managed.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic).Select(f => f.Name).Order().ToArray();
            Assert.Equal(fields.Select(f => f.Managed).Order().ToArray(), declared);
            foreach (var (name, cName, offset) in fields)
                Assert.True(Marshal.OffsetOf(managed, name) == offset,
                    $"{managed.Name}.{name} is at offset {Marshal.OffsetOf(managed, name)} but C's {c}.{cName} is at {offset}.");
            Assert.True(ManagedSize(managed) >= size, $"{managed.Name} is {ManagedSize(managed)} bytes, less than C's {c} ({size}).");
            Assert.Equal(size, Marshal.SizeOf(managed));
        }
    }

    [Fact]
    public void EveryCStructOfThePreludeAndModulesIsCovered()
    {
        // The structs a kernel takes by value are declared with "struct Name {" in the module sources.
        var declared = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var m in CudaKernels.Modules)
            foreach (System.Text.RegularExpressions.Match match in System.Text.RegularExpressions.Regex.Matches(m.Source, @"\bstruct\s+(\w+)\s*\{"))
                declared.Add(match.Groups[1].Value);
        Assert.Equal(Structs.Select(s => s.C).Order(StringComparer.Ordinal).ToArray(), declared.ToArray());
    }

    /// <summary>The static_asserts for every struct declared in <paramref name="module"/>, from the offsets and
    /// sizes .NET gives the managed structs.</summary>
    private static string Asserts(string module)
    {
        var sb = new StringBuilder("\n// KernelStructLayoutTests\n#define KN_OFFSETOF(T, f) ((unsigned long long)&(((T*)0)->f))\n");
        foreach (var (managed, c, m, _, fields) in Structs)
        {
            if (m != module) continue;
            sb.AppendLine($"static_assert(sizeof({c}) == {Marshal.SizeOf(managed)}, \"sizeof({c}) != sizeof({managed.Name})\");");
            foreach (var (name, cName, _) in fields)
            {
                long off = Marshal.OffsetOf(managed, name);
                sb.AppendLine($"static_assert(KN_OFFSETOF({c}, {cName}) == {off}, \"{c}.{cName} is not at {managed.Name}.{name}'s offset {off}\");");
            }
        }
        return sb.ToString();
    }

    [NvrtcFact]
    public void NvrtcConfirmsTheManagedLayoutOfEveryStruct()
    {
        var nvrtc = NvrtcForTests.Require();
        var target = new CompileTarget("compute_80", Cubin: false);
        foreach (var module in CudaKernels.Modules)
        {
            string asserts = Asserts(module.Name);
            if (asserts.Split('\n').Length <= 3) continue;
            nvrtc.Compile(module.Source + asserts, module.Name + "_layout.cu", [.. target.Options, "--std=c++17"], cubin: false);
        }
    }

    [NvrtcFact]
    public void AWrongLayoutFailsToCompile()
    {
        // The control: the assertions are evaluated, so a wrong offset is a compile error naming the field.
        var nvrtc = NvrtcForTests.Require();
        var target = new CompileTarget("compute_80", Cubin: false);
        var module = CudaKernels.Modules.Single(m => m.Name == "recurrent");
        string wrong = "\n#define KN_OFFSETOF(T, f) ((unsigned long long)&(((T*)0)->f))\nstatic_assert(KN_OFFSETOF(LstmArgs, stride) == 84, \"LstmArgs.stride moved\");\n";
        var e = Assert.Throws<CudaException>(() => nvrtc.Compile(module.Source + wrong, "wrong_layout.cu", [.. target.Options, "--std=c++17"], cubin: false));
        Assert.Contains("LstmArgs.stride moved", e.Message);
    }
}
