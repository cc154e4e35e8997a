using KerasNet.Layers;
using KerasNet.Models;
using Xunit;
using static KerasNet.Tests.Onnx.OnnxAssert;

namespace KerasNet.Tests.Onnx;

/// <summary>MultiHeadAttention exported from primitives (MatMul, Reshape, Transpose, Softmax), with its masks.</summary>
public class OnnxAttentionExportTests
{
    private static void RandomizeBiases(Model model)
    {
        var rng = new Random(7);
        foreach (var w in model.Weights.Where(w => w.Name.Contains("bias")))
        {
            var data = new float[w.Shape.Size];
            for (int i = 0; i < data.Length; i++) data[i] = (float)(rng.NextDouble() - 0.5);
            w.Assign(Tensor.FromArray<float>(data, w.Shape));
        }
    }

    [OnnxFact]
    public void SelfAttentionBlock()
    {
        var x = Keras.Input([5, 8], name: "x");
        var attended = new MultiHeadAttention(numHeads: 2, keyDim: 4).Apply(x, x);
        var h = new LayerNormalization().Apply(new Add().Apply(x, attended));
        var y = new Dense(3).Apply(new GlobalAveragePooling1D().Apply(h));
        var model = new Model(x, y, name: "transformer_block");
        RandomizeBiases(model);
        MatchesPredict(model, [Normal(50, 3, 5, 8)]);
    }

    [OnnxFact]
    public void CrossAttentionWithKeyValueDimsOutputShapeAndScores()
    {
        var q = Keras.Input([4, 6], name: "query");
        var v = Keras.Input([7, 5], name: "value");
        var k = Keras.Input([7, 3], name: "key");
        var mha = new MultiHeadAttention(numHeads: 3, keyDim: 2, valueDim: 4, outputShape: [2, 5]) { ReturnAttentionScores = true };
        var outs = mha.ApplyMulti(q, v, k);
        var plain = new MultiHeadAttention(numHeads: 2, keyDim: 3, useBias: false).Apply(q, v);
        var model = new Model([q, v, k], [outs[0], outs[1], plain], name: "cross_attention");
        RandomizeBiases(model);
        MatchesPredict(model, [Normal(51, 2, 4, 6), Normal(52, 2, 7, 5), Normal(53, 2, 7, 3)]);
    }

    [OnnxFact]
    public void CausalMaskWithUnknownLengthAndAnAttentionMaskInput()
    {
        var x = Keras.Input([-1, 4], name: "x");
        var causal = new MultiHeadAttention(numHeads: 2, keyDim: 3) { UseCausalMask = true }.Apply(x, x);
        var model = new Model(x, causal, name: "causal");
        RandomizeBiases(model);
        MatchesPredict(model, [Normal(54, 2, 6, 4)]);
        MatchesPredict(model, [Normal(55, 1, 3, 4)]);

        var q = Keras.Input([3, 4], name: "q");
        var m = Keras.Input([3, 5], name: "attention_mask");
        var v = Keras.Input([5, 4], name: "v");
        var masked = new MultiHeadAttention(numHeads: 2, keyDim: 2).Apply(q, v, v, m);
        var maskModel = new Model([q, v, m], [masked], name: "attention_mask");
        var bits = new float[2 * 3 * 5];
        var rng = new Random(56);
        for (int i = 0; i < bits.Length; i++) bits[i] = i % 5 == 0 || rng.Next(3) > 0 ? 1f : 0f; // every query keeps one key
        MatchesPredict(maskModel, [Normal(57, 2, 3, 4), Normal(58, 2, 5, 4), Tensor.FromArray(bits, 2, 3, 5)]);
    }

    [OnnxFact]
    public void PaddingMaskFromEmbeddingAndRank4Inputs()
    {
        var ids = Keras.Input([6], dtype: DType.Int32, name: "tokens");
        var e = new Embedding(10, 8, maskZero: true).Apply(ids);
        var attended = new MultiHeadAttention(numHeads: 2, keyDim: 4).Apply(e, e);
        var grid = Keras.Input([2, 3, 4], name: "grid");
        var g = new MultiHeadAttention(numHeads: 2, keyDim: 2) { ReturnAttentionScores = true }.ApplyMulti(grid, grid);
        var model = new Model([ids, grid], [attended, g[0], g[1]], name: "masked_attention");
        RandomizeBiases(model);
        var tokens = Tensor.FromArray(new[] { 3, 1, 4, 1, 0, 0, 0, 2, 7, 1, 8, 2 }, 2, 6);
        MatchesPredict(model, [tokens, Normal(59, 2, 2, 3, 4)]);
    }

    [OnnxFact]
    public void LuongAttentionScoresMasksAndScale()
    {
        var ids = Keras.Input([6], dtype: DType.Int32, name: "tokens");
        var e = new Embedding(10, 4, maskZero: true).Apply(ids);
        var dot = new Attention(useScale: true) { UseCausalMask = true }.Apply(e, e);
        var q = Keras.Input([3, 4], name: "q");
        var v = Keras.Input([5, 2], name: "v");
        var k = Keras.Input([5, 4], name: "k");
        var concat = new Attention(useScale: true, scoreMode: "concat") { ReturnAttentionScores = true }.ApplyMulti(q, v, k);
        var plain = new Attention().Apply(q, k);
        var model = new Model([ids, q, v, k], [dot, concat[0], concat[1], plain], name: "luong");
        // Scale and concat weight away from their initial ones.
        foreach (var w in model.Layers.OfType<Attention>().SelectMany(l => l.Weights)) w.Assign(Tensor.FromArray<float>([0.7f], Shape.Scalar));
        var tokens = Tensor.FromArray(new[] { 3, 1, 4, 1, 0, 0, 0, 2, 7, 1, 8, 2 }, 2, 6);
        MatchesPredict(model, [tokens, Normal(60, 2, 3, 4), Normal(61, 2, 5, 2), Normal(62, 2, 5, 4)]);
    }
}
