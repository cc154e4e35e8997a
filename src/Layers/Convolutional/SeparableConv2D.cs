using System.Text.Json.Nodes;
using KerasNet.Constraints;
using KerasNet.Initializers;
using KerasNet.Models;
using KerasNet.Regularizers;
using KerasNet.Saving;

namespace KerasNet.Layers;

/// <summary>Depthwise-separable 2-D convolution, as keras.layers.SeparableConv2D: a depthwise convolution
/// (kernel (kh, kw, in_channels, depth_multiplier), with the strides, padding and dilation) followed by a
/// 1x1 pointwise convolution (kernel (1, 1, in_channels * depth_multiplier, filters)), then bias and
/// activation.</summary>
[KerasSerializable("SeparableConv2D", "SeparableConvolution2D")]
public sealed class SeparableConv2D : Layer
{
    private readonly int[] _kernelSize;
    private readonly int[] _strides;
    private readonly int[] _dilationRate;
    private readonly LayerActivation _activation;

    /// <summary>A separable convolution with Keras's arguments and defaults.</summary>
    /// <param name="filters">Number of output channels.</param>
    /// <param name="kernelSize">Depthwise window height and width ([3] or [3, 3]).</param>
    /// <param name="strides">Step per axis of the depthwise convolution (default 1).</param>
    /// <param name="padding">"valid" or "same" (TensorFlow's), for the depthwise convolution.</param>
    /// <param name="dataFormat">"channels_last" (the default and the only one supported).</param>
    /// <param name="dilationRate">Spacing of the depthwise kernel taps (default 1).</param>
    /// <param name="depthMultiplier">Depthwise output channels per input channel.</param>
    /// <param name="activation">Activation name; null for none ("linear").</param>
    /// <param name="useBias">Whether to add a bias of filters values.</param>
    /// <param name="depthwiseInitializer">Initializer of the depthwise kernel (default "glorot_uniform").</param>
    /// <param name="pointwiseInitializer">Initializer of the pointwise kernel (default "glorot_uniform").</param>
    /// <param name="biasInitializer">Initializer of the bias (default "zeros").</param>
    /// <param name="depthwiseRegularizer">Penalty on the depthwise kernel, or null.</param>
    /// <param name="pointwiseRegularizer">Penalty on the pointwise kernel, or null.</param>
    /// <param name="biasRegularizer">Penalty on the bias, or null.</param>
    /// <param name="activityRegularizer">Penalty on the output, or null.</param>
    /// <param name="depthwiseConstraint">Constraint on the depthwise kernel, or null.</param>
    /// <param name="pointwiseConstraint">Constraint on the pointwise kernel, or null.</param>
    /// <param name="biasConstraint">Constraint on the bias, or null.</param>
    /// <param name="name">Layer name (default separable_conv2d, ...).</param>
    /// <param name="trainable">Whether the weights are trained.</param>
    public SeparableConv2D(int filters, int[] kernelSize, int[]? strides = null, string padding = "valid", string? dataFormat = null,
        int[]? dilationRate = null, int depthMultiplier = 1, string? activation = null, bool useBias = true,
        object? depthwiseInitializer = null, object? pointwiseInitializer = null, object? biasInitializer = null,
        object? depthwiseRegularizer = null, object? pointwiseRegularizer = null, object? biasRegularizer = null,
        object? activityRegularizer = null, object? depthwiseConstraint = null, object? pointwiseConstraint = null,
        object? biasConstraint = null, string? name = null, bool trainable = true)
        : base(name ?? UniqueName("separable_conv2d"), trainable)
    {
        ArgumentNullException.ThrowIfNull(kernelSize);
        if (depthMultiplier <= 0)
            throw new ArgumentException($"Layer '{Name}' ({ClassName}): invalid value for argument `depth_multiplier`. Expected a strictly positive value. Received depth_multiplier={depthMultiplier}.", nameof(depthMultiplier));
        if (filters <= 0)
            throw new ArgumentException($"Layer '{Name}' ({ClassName}): invalid value for argument `filters`. Expected a strictly positive value. Received filters={filters}.", nameof(filters));
        Filters = filters;
        DepthMultiplier = depthMultiplier;
        _kernelSize = ConvArgs.Tuple(this, kernelSize, 2, "kernel_size", 1);
        _strides = ConvArgs.Tuple(this, strides, 2, "strides", 1);
        _dilationRate = ConvArgs.Tuple(this, dilationRate, 2, "dilation_rate", 1);
        Padding = ConvArgs.Padding(this, padding);
        DataFormat = ConvArgs.DataFormat(this, dataFormat);
        ConvArgs.CheckStridesDilation(this, _strides, _dilationRate);
        _activation = LayerActivation.Get(activation, this);
        UseBias = useBias;
        DepthwiseInitializer = ConvArgs.GetInitializer(depthwiseInitializer, "glorot_uniform", nameof(depthwiseInitializer));
        PointwiseInitializer = ConvArgs.GetInitializer(pointwiseInitializer, "glorot_uniform", nameof(pointwiseInitializer));
        BiasInitializer = ConvArgs.GetInitializer(biasInitializer, "zeros", nameof(biasInitializer));
        DepthwiseRegularizer = ConvArgs.GetRegularizer(depthwiseRegularizer, nameof(depthwiseRegularizer));
        PointwiseRegularizer = ConvArgs.GetRegularizer(pointwiseRegularizer, nameof(pointwiseRegularizer));
        BiasRegularizer = ConvArgs.GetRegularizer(biasRegularizer, nameof(biasRegularizer));
        ActivityRegularizer = ConvArgs.GetRegularizer(activityRegularizer, nameof(activityRegularizer));
        DepthwiseConstraint = ConvArgs.GetConstraint(depthwiseConstraint, nameof(depthwiseConstraint));
        PointwiseConstraint = ConvArgs.GetConstraint(pointwiseConstraint, nameof(pointwiseConstraint));
        BiasConstraint = ConvArgs.GetConstraint(biasConstraint, nameof(biasConstraint));
        InputSpec = new InputSpec { Ndim = 4, Description = ConvArgs.Description(2) };
    }

