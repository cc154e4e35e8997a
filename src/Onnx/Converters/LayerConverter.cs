using KerasNet.Models;

namespace KerasNet.Onnx.Converters;

/// <summary>A value of the exported graph standing for a Keras tensor: its ONNX name, and the Keras tensor's
/// shape (unknown dimensions -1, channels last as in Keras) and dtype. Every value between layers is in the
/// Keras layout; converters that need another (NCHW convolutions) transpose in and back out.</summary>
/// <param name="Name">The ONNX value name.</param>
/// <param name="Shape">The Keras shape, batch axis first.</param>
/// <param name="DType">The element type.</param>
/// <param name="Mask">The value of the Keras mask that goes with this tensor (bool, batch and time axes; from
/// Embedding(mask_zero=True) or Masking), or null.</param>
internal sealed record OnnxValue(string Name, Shape Shape, DType DType, string? Mask = null)
{
    public int Rank => Shape.Rank;
}

/// <summary>Converts one call of a layer: from its input values to its output values.</summary>
internal delegate OnnxValue[] LayerConverter(ConversionContext context);

/// <summary>What a converter works with: the layer, its inputs, the output shapes Keras computes for them,
/// and the graph being built.</summary>
internal sealed class ConversionContext
{
    public ConversionContext(Layer layer, OnnxValue[] inputs, Shape[] outputShapes, GraphBuilder graph, Func<Layer, OnnxValue[], OnnxValue[]> convertSublayer)
    {
        Layer = layer;
        Inputs = inputs;
        OutputShapes = outputShapes;
        Graph = graph;
        ConvertSublayer = convertSublayer;
    }

    /// <summary>Converts a layer a wrapper applies (TimeDistributed's), nested models included.</summary>
    public Func<Layer, OnnxValue[], OnnxValue[]> ConvertSublayer { get; }

    public Layer Layer { get; }

    public OnnxValue[] Inputs { get; }

    /// <summary>The first (usually only) input.</summary>
    public OnnxValue Input => Inputs[0];

    public Shape[] OutputShapes { get; }

    public GraphBuilder Graph { get; }

    public int Opset => Graph.Opset;

    /// <summary>A float32 output value named <paramref name="name"/> with the shape of output <paramref name="index"/>.</summary>
    public OnnxValue Output(string name, int index = 0, DType dtype = DType.Float32, string? mask = null) =>
        new(name, OutputShapes[index], dtype, mask);

    /// <summary>Set by converters that give their outputs' masks themselves (layers that make or consume masks);
    /// otherwise the outputs get the input's mask when the layer supports masking, as Layer.ComputeMask does.</summary>
    public bool SetsMasks { get; set; }

    /// <summary>The error for something this layer does that ONNX export cannot express.</summary>
    public NotSupportedException Unsupported(string reason) => LayerConverters.Unsupported(Layer, reason);

    /// <summary>The float weights of a variable as a flat array.</summary>
    public static float[] Data(Variable v) => v.Value.ToArray<float>();
}
