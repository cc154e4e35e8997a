using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace KerasNet;

[InlineArray(Shape.MaxRank)]
internal struct DimBuffer
{
    private int _element0;
}

/// <summary>An immutable tensor shape of up to <see cref="MaxRank"/> dimensions, stored inline so that
/// creating one never allocates. Also used for small integer lists such as axes and permutations.</summary>
public readonly struct Shape : IEquatable<Shape>
{
    /// <summary>The largest rank a tensor may have.</summary>
    public const int MaxRank = 8;

    private readonly DimBuffer _dims;

    /// <summary>Number of dimensions.</summary>
    public int Rank { get; }

    /// <summary>Creates a shape from its dimensions.</summary>
    public Shape(params ReadOnlySpan<int> dims)
    {
        if (dims.Length > MaxRank)
            throw new ArgumentException($"A shape has at most {MaxRank} dimensions; got {dims.Length}.", nameof(dims));
        Rank = dims.Length;
        dims.CopyTo(_dims);
    }

    /// <summary>The scalar shape ().</summary>
    public static Shape Scalar => default;

    /// <summary>The dimensions as a read-only span (valid while this value is alive).</summary>
    [UnscopedRef]
    public ReadOnlySpan<int> Dims => MemoryMarshal.CreateReadOnlySpan(ref Unsafe.AsRef(in _dims[0]), Rank);

    /// <summary>The size of dimension <paramref name="axis"/>; negative axes count from the end.</summary>
    public int this[int axis]
    {
        get
        {
            int a = axis < 0 ? axis + Rank : axis;
            if ((uint)a >= (uint)Rank)
                throw new ArgumentOutOfRangeException(nameof(axis), $"axis {axis} is out of range for a shape of rank {Rank} {this}");
            return _dims[a];
        }
    }

    /// <summary>Total number of elements (1 for a scalar).</summary>
    public long Size
    {
        get
        {
            long s = 1;
            for (int i = 0; i < Rank; i++) s *= _dims[i];
            return s;
        }
    }

    /// <summary>Returns a copy with dimension <paramref name="axis"/> set to <paramref name="value"/>.</summary>
    public Shape With(int axis, int value)
    {
        Span<int> d = stackalloc int[Rank];
        Dims.CopyTo(d);
        d[axis < 0 ? axis + Rank : axis] = value;
        return new Shape(d);
    }

    /// <summary>The dimensions as a new array.</summary>
    public int[] ToArray() => Dims.ToArray();

    /// <summary>Normalizes a possibly negative axis and checks its range, naming the argument in the error.</summary>
    public int NormalizeAxis(int axis, string argumentName = "axis")
    {
        int a = axis < 0 ? axis + Rank : axis;
        if ((uint)a >= (uint)Rank)
            throw new ArgumentOutOfRangeException(argumentName, $"{argumentName} {axis} is out of range for a tensor of shape {this} (rank {Rank}).");
        return a;
    }

    /// <inheritdoc/>
    public bool Equals(Shape other) => Rank == other.Rank && Dims.SequenceEqual(other.Dims);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Shape s && Equals(s);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var h = new HashCode();
        for (int i = 0; i < Rank; i++) h.Add(_dims[i]);
        return h.ToHashCode();
    }

    /// <summary>Equality of dimensions.</summary>
    public static bool operator ==(Shape a, Shape b) => a.Equals(b);

    /// <summary>Inequality of dimensions.</summary>
    public static bool operator !=(Shape a, Shape b) => !a.Equals(b);

    /// <summary>Converts an array to a shape.</summary>
    public static implicit operator Shape(int[] dims) => new(dims);

    /// <summary>Python-style text, as Keras prints shapes: "(32, 10)", "(5,)", "()".</summary>
    public override string ToString()
    {
        var sb = new StringBuilder("(");
        for (int i = 0; i < Rank; i++)
        {
            if (i > 0) sb.Append(", ");
            sb.Append(_dims[i]);
        }
        if (Rank == 1) sb.Append(',');
        return sb.Append(')').ToString();
    }
}
