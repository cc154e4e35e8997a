using System.Text.Json.Nodes;
using KerasNet.Models;
using KerasNet.Saving;

namespace KerasNet.Layers;

/// <summary>Dot-product (Luong-style) attention, as keras.layers.Attention: on [query (batch, Tq, dim), value
/// (batch, Tv, dim), key (optional, the value by default)], scores <c>query @ keyᵀ</c> (times a trainable
/// "scale" with use_scale), or with score_mode "concat" <c>concat_score_weight · Σ tanh(scale·(q + k))</c>, are
/// softmaxed over the keys and average the values: the output is (batch, Tq, value dim).</summary>
/// <remarks>Masks [query_mask, value_mask] come from the graph (or <see cref="Attend"/>): value positions where
/// the mask is false are pushed down by 1e9 before the softmax, as Keras does, and output rows of masked queries
/// are zero; the output's mask is the query's. In a graph the call options use_causal_mask and
/// return_attention_scores come from <see cref="UseCausalMask"/> and <see cref="ReturnAttentionScores"/>.</remarks>
[KerasSerializable("Attention")]
public sealed class Attention : Layer
{
    private Variable? _scale;
    private Variable? _concatScoreWeight;

    /// <summary>Creates the layer with Keras's arguments and defaults.</summary>
    /// <param name="useScale">Whether to learn a scalar that scales the scores.</param>
    /// <param name="scoreMode">"dot" (default) or "concat".</param>
    /// <param name="dropout">Dropout rate on the attention weights in training.</param>
    /// <param name="seed">Seed of the dropout; null draws one from the global stream.</param>
    /// <param name="name">The layer's name (unique by default).</param>
    /// <param name="trainable">Whether the weights are trained.</param>
    public Attention(bool useScale = false, string scoreMode = "dot", float dropout = 0f, long? seed = null, string? name = null, bool trainable = true)
        : base(name, trainable)
    {
        if (scoreMode is not ("dot" or "concat"))
            throw new ArgumentException($"Layer '{Name}' (Attention): invalid value for argument score_mode. Expected one of {{'dot', 'concat'}}. Received: score_mode={scoreMode}", nameof(scoreMode));
        if (!(dropout >= 0f && dropout < 1f)) throw new ArgumentOutOfRangeException(nameof(dropout), dropout, $"Layer '{Name}' (Attention): dropout must be in [0, 1).");
        UseScale = useScale;
        ScoreMode = scoreMode;
        Dropout = dropout;
        SeedGenerator = new SeedGenerator(seed ?? SeedGenerator.Global.NextSeed());
    }

    /// <summary>Whether the scores are scaled by a learned scalar.</summary>
    public bool UseScale { get; }

    /// <summary>"dot" or "concat".</summary>
    public string ScoreMode { get; }

    /// <summary>Dropout rate on the attention weights.</summary>
    public float Dropout { get; }

    /// <summary>The dropout's random stream.</summary>
    public SeedGenerator SeedGenerator { get; }

    /// <summary>Keras's call option use_causal_mask for calls in a functional graph (not part of the config).</summary>
    public bool UseCausalMask { get; init; }

    /// <summary>Keras's call option return_attention_scores for calls in a functional graph (not part of the config).</summary>
    public bool ReturnAttentionScores { get; init; }

    /// <inheritdoc/>
    public override int OutputCount => ReturnAttentionScores ? 2 : 1;

    /// <inheritdoc/>
    public override bool SupportsMasking => true;

    /// <inheritdoc/>
    public override bool HasTrainingBehaviour => Dropout > 0f;

    /// <summary>Creates "scale" (with use_scale) and "concat_score_weight" (with score_mode "concat"), scalars starting at 1.</summary>
    public override void Build(IReadOnlyList<Shape> inputShapes)
    {
        ArgumentNullException.ThrowIfNull(inputShapes);
        CheckInputs(inputShapes);
        var ones = KerasRegistry.Get<Initializers.Initializer>("ones");
        if (UseScale) _scale = AddWeight("scale", Shape.Scalar, ones);
        if (ScoreMode == "concat") _concatScoreWeight = AddWeight("concat_score_weight", Shape.Scalar, ones);
        Built = true;
    }

