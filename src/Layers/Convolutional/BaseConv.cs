using System.Text.Json.Nodes;
using KerasNet.Constraints;
using KerasNet.Initializers;
using KerasNet.Models;
using KerasNet.Regularizers;
using KerasNet.Saving;

namespace KerasNet.Layers;

/// <summary>Base of the N-D convolution layers (Keras's BaseConv): a kernel of shape
/// <c>kernel_size + (in_channels / groups, filters)</c> cross-correlated with channels_last inputs, plus
/// an optional bias of shape <c>(filters,)</c>, then the activation.</summary>
public abstract class BaseConv : Layer
{
    private readonly int[] _kernelSize;
    private readonly int[] _strides;
    private readonly int[] _dilationRate;
    private readonly Func<Tensor, Tensor> _activation;

    /// <summary>Stores and checks the arguments, as Keras's BaseConv.__init__.</summary>
    private protected BaseConv(int rank, int filters, int[] kernelSize, int[]? strides, string padding, string? dataFormat,
        int[]? dilationRate, int groups, object? activation, bool useBias, object? kernelInitializer, object? biasInitializer,
        object? kernelRegularizer, object? biasRegularizer, object? activityRegularizer, object? kernelConstraint,
        object? biasConstraint, string? name, bool trainable)
        : base(name, trainable)
    {
        Rank = rank;
        if (filters <= 0)
            throw new ArgumentException($"Layer '{Name}' ({ClassName}): invalid value for argument `filters`. Expected a strictly positive value. Received filters={filters}.", nameof(filters));
        if (groups <= 0)
            throw new ArgumentException($"Layer '{Name}' ({ClassName}): the number of groups must be a positive integer. Received: groups={groups}.", nameof(groups));
        if (filters % groups != 0)
            throw new ArgumentException($"Layer '{Name}' ({ClassName}): the number of filters must be evenly divisible by the number of groups. Received: groups={groups}, filters={filters}.", nameof(groups));
        ArgumentNullException.ThrowIfNull(kernelSize);
        Filters = filters;
        Groups = groups;
        _kernelSize = ConvArgs.Tuple(this, kernelSize, rank, "kernel_size", 1);
        _strides = ConvArgs.Tuple(this, strides, rank, "strides", 1);
        _dilationRate = ConvArgs.Tuple(this, dilationRate, rank, "dilation_rate", 1);
        Padding = ConvArgs.Padding(this, padding, allowCausal: rank == 1);
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
        InputSpec = new InputSpec { Ndim = rank + 2 };
    }

    /// <summary>Number of spatial axes (1 for Conv1D, 2 for Conv2D).</summary>
    public int Rank { get; }

    /// <summary>Number of output channels.</summary>
    public int Filters { get; }

    /// <summary>The window size per spatial axis.</summary>
    public IReadOnlyList<int> KernelSize => _kernelSize;

    /// <summary>The stride per spatial axis.</summary>
    public IReadOnlyList<int> Strides => _strides;

    /// <summary>"valid", "same" (or "causal" for Conv1D).</summary>
    public string Padding { get; }

    /// <summary>Always "channels_last".</summary>
    public string DataFormat { get; }

    /// <summary>The dilation per spatial axis.</summary>
    public IReadOnlyList<int> DilationRate => _dilationRate;

    /// <summary>Number of channel groups convolved separately.</summary>
    public int Groups { get; }

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

    /// <summary>Penalty on the layer's output, or null.</summary>
    public Regularizer? ActivityRegularizer { get; }

    /// <summary>Projection applied to the kernel after each update, or null.</summary>
    public Constraint? KernelConstraint { get; }

    /// <summary>Projection applied to the bias after each update, or null.</summary>
    public Constraint? BiasConstraint { get; }

    /// <summary>The kernel, <c>kernel_size + (in_channels / groups, filters)</c>; null before building.</summary>
    public Variable? Kernel { get; private set; }

    /// <summary>The bias, <c>(filters,)</c>; null before building or without bias.</summary>
    public Variable? Bias { get; private set; }

    /// <inheritdoc/>
    public override void Build(Shape inputShape)
    {
        int channels = inputShape[-1];
        if (channels <= 0)
            throw new ArgumentException($"Layer '{Name}' ({ClassName}): the channel dimension (last axis) of the inputs must be defined; received input shape {KerasTensor.ShapeText(inputShape)}.");
        if (channels % Groups != 0)
            throw new ArgumentException($"Layer '{Name}' ({ClassName}): the number of input channels must be evenly divisible by the number of groups. Received groups={Groups}, but the input has {channels} channels (full input shape is {KerasTensor.ShapeText(inputShape)}).");
        InputSpec = new InputSpec
        {
            Ndim = Rank + 2,
            Axes = new Dictionary<int, int> { [-1] = channels },
        };
        ComputeOutputShape(inputShape);
        Kernel = AddWeight("kernel", new Shape([.. _kernelSize, channels / Groups, Filters]), KernelInitializer, KernelRegularizer, KernelConstraint);
        if (UseBias) Bias = AddWeight("bias", new Shape(Filters), BiasInitializer, BiasRegularizer, BiasConstraint);
        base.Build(inputShape);
    }

