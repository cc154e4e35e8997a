using System.Text.Json.Nodes;
using KerasNet.Models;
using KerasNet.Saving;

namespace KerasNet.Layers;

/// <summary>Repeats the rows and columns of (batch, height, width, channels) inputs, as
/// keras.layers.UpSampling2D. "nearest" copies each pixel size[0] x size[1] times; "bilinear"
/// interpolates with half-pixel centers (TensorFlow's resize, no antialiasing).</summary>
[KerasSerializable("UpSampling2D")]
public sealed class UpSampling2D : Layer
{
    private readonly int[] _size;

    /// <summary>Upsampling with Keras's arguments and defaults.</summary>
    /// <param name="size">Factor per axis: one value for both or [rows, columns]; default [2, 2].</param>
    /// <param name="dataFormat">"channels_last" (the default and the only one supported).</param>
    /// <param name="interpolation">"nearest" or "bilinear".</param>
    /// <param name="name">Layer name (default up_sampling2d, ...).</param>
    /// <param name="trainable">Kept for Keras's config; the layer has no weights.</param>
    public UpSampling2D(int[]? size = null, string? dataFormat = null, string interpolation = "nearest", string? name = null, bool trainable = true)
        : base(name ?? UniqueName("up_sampling2d"), trainable)
    {
        _size = ConvArgs.Tuple(this, size, 2, "size", 2);
        DataFormat = ConvArgs.DataFormat(this, dataFormat);
        Interpolation = (interpolation ?? "nearest").ToLowerInvariant();
        if (Interpolation is not ("nearest" or "bilinear"))
            throw new NotSupportedException(Interpolation is "bicubic" or "lanczos3" or "lanczos5" or "area"
                ? $"Layer '{Name}' ({ClassName}): interpolation=\"{Interpolation}\" is not supported; use \"nearest\" or \"bilinear\"."
                : $"Layer '{Name}' ({ClassName}): `interpolation` must be \"nearest\" or \"bilinear\"; received \"{interpolation}\".");
        InputSpec = new InputSpec { Ndim = 4 };
    }

    /// <summary>The factor per spatial axis.</summary>
    public IReadOnlyList<int> Size => _size;

    /// <summary>Always "channels_last".</summary>
    public string DataFormat { get; }

    /// <summary>"nearest" or "bilinear".</summary>
    public string Interpolation { get; }

    /// <inheritdoc/>
    public override Tensor Call(Tensor inputs, bool training = false)
    {
        var s = inputs.Shape;
        Reshaping.CheckRank(this, s);
        if (Interpolation == "nearest") return Nearest(inputs);
        bool recording = ConvOutput.Recording;
        var rows = _size[0] == 1 ? inputs : Bilinear(inputs, 1, _size[0], recording);
        if (_size[1] == 1) return rows;
        var y = Bilinear(rows, 2, _size[1], recording);
        if (!recording && _size[0] != 1) rows.Dispose();
        return y;
    }

    private Tensor Nearest(Tensor x)
    {
        var s = x.Shape;
        int n = s[0], h = s[1], w = s[2], c = s[3], fh = _size[0], fw = _size[1];
        bool recording = ConvOutput.Recording;
        var v = Ops.Reshape(x, new Shape(n, h, 1, w, 1, c));
        var b = Ops.BroadcastTo(v, new Shape(n, h, fh, w, fw, c));
        var y = Ops.Reshape(b, new Shape(n, h * fh, w * fw, c));
        if (!recording)
        {
            v.Dispose();
            b.Dispose();
        }
        return y;
    }

    /// <summary>Linear interpolation along <paramref name="axis"/> with half-pixel centers: output i reads
    /// source position (i + 0.5) / factor - 0.5, clamped to the edges.</summary>
    private static Tensor Bilinear(Tensor x, int axis, int factor, bool recording)
    {
        int input = x.Shape[axis], output = input * factor;
        var lo = new int[output];
        var hi = new int[output];
        var frac = new float[output];
        for (int i = 0; i < output; i++)
        {
            double src = (i + 0.5) / factor - 0.5;
            double floor = Math.Floor(src);
            lo[i] = Math.Max((int)floor, 0);
            hi[i] = Math.Min((int)Math.Ceiling(src), input - 1);
            frac[i] = (float)(src - floor);
        }
        // The indices and weights stay alive while a tape may read them in the backward pass.
        var loIdx = Tensor.FromArray(lo, output);
        var hiIdx = Tensor.FromArray(hi, output);
        var weights = Tensor.FromArray(frac, axis == 1 ? [1, output, 1, 1] : [1, 1, output, 1]);
        var a = Ops.Take(x, loIdx, axis);
        var b = Ops.Take(x, hiIdx, axis);
        var d = Ops.Subtract(b, a);
        var dw = Ops.Multiply(d, weights);
        var y = Ops.Add(a, dw);
        if (!recording)
        {
            a.Dispose();
            b.Dispose();
            d.Dispose();
            dw.Dispose();
            loIdx.Dispose();
            hiIdx.Dispose();
            weights.Dispose();
        }
        return y;
    }

    /// <inheritdoc/>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        Reshaping.CheckRank(this, inputShape);
        return new Shape(inputShape[0], inputShape[1] < 0 ? -1 : inputShape[1] * _size[0], inputShape[2] < 0 ? -1 : inputShape[2] * _size[1], inputShape[3]);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["size"] = ConvArgs.Json(_size);
        c["data_format"] = DataFormat;
        c["interpolation"] = Interpolation;
        return c;
    }

    /// <summary>Rebuilds the layer from its Keras config.</summary>
    public static UpSampling2D FromConfig(JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var (name, trainable) = BaseConfig(config);
        return new UpSampling2D(config.GetInts("size"), config.GetString("data_format", null), config.GetString("interpolation", "nearest")!, name, trainable);
    }
}
