using System.Text.Json.Nodes;
using KerasNet.Models;
using KerasNet.Saving;

namespace KerasNet.Layers;

/// <summary>Repeats each input vector <c>n</c> times, as keras.layers.RepeatVector: (batch, features) gives
/// (batch, n, features).</summary>
[KerasSerializable("RepeatVector")]
public sealed class RepeatVector : Layer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="n">Number of repetitions (positive).</param>
    /// <param name="name">The layer's name (unique by default).</param>
    /// <param name="trainable">Kept for Keras compatibility (the layer has no weights).</param>
    public RepeatVector(int n, string? name = null, bool trainable = true) : base(name, trainable)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n), n, $"Expected an integer value for `n` above 0. Received: n={n}");
        N = n;
        InputSpec = new InputSpec { Ndim = 2, Description = "(batch, features)" };
        Built = true;
    }

    /// <summary>Number of repetitions.</summary>
    public int N { get; }

    /// <inheritdoc/>
    public override Tensor Call(Tensor inputs, bool training = false)
    {
        var s = inputs.Shape;
        return Ops.BroadcastTo(Ops.ExpandDims(inputs, 1), new Shape(s[0], N, s[1]));
    }

    /// <inheritdoc/>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        if (inputShape.Rank != 2)
            throw new ArgumentException($"Layer '{Name}' (RepeatVector) expects inputs of rank 2 (batch, features); got shape {LayerArgs.Text(inputShape)}.");
        return new Shape(inputShape[0], N, inputShape[1]);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["n"] = N;
        return c;
    }

    /// <summary>Rebuilds the layer from its Keras config.</summary>
    public static RepeatVector FromConfig(JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var (name, trainable) = BaseConfig(config);
        return new RepeatVector(LayerArgs.RequiredInt(config, "n", "RepeatVector"), name, trainable);
    }
}
