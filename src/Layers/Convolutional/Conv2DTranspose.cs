using System.Text.Json.Nodes;
using KerasNet.Constraints;
using KerasNet.Initializers;
using KerasNet.Models;
using KerasNet.Regularizers;
using KerasNet.Saving;

namespace KerasNet.Layers;

/// <summary>Transposed 2-D convolution ("deconvolution"), as keras.layers.Conv2DTranspose with
/// TensorFlow's geometry: kernel (kh, kw, filters, in_channels); the output is the input-gradient of a
/// convolution that maps it back to the input. Output size per axis, with k the dilated kernel size:
/// "valid": (in - 1) * stride + k + output_padding (output_padding defaulting to max(k, stride) - k);
/// "same": in * stride, or (in - 1) * stride + k % 2 + output_padding when output_padding is given.</summary>
[KerasSerializable("Conv2DTranspose", "Convolution2DTranspose")]
public sealed class Conv2DTranspose : Layer
{
    private readonly int[] _kernelSize;
    private readonly int[] _strides;
    private readonly int[] _dilationRate;
    private readonly int[]? _outputPadding;
    private readonly Func<Tensor, Tensor> _activation;

    /// <summary>A transposed convolution with Keras's arguments and defaults.</summary>
    /// <param name="filters">Number of output channels.</param>
    /// <param name="kernelSize">Window height and width ([3] or [3, 3]).</param>
    /// <param name="strides">Upsampling step per axis (default 1); above 1 excludes a dilation above 1.</param>
    /// <param name="padding">"valid" or "same".</param>
    /// <param name="outputPadding">Extra rows/columns added at the bottom/right of the output, each below
    /// the stride; null for Keras's default output size.</param>
    /// <param name="dataFormat">"channels_last" (the default and the only one supported).</param>
    /// <param name="dilationRate">Spacing of the kernel taps per axis (default 1).</param>
    /// <param name="activation">A name ("relu"), a <c>Func&lt;Tensor, Tensor&gt;</c>, or null for none ("linear").</param>
    /// <param name="useBias">Whether to add a bias.</param>
    /// <param name="kernelInitializer">Initializer of the kernel (default "glorot_uniform").</param>
    /// <param name="biasInitializer">Initializer of the bias (default "zeros").</param>
    /// <param name="kernelRegularizer">Penalty on the kernel, or null.</param>
    /// <param name="biasRegularizer">Penalty on the bias, or null.</param>
    /// <param name="activityRegularizer">Penalty on the output, or null.</param>
    /// <param name="kernelConstraint">Constraint on the kernel, or null.</param>
    /// <param name="biasConstraint">Constraint on the bias, or null.</param>
    /// <param name="name">Layer name (default conv2d_transpose, ...).</param>
    /// <param name="trainable">Whether the weights are trained.</param>
    public Conv2DTranspose(int filters, int[] kernelSize, int[]? strides = null, string padding = "valid", int[]? outputPadding = null,
        string? dataFormat = null, int[]? dilationRate = null, object? activation = null, bool useBias = true,
        object? kernelInitializer = null, object? biasInitializer = null, object? kernelRegularizer = null,
        object? biasRegularizer = null, object? activityRegularizer = null, object? kernelConstraint = null,
        object? biasConstraint = null, string? name = null, bool trainable = true)
        : base(name ?? UniqueName("conv2d_transpose"), trainable)
    {
        ArgumentNullException.ThrowIfNull(kernelSize);
        if (filters <= 0)
            throw new ArgumentException($"Layer '{Name}' ({ClassName}): invalid value for argument `filters`. Expected a strictly positive value. Received filters={filters}.", nameof(filters));
        Filters = filters;
        _kernelSize = ConvArgs.Tuple(this, kernelSize, 2, "kernel_size", 1);
        _strides = ConvArgs.Tuple(this, strides, 2, "strides", 1);
        _dilationRate = ConvArgs.Tuple(this, dilationRate, 2, "dilation_rate", 1);
        _outputPadding = outputPadding is null ? null : ConvArgs.Tuple(this, outputPadding, 2, "output_padding", 0, allowZero: true);
        if (_outputPadding is not null)
            for (int i = 0; i < 2; i++)
                if (_outputPadding[i] >= _strides[i])
                    throw new ArgumentException($"Layer '{Name}' ({ClassName}): `output_padding` must be < `strides`. output_padding=[{string.Join(", ", _outputPadding)}], strides=[{string.Join(", ", _strides)}].", nameof(outputPadding));
        Padding = ConvArgs.Padding(this, padding);
        DataFormat = ConvArgs.DataFormat(this, dataFormat);
        ConvArgs.CheckStridesDilation(this, _strides, _dilationRate);
        _activation = Activations.Get(activation);
        UseBias = useBias;
        KernelInitializer = LayerArgs.Initializer(kernelInitializer, "glorot_uniform", nameof(kernelInitializer), ClassName);
        BiasInitializer = LayerArgs.Initializer(biasInitializer, "zeros", nameof(biasInitializer), ClassName);
        KernelRegularizer = LayerArgs.Regularizer(kernelRegularizer, nameof(kernelRegularizer), ClassName);
        BiasRegularizer = LayerArgs.Regularizer(biasRegularizer, nameof(biasRegularizer), ClassName);
        ActivityRegularizer = LayerArgs.Regularizer(activityRegularizer, nameof(activityRegularizer), ClassName);
        KernelConstraint = LayerArgs.Constraint(kernelConstraint, nameof(kernelConstraint), ClassName);
        BiasConstraint = LayerArgs.Constraint(biasConstraint, nameof(biasConstraint), ClassName);
        InputSpec = new InputSpec { Ndim = 4 };
    }

