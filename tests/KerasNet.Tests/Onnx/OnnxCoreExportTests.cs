using KerasNet.Layers;
using KerasNet.Models;
using KerasNet.Onnx;
using Xunit;
using static KerasNet.Tests.Onnx.OnnxAssert;

namespace KerasNet.Tests.Onnx;

/// <summary>Exported dense models, activations, merges, normalization, reshaping and embeddings: each passes
/// the ONNX checker and computes Predict's outputs in ONNX Runtime.</summary>
public class OnnxCoreExportTests
{
    [OnnxFact]
    public void MlpMatchesPredictWithADynamicBatchAndKerasNames()
    {
        var model = new Sequential(
        [
            new InputLayer([20], name: "features"),
            new Dense(16, activation: "relu", name: "hidden"),
            new Dropout(0.5f, name: "drop"),
            new Dense(8, activation: "tanh", name: "hidden2"),
            new Dense(4, activation: "softmax", name: "probs"),
        ], name: "mlp");
        // Two batch sizes through the same file: the batch axis is dynamic.
        var r3 = MatchesPredict(model, [Normal(1, 3, 20)]);
        var r7 = MatchesPredict(model, [Normal(2, 7, 20)]);
        Assert.Equal(["features"], r3.InputNames);
        Assert.Equal(["probs"], r3.OutputNames);
        Assert.Equal([7, 4], r7.Outputs[0].Dims);
    }

    [OnnxFact]
    public void DenseOnRank3InputsAndWithoutBias()
    {
        var input = Keras.Input([5, 6], name: "seq");
        var x = new Dense(4, activation: "gelu", useBias: false).Apply(input);
        var y = new Dense(3, activation: "swish").Apply(x);
        MatchesPredict(new Model(input, y, name: "dense3d"), [Normal(3, 2, 5, 6)]);
    }

    [OnnxFact]
    public void EveryBuiltInActivationMatches()
    {
        var input = Keras.Input([8], name: "x");
        var h = new Dense(8, name: "pre").Apply(input);
        var outputs = Activations.KnownNames.Select(n => new Activation(n, name: "act_" + n).Apply(h)).ToList();
        var model = new Model([input], outputs, name: "activations");
        // Scaled so that the inputs of the activations spread over their interesting ranges.
        var x = Ops.Multiply(Normal(4, 6, 8), Ops.ScalarLike(Normal(4, 6, 8), 2.0));
        var r = MatchesPredict(model, [x]);
        Assert.Equal(Activations.KnownNames.Select(n => "act_" + n), r.OutputNames);
    }

    [OnnxFact]
    public void ActivationLayersWithTheirOptions()
    {
        var input = Keras.Input([4, 6], name: "x");
        var outputs = new List<KerasTensor>
        {
            new ReLU().Apply(input),
            new ReLU(maxValue: 1.5f).Apply(input),
            new ReLU(negativeSlope: 0.1f).Apply(input),
            new ReLU(maxValue: 2f, negativeSlope: 0.2f, threshold: 0.5f).Apply(input),
            new LeakyReLU(0.25f).Apply(input),
            new ELU(0.7f).Apply(input),
            new Softmax(axis: 1).Apply(input),
            new Softmax([1, 2]).Apply(input),
        };
        var prelu = new PReLU(alphaInitializer: "random_normal");
        outputs.Add(prelu.Apply(input));
        outputs.Add(new PReLU(alphaInitializer: "random_normal", sharedAxes: [1]).Apply(input));
        MatchesPredict(new Model([input], outputs, name: "activation_layers"), [Normal(5, 3, 4, 6)]);
    }

    [OnnxFact]
    public void MergeLayers()
    {
        var a = Keras.Input([4, 3], name: "a");
        var b = Keras.Input([4, 3], name: "b");
        var v = Keras.Input([3], name: "v");
        var outputs = new List<KerasTensor>
        {
            new Add().Apply(a, b),
            new Subtract().Apply(a, b),
            new Multiply().Apply(a, b, a),
            new Average().Apply(a, b),
            new Maximum().Apply(a, b),
            new Minimum().Apply(a, b),
            new Concatenate(axis: 1).Apply(a, b),
            new Concatenate().Apply(a, b),
            // A lower-rank input gets size-1 axes after the batch axis, then broadcasts.
            new Add().Apply(a, v),
            new Dot(axes: 2).Apply(a, b),
            new Dot([1, 1], normalize: true).Apply(a, b),
            new Dot(axes: 1).Apply(v, v),
        };
        MatchesPredict(new Model([a, b, v], outputs, name: "merges"), [Normal(6, 2, 4, 3), Normal(7, 2, 4, 3), Normal(8, 2, 3)]);
    }

    [OnnxFact]
    public void NormalizationLayers()
    {
        var input = Keras.Input([3, 4, 8], name: "x");
        var bn = new BatchNormalization();
        var bnMid = new BatchNormalization(axis: 1, center: false);
        var outputs = new List<KerasTensor>
        {
            bn.Apply(input),
            bnMid.Apply(input),
            new LayerNormalization().Apply(input),
            new LayerNormalization([-2, -1]).Apply(input),
            new LayerNormalization([1, 3]).Apply(input),
            new LayerNormalization(rmsScaling: true).Apply(input),
            new LayerNormalization(scale: false, center: false, epsilon: 1e-5).Apply(input),
            new GroupNormalization(groups: 4).Apply(input),
            new GroupNormalization(groups: 3, axis: 1).Apply(input),
        };
        var model = new Model([input], outputs, name: "norms");
        // Weights and statistics away from their initial ones, so that each one matters.
        var rng = new Random(9);
        foreach (var layer in model.Layers.Where(l => l is not InputLayer))
            foreach (var w in layer.Weights)
            {
                var data = new float[w.Shape.Size];
                for (int i = 0; i < data.Length; i++) data[i] = w.Name.Contains("variance") ? 0.5f + (float)rng.NextDouble() : (float)(rng.NextDouble() * 2 - 1);
                w.Assign(Tensor.FromArray<float>(data, w.Shape));
            }
        MatchesPredict(model, [Normal(10, 2, 3, 4, 8)]);
    }

