using KerasNet.Layers;
using KerasNet.Models;
using Xunit;

namespace KerasNet.Tests.Layers.Recurrent;

/// <summary>Keras's recurrent semantics beyond single values: weight layout, states, go_backwards, masking,
/// initial states in graphs, dropout masks shared over time, training end to end.</summary>
public class RecurrentBehaviourTests
{
    private static Tensor Random(int seed, params int[] shape) =>
        Tensor.FromArray<float>(LayerTestHarness.RandomNormal(new Random(seed), (int)new Shape(shape).Size), new Shape(shape));

    private static void Close(Tensor expected, Tensor actual, string what, double tol = 1e-6) =>
        LayerTestHarness.AssertClose(expected.ToArray(), actual.ToArray(), tol, what);

    [Fact]
    public void WeightsAreNamedShapedAndCountedAsKeras()
    {
        var lstm = new LSTM(5, name: "enc");
        lstm.Apply(Ops.Ones(new Shape(2, 3, 4)));
        Assert.Equal(["enc/lstm_cell/kernel", "enc/lstm_cell/recurrent_kernel", "enc/lstm_cell/bias"], lstm.Weights.Select(w => w.Path));
        Assert.Equal([new Shape(4, 20), new Shape(5, 20), new Shape(20)], lstm.Weights.Select(w => w.Shape));
        // unit_forget_bias: zeros for i, ones for f, zeros for c and o.
        Assert.Equal([0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], lstm.Cell.Bias!.Value.ToArray());

        // Parameter counts Keras prints for the Fashion-MNIST-sized layers on 28 features.
        var l128 = new LSTM(128);
        l128.Apply(Ops.Ones(new Shape(1, 2, 28)));
        Assert.Equal(80384, l128.CountParams());
        var g128 = new GRU(128);
        g128.Apply(Ops.Ones(new Shape(1, 2, 28)));
        Assert.Equal(60672, g128.CountParams());
        var gBefore = new GRU(128, resetAfter: false);
        gBefore.Apply(Ops.Ones(new Shape(1, 2, 28)));
        Assert.Equal(60288, gBefore.CountParams());
        Assert.Equal(new Shape(384), gBefore.Cell.Bias!.Shape);
        Assert.Equal(new Shape(2, 384), g128.Cell.Bias!.Shape);
        var s = new SimpleRNN(16, name: "s");
        s.Apply(Ops.Ones(new Shape(1, 2, 28)));
        Assert.Equal(16 * (28 + 16 + 1), s.CountParams());
        Assert.Equal("s/simple_rnn_cell/recurrent_kernel", s.Weights[1].Path);

        var bi = new Bidirectional(new LSTM(3, name: "l"), name: "bi");
        bi.Apply(Ops.Ones(new Shape(1, 2, 4)));
        Assert.Equal("forward_l/lstm_cell/kernel", bi.Weights[0].Path);
        Assert.Equal("backward_l/lstm_cell/bias", bi.Weights[5].Path);

        var mha = new MultiHeadAttention(2, 3, valueDim: 4, name: "mha");
        mha.Attend(Ops.Ones(new Shape(1, 2, 5)), Ops.Ones(new Shape(1, 3, 6)));
        Assert.Equal(["mha/query/kernel", "mha/query/bias", "mha/key/kernel", "mha/key/bias", "mha/value/kernel", "mha/value/bias", "mha/attention_output/kernel", "mha/attention_output/bias"],
            mha.Weights.Select(w => w.Path));
        Assert.Equal([new Shape(5, 2, 3), new Shape(2, 3), new Shape(6, 2, 3), new Shape(2, 3), new Shape(6, 2, 4), new Shape(2, 4), new Shape(2, 4, 5), new Shape(5)],
            mha.Weights.Select(w => w.Shape));
        // Unseeded projections get their own initial values (Keras clones the initializer per sublayer).
        Assert.NotEqual(mha.Weights[2].Value.ToArray(), mha.Weights[4].Value.ToArray().Take(36).ToArray());
    }

