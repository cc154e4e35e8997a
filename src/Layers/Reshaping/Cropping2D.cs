using System.Text.Json.Nodes;
using KerasNet.Models;
using KerasNet.Saving;

namespace KerasNet.Layers;

/// <summary>Removes rows and columns at the borders of (batch, height, width, channels) inputs, as
/// keras.layers.Cropping2D.</summary>
[KerasSerializable("Cropping2D")]
public sealed class Cropping2D : Layer
{
    private readonly int[,] _cropping;

    /// <summary>Cropping with Keras's arguments and defaults.</summary>
    /// <param name="cropping">[c] (c on every side), [h, w] (h rows top and bottom, w columns left and
    /// right) or [top, bottom, left, right]; default none.</param>
    /// <param name="dataFormat">"channels_last" (the default and the only one supported).</param>
    /// <param name="name">Layer name (default cropping2d, ...).</param>
    /// <param name="trainable">Kept for Keras's config; the layer has no weights.</param>
    public Cropping2D(int[]? cropping = null, string? dataFormat = null, string? name = null, bool trainable = true)
        : base(name ?? UniqueName("cropping2d"), trainable)
    {
        _cropping = Reshaping.Pairs(this, cropping, 0, "cropping");
        DataFormat = ConvArgs.DataFormat(this, dataFormat);
        InputSpec = new InputSpec { Ndim = 4 };
    }

    /// <summary>((top, bottom), (left, right)).</summary>
    public (int Top, int Bottom, int Left, int Right) Cropping => (_cropping[0, 0], _cropping[0, 1], _cropping[1, 0], _cropping[1, 1]);

    /// <summary>Always "channels_last".</summary>
    public string DataFormat { get; }

    /// <inheritdoc/>
    public override Tensor Call(Tensor inputs, bool training = false)
    {
        var s = ComputeOutputShape(inputs.Shape);
        return Ops.Slice(inputs, [0, _cropping[0, 0], _cropping[1, 0], 0], [s[0], s[1], s[2], s[3]]);
    }

    /// <inheritdoc/>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        Reshaping.CheckRank(this, inputShape);
        int h = inputShape[1], w = inputShape[2];
        if ((h >= 0 && _cropping[0, 0] + _cropping[0, 1] >= h) || (w >= 0 && _cropping[1, 0] + _cropping[1, 1] >= w))
            throw new ArgumentException($"Layer '{Name}' ({ClassName}): values in `cropping` should be smaller than the corresponding spatial dimension of the input. Received: input shape {KerasTensor.ShapeText(inputShape)}, cropping=(({_cropping[0, 0]}, {_cropping[0, 1]}), ({_cropping[1, 0]}, {_cropping[1, 1]})).");
        return new Shape(inputShape[0], h < 0 ? -1 : h - _cropping[0, 0] - _cropping[0, 1], w < 0 ? -1 : w - _cropping[1, 0] - _cropping[1, 1], inputShape[3]);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["cropping"] = ConvArgs.Json(_cropping);
        c["data_format"] = DataFormat;
        return c;
    }

    /// <summary>Rebuilds the layer from its Keras config.</summary>
    public static Cropping2D FromConfig(JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var (name, trainable) = BaseConfig(config);
        return new Cropping2D(Reshaping.Flatten(ConvArgs.Pairs(config, "cropping")), config.GetString("data_format", null), name, trainable);
    }
}
