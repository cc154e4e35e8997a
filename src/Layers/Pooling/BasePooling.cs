using System.Text.Json.Nodes;
using KerasNet.Models;
using KerasNet.Saving;

namespace KerasNet.Layers;

/// <summary>Base of the windowed pooling layers (Keras's BasePooling): a max or average over windows of
/// <c>pool_size</c> moved by <c>strides</c> (default: the pool size), channels_last. Average pooling with
/// "same" padding averages only the in-bounds part of each window, as TensorFlow does.</summary>
public abstract class BasePooling : Layer
{
    private readonly int[] _poolSize;
    private readonly int[] _strides;

    private protected BasePooling(int rank, bool max, int[]? poolSize, int[]? strides, string padding, string? dataFormat, string name, bool trainable)
        : base(name, trainable)
    {
        Rank = rank;
        IsMax = max;
        _poolSize = ConvArgs.Tuple(this, poolSize, rank, "pool_size", 2);
        _strides = strides is null ? (int[])_poolSize.Clone() : ConvArgs.Tuple(this, strides, rank, "strides", 1);
        Padding = ConvArgs.Padding(this, padding);
        DataFormat = ConvArgs.DataFormat(this, dataFormat);
        InputSpec = new InputSpec { Ndim = rank + 2 };
    }

    /// <summary>Number of spatial axes.</summary>
    public int Rank { get; }

    /// <summary>True for max pooling, false for average pooling.</summary>
    private protected bool IsMax { get; }

    /// <summary>The window size per spatial axis.</summary>
    public IReadOnlyList<int> PoolSize => _poolSize;

    /// <summary>The step per spatial axis (the pool size unless given).</summary>
    public IReadOnlyList<int> Strides => _strides;

    /// <summary>"valid" or "same".</summary>
    public string Padding { get; }

    /// <summary>Always "channels_last".</summary>
    public string DataFormat { get; }

    /// <inheritdoc/>
    public override void Build(Shape inputShape)
    {
        ComputeOutputShape(inputShape);
        base.Build(inputShape);
    }

    /// <inheritdoc/>
    public override Tensor Call(Tensor inputs, bool training = false)
    {
        ComputeOutputShape(inputs.Shape);
        return IsMax
            ? Ops.MaxPool(inputs, _poolSize, _strides, Padding)
            : Ops.AveragePool(inputs, _poolSize, _strides, Padding);
    }

    /// <inheritdoc/>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        if (inputShape.Rank != Rank + 2)
            throw new ArgumentException($"Layer '{Name}' ({ClassName}) expects inputs of rank {Rank + 2} {ConvArgs.Description(Rank)}; received input shape {KerasTensor.ShapeText(inputShape)}.");
        Span<int> d = stackalloc int[Rank + 2];
        d[0] = inputShape[0];
        for (int i = 0; i < Rank; i++)
            d[i + 1] = ConvArgs.OutputSize(this, inputShape, inputShape[i + 1], _poolSize[i], _strides[i], 1, Padding, "pool window");
        d[^1] = inputShape[-1];
        return new Shape(d);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["pool_size"] = ConvArgs.Json(_poolSize);
        c["padding"] = Padding;
        c["strides"] = ConvArgs.Json(_strides);
        c["data_format"] = DataFormat;
        return c;
    }

    /// <summary>Reads (pool_size, strides, padding, data_format, name, trainable) from a Keras config.</summary>
    private protected static (int[]? PoolSize, int[]? Strides, string Padding, string? DataFormat, string? Name, bool Trainable) ReadConfig(JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var (name, trainable) = BaseConfig(config);
        return (config.GetInts("pool_size"), config.GetInts("strides"), config.GetString("padding", "valid")!,
            config.GetString("data_format", null), name, trainable);
    }
}

/// <summary>Base of the global pooling layers (Keras's BaseGlobalPooling): a mean or max over every
/// spatial axis, keeping them as size 1 when <c>keepdims</c>.</summary>
public abstract class BaseGlobalPooling : Layer
{
    private protected BaseGlobalPooling(int rank, bool max, string? dataFormat, bool keepdims, string name, bool trainable)
        : base(name, trainable)
    {
        Rank = rank;
        IsMax = max;
        DataFormat = ConvArgs.DataFormat(this, dataFormat);
        Keepdims = keepdims;
        InputSpec = new InputSpec { Ndim = rank + 2 };
    }

    /// <summary>Number of spatial axes.</summary>
    public int Rank { get; }

    /// <summary>True for max pooling, false for average pooling.</summary>
    private protected bool IsMax { get; }

    /// <summary>Always "channels_last".</summary>
    public string DataFormat { get; }

    /// <summary>Whether the spatial axes stay, with size 1.</summary>
    public bool Keepdims { get; }

    /// <inheritdoc/>
    public override Tensor Call(Tensor inputs, bool training = false)
    {
        ReadOnlySpan<int> axes = Rank == 1 ? [1] : [1, 2];
        return IsMax ? Ops.Max(inputs, axes, Keepdims) : Ops.Mean(inputs, axes, Keepdims);
    }

    /// <inheritdoc/>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        if (inputShape.Rank != Rank + 2)
            throw new ArgumentException($"Layer '{Name}' ({ClassName}) expects inputs of rank {Rank + 2} {ConvArgs.Description(Rank)}; received input shape {KerasTensor.ShapeText(inputShape)}.");
        if (!Keepdims) return new Shape(inputShape[0], inputShape[-1]);
        return Rank == 1 ? new Shape(inputShape[0], 1, inputShape[-1]) : new Shape(inputShape[0], 1, 1, inputShape[-1]);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["data_format"] = DataFormat;
        c["keepdims"] = Keepdims;
        return c;
    }

    /// <summary>Reads (data_format, keepdims, name, trainable) from a Keras config.</summary>
    private protected static (string? DataFormat, bool Keepdims, string? Name, bool Trainable) ReadConfig(JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var (name, trainable) = BaseConfig(config);
        return (config.GetString("data_format", null), config.GetBool("keepdims", false), name, trainable);
    }
}