    [Fact]
    public void ReturnStateGivesOutputThenStates()
    {
        var x = Random(1, 2, 4, 3);
        var lstm = new LSTM(5, returnState: true);
        var o = lstm.Run(x);
        Assert.Equal(3, o.Length);
        Assert.Equal(3, lstm.OutputCount);
        Close(o[0], o[1], "the last output is h");
        Assert.False(o[0].Equals(o[1]), "outputs share a tensor");
        var seq = new LSTM(5, returnSequences: true, returnState: true);
        seq.Run(x);
        seq.SetWeights(lstm.GetWeights());
        var so = seq.Run(x);
        Assert.Equal(new Shape(2, 4, 5), so[0].Shape);
        Close(Ops.Reshape(Ops.SliceAxis(so[0], 1, 3, 1), new Shape(2, 5)), so[1], "the last step is h");
        Close(o[2], so[2], "c");
        Assert.Equal(2, new GRU(2, returnState: true).Run(x).Length);
        Assert.Equal(2, new SimpleRNN(2, returnState: true).Run(x).Length);
        Assert.Equal(5, new Bidirectional(new LSTM(2, returnState: true)).OutputCount);
        Assert.Equal(6, new Bidirectional(new LSTM(2, returnState: true), null).OutputCount);
    }

    [Fact]
    public void GoBackwardsIsTheForwardRunOverTheReversedSequenceInProcessingOrder()
    {
        var x = Random(2, 2, 5, 3);
        var reversed = Ops.Concatenate(Enumerable.Range(0, 5).Reverse().Select(t => Ops.SliceAxis(x, 1, t, 1)).ToArray(), 1);
        foreach (var (fwd, bwd) in new (RNN, RNN)[]
        {
            (new LSTM(4, returnSequences: true), new LSTM(4, returnSequences: true, goBackwards: true)),
            (new GRU(4, returnSequences: true), new GRU(4, returnSequences: true, goBackwards: true)),
        })
        {
            fwd.Apply(x);
            bwd.Apply(x);
            bwd.SetWeights(fwd.GetWeights());
            Close(fwd.Apply(reversed), bwd.Apply(x), $"{bwd.ClassName} go_backwards");
        }
    }

    [Fact]
    public void MaskedStepsKeepTheStateAndRepeatTheOutput()
    {
        var x = Random(3, 3, 5, 2);
        var mask = Tensor.FromArray<bool>([true, true, false, true, false, false, false, false, false, false, true, false, true, true, false], new Shape(3, 5));
        var layer = new SimpleRNN(3, returnSequences: true);
        var (y, outMask) = layer.ApplyMasked(x, mask);
        Assert.Equal(mask.ToArray<bool>(), outMask.ToArray<bool>());
        var v = y.ToArray();
        float At(int b, int t, int u) => v[(b * 5 + t) * 3 + u];
        var m = mask.ToArray<bool>();
        for (int b = 0; b < 3; b++)
            for (int t = 0; t < 5; t++)
                for (int u = 0; u < 3; u++)
                    if (!m[b * 5 + t]) Assert.Equal(t == 0 ? 0f : At(b, t - 1, u), At(b, t, u));
        // A fully masked row never leaves the zero state.
        for (int t = 0; t < 5; t++) for (int u = 0; u < 3; u++) Assert.Equal(0f, At(1, t, u));

        // The last output is the output of the last unmasked step; the final state is carried.
        var last = new SimpleRNN(3, returnState: true);
        last.Run(x);
        last.SetWeights(layer.GetWeights());
        var lo = last.Run(x, mask);
        Assert.Null(last.ComputeMask(x, mask).IsNull ? null : "mask");
        for (int u = 0; u < 3; u++)
        {
            Assert.Equal(At(0, 3, u), lo[0].ToArray()[u]);
            Assert.Equal(At(2, 3, u), lo[0].ToArray()[6 + u]);
            Assert.Equal(At(2, 3, u), lo[1].ToArray()[6 + u]);
        }

        // zero_output_for_mask gives zeros at masked steps, the same states.
        var zero = new SimpleRNN(3, returnSequences: true, zeroOutputForMask: true);
        zero.Apply(x);
        zero.SetWeights(layer.GetWeights());
        var z = zero.ApplyMasked(x, mask).Output.ToArray();
        for (int i = 0; i < 15; i++)
            for (int u = 0; u < 3; u++)
                Assert.Equal(m[i] ? v[i * 3 + u] : 0f, z[i * 3 + u]);
    }

