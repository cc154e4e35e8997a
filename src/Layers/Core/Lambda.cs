using System.Text.Json.Nodes;
using KerasNet.Models;
using KerasNet.Saving;

namespace KerasNet.Layers;

/// <summary>Wraps a C# function of one tensor as a layer, as keras.layers.Lambda. The function must be
/// written with <see cref="Ops"/> (so that gradients flow) and must not create weights. The output shape
/// comes from the optional outputShape function when given, otherwise from tracing the function on zeros.</summary>
/// <remarks>A Lambda's config records the function's name only: a model containing one can be described
/// (<see cref="GetConfig"/>) but not rebuilt from its config; re-create the layer in code instead.</remarks>
[KerasSerializable("Lambda")]
public sealed class Lambda : Layer
{
    private readonly Func<Tensor, Tensor> _function;
    private readonly Func<Shape, Shape>? _outputShape;

    /// <summary>Creates the layer.</summary>
    /// <param name="function">The computation, from the input tensor to the output tensor.</param>
    /// <param name="outputShape">Optional: the output shape for an input shape (batch axis -1); by default
    /// the function is traced on zeros.</param>
    /// <param name="name">The layer's name (unique by default).</param>
    /// <param name="trainable">Kept for Keras compatibility (the layer has no weights).</param>
    public Lambda(Func<Tensor, Tensor> function, Func<Shape, Shape>? outputShape = null, string? name = null, bool trainable = true)
        : base(name, trainable)
    {
        ArgumentNullException.ThrowIfNull(function);
        _function = function;
        _outputShape = outputShape;
    }

    /// <summary>The wrapped function.</summary>
    public Func<Tensor, Tensor> Function => _function;

    /// <inheritdoc/>
    public override Tensor Call(Tensor inputs, bool training = false) => _function(inputs);

    /// <inheritdoc/>
    public override Shape[] ComputeOutputShapes(IReadOnlyList<Shape> inputShapes)
    {
        ArgumentNullException.ThrowIfNull(inputShapes);
        if (_outputShape is not null && inputShapes.Count == 1) return [_outputShape(inputShapes[0])];
        return base.ComputeOutputShapes(inputShapes);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        var method = _function.Method;
        c["function"] = new JsonObject
        {
            ["class_name"] = "__lambda__",
            ["config"] = new JsonObject
            {
                ["code"] = $"{method.DeclaringType?.FullName}.{method.Name}",
                ["language"] = "C#",
                ["serializable"] = false,
            },
        };
        c["function_type"] = "lambda";
        c["arguments"] = new JsonObject();
        c["output_shape"] = null;
        c["output_shape_type"] = "raw";
        return c;
    }

    /// <summary>Always fails: a C# delegate cannot be rebuilt from a config.</summary>
    public static Lambda FromConfig(JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        string name = config.GetString("name", null) ?? "lambda";
        string code = (config["function"] as JsonObject)?["config"] is JsonObject f && f["code"] is JsonValue v ? v.ToString() : "an unknown function";
        throw new NotSupportedException($"Lambda layer '{name}' wraps a C# function ({code}), which cannot be deserialized from a config. " +
            "Re-create the layer in code with the same function (new Lambda(x => ...)), or write a Layer subclass with FromConfig.");
    }
}
