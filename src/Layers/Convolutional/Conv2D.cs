using System.Text.Json.Nodes;
using KerasNet.Saving;

namespace KerasNet.Layers;

/// <summary>2-D convolution over (batch, height, width, channels) inputs, as keras.layers.Conv2D: kernel
/// (kh, kw, in_channels / groups, filters), output (batch, new_height, new_width, filters).</summary>
[KerasSerializable("Conv2D", "Convolution2D")]
public sealed class Conv2D : BaseConv
{
    /// <summary>A 2-D convolution with Keras's arguments and defaults. Size arguments take one value for
    /// both axes or one per axis ([3] or [3, 3]).</summary>
    /// <param name="filters">Number of output channels.</param>
    /// <param name="kernelSize">Window height and width.</param>
    /// <param name="strides">Step per axis (default 1); above 1 excludes a dilation above 1.</param>
    /// <param name="padding">"valid" (no padding) or "same" (TensorFlow's: output ceil(in / stride), extra padding at the bottom/right).</param>
    /// <param name="dataFormat">"channels_last" (the default and the only one supported).</param>
    /// <param name="dilationRate">Spacing of the kernel taps per axis (default 1).</param>
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
    /// <param name="name">Layer name (default conv2d, conv2d_1, ...).</param>
    /// <param name="trainable">Whether the weights are trained.</param>
    public Conv2D(int filters, int[] kernelSize, int[]? strides = null, string padding = "valid", string? dataFormat = null,
        int[]? dilationRate = null, int groups = 1, object? activation = null, bool useBias = true,
        object? kernelInitializer = null, object? biasInitializer = null, object? kernelRegularizer = null,
        object? biasRegularizer = null, object? activityRegularizer = null, object? kernelConstraint = null,
        object? biasConstraint = null, string? name = null, bool trainable = true)
        : base(2, filters, kernelSize, strides, padding, dataFormat, dilationRate, groups, activation, useBias,
            kernelInitializer, biasInitializer, kernelRegularizer, biasRegularizer, activityRegularizer,
            kernelConstraint, biasConstraint, name ?? UniqueName("conv2d"), trainable)
    {
    }

    /// <summary>Rebuilds the layer from its Keras config.</summary>
    public static Conv2D FromConfig(JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var (name, trainable) = BaseConfig(config);
        return new Conv2D(config.GetInt("filters", 0), config.GetInts("kernel_size") ?? throw new ArgumentException("A Conv2D config needs kernel_size."),
            config.GetInts("strides"), config.GetString("padding", "valid")!, config.GetString("data_format", null),
            config.GetInts("dilation_rate"), config.GetInt("groups", 1), config["activation"]?.DeepClone(),
            config.GetBool("use_bias", true), LayerArgs.Node(config, "kernel_initializer"), LayerArgs.Node(config, "bias_initializer"),
            LayerArgs.Node(config, "kernel_regularizer"), LayerArgs.Node(config, "bias_regularizer"),
            LayerArgs.Node(config, "activity_regularizer"), LayerArgs.Node(config, "kernel_constraint"),
            LayerArgs.Node(config, "bias_constraint"), name, trainable);
    }
}
