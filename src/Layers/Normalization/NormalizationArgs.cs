using System.Globalization;
using System.Text.Json.Nodes;
using KerasNet.Models;

namespace KerasNet.Layers;

/// <summary>Helpers shared by the normalization and noise layers: full-precision numbers from configs, axis
/// checks, broadcast shapes, tape-safe moments, rate checks and seeded streams.</summary>
internal static class NormalizationArgs
{
    /// <summary>A number as a double (full precision, unlike <c>GetFloat</c>), or <paramref name="fallback"/>
    /// when the key is absent or null.</summary>
    public static double Double(JsonObject config, string key, double fallback)
    {
        if (config[key] is not JsonValue v) return fallback;
        if (v.TryGetValue(out double d)) return d;
        if (v.TryGetValue(out long l)) return l;
        if (v.TryGetValue(out int i)) return i;
        if (v.TryGetValue(out float f)) return f;
        throw new ArgumentException($"Config key '{key}' should be a number; got {v.ToJsonString()}.");
    }

    /// <summary>Normalizes <paramref name="axis"/> for an input of <paramref name="inputShape"/>; an axis out of
    /// range fails naming the layer, the axis and the shape.</summary>
    public static int Axis(Layer layer, int axis, Shape inputShape)
    {
        int rank = inputShape.Rank;
        int a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank)
            throw new ArgumentException(
                $"Layer '{layer.Name}' ({layer.ClassName}): axis {axis} is out of bounds for input shape {KerasTensor.ShapeText(inputShape)} " +
                $"(rank {rank}); the axis must be in [{-rank}, {rank - 1}].");
        return a;
    }

    /// <summary>The size of <paramref name="axis"/>, which must be known (not the batch's -1).</summary>
    public static int KnownDim(Layer layer, int axis, int originalAxis, Shape inputShape)
    {
        int d = inputShape[axis];
        if (d < 0)
            throw new ArgumentException(
                $"Layer '{layer.Name}' ({layer.ClassName}): axis {originalAxis} of the input should have a defined dimension, " +
                $"but the layer received an input with shape {KerasTensor.ShapeText(inputShape)}.");
        return d;
    }

    /// <summary>A rank-<paramref name="rank"/> shape of ones with <paramref name="dims"/> at <paramref name="axes"/>.</summary>
    public static Shape BroadcastShape(int rank, ReadOnlySpan<int> axes, ReadOnlySpan<int> dims)
    {
        Span<int> d = stackalloc int[rank];
        d.Fill(1);
        for (int i = 0; i < axes.Length; i++) d[axes[i]] = dims[i];
        return new Shape(d);
    }

    /// <summary>Keras's <c>ops.moments</c> with keepdims: the mean and the biased variance over <paramref name="axes"/>.
    /// Written out rather than calling <c>Ops.Var</c>, which disposes its intermediates: before the tape pinned
    /// the tensors it records, that made a recorded variance's gradient fail with ObjectDisposedException.</summary>
    public static (Tensor Mean, Tensor Variance) Moments(Tensor x, ReadOnlySpan<int> axes)
    {
        var mean = Ops.Mean(x, axes, keepDims: true);
        var variance = Ops.Mean(Ops.SquaredDifference(x, mean), axes, keepDims: true);
        return (mean, variance);
    }

    /// <summary>Keras's float validation message for a rate-like argument in [0, 1].</summary>
    public static float UnitInterval(float value, string argument)
    {
        if (!(value >= 0 && value <= 1))
            throw new ArgumentOutOfRangeException(argument, value,
                $"Invalid value received for argument `{argument}`. Expected a float value between 0 and 1. Received: {argument}={value.ToString(CultureInfo.InvariantCulture)}");
        return value;
    }

    /// <summary>A seeded stream for a layer: from <paramref name="seed"/>, or a fresh seed drawn from the global stream.</summary>
    public static SeedGenerator Generator(long? seed) => new(seed ?? SeedGenerator.Global.NextSeed());

    /// <summary>The common base config without "trainable" (Keras's spatial dropout writes name and dtype only).</summary>
    public static JsonObject WithoutTrainable(JsonObject config)
    {
        config.Remove("trainable");
        return config;
    }
}