    [Fact]
    public void EmbeddingMaskFlowsThroughTheGraphAndWeightsTheLoss()
    {
        var emb = new Embedding(6, 3, maskZero: true);
        Assert.True(emb.SupportsMasking);
        var tokens = Tensor.FromArray<int>([1, 2, 0, 0, 3, 0, 4, 5], new Shape(2, 4));
        Assert.Equal([true, true, false, false, true, false, true, true], emb.ComputeMask(tokens, default).ToArray<bool>());
        Assert.True(new Embedding(6, 3).ComputeMask(tokens, default).IsNull);

        var input = Keras.Input([4], DType.Int32);
        var seq = new LSTM(2, returnSequences: true).Apply(emb.Apply(input));
        var model = new Model(input, seq);
        var outs = new Tensor[1];
        var masks = new Tensor[1];
        model.RunGraph([tokens], default, outs, masks, training: false);
        Assert.Equal([true, true, false, false, true, false, true, true], masks[0].ToArray<bool>());

        var last = new Model(input, new GRU(2).Apply(emb.Apply(input)));
        last.RunGraph([tokens], default, outs, masks, training: false);
        Assert.True(masks[0].IsNull);
    }

    [Fact]
    public void MaskingLayerMasksAllMaskValueSteps()
    {
        var x = Tensor.FromArray<float>([1, 2, -1, -1, 0, 3, -1, 0], new Shape(2, 2, 2));
        var masking = new Masking(-1f);
        var (y, mask) = masking.ApplyMasked(x, default);
        Assert.Equal([true, false, true, true], mask.ToArray<bool>());
        Assert.Equal([1, 2, 0, 0, 0, 3, -1, 0], y.ToArray());
        Assert.Equal(-1f, ((Masking)KerasNet.Saving.KerasRegistry.Deserialize<Layer>(KerasNet.Saving.KerasRegistry.Serialize(masking, "keras.layers"))).MaskValue);
    }

    [Fact]
    public void InitialStatesAsGraphInputsSeedTheDecoder()
    {
        var encIn = Keras.Input([5, 3]);
        var decIn = Keras.Input([4, 2]);
        var encoder = new LSTM(6, returnState: true);
        var enc = encoder.ApplyMulti(encIn);
        var decoder = new LSTM(6, returnSequences: true);
        var dec = decoder.ApplyMulti(decIn, enc[1], enc[2]);
        Assert.Equal(new Shape(-1, 4, 6), dec[0].Shape);
        var model = new Model([encIn, decIn], [dec[0]]);
        var xe = Random(4, 2, 5, 3);
        var xd = Random(5, 2, 4, 2);
        var outs = new Tensor[1];
        model.Call([xe, xd], outs, training: false);

        var states = encoder.Run(xe);
        var expected = decoder.Run(xd, initialState: [states[1], states[2]])[0];
        Close(expected, outs[0], "decoder seeded with the encoder's states");
        var unseeded = decoder.Run(xd)[0];
        Assert.NotEqual(unseeded.ToArray(), outs[0].ToArray());
    }

    [Fact]
    public void DropoutMasksAreDrawnOncePerSequenceAndSharedByEveryStep()
    {
        // A linear SimpleRNN with an identity kernel and no recurrence outputs x_t * mask at every step.
        var layer = new SimpleRNN(64, activation: "linear", useBias: false, dropout: 0.25f, seed: 11, returnSequences: true,
            kernelInitializer: new KerasNet.Initializers.Identity(), recurrentInitializer: "zeros");
        var x = Ops.Ones(new Shape(8, 5, 64));
        var y = layer.Apply(x, training: true).ToArray();
        int zeros = 0;
        for (int b = 0; b < 8; b++)
            for (int u = 0; u < 64; u++)
            {
                float first = y[(b * 5) * 64 + u];
                Assert.True(first == 0f || Math.Abs(first - 1f / 0.75f) < 1e-6, $"a kept unit is scaled by 1/(1-rate); got {first}");
                if (first == 0f) zeros++;
                for (int t = 1; t < 5; t++) Assert.Equal(first, y[(b * 5 + t) * 64 + u]);
            }
        Assert.InRange(zeros / 512.0, 0.15, 0.35);
        // A new call draws new masks; inference is untouched.
        Assert.NotEqual(y, layer.Apply(x, training: true).ToArray());
        Assert.All(layer.Apply(x).ToArray(), v => Assert.Equal(1f, v));
    }

