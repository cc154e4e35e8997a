using System.Text.Json.Nodes;
using KerasNet.Constraints;
using KerasNet.Initializers;
using KerasNet.Models;
using KerasNet.Regularizers;
using KerasNet.Saving;

namespace KerasNet.Layers;

/// <summary>Multi-head attention, as keras.layers.MultiHeadAttention (Vaswani et al., 2017). The query, key and
/// value are projected per head, the scaled dot products of queries and keys are softmaxed over the keys (with
/// masked positions excluded), the values are averaged with those weights, and the heads are projected back to
/// the output size.</summary>
/// <remarks>
/// <para>Weights, as Keras's EinsumDense sublayers: query/kernel (query_dim, heads, key_dim) and query/bias
/// (heads, key_dim); key/kernel (key_dim_in, heads, key_dim) and key/bias; value/kernel (value_dim_in, heads,
/// value_dim) and value/bias; attention_output/kernel (heads, value_dim, *output_shape) and attention_output/bias
/// (*output_shape). Without use_bias there are no biases.</para>
/// <para>Masks: the query's mask [B, T, 1], the value's mask [B, 1, S] (and the key's, when the key is a separate
/// input), the causal mask and the explicit attention mask [B, T, S] are combined with a logical and, as Keras does.
/// A query row with every key masked gets uniform weights (what Keras's float32 computation gives). The output's
/// mask is the query's mask.</para>
/// <para>Calling: eagerly with <see cref="Attend"/> (every argument of Keras's call), or in a functional graph on
/// [query, value], [query, value, key] or [query, value, key, attention_mask]; in a graph the call options
/// use_causal_mask and return_attention_scores come from <see cref="UseCausalMask"/> and
/// <see cref="ReturnAttentionScores"/> (the scores are then a second output, (batch, heads, T, S)).</para>
/// <para>Inputs of rank above 3 attend over all their inner axes (Keras's default attention_axes); other
/// attention_axes are not supported.</para>
/// </remarks>
[KerasSerializable("MultiHeadAttention")]
public sealed class MultiHeadAttention : Layer
{
    private readonly int[]? _outputShape;
    private readonly int[]? _attentionAxes;
    private Projection? _query;
    private Projection? _key;
    private Projection? _value;
    private Projection? _output;
    private int _queryRank;

