using KerasNet.Layers;
using KerasNet.Models;
using KerasNet.Onnx;
using Xunit;
using static KerasNet.Tests.Onnx.OnnxAssert;

namespace KerasNet.Tests.Onnx;

/// <summary>Exported recurrent models (ONNX's LSTM, GRU and RNN operators): gate orders, biases, directions,
/// sequences and states.</summary>
public class OnnxRecurrentExportTests
{
    /// <summary>Random biases (Keras starts them at zero, the LSTM's forget gate at one), so that each bias
    /// element's place in ONNX's layout is tested.</summary>
    private static void RandomizeBiases(Model model, int seed = 3)
    {
        var rng = new Random(seed);
        foreach (var w in model.Weights.Where(w => w.Name.Contains("bias")))
        {
            var data = new float[w.Shape.Size];
            for (int i = 0; i < data.Length; i++) data[i] = (float)(rng.NextDouble() - 0.5);
            w.Assign(Tensor.FromArray<float>(data, w.Shape));
        }
    }

    [OnnxFact]
    public void LstmMatchesPredict()
    {
        var model = new Sequential(
        [
            new InputLayer([7, 5], name: "sequence"),
            new LSTM(8, name: "lstm"),
            new Dense(3, name: "out"),
        ], name: "lstm_model");
        RandomizeBiases(model);
        var r = MatchesPredict(model, [Normal(30, 4, 7, 5)]);
        Assert.Equal(["sequence"], r.InputNames);
        Assert.Equal(["out"], r.OutputNames);
    }

    [OnnxFact]
    public void LstmSequencesStatesDirectionsAndInitialStates()
    {
        var x = Keras.Input([6, 4], name: "x");
        var h0 = Keras.Input([5], name: "h0");
        var c0 = Keras.Input([5], name: "c0");
        var seq = new LSTM(5, returnSequences: true, returnState: true).ApplyMulti(x);
        var back = new LSTM(5, returnSequences: true, goBackwards: true).Apply(x);
        var backLast = new LSTM(3, goBackwards: true, activation: "relu").Apply(x);
        var initial = new LSTM(5).Apply(x, h0, c0);
        var stacked = new LSTM(4).Apply(seq[0]);
        var model = new Model([x, h0, c0], [seq[0], seq[1], seq[2], back, backLast, initial, stacked], name: "lstms");
        RandomizeBiases(model);
        MatchesPredict(model, [Normal(31, 3, 6, 4), Normal(32, 3, 5), Normal(33, 3, 5)]);
    }

    [OnnxFact]
    public void UnknownSequenceLengths()
    {
        var x = Keras.Input([-1, 3], name: "x");
        var y = new Dense(2).Apply(new GRU(4, returnSequences: true).Apply(x));
        var model = new Model(x, new LSTM(3).Apply(y), name: "any_length");
        RandomizeBiases(model);
        MatchesPredict(model, [Normal(34, 2, 5, 3)]);
        MatchesPredict(model, [Normal(35, 3, 9, 3)]);
    }

    [OnnxFact]
    public void GruResetAfterAndBeforeActivationsAndSimpleRnn()
    {
        var x = Keras.Input([5, 3], name: "x");
        var outputs = new List<KerasTensor>
        {
            new GRU(4).Apply(x),
            new GRU(4, resetAfter: false, returnSequences: true).Apply(x),
            new GRU(3, goBackwards: true, returnSequences: true, returnState: true).ApplyMulti(x)[1],
            new GRU(3, activation: "linear", recurrentActivation: "hard_sigmoid").Apply(x),
            new LSTM(3, activation: "softsign", recurrentActivation: "hard_sigmoid", useBias: false).Apply(x),
            new SimpleRNN(4).Apply(x),
            new SimpleRNN(4, activation: "relu", returnSequences: true, goBackwards: true).Apply(x),
            new RNN(new LSTMCell(3), returnSequences: true).Apply(x),
        };
        var model = new Model([x], outputs, name: "grus");
        RandomizeBiases(model);
        MatchesPredict(model, [Normal(36, 3, 5, 3)]);
    }

    [OnnxFact]
    public void BidirectionalMergeModesAndStates()
    {
        var x = Keras.Input([6, 3], name: "x");
        var outputs = new List<KerasTensor>
        {
            new Bidirectional(new LSTM(4, returnSequences: true)).Apply(x),
            new Bidirectional(new LSTM(4), mergeMode: "sum").Apply(x),
            new Bidirectional(new GRU(3, returnSequences: true), mergeMode: "ave").Apply(x),
            new Bidirectional(new GRU(3, resetAfter: false), mergeMode: "mul").Apply(x),
            new Bidirectional(new SimpleRNN(2), backwardLayer: new SimpleRNN(2, activation: "relu", goBackwards: true)).Apply(x),
            new Bidirectional(new LSTM(3), backwardLayer: new GRU(3, goBackwards: true)).Apply(x),
        };
        outputs.AddRange(new Bidirectional(new LSTM(2, returnState: true), mergeMode: null).ApplyMulti(x));
        var model = new Model([x], outputs, name: "bidirectional");
        RandomizeBiases(model);
        MatchesPredict(model, [Normal(37, 2, 6, 3)]);
    }

