using KerasNet.Layers;
using KerasNet.Models;
using Xunit;

namespace KerasNet.Tests.Layers.Recurrent;

/// <summary>SimpleRNN, LSTM, GRU, Bidirectional, TimeDistributed and masking against the independent float64
/// reference of scripts/golden/layers_rnn.py: outputs and gradients with respect to inputs and every weight, at
/// 1e-5 relative with a 1e-6 absolute floor.</summary>
public class GoldenRecurrentTests
{
    public static IEnumerable<object[]> Cases() => RnnGolden.Names("layers");

    /// <summary>A model from token ids (batch, 6) through Embedding(7, 3, mask_zero) to <paramref name="layer"/>.</summary>
    private static Model Embedded(Layer layer)
    {
        var input = Keras.Input([6], DType.Int32);
        var e = new Embedding(7, 3, maskZero: true).Apply(input);
        return new Model([input], layer.ApplyMulti(e));
    }

    private static Layer LayerFor(string name) => name switch
    {
        "simple_rnn" => new SimpleRNN(4),
        "simple_rnn_seq_state" => new SimpleRNN(4, returnSequences: true, returnState: true),
        "simple_rnn_backwards_seq" => new SimpleRNN(3, goBackwards: true, returnSequences: true),
        "lstm" => new LSTM(4),
        "lstm_seq_state" => new LSTM(4, returnSequences: true, returnState: true),
        "lstm_backwards_seq" => new LSTM(3, goBackwards: true, returnSequences: true),
        "lstm_long" => new LSTM(5, returnSequences: true),
        "gru" => new GRU(4),
        "gru_seq_state" => new GRU(4, returnSequences: true, returnState: true),
        "gru_reset_before_seq" => new GRU(4, resetAfter: false, returnSequences: true),
        "gru_backwards_state" => new GRU(3, goBackwards: true, returnState: true),
        "masked_lstm_seq" => Embedded(new LSTM(4, returnSequences: true)),
        "masked_lstm_last_state" => Embedded(new LSTM(4, returnState: true)),
        "masked_gru_seq" => Embedded(new GRU(4, returnSequences: true)),
        "masked_gru_backwards" => Embedded(new GRU(3, goBackwards: true, returnSequences: true)),
        "masked_simple_rnn_last" => Embedded(new SimpleRNN(4)),
        "masking_lstm_seq" => MaskingModel(),
        "bidirectional_lstm_seq_concat" => new Bidirectional(new LSTM(3, returnSequences: true)),
        "bidirectional_lstm_seq_sum" => new Bidirectional(new LSTM(3, returnSequences: true), "sum"),
        "bidirectional_lstm_seq_mul" => new Bidirectional(new LSTM(3, returnSequences: true), "mul"),
        "bidirectional_lstm_seq_ave" => new Bidirectional(new LSTM(3, returnSequences: true), "ave"),
        "bidirectional_lstm_seq_none" => new Bidirectional(new LSTM(3, returnSequences: true), null),
        "bidirectional_gru_last_state" => new Bidirectional(new GRU(3, returnState: true)),
        "bidirectional_masked_lstm_seq" => Embedded(new Bidirectional(new LSTM(3, returnSequences: true))),
        "bidirectional_masked_gru_last" => Embedded(new Bidirectional(new GRU(3), "sum")),
        "time_distributed_dense" => new TimeDistributed(new Dense(4, activation: "tanh")),
        "time_distributed_dense_rank4" => new TimeDistributed(new Dense(4)),
        _ => throw new InvalidOperationException($"The golden file has a case '{name}' that this test does not know."),
    };

    private static Model MaskingModel()
    {
        var input = Keras.Input([5, 2]);
        var m = new Masking().Apply(input);
        return new Model(input, new LSTM(3, returnSequences: true).Apply(m));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ForwardAndGradientsMatchReference(string name)
    {
        var layer = LayerFor(name);
        RnnGolden.Check(RnnGolden.Case("layers", name), layer, inputs => RnnGolden.CallAll(layer, inputs), name);
    }
}