    /// <summary>Creates the layer with Keras's arguments and defaults.</summary>
    /// <param name="numHeads">Number of attention heads.</param>
    /// <param name="keyDim">Size of each head for query and key.</param>
    /// <param name="valueDim">Size of each head for value (keyDim by default).</param>
    /// <param name="dropout">Dropout rate on the attention weights in training.</param>
    /// <param name="useBias">Whether the projections have biases.</param>
    /// <param name="outputShape">The output's shape besides the batch and sequence axes (the query's last
    /// dimension by default).</param>
    /// <param name="attentionAxes">Axes attended over; null (the default) is every axis but the batch and the
    /// features, the only setting supported.</param>
    /// <param name="kernelInitializer">Initializer of the projection kernels ("glorot_uniform" by default).</param>
    /// <param name="biasInitializer">Initializer of the projection biases ("zeros" by default).</param>
    /// <param name="kernelRegularizer">Regularizer of the kernels, or null.</param>
    /// <param name="biasRegularizer">Regularizer of the biases, or null.</param>
    /// <param name="activityRegularizer">Regularizer of each projection's output, or null.</param>
    /// <param name="kernelConstraint">Constraint of the kernels, or null.</param>
    /// <param name="biasConstraint">Constraint of the biases, or null.</param>
    /// <param name="seed">Seed of the dropout; null draws one from the global stream.</param>
    /// <param name="name">The layer's name (unique by default).</param>
    /// <param name="trainable">Whether the weights are trained.</param>
    public MultiHeadAttention(int numHeads, int keyDim, int? valueDim = null, float dropout = 0f, bool useBias = true,
        int[]? outputShape = null, int[]? attentionAxes = null, object? kernelInitializer = null, object? biasInitializer = null,
        object? kernelRegularizer = null, object? biasRegularizer = null, object? activityRegularizer = null,
        object? kernelConstraint = null, object? biasConstraint = null, long? seed = null, string? name = null, bool trainable = true)
        : base(name, trainable)
    {
        const string cls = "MultiHeadAttention";
        if (numHeads <= 0) throw new ArgumentOutOfRangeException(nameof(numHeads), numHeads, $"{cls}: num_heads must be positive.");
        if (keyDim <= 0) throw new ArgumentOutOfRangeException(nameof(keyDim), keyDim, $"{cls}: key_dim must be positive.");
        if (valueDim is <= 0) throw new ArgumentOutOfRangeException(nameof(valueDim), valueDim, $"{cls}: value_dim must be positive.");
        if (!(dropout >= 0f && dropout < 1f)) throw new ArgumentOutOfRangeException(nameof(dropout), dropout, $"{cls}: dropout must be in [0, 1).");
        if (outputShape is { Length: 0 } || outputShape?.Any(d => d <= 0) == true)
            throw new ArgumentException($"{cls}: invalid `output_shape` [{string.Join(", ", outputShape)}]; it should list positive sizes.", nameof(outputShape));
        NumHeads = numHeads;
        KeyDim = keyDim;
        ValueDim = valueDim ?? keyDim;
        Dropout = dropout;
        UseBias = useBias;
        _outputShape = outputShape is null ? null : [.. outputShape];
        _attentionAxes = attentionAxes is null ? null : [.. attentionAxes];
        KernelInitializer = LayerArgs.Initializer(kernelInitializer, "glorot_uniform", nameof(kernelInitializer), cls);
        BiasInitializer = LayerArgs.Initializer(biasInitializer, "zeros", nameof(biasInitializer), cls);
        KernelRegularizer = LayerArgs.Regularizer(kernelRegularizer, nameof(kernelRegularizer), cls);
        BiasRegularizer = LayerArgs.Regularizer(biasRegularizer, nameof(biasRegularizer), cls);
        ActivityRegularizer = LayerArgs.Regularizer(activityRegularizer, nameof(activityRegularizer), cls);
        KernelConstraint = LayerArgs.Constraint(kernelConstraint, nameof(kernelConstraint), cls);
        BiasConstraint = LayerArgs.Constraint(biasConstraint, nameof(biasConstraint), cls);
        Seed = seed;
        SeedGenerator = new SeedGenerator(seed ?? SeedGenerator.Global.NextSeed());
    }

    /// <summary>Number of heads.</summary>
    public int NumHeads { get; }

    /// <summary>Size of each head for query and key.</summary>
    public int KeyDim { get; }

    /// <summary>Size of each head for value.</summary>
    public int ValueDim { get; }

    /// <summary>Dropout rate on the attention weights.</summary>
    public float Dropout { get; }

    /// <summary>Whether the projections have biases.</summary>
    public bool UseBias { get; }

    /// <summary>The output's shape besides batch and sequence axes, or null for the query's last dimension.</summary>
    public IReadOnlyList<int>? OutputShape => _outputShape;

    /// <summary>The attention axes given at construction, or null (the default).</summary>
    public IReadOnlyList<int>? AttentionAxes => _attentionAxes;

    /// <summary>Initializer of the kernels.</summary>
    public Initializer KernelInitializer { get; }

    /// <summary>Initializer of the biases.</summary>
    public Initializer BiasInitializer { get; }

    /// <summary>Regularizer of the kernels, or null.</summary>
    public Regularizer? KernelRegularizer { get; }

    /// <summary>Regularizer of the biases, or null.</summary>
    public Regularizer? BiasRegularizer { get; }

    /// <summary>Regularizer of each projection's output, or null.</summary>
    public Regularizer? ActivityRegularizer { get; }

    /// <summary>Constraint of the kernels, or null.</summary>
    public Constraint? KernelConstraint { get; }

    /// <summary>Constraint of the biases, or null.</summary>
    public Constraint? BiasConstraint { get; }

    /// <summary>The seed given at construction (null: drawn from the global stream).</summary>
    public long? Seed { get; }

    /// <summary>The dropout's random stream.</summary>
    public SeedGenerator SeedGenerator { get; }

    /// <summary>Keras's call option use_causal_mask for calls in a functional graph (not part of the config).</summary>
    public bool UseCausalMask { get; init; }

    /// <summary>Keras's call option return_attention_scores for calls in a functional graph: the scores become a
    /// second output (not part of the config).</summary>
    public bool ReturnAttentionScores { get; init; }

