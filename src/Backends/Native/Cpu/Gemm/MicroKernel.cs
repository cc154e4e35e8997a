using System.Runtime.CompilerServices;

namespace KerasNet.Backends.Native.Cpu.Gemm;

/// <summary>A compile-time row count: the micro-kernels are generic over it so that the JIT emits one
/// fully unrolled specialisation per edge height, with the unused accumulators removed.</summary>
internal interface IRows
{
    /// <summary>The number of rows.</summary>
    static abstract int Value { get; }
}

/// <summary>1 row.</summary>
internal readonly struct R1 : IRows { public static int Value => 1; }

/// <summary>2 rows.</summary>
internal readonly struct R2 : IRows { public static int Value => 2; }

/// <summary>3 rows.</summary>
internal readonly struct R3 : IRows { public static int Value => 3; }

/// <summary>4 rows.</summary>
internal readonly struct R4 : IRows { public static int Value => 4; }

/// <summary>5 rows.</summary>
internal readonly struct R5 : IRows { public static int Value => 5; }

/// <summary>6 rows.</summary>
internal readonly struct R6 : IRows { public static int Value => 6; }

/// <summary>7 rows.</summary>
internal readonly struct R7 : IRows { public static int Value => 7; }

/// <summary>8 rows.</summary>
internal readonly struct R8 : IRows { public static int Value => 8; }

/// <summary>9 rows.</summary>
internal readonly struct R9 : IRows { public static int Value => 9; }

/// <summary>10 rows.</summary>
internal readonly struct R10 : IRows { public static int Value => 10; }

/// <summary>11 rows.</summary>
internal readonly struct R11 : IRows { public static int Value => 11; }

/// <summary>12 rows.</summary>
internal readonly struct R12 : IRows { public static int Value => 12; }

/// <summary>A register-blocked micro-kernel computing one MR×NR tile of C from a strip of A and a strip of B.
/// A is addressed as a[r·aRs + k·aKs] (so packed slivers, row-major blocks and transposed A all work
/// without copying), B as b[k·bKs + j] with NR contiguous, readable floats per k (packed and zero padded,
/// or a full-width strip of the caller's B). The kernel applies <see cref="TileStore"/> while storing.</summary>
internal unsafe interface IMicroKernel
{
    /// <summary>Rows of the register tile.</summary>
    static abstract int MR { get; }

    /// <summary>Columns of the register tile (a multiple of the vector width).</summary>
    static abstract int NR { get; }

    /// <summary>Whether a tile of at most NR/2 columns reads only NR/2 floats of B per k (so a B exactly
    /// NR/2 wide can be read in place).</summary>
    static abstract bool NarrowTile { get; }

    /// <summary>Longest k block: a KC×NR sliver of B stays in L1 while the row tiles of A stream past it.</summary>
    static abstract int KC { get; }

    /// <summary>Most row tiles in one packed block of A (the block of MaxTilesM·MR × KC floats stays in L2).</summary>
    static abstract int MaxTilesM { get; }

    /// <summary>Computes rows×cols (≤ MR×NR) of C from kc steps of the inner dimension.</summary>
    /// <param name="rows">Rows of C to produce, 1..MR.</param>
    /// <param name="cols">Columns of C to produce, 1..NR (B must still hold NR readable floats per k).</param>
    /// <param name="kc">Length of the inner dimension for this call.</param>
    /// <param name="a">A at (row 0, k 0) of the tile.</param>
    /// <param name="aRs">Element distance between rows of A.</param>
    /// <param name="aKs">Element distance between consecutive k in A.</param>
    /// <param name="b">B at (k 0, column 0) of the tile.</param>
    /// <param name="bKs">Element distance between consecutive k in B.</param>
    /// <param name="c">C at the tile's first element.</param>
    /// <param name="ldc">Row stride of C.</param>
    /// <param name="bias">Bias at the tile's first column, or null; only passed on the last k block.</param>
    /// <param name="st">Alpha, how to combine with the existing C, and ReLU.</param>
    static abstract void Tile(int rows, int cols, int kc, float* a, nint aRs, nint aKs, float* b, nint bKs, float* c, nint ldc, float* bias, in TileStore st);
}

/// <summary>How a micro-kernel writes its accumulators acc into C: x = Alpha·acc, then (by
/// <see cref="BetaMode"/>) nothing, + C, or + Beta·C, then + bias, then max(x, 0) when <see cref="Relu"/>.
/// The old C is never read in <see cref="Overwrite"/> mode.</summary>
internal readonly struct TileStore
{
    /// <summary>C = x (C is not read).</summary>
    public const int Overwrite = 0;
    /// <summary>C = x + C.</summary>
    public const int AddC = 1;
    /// <summary>C = x + Beta·C.</summary>
    public const int ScaleC = 2;

    /// <summary>Builds the store for one k block: the first uses the caller's beta, later ones add to C;
    /// the epilogue's ReLU only applies on the last block.</summary>
    public TileStore(float alpha, float beta, bool firstBlock, bool relu)
    {
        Alpha = alpha;
        Beta = firstBlock ? beta : 1f;
        BetaMode = Beta == 0f ? Overwrite : Beta == 1f ? AddC : ScaleC;
        Relu = relu;
    }

    /// <summary>Scale of the product.</summary>
    public float Alpha { get; }
    /// <summary>Scale of the existing C in <see cref="ScaleC"/> mode.</summary>
    public float Beta { get; }
    /// <summary><see cref="Overwrite"/>, <see cref="AddC"/> or <see cref="ScaleC"/>.</summary>
    public int BetaMode { get; }
    /// <summary>Apply max(x, 0) last.</summary>
    public bool Relu { get; }

    /// <summary>Stores one row of <paramref name="cols"/> accumulators from <paramref name="acc"/> into
    /// <paramref name="c"/> the scalar way (edge tiles of kernels without masked stores).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static unsafe void Scalar(float* c, float* acc, int cols, float* bias, in TileStore st)
    {
        for (int j = 0; j < cols; j++)
        {
            float x = st.Alpha * acc[j];
            if (st.BetaMode == AddC) x += c[j];
            else if (st.BetaMode == ScaleC) x += st.Beta * c[j];
            if (bias != null) x += bias[j];
            if (st.Relu) x = x < 0f ? 0f : x; // NaN stays NaN, as the ReLU op
            c[j] = x;
        }
    }
}