    /// <summary>Number of output channels.</summary>
    public int Filters { get; }

    /// <summary>Depthwise output channels per input channel.</summary>
    public int DepthMultiplier { get; }

    /// <summary>The depthwise window size per spatial axis.</summary>
    public IReadOnlyList<int> KernelSize => _kernelSize;

    /// <summary>The stride per spatial axis.</summary>
    public IReadOnlyList<int> Strides => _strides;

    /// <summary>"valid" or "same".</summary>
    public string Padding { get; }

    /// <summary>Always "channels_last".</summary>
    public string DataFormat { get; }

    /// <summary>The dilation per spatial axis.</summary>
    public IReadOnlyList<int> DilationRate => _dilationRate;

    /// <summary>Keras's name of the activation ("linear" for none).</summary>
    public string Activation => _activation.Name;

    /// <summary>Whether a bias is added.</summary>
    public bool UseBias { get; }

    /// <summary>Initializer of the depthwise kernel.</summary>
    public Initializer DepthwiseInitializer { get; }

    /// <summary>Initializer of the pointwise kernel.</summary>
    public Initializer PointwiseInitializer { get; }

    /// <summary>Initializer of the bias.</summary>
    public Initializer BiasInitializer { get; }

    /// <summary>Penalty on the depthwise kernel, or null.</summary>
    public Regularizer? DepthwiseRegularizer { get; }

    /// <summary>Penalty on the pointwise kernel, or null.</summary>
    public Regularizer? PointwiseRegularizer { get; }

    /// <summary>Penalty on the bias, or null.</summary>
    public Regularizer? BiasRegularizer { get; }

    /// <summary>Penalty on the output, or null.</summary>
    public Regularizer? ActivityRegularizer { get; }

    /// <summary>Constraint on the depthwise kernel, or null.</summary>
    public Constraint? DepthwiseConstraint { get; }

    /// <summary>Constraint on the pointwise kernel, or null.</summary>
    public Constraint? PointwiseConstraint { get; }

    /// <summary>Constraint on the bias, or null.</summary>
    public Constraint? BiasConstraint { get; }

    /// <summary>The depthwise kernel (kh, kw, in_channels, depth_multiplier); null before building.</summary>
    public Variable? DepthwiseKernel { get; private set; }

    /// <summary>The pointwise kernel (1, 1, in_channels * depth_multiplier, filters); null before building.</summary>
    public Variable? PointwiseKernel { get; private set; }

    /// <summary>The bias (filters,); null before building or without bias.</summary>
    public Variable? Bias { get; private set; }

    /// <inheritdoc/>
    public override void Build(Shape inputShape)
    {
        int channels = inputShape[-1];
        if (channels <= 0)
            throw new ArgumentException($"Layer '{Name}' ({ClassName}): the channel dimension (last axis) of the inputs must be defined; received input shape {KerasTensor.ShapeText(inputShape)}.");
        InputSpec = new InputSpec { Ndim = 4, Axes = new Dictionary<int, int> { [-1] = channels }, Description = ConvArgs.Description(2) };
        ComputeOutputShape(inputShape);
        DepthwiseKernel = AddWeight("depthwise_kernel", new Shape(_kernelSize[0], _kernelSize[1], channels, DepthMultiplier), DepthwiseInitializer, DepthwiseRegularizer, DepthwiseConstraint);
        PointwiseKernel = AddWeight("pointwise_kernel", new Shape(1, 1, channels * DepthMultiplier, Filters), PointwiseInitializer, PointwiseRegularizer, PointwiseConstraint);
        if (UseBias) Bias = AddWeight("bias", new Shape(Filters), BiasInitializer, BiasRegularizer, BiasConstraint);
        base.Build(inputShape);
    }