    /// <summary>The output, and the attention scores with <see cref="ReturnAttentionScores"/>.</summary>
    public override int OutputCount => ReturnAttentionScores ? 2 : 1;

    /// <inheritdoc/>
    public override bool SupportsMasking => true;

    /// <inheritdoc/>
    public override bool HasTrainingBehaviour => Dropout > 0f;

    // ----- building -----

    /// <summary>Builds from [query, value] or [query, value, key] (an attention mask, fourth, needs no weights).</summary>
    public override void Build(IReadOnlyList<Shape> inputShapes)
    {
        ArgumentNullException.ThrowIfNull(inputShapes);
        CheckInputCount(inputShapes.Count);
        var query = inputShapes[0];
        var value = inputShapes[1];
        var key = inputShapes.Count > 2 ? inputShapes[2] : value;
        CheckShapes(query, value, key);
        _queryRank = query.Rank;
        _query = TrackLayer(NewProjection("query", query[-1], 1, [NumHeads, KeyDim]));
        _key = TrackLayer(NewProjection("key", key[-1], 1, [NumHeads, KeyDim]));
        _value = TrackLayer(NewProjection("value", value[-1], 1, [NumHeads, ValueDim]));
        _output = TrackLayer(NewProjection("attention_output", -1, 2, _outputShape ?? [query[-1]]));
        foreach (var w in Weights) w.Path = $"{Name}/{w.Path}";
        Built = true;
    }

    /// <summary>A single input is self-attention: query, value and key are the same.</summary>
    public override void Build(Shape inputShape) => Build([inputShape, inputShape]);

    private Projection NewProjection(string name, int inputDim, int boundDims, int[] tail)
    {
        // Keras clones the initializers for each sublayer, so that unseeded ones give each projection its own values.
        var k = KerasRegistry.Deserialize<Initializer>(KerasRegistry.Serialize(KernelInitializer, "keras.initializers"));
        var b = KerasRegistry.Deserialize<Initializer>(KerasRegistry.Serialize(BiasInitializer, "keras.initializers"));
        var inputDims = boundDims == 1 ? new[] { inputDim } : [NumHeads, ValueDim];
        return new Projection(name, inputDims, tail, UseBias, k, b, KernelRegularizer, BiasRegularizer, KernelConstraint, BiasConstraint);
    }

    private void CheckInputCount(int count)
    {
        if (count < 1 || count > 4)
            throw new ArgumentException($"Layer '{Name}' (MultiHeadAttention) takes [query, value], [query, value, key] or [query, value, key, attention_mask]; got {count} inputs.");
    }

    private void CheckShapes(Shape query, Shape value, Shape key)
    {
        if (query.Rank < 3 || value.Rank < 3 || key.Rank < 3)
            throw new ArgumentException($"Layer '{Name}' (MultiHeadAttention) is incompatible with its inputs: expected query, value and key of rank 3 or more " +
                $"(batch, sequence..., features), got query of rank {query.Rank} with shape {LayerArgs.Text(query)}, value of rank {value.Rank} with shape " +
                $"{LayerArgs.Text(value)} and key of rank {key.Rank} with shape {LayerArgs.Text(key)}.");
        if (query.Rank != value.Rank)
            throw new ArgumentException($"Layer '{Name}' (MultiHeadAttention): expected query and value of the same rank; got query {LayerArgs.Text(query)} and value {LayerArgs.Text(value)}.");
        bool same = key.Rank == value.Rank;
        for (int i = 1; same && i < value.Rank - 1; i++) same = value[i] < 0 || key[i] < 0 || value[i] == key[i];
        if (!same)
            throw new ArgumentException($"Layer '{Name}' (MultiHeadAttention): all dimensions of `value` and `key`, except the last one, must be equal. " +
                $"Received: value_shape={LayerArgs.Text(value)} and key_shape={LayerArgs.Text(key)}.");
        if (query[0] >= 0 && value[0] >= 0 && query[0] != value[0])
            throw new ArgumentException($"Layer '{Name}' (MultiHeadAttention): query and value have different batch sizes: {LayerArgs.Text(query)} and {LayerArgs.Text(value)}.");
        if (_attentionAxes is not null)
        {
            int projectedRank = query.Rank + 1;
            var axes = _attentionAxes.Select(a => a >= 0 ? a : projectedRank - 1 + a).Order().ToArray();
            var all = Enumerable.Range(1, query.Rank - 2).ToArray();
            if (!axes.SequenceEqual(all))
                throw new NotSupportedException($"Layer '{Name}' (MultiHeadAttention): attention_axes [{string.Join(", ", _attentionAxes)}] is not supported; " +
                    $"KerasNet attends over every axis between the batch and the features ([{string.Join(", ", all)}] for inputs of rank {query.Rank}), Keras's default.");
        }
        if (Built)
        {
            CheckFeatures("query", query, _query!.InputDims[0]);
            CheckFeatures("value", value, _value!.InputDims[0]);
            CheckFeatures("key", key, _key!.InputDims[0]);
            if (query.Rank != _queryRank)
                throw new ArgumentException($"Layer '{Name}' (MultiHeadAttention) was built for queries of rank {_queryRank}; got {LayerArgs.Text(query)}.");
        }
    }

