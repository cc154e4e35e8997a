using System.Text.Json.Nodes;
using KerasNet.Saving;

namespace KerasNet.Models;

/// <summary>The entry point of a model: it declares the shape of one input (without the batch axis).
/// <c>Keras.Input(shape)</c> returns its symbolic output.</summary>
[KerasSerializable("InputLayer")]
public sealed class InputLayer : Layer
{
    /// <summary>An input of per-sample <paramref name="shape"/> (batch axis excluded), or of
    /// <paramref name="batchShape"/> (batch axis included, -1 for unknown).</summary>
    public InputLayer(int[]? shape = null, int[]? batchShape = null, DType dtype = DType.Float32, string? name = null)
        : base(name ?? UniqueName("input_layer"))
    {
        if (shape is null && batchShape is null) throw new ArgumentException("InputLayer needs a shape (or a batchShape).", nameof(shape));
        if (shape is not null && batchShape is not null) throw new ArgumentException("Give InputLayer either shape or batchShape, not both.", nameof(shape));
        BatchShape = batchShape is not null ? new Shape(batchShape) : new Shape([-1, .. shape!]);
        InputDType = dtype;
        Built = true;
        var t = new KerasTensor(BatchShape, dtype, this, 0, 0, Name);
        InboundNodes.Add(new Node(this, [], [t]));
    }

    /// <summary>The full input shape, batch axis first (-1 when unknown).</summary>
    public Shape BatchShape { get; }

    /// <summary>The input's dtype.</summary>
    public DType InputDType { get; }

    /// <inheritdoc/>
    protected override DType OutputDType => InputDType;

    /// <inheritdoc/>
    public override Tensor Call(Tensor inputs, bool training = false) => inputs;

    /// <inheritdoc/>
    public override Shape ComputeOutputShape(Shape inputShape) => inputShape;

    /// <inheritdoc/>
    public override JsonObject GetConfig() => new()
    {
        ["batch_shape"] = new JsonArray(BatchShape.ToArray().Select(d => d < 0 ? null : (JsonNode?)JsonValue.Create(d)).ToArray()),
        ["dtype"] = InputDType.KerasName(),
        ["sparse"] = false,
        ["name"] = Name,
    };

    /// <summary>Rebuilds from a Keras config.</summary>
    public static InputLayer FromConfig(JsonObject config)
    {
        var shape = (config["batch_shape"] ?? config["batch_input_shape"]) as JsonArray
            ?? throw new ArgumentException("An InputLayer config needs batch_shape.");
        var dims = shape.Select(n => n is null ? -1 : n.AsInt()).ToArray();
        return new InputLayer(batchShape: dims, dtype: DTypes.Parse(config.GetString("dtype", "float32")!), name: config.GetString("name", null));
    }
}

/// <summary>Entry points named as in Keras's top-level module.</summary>
public static partial class Keras
{
    /// <summary>A symbolic input of per-sample <paramref name="shape"/> (batch axis excluded), as keras.Input.</summary>
    public static KerasTensor Input(int[] shape, DType dtype = DType.Float32, string? name = null, int? batchSize = null)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var layer = batchSize is int b ? new InputLayer(batchShape: [b, .. shape], dtype: dtype, name: name) : new InputLayer(shape, dtype: dtype, name: name);
        return layer.Output;
    }

    /// <summary>Makes initialization, shuffling and dropout repeat bit for bit from run to run (keras.utils.set_random_seed).</summary>
    public static void SetRandomSeed(int seed) => SeedGenerator.SetGlobalSeed(seed);

    /// <summary>Resets automatic layer naming (keras.backend.clear_session).</summary>
    public static void ClearSession() => Layer.ClearSession();
}
