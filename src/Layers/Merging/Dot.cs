using System.Text.Json.Nodes;
using KerasNet.Models;
using KerasNet.Saving;

namespace KerasNet.Layers;

/// <summary>The batch-wise dot product of two inputs along one axis each, as keras.layers.Dot: for inputs of
/// shapes (b, 3, 5) and (b, 10, 3) with axes (1, 2) the result has shape (b, 5, 10). With
/// <c>normalize</c> the samples are L2-normalized along the dot axes first (giving cosine similarities).
/// A result of rank 1 becomes (b, 1).</summary>
[KerasSerializable("Dot")]
public sealed class Dot : Merge
{
    private const float NormEpsilon = 1e-7f;
    private readonly int[] _axes;

    /// <summary>Dot product along the same <paramref name="axes"/> of both inputs (negative counts from the end).</summary>
    public Dot(int axes, bool normalize = false, string? name = null, bool trainable = true) : this([axes], normalize, name, trainable) { }

    /// <summary>Dot product along <c>axes[0]</c> of the first input and <c>axes[1]</c> of the second (one entry
    /// means the same axis for both).</summary>
    public Dot(int[] axes, bool normalize = false, string? name = null, bool trainable = true) : base(name, trainable)
    {
        ArgumentNullException.ThrowIfNull(axes);
        if (axes.Length is not (1 or 2))
            throw new ArgumentException($"Invalid format for argument `axes`: it should contain two elements. Received: axes={LayerArgs.Text(new Shape(axes))}", nameof(axes));
        _axes = [.. axes];
        Normalize = normalize;
    }

    /// <summary>The axes as given (one entry for both inputs, or one per input).</summary>
    public IReadOnlyList<int> Axes => _axes;

    /// <summary>Whether the inputs are L2-normalized along the dot axes.</summary>
    public bool Normalize { get; }

    /// <inheritdoc/>
    protected override int? RequiredInputCount => 2;

    private (int A0, int A1) ResolveAxes(Shape s1, Shape s2)
    {
        int a0 = _axes[0], a1 = _axes.Length == 2 ? _axes[1] : _axes[0];
        // Keras takes negative axes modulo the rank.
        if (a0 < 0) a0 = ((a0 % s1.Rank) + s1.Rank) % s1.Rank;
        if (a1 < 0) a1 = ((a1 % s2.Rank) + s2.Rank) % s2.Rank;
        if (a0 >= s1.Rank || a1 >= s2.Rank)
            throw new ArgumentException($"Layer '{Name}' (Dot): axes {LayerArgs.Text(new Shape(_axes))} are out of range for input shapes {LayerArgs.Text(s1)} and {LayerArgs.Text(s2)}.");
        if (a0 == 0 || a1 == 0)
            throw new ArgumentException($"Layer '{Name}' (Dot) cannot take the dot product over axis 0 (the batch axis). Received axes={LayerArgs.Text(new Shape(_axes))} for shapes {LayerArgs.Text(s1)} and {LayerArgs.Text(s2)}.");
        return (a0, a1);
    }

    /// <inheritdoc/>
    public override Shape[] ComputeOutputShapes(IReadOnlyList<Shape> inputShapes)
    {
        ArgumentNullException.ThrowIfNull(inputShapes);
        CheckCount(inputShapes);
        Shape s1 = inputShapes[0], s2 = inputShapes[1];
        if (s1.Rank < 2 || s2.Rank < 2)
            throw new ArgumentException($"Layer '{Name}' (Dot) needs inputs of rank >= 2 (batch, ...). Received shapes {AllShapes(inputShapes)}.");
        var (a0, a1) = ResolveAxes(s1, s2);
        if (s1[a0] >= 0 && s2[a1] >= 0 && s1[a0] != s2[a1])
            throw new ArgumentException($"Layer '{Name}' (Dot): incompatible input shapes: axis values {s1[a0]} (at axis {a0}) != {s2[a1]} (at axis {a1}). Full input shapes: {LayerArgs.Text(s1)}, {LayerArgs.Text(s2)}");
        if (s1[0] >= 0 && s2[0] >= 0 && s1[0] != s2[0])
            throw new ArgumentException($"Layer '{Name}' (Dot) cannot take the dot product of inputs with different batch sizes. Received shapes {AllShapes(inputShapes)}.");
        var output = new List<int>();
        for (int i = 0; i < s1.Rank; i++) if (i != a0) output.Add(s1[i]);
        for (int i = 1; i < s2.Rank; i++) if (i != a1) output.Add(s2[i]);
        if (output.Count == 1) output.Add(1);
        return [new Shape([.. output])];
    }