    private void CheckFeatures(string what, Shape s, int expected)
    {
        if (s[-1] >= 0 && s[-1] != expected)
            throw new ArgumentException($"Layer '{Name}' (MultiHeadAttention) is incompatible with the {what}: expected its last axis to have value {expected} " +
                $"(what the layer was built for), but received {what} with shape {LayerArgs.Text(s)}.");
    }

    /// <inheritdoc/>
    public override Shape[] ComputeOutputShapes(IReadOnlyList<Shape> inputShapes)
    {
        ArgumentNullException.ThrowIfNull(inputShapes);
        CheckInputCount(inputShapes.Count);
        var query = inputShapes[0];
        var value = inputShapes.Count > 1 ? inputShapes[1] : query;
        var key = inputShapes.Count > 2 ? inputShapes[2] : value;
        CheckShapes(query, value, key);
        var tail = _outputShape ?? [query[-1]];
        var output = new Shape([.. query.Dims[..^1], .. tail]);
        if (!ReturnAttentionScores) return [output];
        var scores = new Shape([query[0], NumHeads, .. query.Dims[1..^1], .. value.Dims[1..^1]]);
        return [output, scores];
    }

    // ----- masks -----

    /// <summary>The query's mask.</summary>
    public override Tensor ComputeMask(Tensor inputs, Tensor mask) => mask;

    /// <summary>The query's mask for the output; none for the scores.</summary>
    public override void ComputeMasks(ReadOnlySpan<Tensor> inputs, ReadOnlySpan<Tensor> masks, Span<Tensor> outputMasks)
    {
        outputMasks.Clear();
        if (outputMasks.Length > 0 && masks.Length > 0) outputMasks[0] = masks[0];
    }

    // ----- calling -----

    /// <summary>Self-attention on a single input.</summary>
    public override Tensor Call(Tensor inputs, bool training = false) =>
        Run(inputs, inputs, default, default, default, default, default, UseCausalMask, training).Output;

    /// <summary>Self-attention with the input's mask.</summary>
    public override Tensor CallMasked(Tensor inputs, Tensor mask, bool training) =>
        Run(inputs, inputs, default, default, mask, mask, default, UseCausalMask, training).Output;

    /// <summary>Several inputs (see the multi-output call); returns the first output.</summary>
    public override Tensor Call(ReadOnlySpan<Tensor> inputs, bool training = false)
    {
        var outputs = new Tensor[OutputCount];
        Call(inputs, outputs, training);
        return outputs[0];
    }

    /// <summary>[query, value, key?, attention_mask?] to [output, scores?].</summary>
    public override void Call(ReadOnlySpan<Tensor> inputs, Span<Tensor> outputs, bool training) =>
        CallMasked(inputs, new Tensor[inputs.Length], outputs, training);

    /// <summary>As <see cref="Call(ReadOnlySpan{Tensor}, Span{Tensor}, bool)"/>, with the Keras masks of the
    /// query, value and key.</summary>
    public override void CallMasked(ReadOnlySpan<Tensor> inputs, ReadOnlySpan<Tensor> masks, Span<Tensor> outputs, bool training)
    {
        CheckInputCount(inputs.Length);
        var query = inputs[0];
        var value = inputs.Length > 1 ? inputs[1] : query;
        bool separateKey = inputs.Length > 2 && !inputs[2].Equals(value);
        var key = separateKey ? inputs[2] : default;
        var attentionMask = inputs.Length > 3 ? inputs[3] : default;
        var queryMask = masks.Length > 0 ? masks[0] : default;
        var valueMask = inputs.Length == 1 ? queryMask : masks.Length > 1 ? masks[1] : default;
        var keyMask = separateKey && masks.Length > 2 ? masks[2] : default;
        var (output, scores) = Run(query, value, key, attentionMask, queryMask, valueMask, keyMask, UseCausalMask, training);
        outputs[0] = output;
        if (ReturnAttentionScores) outputs[1] = scores;
    }

