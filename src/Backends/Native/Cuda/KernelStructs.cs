using System.Runtime.InteropServices;
using KerasNet.Backend;

namespace KerasNet.Backends.Native.Cuda;

/// <summary>The kernel parameter structs, laid out exactly as their CUDA C declarations in
/// <see cref="CudaKernels.Prelude"/> (passed by value to <c>cuLaunchKernel</c>).</summary>
internal static class KernelStructs
{
    public const int MaxRank = Shape.MaxRank;
}

/// <summary>C's <c>struct Bcast</c>: an elementwise loop over broadcast operands.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct BcastArgs
{
    public long Count;
    public int Rank;
    public fixed int Shape[KernelStructs.MaxRank];
    public fixed int SA[KernelStructs.MaxRank];
    public fixed int SB[KernelStructs.MaxRank];
    public fixed int SC[KernelStructs.MaxRank];

    public static BcastArgs From(in BroadcastPlan plan)
    {
        var a = new BcastArgs { Count = plan.Count, Rank = plan.OutShape.Rank };
        for (int d = 0; d < a.Rank; d++)
        {
            a.Shape[d] = plan.OutShape[d];
            a.SA[d] = plan.AStrides[d];
            a.SB[d] = plan.BStrides[d];
            a.SC[d] = plan.CStrides.Rank > d ? plan.CStrides[d] : 0;
        }
        return a;
    }
}

/// <summary>C's <c>struct CopyArgs</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CopyArgs
{
    public long Count;
    public long SrcOffset;
    public long DstOffset;
    public int Rank;
    public fixed int Shape[KernelStructs.MaxRank];
    public fixed int SrcStrides[KernelStructs.MaxRank];
    public fixed int DstStrides[KernelStructs.MaxRank];

    public static CopyArgs From(in StridedCopyParams p)
    {
        var a = new CopyArgs { Count = p.Shape.Size, SrcOffset = p.SrcOffset, DstOffset = p.DstOffset, Rank = p.Shape.Rank };
        for (int d = 0; d < a.Rank; d++)
        {
            a.Shape[d] = p.Shape[d];
            a.SrcStrides[d] = p.SrcStrides[d];
            a.DstStrides[d] = p.DstStrides[d];
        }
        return a;
    }
}

/// <summary>C's <c>struct ConvArgs</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct ConvArgs
{
    public int N, H, W, C, OutH, OutW, OutC, KH, KW, StrideH, StrideW, DilationH, DilationW, PadTop, PadLeft, Groups;

    public static ConvArgs From(in ConvParams p) => new()
    {
        N = p.N, H = p.H, W = p.W, C = p.C, OutH = p.OutH, OutW = p.OutW, OutC = p.OutC, KH = p.KH, KW = p.KW,
        StrideH = p.StrideH, StrideW = p.StrideW, DilationH = p.DilationH, DilationW = p.DilationW,
        PadTop = p.PadTop, PadLeft = p.PadLeft, Groups = p.Groups,
    };
}

/// <summary>C's <c>struct PoolArgs</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct PoolArgs
{
    public int Kind, N, H, W, C, OutH, OutW, PoolH, PoolW, StrideH, StrideW, PadTop, PadLeft;

    public static PoolArgs From(in PoolParams p) => new()
    {
        Kind = (int)p.Kind, N = p.N, H = p.H, W = p.W, C = p.C, OutH = p.OutH, OutW = p.OutW, PoolH = p.PoolH, PoolW = p.PoolW,
        StrideH = p.StrideH, StrideW = p.StrideW, PadTop = p.PadTop, PadLeft = p.PadLeft,
    };
}