    /// <summary>Number of output channels.</summary>
    public int Filters { get; }

    /// <summary>The window size per spatial axis.</summary>
    public IReadOnlyList<int> KernelSize => _kernelSize;

    /// <summary>The stride per spatial axis.</summary>
    public IReadOnlyList<int> Strides => _strides;

    /// <summary>"valid" or "same".</summary>
    public string Padding { get; }

    /// <summary>The output padding per spatial axis, or null for Keras's default output size.</summary>
    public IReadOnlyList<int>? OutputPadding => _outputPadding;

    /// <summary>Always "channels_last".</summary>
    public string DataFormat { get; }

    /// <summary>The dilation per spatial axis.</summary>
    public IReadOnlyList<int> DilationRate => _dilationRate;

    /// <summary>The activation applied to the output (Activations.Linear for none).</summary>
    public Func<Tensor, Tensor> Activation => _activation;

    /// <summary>Whether a bias is added.</summary>
    public bool UseBias { get; }

    /// <summary>Initializer of the kernel.</summary>
    public Initializer KernelInitializer { get; }

    /// <summary>Initializer of the bias.</summary>
    public Initializer BiasInitializer { get; }

    /// <summary>Penalty on the kernel, or null.</summary>
    public Regularizer? KernelRegularizer { get; }

    /// <summary>Penalty on the bias, or null.</summary>
    public Regularizer? BiasRegularizer { get; }

    /// <summary>Penalty on the output, or null.</summary>
    public Regularizer? ActivityRegularizer { get; }

    /// <summary>Constraint on the kernel, or null.</summary>
    public Constraint? KernelConstraint { get; }

    /// <summary>Constraint on the bias, or null.</summary>
    public Constraint? BiasConstraint { get; }

    /// <summary>The kernel (kh, kw, filters, in_channels); null before building.</summary>
    public Variable? Kernel { get; private set; }

    /// <summary>The bias (filters,); null before building or without bias.</summary>
    public Variable? Bias { get; private set; }

    /// <inheritdoc/>
    public override void Build(Shape inputShape)
    {
        int channels = inputShape[-1];
        if (channels <= 0)
            throw new ArgumentException($"Layer '{Name}' ({ClassName}): the channel dimension (last axis) of the inputs must be defined; received input shape {KerasTensor.ShapeText(inputShape)}.");
        InputSpec = new InputSpec { Ndim = 4, Axes = new Dictionary<int, int> { [-1] = channels } };
        ComputeOutputShape(inputShape);
        Kernel = AddWeight("kernel", new Shape(_kernelSize[0], _kernelSize[1], Filters, channels), KernelInitializer, KernelRegularizer, KernelConstraint);
        if (UseBias) Bias = AddWeight("bias", new Shape(Filters), BiasInitializer, BiasRegularizer, BiasConstraint);
        base.Build(inputShape);
    }

    /// <summary>Output length and the number of leading positions of the full transposed convolution
    /// ((in - 1) * stride + k long) that it drops, TensorFlow's way: the padding of the forward "same"
    /// convolution from the output back to the input, total max((in - 1) * stride + k - out, 0), half of
    /// it (rounded down) before.</summary>
    private (int Length, int Before) Axis(int axis, int input)
    {
        int k = (_kernelSize[axis] - 1) * _dilationRate[axis] + 1;
        int s = _strides[axis];
        int? op = _outputPadding?[axis];
        if (input < 0) return (-1, 0);
        if (Padding == "valid")
            return ((input - 1) * s + k + (op ?? Math.Max(k, s) - k), 0);
        int length = op is int p ? (input - 1) * s + k % 2 + p : input * s;
        return (length, Math.Max((input - 1) * s + k - length, 0) / 2);
    }

