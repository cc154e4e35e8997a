using KerasNet.Layers;
using KerasNet.Models;

namespace KerasNet.Onnx.Converters;

/// <summary>The converter of each exportable layer class, by exact type.</summary>
internal static partial class LayerConverters
{
    private static readonly Dictionary<Type, LayerConverter> Registry = Build();

    private static Dictionary<Type, LayerConverter> Build()
    {
        var r = new Dictionary<Type, LayerConverter>();
        RegisterCore(r);
        RegisterActivations(r);
        RegisterMerging(r);
        RegisterNormalization(r);
        RegisterConvolutional(r);
        RegisterRecurrent(r);
        RegisterAttention(r);
        return r;
    }

    /// <summary>The converter for <paramref name="layer"/>, or an error that names the layer and says why not.</summary>
    public static LayerConverter For(Layer layer)
    {
        if (Registry.TryGetValue(layer.GetType(), out var c)) return c;
        if (layer is Lambda lambda)
        {
            var m = lambda.Function.Method;
            throw Unsupported(layer, $"it wraps a C# function ({m.DeclaringType?.Name}.{m.Name}), which has no ONNX form; " +
                "replace it with built-in layers, or with a custom layer the exporter knows.");
        }
        throw Unsupported(layer, $"no ONNX conversion is defined for {layer.ClassName} layers.");
    }

    /// <summary>"Layer 'x' (Lambda) cannot be exported to ONNX: reason"</summary>
    public static NotSupportedException Unsupported(Layer layer, string reason) =>
        new($"Layer '{layer.Name}' ({layer.ClassName}) cannot be exported to ONNX: {reason}");

    /// <summary>A layer whose inference output is its input (dropout and noise layers, Identity, ActivityRegularization).</summary>
    private static OnnxValue[] PassThrough(ConversionContext c) => [c.Input];
}