    /// <summary>Keras's <c>call</c>, eagerly (building the layer on first use): attends from
    /// <paramref name="query"/> (batch, T, dim) to <paramref name="value"/> (batch, S, dim) and returns the output
    /// (batch, T, output dims) and the attention scores (batch, heads, T, S).</summary>
    /// <param name="query">The query.</param>
    /// <param name="value">The value.</param>
    /// <param name="key">The key (the value when default).</param>
    /// <param name="attentionMask">A (batch, T, S) mask (bool, or nonzero numbers) of which keys each query may attend to, or default.</param>
    /// <param name="queryMask">The query's (batch, T) Keras mask, or default.</param>
    /// <param name="valueMask">The value's (batch, S) Keras mask, or default.</param>
    /// <param name="keyMask">The key's (batch, S) Keras mask, or default (ignored when the key is the value).</param>
    /// <param name="useCausalMask">Whether query i may only attend to keys j ≤ i.</param>
    /// <param name="training">Whether dropout applies to the attention weights.</param>
    public (Tensor Output, Tensor Scores) Attend(Tensor query, Tensor value, Tensor key = default, Tensor attentionMask = default,
        Tensor queryMask = default, Tensor valueMask = default, Tensor keyMask = default, bool useCausalMask = false, bool training = false)
    {
        if (!Built)
        {
            var shapes = new List<Shape> { query.Shape.With(0, -1), value.Shape.With(0, -1) };
            if (!key.IsNull) shapes.Add(key.Shape.With(0, -1));
            EnsureBuilt(shapes);
        }
        if (key.Equals(value)) key = default;
        return Run(query, value, key, attentionMask, queryMask, valueMask, key.IsNull ? default : keyMask, useCausalMask, training);
    }

    private (Tensor Output, Tensor Scores) Run(Tensor query, Tensor value, Tensor key, Tensor attentionMask, Tensor queryMask,
        Tensor valueMask, Tensor keyMask, bool useCausalMask, bool training)
    {
        var keyInput = key.IsNull ? value : key;
        CheckShapes(query.Shape, value.Shape, keyInput.Shape);
        var qs = query.Shape;
        var vs = value.Shape;
        int batch = qs[0];
        // Inputs of rank above 3 attend over all their inner axes: flatten those into one sequence axis.
        var qInner = qs.Dims[1..^1].ToArray();
        var vInner = vs.Dims[1..^1].ToArray();
        int t = Product(qInner), s = Product(vInner);
        var mask = CombinedMask(batch, t, s, qInner, vInner, attentionMask, queryMask, valueMask, keyMask, useCausalMask);

        var q = Heads(_query!.Project(Flat(query, t)));            // (B, N, T, K)
        var k = Heads(_key!.Project(Flat(keyInput, s)));            // (B, N, S, K)
        var v = Heads(_value!.Project(Flat(value, s)));             // (B, N, S, V)
        if (ActivityRegularizer is not null) { AddActivity(q); AddActivity(k); AddActivity(v); }
        q = Ops.Multiply(q, Ops.ScalarLike(q, 1.0 / Math.Sqrt(KeyDim)));
        var scores = Ops.MatMul(q, k, transposeB: true);          // (B, N, T, S)
        if (!mask.IsNull) scores = Ops.Where(mask, scores, Ops.ScalarLike(scores, -1e9));
        var probs = Ops.Softmax(scores, -1);
        var weights = training && Dropout > 0f ? Ops.Multiply(probs, RecurrentOps.DropoutMask(probs.Shape, Dropout, SeedGenerator)) : probs;
        var o = Ops.MatMul(weights, v);                              // (B, N, T, V)
        o = Ops.Reshape(Ops.Transpose(o, [0, 2, 1, 3]), new Shape(batch, t, NumHeads, ValueDim));
        var y = _output!.Project(o);                                   // (B, T, *out)
        if (ActivityRegularizer is not null) AddLoss(ActivityRegularizer.Call(y));
        var outTail = _outputShape ?? [qs[-1]];
        y = Ops.Reshape(y, new Shape([batch, .. qInner, .. outTail]));
        if (qInner.Length > 1 || vInner.Length > 1) probs = Ops.Reshape(probs, new Shape([batch, NumHeads, .. qInner, .. vInner]));
        return (y, probs);
    }