    /// <summary>A single input cannot be attended over.</summary>
    public override void Build(Shape inputShape) => Build([inputShape]);

    private void CheckInputs(IReadOnlyList<Shape> shapes)
    {
        if (shapes.Count is < 2 or > 3)
            throw new ArgumentException($"Layer '{Name}' (Attention) accepts inputs list of length 2 or 3, namely [query, value] or [query, value, key]. Received length: {shapes.Count}.");
        var q = shapes[0];
        var v = shapes[1];
        var k = shapes.Count > 2 ? shapes[2] : v;
        if (q.Rank != 3 || v.Rank != 3 || k.Rank != 3)
            throw new ArgumentException($"Layer '{Name}' (Attention) is incompatible with its inputs: expected query, value and key of rank 3, (batch, steps, dim); " +
                $"got {LayerArgs.Text(q)}, {LayerArgs.Text(v)} and {LayerArgs.Text(k)}.");
        if (q[-1] >= 0 && k[-1] >= 0 && q[-1] != k[-1])
            throw new ArgumentException($"Layer '{Name}' (Attention): the query's last dimension ({q[-1]}) must equal the key's ({k[-1]}); got query {LayerArgs.Text(q)} and key {LayerArgs.Text(k)}.");
        if (v[1] >= 0 && k[1] >= 0 && v[1] != k[1])
            throw new ArgumentException($"Layer '{Name}' (Attention): value and key must have the same number of steps; got value {LayerArgs.Text(v)} and key {LayerArgs.Text(k)}.");
    }

    /// <inheritdoc/>
    public override Shape[] ComputeOutputShapes(IReadOnlyList<Shape> inputShapes)
    {
        ArgumentNullException.ThrowIfNull(inputShapes);
        CheckInputs(inputShapes);
        var q = inputShapes[0];
        var v = inputShapes[1];
        var output = new Shape(q[0], q[1], v[2]);
        return ReturnAttentionScores ? [output, new Shape(q[0], q[1], v[1])] : [output];
    }

    /// <summary>The query's mask.</summary>
    public override void ComputeMasks(ReadOnlySpan<Tensor> inputs, ReadOnlySpan<Tensor> masks, Span<Tensor> outputMasks)
    {
        outputMasks.Clear();
        if (outputMasks.Length > 0 && masks.Length > 0) outputMasks[0] = masks[0];
    }

    /// <inheritdoc/>
    public override Tensor Call(ReadOnlySpan<Tensor> inputs, bool training = false)
    {
        var outputs = new Tensor[OutputCount];
        Call(inputs, outputs, training);
        return outputs[0];
    }

    /// <inheritdoc/>
    public override void Call(ReadOnlySpan<Tensor> inputs, Span<Tensor> outputs, bool training) =>
        CallMasked(inputs, new Tensor[inputs.Length], outputs, training);

    /// <inheritdoc/>
    public override void CallMasked(ReadOnlySpan<Tensor> inputs, ReadOnlySpan<Tensor> masks, Span<Tensor> outputs, bool training)
    {
        CheckInputs(inputs.ToArray().Select(t => t.Shape).ToArray());
        var (output, scores) = Run(inputs[0], inputs[1], inputs.Length > 2 ? inputs[2] : inputs[1],
            masks.Length > 0 ? masks[0] : default, masks.Length > 1 ? masks[1] : default, UseCausalMask, training);
        outputs[0] = output;
        if (ReturnAttentionScores) outputs[1] = scores;
    }