    [OnnxFact]
    public void ReshapingLayers()
    {
        var input = Keras.Input([6, 4], name: "x");
        var outputs = new List<KerasTensor>
        {
            new Reshape([4, 6]).Apply(input),
            new Reshape([2, -1, 4]).Apply(input),
            new Permute([2, 1]).Apply(input),
            new Flatten().Apply(input),
            new RepeatVector(3).Apply(new Flatten().Apply(input)),
            new Flatten(dataFormat: "channels_first").Apply(new Reshape([2, 3, 4]).Apply(input)),
        };
        MatchesPredict(new Model([input], outputs, name: "reshaping"), [Normal(11, 3, 6, 4)]);
    }

    [OnnxFact]
    public void EmbeddingFromIntAndFloatIndices()
    {
        var ids = Keras.Input([5], dtype: DType.Int32, name: "ids");
        var fids = Keras.Input([5], name: "float_ids");
        var emb = new Embedding(12, 4);
        var a = new Flatten().Apply(emb.Apply(ids));
        var b = new Flatten().Apply(emb.Apply(fids));
        var y = new Dense(3).Apply(new Concatenate().Apply(a, b));
        var rng = new Random(12);
        var intIds = Tensor.FromArray(Enumerable.Range(0, 10).Select(_ => rng.Next(12)).ToArray(), 2, 5);
        var floatIds = Tensor.FromArray(Enumerable.Range(0, 10).Select(_ => (float)rng.Next(12)).ToArray(), 2, 5);
        MatchesPredict(new Model([ids, fids], [y, a], name: "embedding"), [intIds, floatIds]);
    }

    [OnnxFact]
    public void NestedModelsAreInlined()
    {
        var inner = new Sequential([new InputLayer([6]), new Dense(5, activation: "relu"), new Dense(4)], name: "inner");
        var input = Keras.Input([6], name: "x");
        var y = inner.Apply(input);
        var z = new Add().Apply(y, new Dense(4).Apply(input));
        var outer = new Model(input, new Dense(2, activation: "sigmoid", name: "head").Apply(z), name: "outer");
        var r = MatchesPredict(outer, [Normal(13, 4, 6)]);
        Assert.Equal(["head"], r.OutputNames);

        // A model inside TimeDistributed runs on every step.
        var steps = Keras.Input([3, 6], name: "steps");
        var perStep = new Sequential([new InputLayer([6]), new Dense(4, activation: "tanh"), new Dense(2)], name: "per_step");
        MatchesPredict(new Model(steps, new TimeDistributed(perStep).Apply(steps), name: "time_distributed_model"), [Normal(16, 2, 3, 6)]);
    }

    [OnnxFact]
    public void OutputsThatAreInputsOrRepeatedGetTheirOwnNames()
    {
        var input = Keras.Input([3], name: "x");
        var d = new Dense(2, name: "d").Apply(input);
        var r = MatchesPredict(new Model([input], [d, input, d], name: "passthrough"), [Normal(14, 2, 3)]);
        Assert.Equal(3, r.OutputNames.Distinct().Count());
        Assert.Equal("d", r.OutputNames[0]);
    }

    [OnnxFact]
    public void NewerOpsetsRunInOnnxRuntime()
    {
        // Opset 18 moved the axes of ReduceMean/ReduceMax into an input (the formula paths of the normalization
        // layers, Softmax over several axes, masks); the ONNX checker installed may know only up to 17, so these
        // run in ONNX Runtime alone. One model with a layer of each family.
        var image = Keras.Input([8, 8, 2], name: "image");
        var x = new Conv2D(4, [3, 3], padding: "same", activation: "relu").Apply(image);
        x = new BatchNormalization().Apply(x);
        x = new MaxPooling2D([2, 2]).Apply(x);
        var pooled = new GlobalAveragePooling2D().Apply(new GroupNormalization(groups: 2).Apply(x));
        var ids = Keras.Input([5], dtype: DType.Int32, name: "tokens");
        var e = new Embedding(9, 4, maskZero: true).Apply(ids);
        var seq = new Bidirectional(new LSTM(3, returnSequences: true)).Apply(e);
        var att = new MultiHeadAttention(numHeads: 2, keyDim: 2) { UseCausalMask = true }.Apply(seq, seq);
        var norm = new LayerNormalization(rmsScaling: true).Apply(att);
        var last = new GRU(3).Apply(norm);
        var soft = new Softmax([1, 2]).Apply(norm);
        var head = new Dense(2).Apply(new Concatenate().Apply(pooled, last));
        var model = new Model([image, ids], [head, soft], name: "opsets");
        var tokens = Tensor.FromArray(new[] { 1, 2, 3, 0, 0, 4, 5, 6, 7, 8 }, 2, 5);
        foreach (int opset in new[] { 18, OnnxExport.MaxOpset }) MatchesPredict(model, [Normal(15, 2, 8, 8, 2), tokens], opset);
    }
}
