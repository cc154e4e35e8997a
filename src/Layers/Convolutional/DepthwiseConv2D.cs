using System.Text.Json.Nodes;
using KerasNet.Constraints;
using KerasNet.Initializers;
using KerasNet.Models;
using KerasNet.Regularizers;
using KerasNet.Saving;

namespace KerasNet.Layers;

/// <summary>Depthwise 2-D convolution, as keras.layers.DepthwiseConv2D: each input channel is convolved
/// with its own <c>depth_multiplier</c> filters. Kernel (kh, kw, in_channels, depth_multiplier); output
/// channel c * depth_multiplier + m comes from input channel c and filter m.</summary>
[KerasSerializable("DepthwiseConv2D")]
public sealed class DepthwiseConv2D : Layer
{
    private readonly int[] _kernelSize;
    private readonly int[] _strides;
    private readonly int[] _dilationRate;
    private readonly Func<Tensor, Tensor> _activation;

    /// <summary>A depthwise convolution with Keras's arguments and defaults.</summary>
    /// <param name="kernelSize">Window height and width ([3] or [3, 3]).</param>
    /// <param name="strides">Step per axis (default 1); above 1 excludes a dilation above 1.</param>
    /// <param name="padding">"valid" or "same" (TensorFlow's).</param>
    /// <param name="depthMultiplier">Output channels per input channel.</param>
    /// <param name="dataFormat">"channels_last" (the default and the only one supported).</param>
    /// <param name="dilationRate">Spacing of the kernel taps per axis (default 1).</param>
    /// <param name="activation">A name ("relu"), a <c>Func&lt;Tensor, Tensor&gt;</c>, or null for none ("linear").</param>
    /// <param name="useBias">Whether to add a bias of in_channels * depth_multiplier values.</param>
    /// <param name="depthwiseInitializer">Initializer of the kernel (default "glorot_uniform").</param>
    /// <param name="biasInitializer">Initializer of the bias (default "zeros").</param>
    /// <param name="depthwiseRegularizer">Penalty on the kernel, or null.</param>
    /// <param name="biasRegularizer">Penalty on the bias, or null.</param>
    /// <param name="activityRegularizer">Penalty on the output, or null.</param>
    /// <param name="depthwiseConstraint">Constraint on the kernel, or null.</param>
    /// <param name="biasConstraint">Constraint on the bias, or null.</param>
    /// <param name="name">Layer name (default depthwise_conv2d, ...).</param>
    /// <param name="trainable">Whether the weights are trained.</param>
    public DepthwiseConv2D(int[] kernelSize, int[]? strides = null, string padding = "valid", int depthMultiplier = 1,
        string? dataFormat = null, int[]? dilationRate = null, object? activation = null, bool useBias = true,
        object? depthwiseInitializer = null, object? biasInitializer = null, object? depthwiseRegularizer = null,
        object? biasRegularizer = null, object? activityRegularizer = null, object? depthwiseConstraint = null,
        object? biasConstraint = null, string? name = null, bool trainable = true)
        : base(name ?? UniqueName("depthwise_conv2d"), trainable)
    {
        ArgumentNullException.ThrowIfNull(kernelSize);
        if (depthMultiplier <= 0)
            throw new ArgumentException($"Layer '{Name}' ({ClassName}): invalid value for argument `depth_multiplier`. Expected a strictly positive value. Received depth_multiplier={depthMultiplier}.", nameof(depthMultiplier));
        DepthMultiplier = depthMultiplier;
        _kernelSize = ConvArgs.Tuple(this, kernelSize, 2, "kernel_size", 1);
        _strides = ConvArgs.Tuple(this, strides, 2, "strides", 1);
        _dilationRate = ConvArgs.Tuple(this, dilationRate, 2, "dilation_rate", 1);
        Padding = ConvArgs.Padding(this, padding);
        DataFormat = ConvArgs.DataFormat(this, dataFormat);
        ConvArgs.CheckStridesDilation(this, _strides, _dilationRate);
        _activation = Activations.Get(activation);
        UseBias = useBias;
        DepthwiseInitializer = LayerArgs.Initializer(depthwiseInitializer, "glorot_uniform", nameof(depthwiseInitializer), ClassName);
        BiasInitializer = LayerArgs.Initializer(biasInitializer, "zeros", nameof(biasInitializer), ClassName);
        DepthwiseRegularizer = LayerArgs.Regularizer(depthwiseRegularizer, nameof(depthwiseRegularizer), ClassName);
        BiasRegularizer = LayerArgs.Regularizer(biasRegularizer, nameof(biasRegularizer), ClassName);
        ActivityRegularizer = LayerArgs.Regularizer(activityRegularizer, nameof(activityRegularizer), ClassName);
        DepthwiseConstraint = LayerArgs.Constraint(depthwiseConstraint, nameof(depthwiseConstraint), ClassName);
        BiasConstraint = LayerArgs.Constraint(biasConstraint, nameof(biasConstraint), ClassName);
        InputSpec = new InputSpec { Ndim = 4 };
    }

    /// <summary>Output channels per input channel.</summary>
    public int DepthMultiplier { get; }

    /// <summary>The window size per spatial axis.</summary>
    public IReadOnlyList<int> KernelSize => _kernelSize;

    /// <summary>The stride per spatial axis.</summary>
    public IReadOnlyList<int> Strides => _strides;

    /// <summary>"valid" or "same".</summary>
    public string Padding { get; }

    /// <summary>Always "channels_last".</summary>
    public string DataFormat { get; }

    /// <summary>The dilation per spatial axis.</summary>
    public IReadOnlyList<int> DilationRate => _dilationRate;

    /// <summary>The activation applied to the output (Activations.Linear for none).</summary>
    public Func<Tensor, Tensor> Activation => _activation;

