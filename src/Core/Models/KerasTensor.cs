namespace KerasNet.Models;

/// <summary>A symbolic tensor of the functional API: a shape (batch and other unknown dimensions are -1,
/// printed as None), a dtype, and the layer call that produced it. <c>Keras.Input</c> makes one;
/// <c>layer.Apply(kerasTensor)</c> makes more; <c>new Model(inputs, outputs)</c> turns the graph between
/// them into a model.</summary>
public sealed class KerasTensor
{
    private static int s_ids;

    internal KerasTensor(Shape shape, DType dtype, Layer? producer, int nodeIndex, int outputIndex, string? name = null)
    {
        Shape = shape;
        DType = dtype;
        Producer = producer;
        NodeIndex = nodeIndex;
        OutputIndex = outputIndex;
        Id = Interlocked.Increment(ref s_ids);
        Name = name ?? $"keras_tensor_{Id}";
    }

    /// <summary>The shape; -1 marks an unknown dimension (None).</summary>
    public Shape Shape { get; }

    /// <summary>The dtype.</summary>
    public DType DType { get; }

    /// <summary>The name.</summary>
    public string Name { get; }

    internal int Id { get; }

    /// <summary>The layer whose call produced this tensor.</summary>
    public Layer? Producer { get; }

    internal int NodeIndex { get; }

    internal int OutputIndex { get; }

    /// <summary>"&lt;KerasTensor shape=(None, 784), dtype=float32, name=input_layer&gt;"</summary>
    public override string ToString() => $"<KerasTensor shape={ShapeText(Shape)}, dtype={DType.KerasName()}, name={Name}>";

    /// <summary>A shape as Keras prints it: "(None, 28, 28, 1)".</summary>
    public static string ShapeText(Shape s)
    {
        var parts = new string[s.Rank];
        for (int i = 0; i < s.Rank; i++) parts[i] = s[i] < 0 ? "None" : s[i].ToString(System.Globalization.CultureInfo.InvariantCulture);
        return s.Rank == 1 ? $"({parts[0]},)" : $"({string.Join(", ", parts)})";
    }
}

/// <summary>One call of a layer in a functional graph: which symbolic tensors went in and came out.</summary>
internal sealed class Node
{
    public Node(Layer layer, KerasTensor[] inputs, KerasTensor[] outputs)
    {
        Layer = layer;
        Inputs = inputs;
        Outputs = outputs;
    }

    public Layer Layer { get; }

    public KerasTensor[] Inputs { get; }

    public KerasTensor[] Outputs { get; set; }
}