    /// <inheritdoc/>
    public override Tensor Call(Tensor inputs, bool training = false)
    {
        if (DepthwiseKernel is null || PointwiseKernel is null)
            throw new InvalidOperationException($"Layer '{Name}' ({ClassName}) is not built; call it through Apply, or Build it first.");
        ComputeOutputShape(inputs.Shape);
        var depthwise = ConvOutput.Depthwise(inputs, DepthwiseKernel.Value, _strides, Padding, _dilationRate);
        var y = Ops.Conv(depthwise, PointwiseKernel.Value, [1, 1], "valid", [1, 1]);
        if (!ConvOutput.Recording) depthwise.Dispose();
        return ConvOutput.Finish(y, Bias, _activation, ActivityRegularizer, ActivityRegularizer is null ? null : AddLoss);
    }

    /// <inheritdoc/>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        if (inputShape.Rank != 4)
            throw new ArgumentException($"Layer '{Name}' ({ClassName}) expects inputs of rank 4 {ConvArgs.Description(2)}; received input shape {KerasTensor.ShapeText(inputShape)}.");
        int h = ConvArgs.OutputSize(this, inputShape, inputShape[1], _kernelSize[0], _strides[0], _dilationRate[0], Padding, "kernel");
        int w = ConvArgs.OutputSize(this, inputShape, inputShape[2], _kernelSize[1], _strides[1], _dilationRate[1], Padding, "kernel");
        return new Shape(inputShape[0], h, w, Filters);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["depth_multiplier"] = DepthMultiplier;
        c["filters"] = Filters;
        c["kernel_size"] = ConvArgs.Json(_kernelSize);
        c["strides"] = ConvArgs.Json(_strides);
        c["padding"] = Padding;
        c["data_format"] = DataFormat;
        c["dilation_rate"] = ConvArgs.Json(_dilationRate);
        c["activation"] = Activation;
        c["use_bias"] = UseBias;
        c["depthwise_initializer"] = ConvArgs.Serialize(DepthwiseInitializer, "keras.initializers");
        c["pointwise_initializer"] = ConvArgs.Serialize(PointwiseInitializer, "keras.initializers");
        c["bias_initializer"] = ConvArgs.Serialize(BiasInitializer, "keras.initializers");
        c["depthwise_regularizer"] = ConvArgs.Serialize(DepthwiseRegularizer, "keras.regularizers");
        c["pointwise_regularizer"] = ConvArgs.Serialize(PointwiseRegularizer, "keras.regularizers");
        c["bias_regularizer"] = ConvArgs.Serialize(BiasRegularizer, "keras.regularizers");
        c["activity_regularizer"] = ConvArgs.Serialize(ActivityRegularizer, "keras.regularizers");
        c["depthwise_constraint"] = ConvArgs.Serialize(DepthwiseConstraint, "keras.constraints");
        c["pointwise_constraint"] = ConvArgs.Serialize(PointwiseConstraint, "keras.constraints");
        c["bias_constraint"] = ConvArgs.Serialize(BiasConstraint, "keras.constraints");
        return c;
    }

    /// <summary>Rebuilds the layer from its Keras config.</summary>
    public static SeparableConv2D FromConfig(JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var (name, trainable) = BaseConfig(config);
        return new SeparableConv2D(config.GetInt("filters", 0),
            config.GetInts("kernel_size") ?? throw new ArgumentException("A SeparableConv2D config needs kernel_size."),
            config.GetInts("strides"), config.GetString("padding", "valid")!, config.GetString("data_format", null),
            config.GetInts("dilation_rate"), config.GetInt("depth_multiplier", 1), config.GetString("activation", null),
            config.GetBool("use_bias", true), ConvArgs.Node(config, "depthwise_initializer"),
            ConvArgs.Node(config, "pointwise_initializer"), ConvArgs.Node(config, "bias_initializer"),
            ConvArgs.Node(config, "depthwise_regularizer"), ConvArgs.Node(config, "pointwise_regularizer"),
            ConvArgs.Node(config, "bias_regularizer"), ConvArgs.Node(config, "activity_regularizer"),
            ConvArgs.Node(config, "depthwise_constraint"), ConvArgs.Node(config, "pointwise_constraint"),
            ConvArgs.Node(config, "bias_constraint"), name, trainable);
    }
}
