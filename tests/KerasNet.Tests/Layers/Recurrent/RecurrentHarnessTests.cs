using KerasNet.Layers;
using Xunit;

namespace KerasNet.Tests.Layers.Recurrent;

/// <summary>Every recurrent layer, wrapper, Masking and MultiHeadAttention through <see cref="LayerTestHarness"/>:
/// shapes (eager, inferred and symbolic), weight counts, functional model, config round trip, training vs
/// inference, wrong-rank errors and finite-difference gradients.</summary>
public class RecurrentHarnessTests
{
    private static readonly int[] Seq = [2, 4, 5];
    private static readonly int[] Flat = [2, 5];

    public static IEnumerable<object[]> Cases() =>
    [
        ["simple_rnn", new LayerTestCase { Factory = () => new SimpleRNN(3), InputShape = Seq, ExpectedOutputShape = [2, 3], ExpectedTrainableWeights = 3, WrongRankInputShape = Flat }],
        ["simple_rnn_seq_backwards", new LayerTestCase { Factory = () => new SimpleRNN(3, activation: "relu", returnSequences: true, goBackwards: true), InputShape = Seq, ExpectedOutputShape = [2, 4, 3], ExpectedTrainableWeights = 3, CheckGradients = false }],
        ["simple_rnn_no_bias_state", new LayerTestCase { Factory = () => new SimpleRNN(3, useBias: false, returnState: true), InputShape = Seq, ExpectedOutputShape = [2, 3], ExpectedTrainableWeights = 2 }],
        ["lstm", new LayerTestCase { Factory = () => new LSTM(3), InputShape = Seq, ExpectedOutputShape = [2, 3], ExpectedTrainableWeights = 3, WrongRankInputShape = Flat }],
        ["lstm_seq_state", new LayerTestCase { Factory = () => new LSTM(3, returnSequences: true, returnState: true), InputShape = Seq, ExpectedOutputShape = [2, 4, 3], ExpectedTrainableWeights = 3 }],
        ["lstm_backwards_no_forget_bias", new LayerTestCase { Factory = () => new LSTM(2, goBackwards: true, unitForgetBias: false, kernelRegularizer: "l2"), InputShape = Seq, ExpectedOutputShape = [2, 2], ExpectedTrainableWeights = 3 }],
        ["lstm_dropout", new LayerTestCase { Factory = () => new LSTM(3, dropout: 0.4f, recurrentDropout: 0.3f, seed: 5), InputShape = Seq, ExpectedOutputShape = [2, 3], ExpectedTrainableWeights = 3, ExpectTrainingDifference = true }],
        ["gru", new LayerTestCase { Factory = () => new GRU(3), InputShape = Seq, ExpectedOutputShape = [2, 3], ExpectedTrainableWeights = 3, WrongRankInputShape = Flat }],
        ["gru_reset_before_seq", new LayerTestCase { Factory = () => new GRU(3, resetAfter: false, returnSequences: true), InputShape = Seq, ExpectedOutputShape = [2, 4, 3], ExpectedTrainableWeights = 3 }],
        ["gru_dropout", new LayerTestCase { Factory = () => new GRU(3, dropout: 0.3f, seed: 9), InputShape = Seq, ExpectedOutputShape = [2, 3], ExpectedTrainableWeights = 3, ExpectTrainingDifference = true }],
        ["simple_rnn_recurrent_dropout", new LayerTestCase { Factory = () => new SimpleRNN(3, recurrentDropout: 0.5f, seed: 2), InputShape = Seq, ExpectedOutputShape = [2, 3], ExpectedTrainableWeights = 3, ExpectTrainingDifference = true }],
        ["rnn_over_cell", new LayerTestCase { Factory = () => new RNN(new LSTMCell(3), returnSequences: true), InputShape = Seq, ExpectedOutputShape = [2, 4, 3], ExpectedTrainableWeights = 3 }],
        ["bidirectional_concat", new LayerTestCase { Factory = () => new Bidirectional(new LSTM(3, returnSequences: true)), InputShape = Seq, ExpectedOutputShape = [2, 4, 6], ExpectedTrainableWeights = 6, WrongRankInputShape = Flat }],
        ["bidirectional_sum_gru", new LayerTestCase { Factory = () => new Bidirectional(new GRU(2), "sum"), InputShape = Seq, ExpectedOutputShape = [2, 2], ExpectedTrainableWeights = 6 }],
        ["bidirectional_none", new LayerTestCase { Factory = () => new Bidirectional(new SimpleRNN(2, returnSequences: true), null), InputShape = Seq, ExpectedOutputShape = [2, 4, 2], ExpectedTrainableWeights = 6 }],
        ["time_distributed_dense", new LayerTestCase { Factory = () => new TimeDistributed(new Dense(3, activation: "tanh")), InputShape = Seq, ExpectedOutputShape = [2, 4, 3], ExpectedTrainableWeights = 2, WrongRankInputShape = Flat }],
        ["time_distributed_lstm", new LayerTestCase { Factory = () => new TimeDistributed(new LSTM(2)), InputShape = [2, 3, 4, 5], ExpectedOutputShape = [2, 3, 2], ExpectedTrainableWeights = 3 }],
        ["masking", new LayerTestCase { Factory = () => new Masking(), InputShape = Seq, ExpectedOutputShape = Seq, ExpectedTrainableWeights = 0 }],
        ["mha_self", new LayerTestCase { Factory = () => new MultiHeadAttention(2, 4), InputShape = [2, 3, 6], ExpectedOutputShape = [2, 3, 6], ExpectedTrainableWeights = 8, WrongRankInputShape = [2, 6] }],
        ["mha_cross", new LayerTestCase { Factory = () => new MultiHeadAttention(2, 3, valueDim: 2, outputShape: [4]), InputShapes = [[2, 3, 6], [2, 5, 4]], ExpectedOutputShape = [2, 3, 4], ExpectedTrainableWeights = 8 }],
        ["mha_key_no_bias", new LayerTestCase { Factory = () => new MultiHeadAttention(1, 3, useBias: false), InputShapes = [[2, 3, 6], [2, 5, 4], [2, 5, 2]], ExpectedOutputShape = [2, 3, 6], ExpectedTrainableWeights = 4 }],
        ["mha_dropout", new LayerTestCase { Factory = () => new MultiHeadAttention(2, 2, dropout: 0.5f, seed: 3), InputShape = [2, 3, 4], ExpectedOutputShape = [2, 3, 4], ExpectedTrainableWeights = 8, ExpectTrainingDifference = true }],
        ["attention_dot", new LayerTestCase { Factory = () => new KerasNet.Layers.Attention(), InputShapes = [[2, 3, 4], [2, 5, 4]], ExpectedOutputShape = [2, 3, 4], ExpectedTrainableWeights = 0 }],
        ["attention_concat_scale_key", new LayerTestCase { Factory = () => new KerasNet.Layers.Attention(useScale: true, scoreMode: "concat"), InputShapes = [[2, 3, 4], [2, 5, 6], [2, 5, 4]], ExpectedOutputShape = [2, 3, 6], ExpectedTrainableWeights = 2 }],
        ["attention_dropout", new LayerTestCase { Factory = () => new KerasNet.Layers.Attention(dropout: 0.5f, seed: 4), InputShapes = [[2, 3, 4], [2, 5, 4]], ExpectedOutputShape = [2, 3, 4], ExpectTrainingDifference = true }],
    ];

    [Theory]
    [MemberData(nameof(Cases))]
    public void PassesTheLayerHarness(string name, LayerTestCase c)
    {
        Assert.NotNull(name);
        LayerTestHarness.Run(c);
    }
}