    /// <summary>Keras's call, eagerly (building the layer on first use); returns the output and the attention
    /// weights (batch, Tq, Tv).</summary>
    /// <param name="query">The query, (batch, Tq, dim).</param>
    /// <param name="value">The value, (batch, Tv, dim_v).</param>
    /// <param name="key">The key (the value when default).</param>
    /// <param name="queryMask">The query's (batch, Tq) mask, or default.</param>
    /// <param name="valueMask">The value's (batch, Tv) mask, or default.</param>
    /// <param name="useCausalMask">Whether position i may only attend to positions j ≤ i.</param>
    /// <param name="training">Whether dropout applies.</param>
    public (Tensor Output, Tensor Scores) Attend(Tensor query, Tensor value, Tensor key = default, Tensor queryMask = default,
        Tensor valueMask = default, bool useCausalMask = false, bool training = false)
    {
        if (key.IsNull) key = value;
        var shapes = new[] { query.Shape, value.Shape, key.Shape };
        CheckInputs(shapes);
        if (!Built) EnsureBuilt(shapes.Select(s => s.With(0, -1)).ToArray());
        return Run(query, value, key, queryMask, valueMask, useCausalMask, training);
    }

    private (Tensor Output, Tensor Scores) Run(Tensor q, Tensor v, Tensor k, Tensor qMask, Tensor vMask, bool causal, bool training)
    {
        Tensor scores;
        if (ScoreMode == "dot")
        {
            scores = Ops.MatMul(q, k, transposeB: true);
            if (_scale is not null) scores = Ops.Multiply(scores, _scale.Value);
        }
        else
        {
            var sum = Ops.Add(Ops.ExpandDims(q, -2), Ops.ExpandDims(k, -3));
            if (_scale is not null) sum = Ops.Multiply(_scale.Value, sum);
            scores = Ops.Multiply(_concatScoreWeight!.Value, Ops.Sum(Ops.Tanh(sum), -1));
        }
        Tensor scoresMask = default;
        if (!vMask.IsNull) scoresMask = Ops.ExpandDims(vMask.DType == DType.Bool ? vMask : Ops.Cast(vMask, DType.Bool), -2);
        if (causal)
        {
            int tq = scores.Shape[1], tv = scores.Shape[2];
            var lower = new bool[tq * tv];
            for (int i = 0; i < tq; i++) for (int j = 0; j <= i && j < tv; j++) lower[i * tv + j] = true;
            var cm = Tensor.FromArray<bool>(lower, new Shape(1, tq, tv));
            scoresMask = scoresMask.IsNull ? cm : Ops.LogicalAnd(scoresMask, cm);
        }
        if (!scoresMask.IsNull)
        {
            // As Keras: scores -= 1e9 · (not mask).
            var padding = Ops.Cast(Ops.LogicalNot(scoresMask), DType.Float32);
            scores = Ops.Subtract(scores, Ops.Multiply(padding, Ops.ScalarLike(scores, 1e9)));
        }
        var weights = Ops.Softmax(scores, -1);
        var used = training && Dropout > 0f ? Ops.Multiply(weights, RecurrentOps.DropoutMask(weights.Shape, Dropout, SeedGenerator)) : weights;
        var result = Ops.MatMul(used, v);
        if (!qMask.IsNull)
        {
            var m = Ops.Cast(qMask.DType == DType.Bool ? qMask : Ops.Cast(qMask, DType.Bool), DType.Float32);
            result = Ops.Multiply(result, Ops.ExpandDims(m, -1));
        }
        return (result, weights);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["use_scale"] = UseScale;
        c["score_mode"] = ScoreMode;
        c["dropout"] = Dropout;
        return c;
    }

    /// <summary>Rebuilds the layer from its Keras config (which, as Keras's, has no seed).</summary>
    public static Attention FromConfig(JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var (name, trainable) = BaseConfig(config);
        return new Attention(config.GetBool("use_scale", false), config.GetString("score_mode", "dot") ?? "dot",
            config.GetFloat("dropout", 0f), null, name, trainable);
    }
}