    /// <inheritdoc/>
    public override Tensor Call(Tensor inputs, bool training = false)
    {
        if (Kernel is null) throw new InvalidOperationException($"Layer '{Name}' ({ClassName}) is not built; call it through Apply, or Build it first.");
        var xs = inputs.Shape;
        if (xs.Rank != 4)
            throw new ArgumentException($"Layer '{Name}' ({ClassName}) expects inputs of rank 4 {ConvArgs.Description(2)}; received input shape {KerasTensor.ShapeText(xs)}.");
        var (lh, bh) = Axis(0, xs[1]);
        var (lw, bw) = Axis(1, xs[2]);
        int fullH = (xs[1] - 1) * _strides[0] + (_kernelSize[0] - 1) * _dilationRate[0] + 1;
        int fullW = (xs[2] - 1) * _strides[1] + (_kernelSize[1] - 1) * _dilationRate[1] + 1;
        Tensor y;
        int oph = lh - xs[1] * _strides[0], opw = lw - xs[2] * _strides[1];
        if (Padding == "same" && oph >= 0 && opw >= 0)
        {
            // The kernel's own "same" geometry is TensorFlow's when the output is at least in * stride.
            y = Ops.ConvTranspose(inputs, Kernel.Value, _strides, "same", [oph, opw], _dilationRate);
        }
        else
        {
            // Otherwise: the full transposed convolution (zero-extended where the output is longer), cropped.
            var full = Ops.ConvTranspose(inputs, Kernel.Value, _strides, "valid", [Math.Max(lh - fullH, 0), Math.Max(lw - fullW, 0)], _dilationRate);
            if (full.Shape[1] == lh && full.Shape[2] == lw) y = full;
            else
            {
                y = Ops.Slice(full, [0, bh, bw, 0], [full.Shape[0], lh, lw, full.Shape[3]]);
                if (!ConvOutput.Recording) full.Dispose();
            }
        }
        return ConvOutput.Finish(y, Bias, _activation, ActivityRegularizer, ActivityRegularizer is null ? null : AddLoss);
    }

    /// <inheritdoc/>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        if (inputShape.Rank != 4)
            throw new ArgumentException($"Layer '{Name}' ({ClassName}) expects inputs of rank 4 {ConvArgs.Description(2)}; received input shape {KerasTensor.ShapeText(inputShape)}.");
        return Activations.OutputShape(_activation, new Shape(inputShape[0], Axis(0, inputShape[1]).Length, Axis(1, inputShape[2]).Length, Filters));
    }

    /// <summary>Keras's config keys. Keras 3's BaseConvTranspose.get_config leaves output_padding out (so
    /// a round trip loses it); it is written here, only when set, so that the layer rebuilds exactly.</summary>
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["filters"] = Filters;
        c["kernel_size"] = ConvArgs.Json(_kernelSize);
        c["strides"] = ConvArgs.Json(_strides);
        c["padding"] = Padding;
        if (_outputPadding is not null) c["output_padding"] = ConvArgs.Json(_outputPadding);
        c["data_format"] = DataFormat;
        c["dilation_rate"] = ConvArgs.Json(_dilationRate);
        c["activation"] = Activations.Serialize(_activation);
        c["use_bias"] = UseBias;
        c["kernel_initializer"] = LayerArgs.Serialize(KernelInitializer, "keras.initializers");
        c["bias_initializer"] = LayerArgs.Serialize(BiasInitializer, "keras.initializers");
        c["kernel_regularizer"] = LayerArgs.Serialize(KernelRegularizer, "keras.regularizers");
        c["bias_regularizer"] = LayerArgs.Serialize(BiasRegularizer, "keras.regularizers");
        c["activity_regularizer"] = LayerArgs.Serialize(ActivityRegularizer, "keras.regularizers");
        c["kernel_constraint"] = LayerArgs.Serialize(KernelConstraint, "keras.constraints");
        c["bias_constraint"] = LayerArgs.Serialize(BiasConstraint, "keras.constraints");
        return c;
    }

    /// <summary>Rebuilds the layer from its Keras config.</summary>
    public static Conv2DTranspose FromConfig(JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var (name, trainable) = BaseConfig(config);
        return new Conv2DTranspose(config.GetInt("filters", 0),
            config.GetInts("kernel_size") ?? throw new ArgumentException("A Conv2DTranspose config needs kernel_size."),
            config.GetInts("strides"), config.GetString("padding", "valid")!, config.GetInts("output_padding"),
            config.GetString("data_format", null), config.GetInts("dilation_rate"), config["activation"]?.DeepClone(),
            config.GetBool("use_bias", true), LayerArgs.Node(config, "kernel_initializer"), LayerArgs.Node(config, "bias_initializer"),
            LayerArgs.Node(config, "kernel_regularizer"), LayerArgs.Node(config, "bias_regularizer"),
            LayerArgs.Node(config, "activity_regularizer"), LayerArgs.Node(config, "kernel_constraint"),
            LayerArgs.Node(config, "bias_constraint"), name, trainable);
    }
}
