using System.Text.Json.Nodes;
using KerasNet.Models;
using KerasNet.Saving;

namespace KerasNet.Layers;

/// <summary>Argument checks and config helpers shared by the convolution, pooling and spatial reshaping
/// layers (Keras's standardize_tuple / standardize_padding / standardize_data_format, and the
/// spatial pairs of ZeroPadding2D and Cropping2D).</summary>
internal static class ConvArgs
{
    /// <summary>An int list of <paramref name="rank"/> entries; a single value applies to every axis.</summary>
    public static int[] Tuple(Layer layer, int[]? value, int rank, string argName, int fallback, bool allowZero = false)
    {
        if (value is null || value.Length == 0) return Enumerable.Repeat(fallback, rank).ToArray();
        int[] result;
        if (value.Length == 1) result = Enumerable.Repeat(value[0], rank).ToArray();
        else if (value.Length == rank) result = (int[])value.Clone();
        else
            throw new ArgumentException($"Layer '{layer.Name}' ({layer.ClassName}): `{argName}` must be an int or a list of {rank} ints; received {argName}=[{string.Join(", ", value)}].", argName);
        foreach (int v in result)
            if (v < 0 || (v == 0 && !allowZero))
                throw new ArgumentException($"Layer '{layer.Name}' ({layer.ClassName}): every value of `{argName}` must be {(allowZero ? ">= 0" : "> 0")}; received {argName}=[{string.Join(", ", value)}].", argName);
        return result;
    }

    /// <summary>"valid" or "same" (or "causal" where allowed), lower-cased.</summary>
    public static string Padding(Layer layer, string? padding, bool allowCausal = false)
    {
        string p = (padding ?? "valid").ToLowerInvariant();
        if (p is "valid" or "same" || (allowCausal && p == "causal")) return p;
        string allowed = allowCausal ? "\"valid\", \"same\" or \"causal\"" : "\"valid\" or \"same\"";
        throw new ArgumentException($"Layer '{layer.Name}' ({layer.ClassName}): `padding` must be {allowed}; received padding=\"{padding}\".", nameof(padding));
    }

    /// <summary>"channels_last" (the default); "channels_first" is refused with an explanation.</summary>
    public static string DataFormat(Layer layer, string? dataFormat)
    {
        string f = (dataFormat ?? "channels_last").ToLowerInvariant();
        if (f == "channels_last") return f;
        if (f == "channels_first")
            throw new NotSupportedException($"Layer '{layer.Name}' ({layer.ClassName}): data_format=\"channels_first\" is not supported; KerasNet layers compute in channels_last (batch, ..., channels). Transpose the inputs with Ops.Transpose, or build the layer with data_format=\"channels_last\".");
        throw new ArgumentException($"Layer '{layer.Name}' ({layer.ClassName}): `data_format` must be \"channels_last\" or \"channels_first\"; received data_format=\"{dataFormat}\".", nameof(dataFormat));
    }

    /// <summary>Keras's check that strides and dilation are not both above 1.</summary>
    public static void CheckStridesDilation(Layer layer, int[] strides, int[] dilation)
    {
        if (strides.Max() > 1 && dilation.Max() > 1)
            throw new ArgumentException($"Layer '{layer.Name}' ({layer.ClassName}): `strides > 1` not supported in conjunction with `dilation_rate > 1`. Received: strides=[{string.Join(", ", strides)}] and dilation_rate=[{string.Join(", ", dilation)}].");
    }

    /// <summary>Output size of one axis of a convolution or pooling, or -1 when the input size is unknown; a
    /// "valid" window larger than the input fails with the layer's name.</summary>
    public static int OutputSize(Layer layer, Shape inputShape, int input, int kernel, int stride, int dilation, string padding, string what)
    {
        if (input < 0) return -1;
        if (padding is "same" or "causal") return (input + stride - 1) / stride;
        int effective = (kernel - 1) * dilation + 1;
        if (input < effective)
            throw new ArgumentException($"Layer '{layer.Name}' ({layer.ClassName}): the {what} ({kernel}{(dilation > 1 ? $" with dilation {dilation}, so {effective} wide" : "")}) is larger than the input ({input}) with padding=\"valid\": computed output size would be zero or negative. Received input shape {KerasTensor.ShapeText(inputShape)}. Use padding=\"same\" or a larger input.");
        return (input - effective) / stride + 1;
    }

    /// <summary>The spatial-axis description used in rank errors.</summary>
    public static string Description(int spatialRank) => spatialRank == 1
        ? "(batch, steps, channels)"
        : "(batch, height, width, channels)";

    /// <summary>Int list as Keras writes tuples.</summary>
    public static JsonArray Json(IEnumerable<int> values) => values.ToJsonArray();

    /// <summary>A nested ((a, b), (c, d)) pair list as Keras writes it.</summary>
    public static JsonArray Json(int[,] pairs)
    {
        var outer = new JsonArray();
        for (int i = 0; i < pairs.GetLength(0); i++)
            outer.Add(new JsonArray(JsonValue.Create(pairs[i, 0]), JsonValue.Create(pairs[i, 1])));
        return outer;
    }

    /// <summary>Reads Keras's int / (sym_h, sym_w) / ((top, bottom), (left, right)) spatial pairs.</summary>
    public static int[,]? Pairs(JsonObject config, string key)
    {
        switch (config[key])
        {
            case null: return null;
            case JsonValue v: { int n = LayerArgs.ToInt(v, key); return new[,] { { n, n }, { n, n } }; }
            case JsonArray a when a.Count == 2:
            {
                var result = new int[2, 2];
                for (int i = 0; i < 2; i++)
                {
                    if (a[i] is JsonArray inner && inner.Count == 2)
                    {
                        result[i, 0] = LayerArgs.ToInt(inner[0]!, key);
                        result[i, 1] = LayerArgs.ToInt(inner[1]!, key);
                    }
                    else
                    {
                        int n = LayerArgs.ToInt(a[i]!, key);
                        result[i, 0] = n;
                        result[i, 1] = n;
                    }
                }
                return result;
            }
            default: throw new ArgumentException($"Config key '{key}' must be an int, two ints or two pairs of ints; got {config[key]!.ToJsonString()}.");
        }
    }
}