    private void AddActivity(Tensor projected) => AddLoss(ActivityRegularizer!.Call(projected));

    private static int Product(int[] dims)
    {
        int p = 1;
        foreach (var d in dims) p *= d;
        return p;
    }

    /// <summary>(B, ..., dim) to (B, n, dim).</summary>
    private static Tensor Flat(Tensor x, int n) => x.Rank == 3 ? x : Ops.Reshape(x, new Shape(x.Shape[0], n, x.Shape[-1]));

    /// <summary>(B, n, heads, size) to (B, heads, n, size).</summary>
    private static Tensor Heads(Tensor x) => Ops.Transpose(x, [0, 2, 1, 3]);

    /// <summary>The (B, 1, T, S) bool mask of allowed (query, key) pairs, or default when nothing is masked.</summary>
    private Tensor CombinedMask(int batch, int t, int s, int[] qInner, int[] vInner, Tensor attentionMask, Tensor queryMask,
        Tensor valueMask, Tensor keyMask, bool useCausalMask)
    {
        Tensor auto = default;
        Tensor And(Tensor a, Tensor b) => a.IsNull ? b : Ops.LogicalAnd(a, b);
        Tensor AsBool(Tensor m) => m.DType == DType.Bool ? m : Ops.Cast(m, DType.Bool);
        if (!queryMask.IsNull)
        {
            CheckMask("query", queryMask, batch, qInner);
            auto = Ops.Reshape(AsBool(queryMask), new Shape(batch, t, 1));
        }
        if (!valueMask.IsNull)
        {
            CheckMask("value", valueMask, batch, vInner);
            auto = And(auto, Ops.Reshape(AsBool(valueMask), new Shape(batch, 1, s)));
        }
        if (!keyMask.IsNull)
        {
            CheckMask("key", keyMask, batch, vInner);
            auto = And(auto, Ops.Reshape(AsBool(keyMask), new Shape(batch, 1, s)));
        }
        if (useCausalMask)
        {
            var lower = new bool[t * s];
            for (int i = 0; i < t; i++) for (int j = 0; j <= i && j < s; j++) lower[i * s + j] = true;
            auto = And(auto, Tensor.FromArray<bool>(lower, new Shape(1, t, s)));
        }
        if (!attentionMask.IsNull)
        {
            var am = AsBool(attentionMask);
            var ams = am.Shape;
            // (B, *Tq, *S) or a broadcastable shape without the batch axis, flattened to (B or 1, T, S).
            int inner = qInner.Length + vInner.Length;
            if (ams.Rank < inner || ams.Rank > inner + 1)
                throw new ArgumentException($"Layer '{Name}' (MultiHeadAttention): attention_mask of shape {ams} does not match queries {LayerArgs.Text(new Shape([batch, .. qInner]))} " +
                    $"and keys {LayerArgs.Text(new Shape([batch, .. vInner]))}; it should be (batch, T, S).");
            int b = ams.Rank == inner + 1 ? ams[0] : 1;
            var dims = ams.Dims[(ams.Rank - inner)..].ToArray();
            int mt = Product(dims[..qInner.Length]), ms = Product(dims[qInner.Length..]);
            am = Ops.Reshape(am, new Shape(b, mt, ms));
            auto = auto.IsNull ? am : Ops.LogicalAnd(am, auto);
        }
        return auto.IsNull ? default : Ops.ExpandDims(auto, 1);
    }

    private void CheckMask(string what, Tensor mask, int batch, int[] inner)
    {
        var expected = new Shape([batch, .. inner]);
        if (mask.Shape != expected)
            throw new ArgumentException($"Layer '{Name}' (MultiHeadAttention): the {what} mask has shape {mask.Shape}; expected {expected}.");
    }

