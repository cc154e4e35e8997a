using KerasNet.Layers;
using KerasNet.Models;
using Xunit;

namespace KerasNet.Tests.Layers.Attention;

/// <summary>MultiHeadAttention's masks, graph calls, attention scores and higher-rank inputs.</summary>
public class MultiHeadAttentionTests
{
    private static Tensor Random(int seed, params int[] shape) =>
        Tensor.FromArray<float>(LayerTestHarness.RandomNormal(new Random(seed), (int)new Shape(shape).Size), new Shape(shape));

    private static void Close(Tensor expected, Tensor actual, string what, double tol = 1e-5) =>
        LayerTestHarness.AssertClose(expected.ToArray(), actual.ToArray(), tol, what);

    [Fact]
    public void GraphMasksFromEmbeddingMatchExplicitMasks()
    {
        var tokens = Tensor.FromArray<int>([3, 1, 4, 0, 0, 2, 2, 7, 1, 5], new Shape(2, 5));
        var input = Keras.Input([5], DType.Int32);
        var emb = new Embedding(8, 6, maskZero: true);
        var e = emb.Apply(input);
        var mha = new MultiHeadAttention(2, 3) { UseCausalMask = true, ReturnAttentionScores = true };
        var outs = mha.ApplyMulti(e, e);
        Assert.Equal(new Shape(-1, 5, 6), outs[0].Shape);
        Assert.Equal(new Shape(-1, 2, 5, 5), outs[1].Shape);
        var model = new Model([input], outs);
        var ys = new Tensor[2];
        var masks = new Tensor[2];
        model.RunGraph([tokens], default, ys, masks, training: false);

        var x = emb.Apply(tokens);
        var m = emb.ComputeMask(tokens, default);
        var (o, s) = mha.Attend(x, x, queryMask: m, valueMask: m, useCausalMask: true);
        Close(o, ys[0], "output");
        Close(s, ys[1], "scores");
        Assert.Equal(m.ToArray<bool>(), masks[0].ToArray<bool>());
        Assert.True(masks[1].IsNull);

        // Each query row sums to one; masked keys and future keys get zero weight; a masked query row is uniform.
        var sc = s.ToArray();
        var mk = m.ToArray<bool>();
        for (int b = 0; b < 2; b++)
            for (int h = 0; h < 2; h++)
                for (int t = 0; t < 5; t++)
                {
                    double sum = 0;
                    for (int j = 0; j < 5; j++)
                    {
                        float w = sc[((b * 2 + h) * 5 + t) * 5 + j];
                        sum += w;
                        if (!mk[b * 5 + t]) Assert.Equal(0.2f, w, 6);
                        else if (!mk[b * 5 + j] || j > t) Assert.Equal(0f, w);
                    }
                    Assert.Equal(1.0, sum, 5);
                }
    }

    [Fact]
    public void AttentionMaskAsFourthGraphInput()
    {
        var q = Keras.Input([3, 4]);
        var v = Keras.Input([5, 4]);
        var am = Keras.Input([3, 5], DType.Bool);
        var mha = new MultiHeadAttention(2, 2);
        var model = new Model([q, v, am], [mha.Apply(q, v, v, am)]);
        var xq = Random(1, 2, 3, 4);
        var xv = Random(2, 2, 5, 4);
        var mask = Tensor.FromArray<bool>(Enumerable.Range(0, 30).Select(i => i % 3 != 1).ToArray(), new Shape(2, 3, 5));
        var ys = new Tensor[1];
        model.Call([xq, xv, mask], ys, training: false);
        Close(mha.Attend(xq, xv, attentionMask: mask).Output, ys[0], "graph with attention_mask");
        Assert.NotEqual(mha.Attend(xq, xv).Output.ToArray(), ys[0].ToArray());
    }

    [Fact]
    public void HigherRankInputsAttendOverAllInnerAxes()
    {
        var mha = new MultiHeadAttention(2, 3, outputShape: [2, 2]);
        var q = Random(3, 2, 2, 3, 5);
        var v = Random(4, 2, 4, 1, 6);
        var (o, s) = mha.Attend(q, v);
        Assert.Equal(new Shape(2, 2, 3, 2, 2), o.Shape);
        Assert.Equal(new Shape(2, 2, 2, 3, 4, 1), s.Shape);
        Assert.Equal(new Shape(2, 3, 2, 2), mha.Weights[6].Shape); // (heads, value_dim, *output_shape)
        // As in Keras, the projections are built for one rank; a layer with the same weights takes the flattened inputs.
        var flatLayer = new MultiHeadAttention(2, 3, outputShape: [2, 2]);
        flatLayer.Attend(Ops.Reshape(q, new Shape(2, 6, 5)), Ops.Reshape(v, new Shape(2, 4, 6)));
        flatLayer.SetWeights(mha.GetWeights());
        var (flat, flatScores) = flatLayer.Attend(Ops.Reshape(q, new Shape(2, 6, 5)), Ops.Reshape(v, new Shape(2, 4, 6)));
        Close(Ops.Reshape(flat, o.Shape), o, "rank 4 = flattened");
        Close(Ops.Reshape(flatScores, s.Shape), s, "scores");
        Assert.Equal([new Shape(-1, 2, 3, 2, 2)], mha.ComputeOutputShapes([new Shape(-1, 2, 3, 5), new Shape(-1, 4, 1, 6)]));
    }

    [Fact]
    public void DropoutAppliesToTheAttentionWeightsInTrainingOnly()
    {
        var mha = new MultiHeadAttention(2, 4, dropout: 0.5f, seed: 1);
        var x = Random(5, 2, 6, 8);
        var inference = mha.Attend(x, x).Output.ToArray();
        Assert.Equal(inference, mha.Attend(x, x).Output.ToArray());
        Assert.NotEqual(inference, mha.Attend(x, x, training: true).Output.ToArray());
        Assert.True(mha.HasTrainingBehaviour);
    }

    [Fact]
    public void KeyMaskIsUsedOnlyForASeparateKey()
    {
        var mha = new MultiHeadAttention(1, 2);
        var q = Random(6, 1, 2, 3);
        var v = Random(7, 1, 3, 3);
        var k = Random(8, 1, 3, 4);
        var km = Tensor.FromArray<bool>([true, false, true], new Shape(1, 3));
        var (_, s) = mha.Attend(q, v, key: k, keyMask: km);
        Assert.Equal(0f, s.ToArray()[1]);
        Assert.Equal(0f, s.ToArray()[4]);
    }
}
