using System.Text.Json.Nodes;
using KerasNet.Models;
using KerasNet.Saving;

namespace KerasNet.Layers;

/// <summary>Permutes the non-batch axes, as keras.layers.Permute. <c>dims</c> are 1-based (the batch axis is
/// 0 and stays in place): <c>Permute([2, 1])</c> swaps the two axes of (batch, a, b), giving (batch, b, a).</summary>
[KerasSerializable("Permute")]
public sealed class Permute : Layer
{
    private readonly int[] _dims;

    /// <summary>Creates the layer.</summary>
    /// <param name="dims">A permutation of 1..n, n being the rank of the input without the batch axis.</param>
    /// <param name="name">The layer's name (unique by default).</param>
    /// <param name="trainable">Kept for Keras compatibility (the layer has no weights).</param>
    public Permute(int[] dims, string? name = null, bool trainable = true) : base(name, trainable)
    {
        ArgumentNullException.ThrowIfNull(dims);
        var sorted = dims.Order().ToArray();
        if (!sorted.SequenceEqual(Enumerable.Range(1, dims.Length)))
            throw new ArgumentException($"Invalid permutation argument `dims` for Permute Layer. The set of indices in `dims` must be consecutive and start from 1. Received dims={LayerArgs.Text(new Shape(dims))}", nameof(dims));
        _dims = [.. dims];
        InputSpec = new InputSpec { Ndim = dims.Length + 1 };
        Built = true;
    }

    /// <summary>The 1-based permutation.</summary>
    public IReadOnlyList<int> Dims => _dims;

    /// <inheritdoc/>
    public override Tensor Call(Tensor inputs, bool training = false)
    {
        var perm = new int[_dims.Length + 1];
        _dims.CopyTo(perm, 1);
        return Ops.Transpose(inputs, perm);
    }

    /// <inheritdoc/>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        if (inputShape.Rank != _dims.Length + 1)
            throw new ArgumentException($"Layer '{Name}' (Permute) with dims {LayerArgs.Text(new Shape(_dims))} expects inputs of rank {_dims.Length + 1}; got shape {LayerArgs.Text(inputShape)}.");
        var d = new int[inputShape.Rank];
        d[0] = inputShape[0];
        for (int i = 0; i < _dims.Length; i++) d[i + 1] = inputShape[_dims[i]];
        return new Shape(d);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["dims"] = _dims.ToJsonArray();
        return c;
    }

    /// <summary>Rebuilds the layer from its Keras config.</summary>
    public static Permute FromConfig(JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var (name, trainable) = BaseConfig(config);
        var dims = config.GetInts("dims") ?? throw new ArgumentException($"A Permute config needs \"dims\"; got {config.ToJsonString()}.", nameof(config));
        return new Permute(dims, name, trainable);
    }
}
