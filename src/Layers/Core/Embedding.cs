using System.Text.Json.Nodes;
using KerasNet.Constraints;
using KerasNet.Initializers;
using KerasNet.Models;
using KerasNet.Regularizers;
using KerasNet.Saving;

namespace KerasNet.Layers;

/// <summary>Turns non-negative integer indices into dense vectors, as keras.layers.Embedding: an input of
/// shape (batch, ...) gives (batch, ..., output_dim). Integer inputs (int32, int64) are used as they are;
/// float inputs are cast to int32 (truncating), as Keras does.</summary>
/// <remarks>With <c>mask_zero</c> index 0 is padding: the layer's output mask is <c>inputs != 0</c>, which later
/// layers that use masks (recurrent layers, attention) receive through the functional graph.</remarks>
[KerasSerializable("Embedding")]
public sealed class Embedding : Layer
{
    private Variable? _embeddings;

    /// <summary>Creates the layer with Keras's arguments and defaults.</summary>
    /// <param name="inputDim">Size of the vocabulary: the largest index + 1.</param>
    /// <param name="outputDim">Size of each embedding vector.</param>
    /// <param name="embeddingsInitializer">An <see cref="Initializer"/> or name; "uniform" (uniform on [-0.05, 0.05)) by default.</param>
    /// <param name="embeddingsRegularizer">A <see cref="Regularizer"/> or name for the matrix, or null.</param>
    /// <param name="embeddingsConstraint">A <see cref="Constraint"/> or name for the matrix, or null.</param>
    /// <param name="maskZero">Whether index 0 is padding: the output mask is then <c>inputs != 0</c>.</param>
    /// <param name="weights">Initial values of the (inputDim, outputDim) matrix (any float array), or null.</param>
    /// <param name="activityRegularizer">A <see cref="Regularizer"/> or name applied to the output, or null.</param>
    /// <param name="name">The layer's name (unique by default).</param>
    /// <param name="trainable">Whether the embeddings are trained.</param>
    public Embedding(int inputDim, int outputDim, object? embeddingsInitializer = null, object? embeddingsRegularizer = null,
        object? embeddingsConstraint = null, bool maskZero = false, Array? weights = null, object? activityRegularizer = null,
        string? name = null, bool trainable = true)
        : base(name, trainable)
    {
        if (inputDim <= 0) throw new ArgumentOutOfRangeException(nameof(inputDim), inputDim, "Embedding needs a positive input_dim (the vocabulary size).");
        if (outputDim <= 0) throw new ArgumentOutOfRangeException(nameof(outputDim), outputDim, "Embedding needs a positive output_dim.");
        InputDim = inputDim;
        OutputDim = outputDim;
        EmbeddingsInitializer = LayerArgs.Initializer(embeddingsInitializer, "uniform", nameof(embeddingsInitializer), "Embedding");
        EmbeddingsRegularizer = LayerArgs.Regularizer(embeddingsRegularizer, nameof(embeddingsRegularizer), "Embedding");
        EmbeddingsConstraint = LayerArgs.Constraint(embeddingsConstraint, nameof(embeddingsConstraint), "Embedding");
        ActivityRegularizer = LayerArgs.Regularizer(activityRegularizer, nameof(activityRegularizer), "Embedding");
        MaskZero = maskZero;
        if (weights is not null)
        {
            EnsureWeights();
            SetWeights(weights);
        }
    }

    /// <summary>The vocabulary size.</summary>
    public int InputDim { get; }

    /// <summary>The embedding size.</summary>
    public int OutputDim { get; }

    /// <summary>The matrix's initializer.</summary>
    public Initializer EmbeddingsInitializer { get; }

    /// <summary>The matrix's regularizer, or null.</summary>
    public Regularizer? EmbeddingsRegularizer { get; }

    /// <summary>The matrix's constraint, or null.</summary>
    public Constraint? EmbeddingsConstraint { get; }

    /// <summary>The output's regularizer, or null.</summary>
    public Regularizer? ActivityRegularizer { get; }

    /// <summary>Whether index 0 is padding (masked in the output mask).</summary>
    public bool MaskZero { get; }

    /// <summary>The (input_dim, output_dim) matrix; available once built.</summary>
    public Variable Embeddings => _embeddings ?? throw new InvalidOperationException($"Layer '{Name}' is not built yet, so it has no embeddings. Call it on an input first.");

    private void EnsureWeights()
    {
        if (_embeddings is not null) return;
        _embeddings = AddWeight("embeddings", new Shape(InputDim, OutputDim), EmbeddingsInitializer, EmbeddingsRegularizer, EmbeddingsConstraint);
        Built = true;
    }

    /// <inheritdoc/>
    public override void Build(Shape inputShape)
    {
        EnsureWeights();
        Built = true;
    }

    /// <inheritdoc/>
    public override Tensor Call(Tensor inputs, bool training = false)
    {
        var indices = inputs.DType is DType.Int32 or DType.Int64 ? inputs : Ops.Cast(inputs, DType.Int32);
        Tensor y;
        try
        {
            y = Ops.Take(Embeddings.Value, indices, 0);
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new ArgumentException($"Layer '{Name}' (Embedding) has input_dim={InputDim}, so its indices must lie in [0, {InputDim}); " +
                $"the input of shape {inputs.Shape} holds one outside that range: {e.Message}", nameof(inputs), e);
        }
        if (ActivityRegularizer is not null) AddLoss(ActivityRegularizer.Call(y));
        return y;
    }

    /// <inheritdoc/>
    public override Shape ComputeOutputShape(Shape inputShape) => new([.. inputShape.Dims, OutputDim]);

    /// <summary>With <see cref="MaskZero"/>, masks are produced (and an incoming one is replaced).</summary>
    public override bool SupportsMasking => MaskZero;

    /// <summary><c>inputs != 0</c> with <see cref="MaskZero"/>, else no mask (Keras's compute_mask).</summary>
    public override Tensor ComputeMask(Tensor inputs, Tensor mask)
    {
        if (!MaskZero) return default;
        return Ops.NotEqual(inputs, Ops.ScalarLike(inputs, 0));
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["input_dim"] = InputDim;
        c["output_dim"] = OutputDim;
        c["embeddings_initializer"] = LayerArgs.Serialize(EmbeddingsInitializer, "keras.initializers");
        c["embeddings_regularizer"] = LayerArgs.Serialize(EmbeddingsRegularizer, "keras.regularizers");
        c["activity_regularizer"] = LayerArgs.Serialize(ActivityRegularizer, "keras.regularizers");
        c["embeddings_constraint"] = LayerArgs.Serialize(EmbeddingsConstraint, "keras.constraints");
        c["mask_zero"] = MaskZero;
        c["quantization_config"] = null;
        return c;
    }

    /// <summary>Rebuilds the layer from its Keras config.</summary>
    public static Embedding FromConfig(JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var (name, trainable) = BaseConfig(config);
        return new Embedding(
            LayerArgs.RequiredInt(config, "input_dim", "Embedding"),
            LayerArgs.RequiredInt(config, "output_dim", "Embedding"),
            embeddingsInitializer: LayerArgs.Node(config, "embeddings_initializer"),
            embeddingsRegularizer: LayerArgs.Node(config, "embeddings_regularizer"),
            embeddingsConstraint: LayerArgs.Node(config, "embeddings_constraint"),
            maskZero: config.GetBool("mask_zero", false),
            activityRegularizer: LayerArgs.Node(config, "activity_regularizer"),
            name: name,
            trainable: trainable);
    }
}