    public static IEnumerable<object[]> DropoutLayers() =>
    [
        ["lstm", new Func<Layer>(() => new LSTM(3, dropout: 0.3f, recurrentDropout: 0.3f, seed: 21))],
        ["lstm_input_only", new Func<Layer>(() => new LSTM(3, dropout: 0.3f, seed: 22))],
        ["gru", new Func<Layer>(() => new GRU(3, dropout: 0.3f, recurrentDropout: 0.3f, seed: 23))],
        ["gru_reset_before", new Func<Layer>(() => new GRU(3, dropout: 0.3f, recurrentDropout: 0.3f, resetAfter: false, seed: 24))],
        ["simple_rnn", new Func<Layer>(() => new SimpleRNN(3, dropout: 0.3f, recurrentDropout: 0.3f, seed: 25))],
    ];

    [Theory]
    [MemberData(nameof(DropoutLayers))]
    public void TrainingGradientsWithDropoutMatchFiniteDifferences(string name, Func<Layer> make)
    {
        // Each evaluation uses a fresh layer with the same seed and weights, so the same masks.
        var x = Random(6, 2, 4, 3);
        var template = make();
        template.Apply(x);
        var weights = template.GetWeights().Select(w => w.ToArray()).ToArray();
        var r = Random(7, 2, 3);
        Layer Fresh(float[][] ws)
        {
            var l = make();
            l.Apply(x);
            l.SetWeights(ws.Select(w => (Array)w).ToArray());
            return l;
        }
        var layer = Fresh(weights);
        Tensor[] grads;
        using (var tape = new GradientTape())
        {
            var loss = Ops.Sum(Ops.Multiply(layer.Apply(x, training: true), r));
            grads = tape.Gradient(loss, layer.TrainableWeights);
        }
        Assert.NotEqual(Fresh(weights).Apply(x, training: true).ToArray(), Fresh(weights).Apply(x).ToArray());
        var rng = new Random(3);
        for (int k = 0; k < weights.Length; k++)
        {
            var g = grads[k].ToArray();
            for (int n = 0; n < 4; n++)
            {
                int j = rng.Next(weights[k].Length);
                double Eval(float d)
                {
                    var ws = weights.Select(w => (float[])w.Clone()).ToArray();
                    ws[k][j] += d;
                    return Ops.Sum(Ops.Multiply(Fresh(ws).Apply(x, training: true), r)).ToScalar();
                }
                double numeric = (Eval(1e-2f) - Eval(-1e-2f)) / 2e-2;
                Assert.True(Math.Abs(numeric - g[j]) <= 5e-3 + 2e-2 * Math.Abs(numeric), $"{name}: weight {k}[{j}] tape {g[j]}, finite differences {numeric}");
            }
        }
    }

    [Fact]
    public void CellsWorkOnTheirOwn()
    {
        var cell = new LSTMCell(4);
        var x = Random(8, 3, 2);
        var h = Random(9, 3, 4);
        var c = Random(10, 3, 4);
        cell.EnsureBuilt([new Shape(-1, 2), new Shape(-1, 4), new Shape(-1, 4)]);
        var outs = new Tensor[3];
        cell.Call([x, h, c], outs, training: false);
        Close(outs[0], outs[1], "output is h");

        // The same step through the layer, from those initial states, over one time step.
        var layer = new RNN(new LSTMCell(4));
        var seq = Ops.Reshape(x, new Shape(3, 1, 2));
        layer.Run(seq);
        layer.SetWeights(cell.GetWeights());
        Close(outs[0], layer.Run(seq, initialState: [h, c])[0], "cell step = layer over one step");

        var gru = new GRUCell(3);
        gru.EnsureBuilt([new Shape(-1, 2), new Shape(-1, 3)]);
        var go = new Tensor[2];
        gru.Call([x, Random(11, 3, 3)], go, training: false);
        Assert.Equal(new Shape(3, 3), go[1].Shape);
    }

