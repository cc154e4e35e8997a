using System.Text.Json.Nodes;
using KerasNet.Models;
using KerasNet.Saving;

namespace KerasNet.Layers;

/// <summary>Adds rows and columns of zeros around (batch, height, width, channels) inputs, as
/// keras.layers.ZeroPadding2D.</summary>
[KerasSerializable("ZeroPadding2D")]
public sealed class ZeroPadding2D : Layer
{
    private readonly int[,] _padding;

    /// <summary>Zero padding with Keras's arguments and defaults.</summary>
    /// <param name="padding">[p] (p on every side), [h, w] (h rows top and bottom, w columns left and right)
    /// or [top, bottom, left, right]; default [1, 1].</param>
    /// <param name="dataFormat">"channels_last" (the default and the only one supported).</param>
    /// <param name="name">Layer name (default zero_padding2d, ...).</param>
    /// <param name="trainable">Kept for Keras's config; the layer has no weights.</param>
    public ZeroPadding2D(int[]? padding = null, string? dataFormat = null, string? name = null, bool trainable = true)
        : base(name ?? UniqueName("zero_padding2d"), trainable)
    {
        _padding = Reshaping.Pairs(this, padding, 1, "padding");
        DataFormat = ConvArgs.DataFormat(this, dataFormat);
        InputSpec = new InputSpec { Ndim = 4 };
    }

    /// <summary>((top, bottom), (left, right)).</summary>
    public (int Top, int Bottom, int Left, int Right) Padding => (_padding[0, 0], _padding[0, 1], _padding[1, 0], _padding[1, 1]);

    /// <summary>Always "channels_last".</summary>
    public string DataFormat { get; }

    /// <inheritdoc/>
    public override Tensor Call(Tensor inputs, bool training = false) =>
        Ops.Pad(inputs, [0, _padding[0, 0], _padding[1, 0], 0], [0, _padding[0, 1], _padding[1, 1], 0]);

    /// <inheritdoc/>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        Reshaping.CheckRank(this, inputShape);
        int h = inputShape[1] < 0 ? -1 : inputShape[1] + _padding[0, 0] + _padding[0, 1];
        int w = inputShape[2] < 0 ? -1 : inputShape[2] + _padding[1, 0] + _padding[1, 1];
        return new Shape(inputShape[0], h, w, inputShape[3]);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["padding"] = ConvArgs.Json(_padding);
        c["data_format"] = DataFormat;
        return c;
    }

    /// <summary>Rebuilds the layer from its Keras config.</summary>
    public static ZeroPadding2D FromConfig(JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var (name, trainable) = BaseConfig(config);
        return new ZeroPadding2D(Reshaping.Flatten(ConvArgs.Pairs(config, "padding")), config.GetString("data_format", null), name, trainable);
    }
}

/// <summary>Helpers of the spatial reshaping layers.</summary>
internal static class Reshaping
{
    /// <summary>[n], [h, w] or [top, bottom, left, right] as ((top, bottom), (left, right)).</summary>
    public static int[,] Pairs(Layer layer, int[]? values, int fallback, string argName)
    {
        int[,] p = values switch
        {
            null => new[,] { { fallback, fallback }, { fallback, fallback } },
            { Length: 1 } => new[,] { { values[0], values[0] }, { values[0], values[0] } },
            { Length: 2 } => new[,] { { values[0], values[0] }, { values[1], values[1] } },
            { Length: 4 } => new[,] { { values[0], values[1] }, { values[2], values[3] } },
            _ => throw new ArgumentException($"Layer '{layer.Name}' ({layer.ClassName}): `{argName}` should be an int, two ints (symmetric height, width) or four ints (top, bottom, left, right); received {argName}=[{string.Join(", ", values)}].", argName),
        };
        foreach (int v in p)
            if (v < 0)
                throw new ArgumentException($"Layer '{layer.Name}' ({layer.ClassName}): `{argName}` cannot be negative; received {argName}=[{string.Join(", ", values!)}].", argName);
        return p;
    }

    /// <summary>((a, b), (c, d)) as [a, b, c, d] (null stays null).</summary>
    public static int[]? Flatten(int[,]? pairs) => pairs is null ? null : [pairs[0, 0], pairs[0, 1], pairs[1, 0], pairs[1, 1]];

    /// <summary>The rank-4 check of ComputeOutputShape, naming the layer.</summary>
    public static void CheckRank(Layer layer, Shape inputShape)
    {
        if (inputShape.Rank != 4)
            throw new ArgumentException($"Layer '{layer.Name}' ({layer.ClassName}) expects inputs of rank 4 {ConvArgs.Description(2)}; received input shape {KerasTensor.ShapeText(inputShape)}.");
    }
}