    /// <inheritdoc/>
    public override Tensor Call(ReadOnlySpan<Tensor> inputs, bool training = false)
    {
        var shapes = new Shape[inputs.Length];
        for (int i = 0; i < inputs.Length; i++) shapes[i] = inputs[i].Shape;
        ComputeOutputShapes(shapes);
        return MergeFunction(inputs);
    }

    /// <inheritdoc/>
    protected override Tensor MergeFunction(ReadOnlySpan<Tensor> inputs)
    {
        Tensor x = inputs[0], y = inputs[1];
        var (a0, a1) = ResolveAxes(x.Shape, y.Shape);
        if (Normalize)
        {
            x = L2Normalize(x, a0);
            y = L2Normalize(y, a1);
        }
        return BatchDot(x, y, a0, a1);
    }

    private static Tensor L2Normalize(Tensor x, int axis)
    {
        var norm = Ops.Sqrt(Ops.Sum(Ops.Square(x), axis, keepDims: true));
        return Ops.Divide(x, Ops.Maximum(norm, Ops.ScalarLike(x, NormEpsilon)));
    }

    /// <summary>Keras's batch_dot for one pair of axes (neither of them 0).</summary>
    private static Tensor BatchDot(Tensor x, Tensor y, int a0, int a1)
    {
        int xRank0 = x.Rank, yRank0 = y.Rank;
        if (x.Rank == 2)
        {
            x = Ops.ExpandDims(x, 1);
            a0 += 1;
        }
        if (y.Rank == 2) y = Ops.ExpandDims(y, 2);
        int xr = x.Rank, yr = y.Rank;
        // The reduced axis of x goes last, that of y to position 1.
        if (a0 != xr - 1)
        {
            var p = new int[xr];
            for (int i = 0, k = 0; i < xr; i++) if (i != a0) p[k++] = i;
            p[^1] = a0;
            x = Ops.Transpose(x, p);
        }
        if (a1 != 1)
        {
            var p = new int[yr];
            p[0] = 0;
            p[1] = a1;
            for (int i = 1, k = 2; i < yr; i++) if (i != a1) p[k++] = i;
            y = Ops.Transpose(y, p);
        }
        var xs = x.Shape;
        var ys = y.Shape;
        int batch = xs[0], k0 = xs[-1];
        var xMid = xs.Dims[1..^1].ToArray();
        var yTrail = ys.Dims[2..].ToArray();
        int m = 1, n = 1;
        foreach (int d in xMid) m *= d;
        foreach (int d in yTrail) n *= d;
        if (xr > 3) x = Ops.Reshape(x, new Shape(batch, m, k0));
        if (yr > 3) y = Ops.Reshape(y, new Shape(batch, ys[1], n));
        var result = Ops.MatMul(x, y);
        if (xr > 3 || yr > 3) result = Ops.Reshape(result, new Shape([batch, .. xMid, .. yTrail]));
        if (xRank0 == 2) result = Ops.Squeeze(result, 1);
        else if (yRank0 == 2) result = Ops.Squeeze(result, result.Rank - 1);
        return result;
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["axes"] = _axes.Length == 1 ? JsonValue.Create(_axes[0]) : _axes.ToJsonArray();
        c["normalize"] = Normalize;
        return c;
    }

    /// <summary>Rebuilds the layer from its Keras config.</summary>
    public static Dot FromConfig(JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var (name, trainable) = BaseConfig(config);
        var axes = config.GetInts("axes") ?? throw new ArgumentException($"A Dot config needs \"axes\"; got {config.ToJsonString()}.", nameof(config));
        return new Dot(axes, config.GetBool("normalize", false), name, trainable);
    }
}