    [Fact]
    public void RegularizersAddLossesAndFreezingStopsTraining()
    {
        var lstm = new LSTM(3, kernelRegularizer: "l2", recurrentRegularizer: "l1", activityRegularizer: "l2");
        lstm.Apply(Random(12, 2, 4, 3));
        Assert.Equal(3, lstm.Losses.Count);
        lstm.Trainable = false;
        Assert.Empty(lstm.TrainableWeights);
        Assert.Equal(3, lstm.NonTrainableWeights.Count);
    }

    [Fact]
    public void TimeDistributedAppliesTheLayerToEveryStep()
    {
        var dense = new Dense(3, activation: "relu");
        var td = new TimeDistributed(dense);
        var x = Random(13, 2, 4, 5);
        var y = td.Apply(x);
        for (int t = 0; t < 4; t++)
            Close(dense.Apply(Ops.Reshape(Ops.SliceAxis(x, 1, t, 1), new Shape(2, 5))), Ops.Reshape(Ops.SliceAxis(y, 1, t, 1), new Shape(2, 3)), $"step {t}");
        var mask = Ops.Ones(new Shape(2, 4), DType.Bool);
        Assert.True(td.ApplyMasked(x, mask).Mask.Equals(mask));
        Assert.Equal(new Shape(-1, 4, 3), td.ComputeOutputShape(new Shape(-1, 4, 5)));
    }

    [Fact]
    public void SequenceOutputMaskKeepsPaddedStepsOutOfTheLoss()
    {
        var model = new Sequential([
            new InputLayer(shape: [5], dtype: DType.Int32),
            new Embedding(8, 4, maskZero: true),
            new LSTM(3, returnSequences: true),
            new TimeDistributed(new Dense(2)),
        ]);
        model.Compile("sgd", "mse");
        var tokens = new int[,] { { 1, 2, 3, 0, 0 }, { 4, 5, 6, 7, 1 } };
        var y = new float[2, 5, 2];
        var rng = new Random(4);
        for (int i = 0; i < 2; i++) for (int t = 0; t < 5; t++) for (int k = 0; k < 2; k++) y[i, t, k] = (float)rng.NextDouble();
        float before = model.Evaluate(tokens, y, verbose: 0)[0];
        // Targets at the padded steps do not matter.
        y[0, 3, 0] = 100f;
        y[0, 4, 1] = -100f;
        Assert.Equal(before, model.Evaluate(tokens, y, verbose: 0)[0], 5);
        // Targets at real steps do.
        y[0, 2, 0] = 100f;
        Assert.NotEqual(before, model.Evaluate(tokens, y, verbose: 0)[0], 3);
    }

    [Fact]
    public void MaskedSequenceModelTrains()
    {
        Keras.SetRandomSeed(5);
        var model = new Sequential([
            new InputLayer(shape: [6], dtype: DType.Int32),
            new Embedding(10, 4, maskZero: true),
            new Bidirectional(new GRU(4)),
            new Dense(1, activation: "sigmoid"),
        ]);
        model.Compile(new KerasNet.Optimizers.Adam(0.03f), "binary_crossentropy");
        var rng = new Random(2);
        int n = 64;
        var tokens = new int[n, 6];
        var labels = new float[n, 1];
        for (int i = 0; i < n; i++)
        {
            int len = rng.Next(2, 7);
            for (int t = 0; t < len; t++) tokens[i, 6 - len + t] = rng.Next(1, 10);
            labels[i, 0] = tokens[i, 5] >= 5 ? 1 : 0;
        }
        var history = model.Fit(tokens, labels, batchSize: 16, epochs: 10, verbose: 0);
        var loss = history.HistoryData["loss"];
        Assert.True(loss[^1] < loss[0] * 0.6, $"loss {loss[0]} -> {loss[^1]}");
    }
}