    /// <summary>Whether <see cref="ConvolutionOp"/> is the plain <see cref="Ops.Conv(Tensor, Tensor, ReadOnlySpan{int}, string, ReadOnlySpan{int})"/>,
    /// so the bias and a linear or ReLU activation can be fused into it.</summary>
    private protected virtual bool FusesEpilogue => true;

    /// <summary>The convolution itself (without bias and activation).</summary>
    private protected virtual Tensor ConvolutionOp(Tensor inputs, Tensor kernel) =>
        Ops.Conv(inputs, kernel, _strides, Padding, _dilationRate);

    /// <inheritdoc/>
    public override Tensor Call(Tensor inputs, bool training = false)
    {
        if (Kernel is null) throw new InvalidOperationException($"Layer '{Name}' ({ClassName}) is not built; call it through Apply, or Build it first.");
        ComputeOutputShape(inputs.Shape);
        if (FusesEpilogue && Activations.Fusable(_activation) is { } fused)
        {
            // Convolution, bias and ReLU in one kernel.
            var yf = Ops.Conv(inputs, Kernel.Value, _strides, Padding, _dilationRate, Bias is null ? default : Bias.Value, fused);
            if (ActivityRegularizer is not null) AddLoss(ActivityRegularizer.Call(yf));
            return yf;
        }
        var y = ConvolutionOp(inputs, Kernel.Value);
        return ConvOutput.Finish(y, Bias, _activation, ActivityRegularizer, ActivityRegularizer is null ? null : AddLoss);
    }

    /// <inheritdoc/>
    public override Shape ComputeOutputShape(Shape inputShape)
    {
        if (inputShape.Rank != Rank + 2)
            throw new ArgumentException($"Layer '{Name}' ({ClassName}) expects inputs of rank {Rank + 2} {ConvArgs.Description(Rank)}; received input shape {KerasTensor.ShapeText(inputShape)}.");
        Span<int> d = stackalloc int[Rank + 2];
        d[0] = inputShape[0];
        for (int i = 0; i < Rank; i++)
            d[i + 1] = ConvArgs.OutputSize(this, inputShape, inputShape[i + 1], _kernelSize[i], _strides[i], _dilationRate[i], Padding, "kernel");
        d[^1] = Filters;
        return Activations.OutputShape(_activation, new Shape(d));
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["filters"] = Filters;
        c["kernel_size"] = ConvArgs.Json(_kernelSize);
        c["strides"] = ConvArgs.Json(_strides);
        c["padding"] = Padding;
        c["data_format"] = DataFormat;
        c["dilation_rate"] = ConvArgs.Json(_dilationRate);
        c["groups"] = Groups;
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
}

/// <summary>The common tail of every convolution layer's call: bias, activation, activity regularization,
/// releasing intermediates at once when no tape needs them.</summary>
internal static class ConvOutput
{
    /// <summary>Whether a tape is recording on this thread (then intermediates must stay alive).</summary>
    public static bool Recording => GradientTape.Active is { IsRecording: true };

    /// <summary>Depthwise convolution with a (kh, kw, C, M) kernel as the grouped convolution it is (C
    /// groups, kernel viewed as (kh, kw, 1, C*M)). Ops.DepthwiseConv does the same but disposes its kernel
    /// view on return, which the tape still needs for the backward pass; here the view lives as long as a
    /// tape may read it.</summary>
    public static Tensor Depthwise(Tensor inputs, Tensor kernel, ReadOnlySpan<int> strides, string padding, ReadOnlySpan<int> dilation)
    {
        var ks = kernel.Shape;
        var view = Ops.Reshape(kernel, new Shape(ks[0], ks[1], 1, ks[2] * ks[3]));
        var y = Ops.Conv(inputs, view, strides, padding, dilation);
        if (!Recording) view.Dispose();
        return y;
    }

    /// <summary>y + bias, then the activation, then the activity penalty handed to <paramref name="addLoss"/>.</summary>
    public static Tensor Finish(Tensor y, Variable? bias, Func<Tensor, Tensor> activation, Regularizer? activityRegularizer, Action<Tensor>? addLoss)
    {
        bool recording = Recording;
        if (bias is not null)
        {
            var yb = Ops.Add(y, bias.Value);
            if (!recording) y.Dispose();
            y = yb;
        }
        var ya = activation(y);
        if (!recording && !ya.Equals(y)) y.Dispose();
        if (activityRegularizer is not null) addLoss!(activityRegularizer.Call(ya));
        return ya;
    }
}
