using System.Text.Json.Nodes;
using KerasNet.Saving;

namespace KerasNet.Layers;

/// <summary>1-D convolution over (batch, steps, channels) inputs, as keras.layers.Conv1D: kernel
/// (k, in_channels / groups, filters), output (batch, new_steps, filters). Besides "valid" and "same" it
/// accepts padding "causal": the input is padded on the left by dilation * (k - 1), so output t never
/// sees inputs after t.</summary>
[KerasSerializable("Conv1D", "Convolution1D")]
public sealed class Conv1D : BaseConv
{
    /// <summary>A 1-D convolution with Keras's arguments and defaults.</summary>
    /// <param name="filters">Number of output channels.</param>
    /// <param name="kernelSize">Window length ([k]).</param>
    /// <param name="strides">Step (default 1); above 1 excludes a dilation above 1.</param>
    /// <param name="padding">"valid", "same" or "causal".</param>
    /// <param name="dataFormat">"channels_last" (the default and the only one supported).</param>
    /// <param name="dilationRate">Spacing of the kernel taps (default 1).</param>
    /// <param name="groups">Input channels are split into this many groups, each convolved with filters / groups filters.</param>
    /// <param name="activation">A name ("relu"), a <c>Func&lt;Tensor, Tensor&gt;</c>, or null for none ("linear").</param>
    /// <param name="useBias">Whether to add a bias.</param>
    /// <param name="kernelInitializer">Initializer name, instance or config (default "glorot_uniform").</param>
    /// <param name="biasInitializer">Initializer name, instance or config (default "zeros").</param>
    /// <param name="kernelRegularizer">Penalty on the kernel, or null.</param>
    /// <param name="biasRegularizer">Penalty on the bias, or null.</param>
    /// <param name="activityRegularizer">Penalty on the output, or null.</param>
    /// <param name="kernelConstraint">Constraint on the kernel, or null.</param>
    /// <param name="biasConstraint">Constraint on the bias, or null.</param>
    /// <param name="name">Layer name (default conv1d, conv1d_1, ...).</param>
    /// <param name="trainable">Whether the weights are trained.</param>
    public Conv1D(int filters, int[] kernelSize, int[]? strides = null, string padding = "valid", string? dataFormat = null,
        int[]? dilationRate = null, int groups = 1, object? activation = null, bool useBias = true,
        object? kernelInitializer = null, object? biasInitializer = null, object? kernelRegularizer = null,
        object? biasRegularizer = null, object? activityRegularizer = null, object? kernelConstraint = null,
        object? biasConstraint = null, string? name = null, bool trainable = true)
        : base(1, filters, kernelSize, strides, padding, dataFormat, dilationRate, groups, activation, useBias,
            kernelInitializer, biasInitializer, kernelRegularizer, biasRegularizer, activityRegularizer,
            kernelConstraint, biasConstraint, name ?? UniqueName("conv1d"), trainable)
    {
    }

    private protected override bool FusesEpilogue => Padding != "causal";

    private protected override Tensor ConvolutionOp(Tensor inputs, Tensor kernel)
    {
        if (Padding != "causal") return base.ConvolutionOp(inputs, kernel);
        int left = DilationRate[0] * (KernelSize[0] - 1);
        if (left == 0) return Ops.Conv(inputs, kernel, [Strides[0]], "valid", [DilationRate[0]]);
        var padded = Ops.Pad(inputs, [0, left, 0], [0, 0, 0]);
        var y = Ops.Conv(padded, kernel, [Strides[0]], "valid", [DilationRate[0]]);
        if (!ConvOutput.Recording) padded.Dispose();
        return y;
    }

    /// <summary>Rebuilds the layer from its Keras config.</summary>
    public static Conv1D FromConfig(JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var (name, trainable) = BaseConfig(config);
        return new Conv1D(config.GetInt("filters", 0), config.GetInts("kernel_size") ?? throw new ArgumentException("A Conv1D config needs kernel_size."),
            config.GetInts("strides"), config.GetString("padding", "valid")!, config.GetString("data_format", null),
            config.GetInts("dilation_rate"), config.GetInt("groups", 1), config["activation"]?.DeepClone(),
            config.GetBool("use_bias", true), LayerArgs.Node(config, "kernel_initializer"), LayerArgs.Node(config, "bias_initializer"),
            LayerArgs.Node(config, "kernel_regularizer"), LayerArgs.Node(config, "bias_regularizer"),
            LayerArgs.Node(config, "activity_regularizer"), LayerArgs.Node(config, "kernel_constraint"),
            LayerArgs.Node(config, "bias_constraint"), name, trainable);
    }
}