    /// <summary>Whether a bias is added.</summary>
    public bool UseBias { get; }

    /// <summary>Initializer of the kernel.</summary>
    public Initializer DepthwiseInitializer { get; }

    /// <summary>Initializer of the bias.</summary>
    public Initializer BiasInitializer { get; }

    /// <summary>Penalty on the kernel, or null.</summary>
    public Regularizer? DepthwiseRegularizer { get; }

    /// <summary>Penalty on the bias, or null.</summary>
    public Regularizer? BiasRegularizer { get; }

    /// <summary>Penalty on the output, or null.</summary>
    public Regularizer? ActivityRegularizer { get; }

    /// <summary>Constraint on the kernel, or null.</summary>
    public Constraint? DepthwiseConstraint { get; }

    /// <summary>Constraint on the bias, or null.</summary>
    public Constraint? BiasConstraint { get; }

    /// <summary>The kernel (kh, kw, in_channels, depth_multiplier); null before building.</summary>
    public Variable? Kernel { get; private set; }

    /// <summary>The bias (in_channels * depth_multiplier,); null before building or without bias.</summary>
    public Variable? Bias { get; private set; }

    /// <inheritdoc/>
    public override void Build(Shape inputShape)
    {
        int channels = inputShape[-1];
        if (channels <= 0)
            throw new ArgumentException($"Layer '{Name}' ({ClassName}): the channel dimension (last axis) of the inputs must be defined; received input shape {KerasTensor.ShapeText(inputShape)}.");
        InputSpec = new InputSpec { Ndim = 4, Axes = new Dictionary<int, int> { [-1] = channels } };
        ComputeOutputShape(inputShape);
        Kernel = AddWeight("kernel", new Shape(_kernelSize[0], _kernelSize[1], channels, DepthMultiplier), DepthwiseInitializer, DepthwiseRegularizer, DepthwiseConstraint);
        if (UseBias) Bias = AddWeight("bias", new Shape(channels * DepthMultiplier), BiasInitializer, BiasRegularizer, BiasConstraint);
        base.Build(inputShape);
    }

    /// <inheritdoc/>
    public override Tensor Call(Tensor inputs, bool training = false)
    {
        if (Kernel is null) throw new InvalidOperationException($"Layer '{Name}' ({ClassName}) is not built; call it through Apply, or Build it first.");
        ComputeOutputShape(inputs.Shape);
        var y = ConvOutput.Depthwise(inputs, Kernel.Value, _strides, Padding, _dilationRate);
        return ConvOutput.Finish(y, Bias, _activation, ActivityRegularizer, ActivityRegularizer is null ? null : AddLoss);
    }

    /// <inheritdoc/>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        if (inputShape.Rank != 4)
            throw new ArgumentException($"Layer '{Name}' ({ClassName}) expects inputs of rank 4 {ConvArgs.Description(2)}; received input shape {KerasTensor.ShapeText(inputShape)}.");
        int h = ConvArgs.OutputSize(this, inputShape, inputShape[1], _kernelSize[0], _strides[0], _dilationRate[0], Padding, "kernel");
        int w = ConvArgs.OutputSize(this, inputShape, inputShape[2], _kernelSize[1], _strides[1], _dilationRate[1], Padding, "kernel");
        int c = inputShape[3];
        return Activations.OutputShape(_activation, new Shape(inputShape[0], h, w, c < 0 ? -1 : c * DepthMultiplier));
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["depth_multiplier"] = DepthMultiplier;
        c["kernel_size"] = ConvArgs.Json(_kernelSize);
        c["strides"] = ConvArgs.Json(_strides);
        c["padding"] = Padding;
        c["data_format"] = DataFormat;
        c["dilation_rate"] = ConvArgs.Json(_dilationRate);
        c["activation"] = Activations.Serialize(_activation);
        c["use_bias"] = UseBias;
        c["depthwise_initializer"] = LayerArgs.Serialize(DepthwiseInitializer, "keras.initializers");
        c["bias_initializer"] = LayerArgs.Serialize(BiasInitializer, "keras.initializers");
        c["depthwise_regularizer"] = LayerArgs.Serialize(DepthwiseRegularizer, "keras.regularizers");
        c["bias_regularizer"] = LayerArgs.Serialize(BiasRegularizer, "keras.regularizers");
        c["activity_regularizer"] = LayerArgs.Serialize(ActivityRegularizer, "keras.regularizers");
        c["depthwise_constraint"] = LayerArgs.Serialize(DepthwiseConstraint, "keras.constraints");
        c["bias_constraint"] = LayerArgs.Serialize(BiasConstraint, "keras.constraints");
        return c;
    }

    /// <summary>Rebuilds the layer from its Keras config.</summary>
    public static DepthwiseConv2D FromConfig(JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var (name, trainable) = BaseConfig(config);
        return new DepthwiseConv2D(config.GetInts("kernel_size") ?? throw new ArgumentException("A DepthwiseConv2D config needs kernel_size."),
            config.GetInts("strides"), config.GetString("padding", "valid")!, config.GetInt("depth_multiplier", 1),
            config.GetString("data_format", null), config.GetInts("dilation_rate"), config["activation"]?.DeepClone(),
            config.GetBool("use_bias", true), LayerArgs.Node(config, "depthwise_initializer"), LayerArgs.Node(config, "bias_initializer"),
            LayerArgs.Node(config, "depthwise_regularizer"), LayerArgs.Node(config, "bias_regularizer"),
            LayerArgs.Node(config, "activity_regularizer"), LayerArgs.Node(config, "depthwise_constraint"),
            LayerArgs.Node(config, "bias_constraint"), name, trainable);
    }
}