    [OnnxFact]
    public void EmbeddingLstmAndTimeDistributed()
    {
        var ids = Keras.Input([8], dtype: DType.Int32, name: "tokens");
        var e = new Embedding(20, 6).Apply(ids);
        var seq = new Bidirectional(new LSTM(4, returnSequences: true)).Apply(e);
        var perStep = new TimeDistributed(new Dense(3, activation: "softmax")).Apply(seq);
        var frames = Keras.Input([3, 6, 6, 2], name: "frames");
        var conv = new TimeDistributed(new Conv2D(2, [3, 3], activation: "relu")).Apply(frames);
        var model = new Model([ids, frames], [perStep, conv], name: "tagger");
        RandomizeBiases(model);
        var rng = new Random(38);
        var tokens = Tensor.FromArray(Enumerable.Range(0, 16).Select(_ => rng.Next(20)).ToArray(), 2, 8);
        MatchesPredict(model, [tokens, Normal(39, 2, 3, 6, 6, 2)]);
    }

    [OnnxFact]
    public void MaskingLayerOutputs()
    {
        var x = Keras.Input([4, 3], name: "x");
        var model = new Model(x, new Dense(2).Apply(new Masking(0.5f).Apply(x)), name: "masking");
        var data = Normal(40, 2, 4, 3).ToArray();
        for (int j = 0; j < 3; j++) data[3 + j] = 0.5f; // one fully masked step
        MatchesPredict(model, [Tensor.FromArray(data, 2, 4, 3)]);
    }

    private static Tensor Tokens(int seed, int batch, int steps, int vocabulary)
    {
        // Padding (0) at the end, at the start and in the middle of rows: a masked step keeps the state wherever it is.
        var rng = new Random(seed);
        var ids = new int[batch * steps];
        for (int i = 0; i < ids.Length; i++) ids[i] = 1 + rng.Next(vocabulary - 1);
        for (int t = steps - 3; t < steps; t++) ids[t] = 0;
        if (batch > 1) ids[steps] = ids[steps + 1] = 0;
        if (batch > 2) ids[2 * steps + steps / 2] = 0;
        return Tensor.FromArray(ids, batch, steps);
    }

    [OnnxFact]
    public void MaskedLstmFromEmbeddingMaskZero()
    {
        var ids = Keras.Input([7], dtype: DType.Int32, name: "tokens");
        var e = new Embedding(15, 5, maskZero: true).Apply(ids);
        var last = new LSTM(6).Apply(e);
        var model = new Model(ids, new Dense(2, name: "head").Apply(last), name: "masked_lstm");
        RandomizeBiases(model);
        MatchesPredict(model, [Tokens(41, 3, 7, 15)]);
    }

    [OnnxFact]
    public void MaskedSequencesThroughBidirectionalGruAndBackwardLayers()
    {
        var ids = Keras.Input([6], dtype: DType.Int32, name: "tokens");
        var e = new Embedding(12, 4, maskZero: true).Apply(ids);
        var bi = new Bidirectional(new GRU(3, returnSequences: true)).Apply(e);
        var backward = new LSTM(3, returnSequences: true, goBackwards: true).Apply(bi);
        var states = new GRU(2, resetAfter: false, returnState: true).ApplyMulti(backward);
        var simple = new SimpleRNN(3, returnSequences: true, zeroOutputForMask: true).Apply(e);
        var biLast = new Bidirectional(new SimpleRNN(2), mergeMode: "sum").Apply(e);
        var model = new Model([ids], [bi, backward, states[0], states[1], simple, biLast], name: "masked_rnns");
        RandomizeBiases(model);
        MatchesPredict(model, [Tokens(42, 3, 6, 12)]);
    }

    [OnnxFact]
    public void MaskingLayerBeforeAnRnn()
    {
        var x = Keras.Input([5, 3], name: "x");
        var y = new SimpleRNN(4, returnSequences: true).Apply(new Masking().Apply(x));
        var model = new Model(x, y, name: "masking_rnn");
        var data = Normal(43, 2, 5, 3).ToArray();
        for (int j = 0; j < 3; j++) data[3 * 3 + j] = 0f;      // sample 0, step 3
        for (int j = 0; j < 3; j++) data[15 + j] = 0f;         // sample 1, step 0
        MatchesPredict(model, [Tensor.FromArray(data, 2, 5, 3)]);
    }

    [OnnxFact]
    public void ActivationsOutsideTheOnnxOperatorsRunInAScan()
    {
        var x = Keras.Input([4, 3], name: "x");
        var outputs = new List<KerasTensor>
        {
            new LSTM(3, activation: "gelu", recurrentActivation: "silu", returnSequences: true).Apply(x),
            new GRU(3, activation: "swish", goBackwards: true).Apply(x),
            new Bidirectional(new SimpleRNN(2, activation: "selu")).Apply(x),
        };
        var model = new Model([x], outputs, name: "scan_activations");
        RandomizeBiases(model);
        MatchesPredict(model, [Normal(44, 2, 4, 3)]);
    }
}