    // ----- config -----

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["num_heads"] = NumHeads;
        c["key_dim"] = KeyDim;
        c["value_dim"] = ValueDim;
        c["dropout"] = Dropout;
        c["use_bias"] = UseBias;
        c["output_shape"] = LayerArgs.IntList(_outputShape);
        c["attention_axes"] = LayerArgs.IntList(_attentionAxes);
        c["kernel_initializer"] = LayerArgs.Serialize(KernelInitializer, "keras.initializers");
        c["bias_initializer"] = LayerArgs.Serialize(BiasInitializer, "keras.initializers");
        c["kernel_regularizer"] = LayerArgs.Serialize(KernelRegularizer, "keras.regularizers");
        c["bias_regularizer"] = LayerArgs.Serialize(BiasRegularizer, "keras.regularizers");
        c["activity_regularizer"] = LayerArgs.Serialize(ActivityRegularizer, "keras.regularizers");
        c["kernel_constraint"] = LayerArgs.Serialize(KernelConstraint, "keras.constraints");
        c["bias_constraint"] = LayerArgs.Serialize(BiasConstraint, "keras.constraints");
        c["seed"] = Seed;
        return c;
    }

    /// <summary>Rebuilds the layer from its Keras config.</summary>
    public static MultiHeadAttention FromConfig(JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var (name, trainable) = BaseConfig(config);
        const string cls = "MultiHeadAttention";
        int[]? IntsOrInt(string key) => config[key] switch
        {
            null => null,
            JsonArray a => a.Select(n => LayerArgs.ToInt(n!, key)).ToArray(),
            JsonNode n => [LayerArgs.ToInt(n, key)],
        };
        return new MultiHeadAttention(
            LayerArgs.RequiredInt(config, "num_heads", cls),
            LayerArgs.RequiredInt(config, "key_dim", cls),
            config.GetIntOrNull("value_dim"),
            config.GetFloat("dropout", 0f),
            config.GetBool("use_bias", true),
            IntsOrInt("output_shape"),
            IntsOrInt("attention_axes"),
            LayerArgs.Node(config, "kernel_initializer"),
            LayerArgs.Node(config, "bias_initializer"),
            LayerArgs.Node(config, "kernel_regularizer"),
            LayerArgs.Node(config, "bias_regularizer"),
            LayerArgs.Node(config, "activity_regularizer"),
            LayerArgs.Node(config, "kernel_constraint"),
            LayerArgs.Node(config, "bias_constraint"),
            config["seed"] is JsonNode sd ? LayerArgs.ToLong(sd, "seed") : null,
            name,
            trainable);
    }

    /// <summary>One of the four projections (Keras's EinsumDense sublayers): the last
    /// <see cref="InputDims"/>.Length axes of the input times a kernel of shape (*InputDims, *tail), plus a bias of
    /// shape tail, computed as one matrix product.</summary>
    private sealed class Projection : Layer
    {
        private readonly int[] _tail;
        private readonly bool _useBias;
        private Variable? _kernel;
        private Variable? _bias;

        public Projection(string name, int[] inputDims, int[] tail, bool useBias, Initializer kernelInitializer, Initializer biasInitializer,
            Regularizer? kernelRegularizer, Regularizer? biasRegularizer, Constraint? kernelConstraint, Constraint? biasConstraint)
            : base(name)
        {
            InputDims = inputDims;
            _tail = tail;
            _useBias = useBias;
            _kernel = AddWeight("kernel", new Shape([.. inputDims, .. tail]), kernelInitializer, kernelRegularizer, kernelConstraint);
            if (useBias) _bias = AddWeight("bias", new Shape(tail), biasInitializer, biasRegularizer, biasConstraint);
            Built = true;
        }

        public int[] InputDims { get; }

        public Tensor Project(Tensor x)
        {
            int inSize = Product(InputDims), outSize = Product(_tail);
            var s = x.Shape;
            int lead = s.Rank - InputDims.Length;
            int rows = 1;
            for (int i = 0; i < lead; i++) rows *= s[i];
            var y = Ops.MatMul(Ops.Reshape(x, new Shape(rows, inSize)), Ops.Reshape(_kernel!.Value, new Shape(inSize, outSize)));
            if (_useBias) y = Ops.Add(y, Ops.Reshape(_bias!.Value, new Shape(outSize)));
            return Ops.Reshape(y, new Shape([.. s.Dims[..lead], .. _tail]));
        }
    }
}
