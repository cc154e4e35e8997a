using KerasNet.Layers;
using KerasNet.Models;
using KerasNet.Tests.Layers.Recurrent;
using Xunit;

namespace KerasNet.Tests.Layers.Attention;

/// <summary>MultiHeadAttention and Attention against the independent float64 reference of scripts/golden/layers_rnn.py
/// (section "attention"): outputs, attention scores and gradients with respect to inputs and every weight, at
/// 1e-5 relative with a 1e-5 absolute floor.</summary>
/// <remarks>The absolute floor is 1e-5 rather than 1e-6 because some gradients here are sums of O(1) terms that
/// cancel: the key bias's gradient is exactly zero (a bias on the keys shifts every score of a query row by the
/// same amount, which the softmax ignores), and float32 returns that zero as rounding noise of about 1e-6.</remarks>
public class GoldenAttentionTests
{
    private const double AbsTol = 1e-5;

    public static IEnumerable<object[]> Cases() => RnnGolden.Names("attention");

    private static (Layer Layer, Func<Tensor[], Tensor[]> Run) For(string name)
    {
        MultiHeadAttention l;
        KerasNet.Layers.Attention a;
        switch (name)
        {
            case "attention_dot":
                a = new KerasNet.Layers.Attention();
                return (a, i => [a.Attend(i[0], i[1]).Output]);
            case "attention_dot_scale_key_masks":
                a = new KerasNet.Layers.Attention(useScale: true);
                return (a, i => { var (o, s) = a.Attend(i[0], i[1], key: i[2], queryMask: i[3], valueMask: i[4]); return [o, s]; });
            case "attention_concat_scale_causal":
                a = new KerasNet.Layers.Attention(useScale: true, scoreMode: "concat");
                return (a, i => { var (o, s) = a.Attend(i[0], i[1], useCausalMask: true); return [o, s]; });
            case "attention_concat":
                a = new KerasNet.Layers.Attention(scoreMode: "concat");
                return (a, i => [a.Attend(i[0], i[1]).Output]);
            case "mha_self":
                l = new MultiHeadAttention(2, 3);
                return (l, i => [l.Attend(i[0], i[0]).Output]);
            case "mha_cross_key_scores":
                l = new MultiHeadAttention(3, 2, valueDim: 4, outputShape: [8]);
                return (l, i => { var (o, s) = l.Attend(i[0], i[1], key: i[2]); return [o, s]; });
            case "mha_no_bias":
                l = new MultiHeadAttention(2, 4, useBias: false);
                return (l, i => [l.Attend(i[0], i[1]).Output]);
            case "mha_causal":
                l = new MultiHeadAttention(2, 3);
                return (l, i => { var (o, s) = l.Attend(i[0], i[0], useCausalMask: true); return [o, s]; });
            case "mha_attention_mask":
                l = new MultiHeadAttention(2, 3);
                return (l, i => [l.Attend(i[0], i[1], attentionMask: i[2]).Output]);
            case "mha_query_value_masks":
                l = new MultiHeadAttention(2, 3);
                return (l, i => { var (o, s) = l.Attend(i[0], i[1], queryMask: i[2], valueMask: i[3]); return [o, s]; });
            case "mha_self_mask_causal":
                l = new MultiHeadAttention(2, 3);
                return (l, i => [l.Attend(i[0], i[0], queryMask: i[1], valueMask: i[1], useCausalMask: true).Output]);
            default:
                throw new InvalidOperationException($"The golden file has an attention case '{name}' that this test does not know.");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ForwardAndGradientsMatchReference(string name)
    {
        var (layer, run) = For(name);
        RnnGolden.Check(RnnGolden.Case("attention", name), layer, run, name, absTol: AbsTol);
    }
}
