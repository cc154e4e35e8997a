namespace KerasNet.Layers;

/// <summary>The <c>activation</c> argument of a layer: Keras's name for it (what get_config writes) and the
/// function (null for "linear").</summary>
internal sealed class LayerActivation
{
    private LayerActivation(string name, Func<Tensor, Tensor>? fn)
    {
        Name = name;
        Function = fn;
    }

    /// <summary>Keras's serialized name ("linear" when none was given).</summary>
    public string Name { get; }

    /// <summary>The function, or null for the identity.</summary>
    public Func<Tensor, Tensor>? Function { get; }

    /// <summary>Applies the activation (the identity returns its input).</summary>
    public Tensor Apply(Tensor x) => Function is null ? x : Function(x);

    /// <summary>Keras's activations.get for a name (null means "linear").</summary>
    public static LayerActivation Get(string? name, Models.Layer layer)
    {
        string n = name ?? "linear";
        Func<Tensor, Tensor>? fn = n switch
        {
            "linear" => null,
            "relu" => Ops.Relu,
            "sigmoid" => Ops.Sigmoid,
            "tanh" => Ops.Tanh,
            "softmax" => x => Ops.Softmax(x, -1),
            "log_softmax" => x => Ops.LogSoftmax(x, -1),
            "elu" => x => Ops.Elu(x),
            "softplus" => Ops.Softplus,
            "exponential" => Ops.Exp,
            "leaky_relu" => x => Ops.LeakyRelu(x),
            _ => throw new ArgumentException($"Layer '{layer.Name}' ({layer.ClassName}): unknown activation '{n}'. Known: linear, relu, sigmoid, tanh, softmax, log_softmax, elu, softplus, exponential, leaky_relu.", nameof(name)),
        };
        return new LayerActivation(n, fn);
    }
}
