using KerasNet.Layers;
using KerasNet.Models;
using KerasNet.Onnx.Protobuf;
using KerasNet.Onnx;
using Xunit;
using static KerasNet.Tests.Onnx.OnnxAssert;

namespace KerasNet.Tests.Onnx;

/// <summary>Exported convolutional models: NHWC inputs, NCHW inside, Keras's padding arithmetic.</summary>
public class OnnxConvExportTests
{
    private static Sequential SmallCnn() => new(
    [
        new InputLayer([12, 12, 3], name: "image"),
        new Conv2D(8, [3, 3], activation: "relu", name: "conv"),
        new MaxPooling2D([2, 2], name: "pool"),
        new Flatten(name: "flatten"),
        new Dense(5, activation: "softmax", name: "scores"),
    ], name: "cnn");

    [OnnxFact]
    public void CnnMatchesPredict()
    {
        var r = MatchesPredict(SmallCnn(), [Normal(20, 3, 12, 12, 3)]);
        Assert.Equal(["image"], r.InputNames);
        Assert.Equal(["scores"], r.OutputNames);
    }

    [Fact]
    public void ACnnTransposesOnceInAndOnceOut()
    {
        var proto = ModelProto.Parser.ParseFrom(SmallCnn().ToOnnx());
        var ops = proto.Graph.Node.Select(n => n.OpType).ToArray();
        Assert.Equal(["Transpose", "Conv", "Relu", "MaxPool", "Transpose", "Reshape", "Gemm", "Softmax"], ops);
        // The input stays NHWC.
        Assert.Equal([12L, 12L, 3L], proto.Graph.Input[0].Type.TensorType.Shape.Dim.Skip(1).Select(d => d.DimValue));
    }

    [Fact]
    public void ZeroValuedAttributesAreWritten()
    {
        var model = new Sequential([new InputLayer([4, 4, 1]), new AveragePooling2D([2, 2], padding: "same")]);
        var pool = ModelProto.Parser.ParseFrom(model.ToOnnx()).Graph.Node.Single(n => n.OpType == "AveragePool");
        var countIncludePad = pool.Attribute.Single(a => a.Name == "count_include_pad");
        Assert.True(countIncludePad.HasI);
        Assert.Equal(0, countIncludePad.I);
    }

    [OnnxFact]
    public void Conv2DPaddingStridesDilationsAndGroups()
    {
        var input = Keras.Input([9, 11, 4], name: "x");
        var outputs = new List<KerasTensor>
        {
            // Odd sizes with stride 2 and "same": asymmetric padding, the extra row/column at the end.
            new Conv2D(6, [3, 3], strides: [2, 2], padding: "same").Apply(input),
            new Conv2D(6, [4, 2], strides: [2, 3], padding: "same", activation: "tanh").Apply(input),
            new Conv2D(5, [3, 3], dilationRate: [2, 2], padding: "same", useBias: false).Apply(input),
            new Conv2D(4, [2, 3], dilationRate: [1, 2]).Apply(input),
            new Conv2D(6, [3, 3], groups: 2, padding: "same").Apply(input),
        };
        MatchesPredict(new Model([input], outputs, name: "conv2d_variants"), [Normal(21, 2, 9, 11, 4)]);
    }

    [OnnxFact]
    public void ResidualBlockWithBatchNormDepthwiseSeparableAndPooling()
    {
        var input = Keras.Input([10, 10, 3], name: "x");
        var x = new ZeroPadding2D([1, 2, 0, 1]).Apply(input);
        x = new Conv2D(8, [3, 3], padding: "same").Apply(x);
        x = new BatchNormalization().Apply(x);
        x = new Activation("relu").Apply(x);
        var shortcut = x;
        var y = new DepthwiseConv2D([3, 3], padding: "same", depthMultiplier: 2, activation: "relu6").Apply(x);
        y = new SeparableConv2D(8, [3, 3], padding: "same", depthMultiplier: 2).Apply(y);
        y = new BatchNormalization().Apply(y);
        x = new Activation("relu").Apply(new Add().Apply(y, shortcut));
        x = new AveragePooling2D([3, 3], strides: [2, 2], padding: "same").Apply(x);
        x = new MaxPooling2D([2, 2], strides: [1, 1], padding: "same").Apply(x);
        x = new Cropping2D([1, 0, 0, 2]).Apply(x);
        var pooled = new GlobalAveragePooling2D().Apply(x);
        var maxed = new GlobalMaxPooling2D(keepdims: true).Apply(x);
        var head = new Dense(4).Apply(new Concatenate().Apply(pooled, new Flatten().Apply(maxed)));
        var model = new Model([input], [head, x], name: "resnetish");
        RandomizeStatistics(model);
        MatchesPredict(model, [Normal(22, 2, 10, 10, 3)]);
    }

    [OnnxFact]
    public void Conv1DAndPooling1D()
    {
        var input = Keras.Input([16, 3], name: "signal");
        var outputs = new List<KerasTensor>
        {
            new Conv1D(4, [3]).Apply(input),
            new Conv1D(4, [4], strides: [3], padding: "same", activation: "elu").Apply(input),
            new Conv1D(5, [3], padding: "causal", dilationRate: [2]).Apply(input),
            new MaxPooling1D([3], strides: [2], padding: "same").Apply(input),
            new AveragePooling1D([3], padding: "same").Apply(input),
            new GlobalAveragePooling1D().Apply(input),
            new GlobalMaxPooling1D(keepdims: true).Apply(new Conv1D(2, [2]).Apply(input)),
        };
        MatchesPredict(new Model([input], outputs, name: "conv1d"), [Normal(23, 2, 16, 3)]);
    }

    [OnnxFact]
    public void Conv2DTransposeAndUpSampling()
    {
        var input = Keras.Input([5, 6, 3], name: "x");
        var outputs = new List<KerasTensor>
        {
            new Conv2DTranspose(4, [3, 3]).Apply(input),
            new Conv2DTranspose(4, [3, 3], strides: [2, 2], padding: "same").Apply(input),
            new Conv2DTranspose(2, [1, 1], strides: [2, 2], padding: "same").Apply(input),
            new Conv2DTranspose(2, [2, 3], strides: [3, 2]).Apply(input),
            new Conv2DTranspose(3, [3, 3], strides: [2, 2], padding: "same", outputPadding: [0, 1], activation: "sigmoid").Apply(input),
            new Conv2DTranspose(2, [3, 3], dilationRate: [2, 2], padding: "same").Apply(input),
            new UpSampling2D([2, 3]).Apply(input),
            new UpSampling2D([2, 2], interpolation: "bilinear").Apply(input),
        };
        MatchesPredict(new Model([input], outputs, name: "upsampling"), [Normal(24, 2, 5, 6, 3)]);
    }

    [OnnxFact]
    public void UnknownSpatialSizesUseSameUpperPadding()
    {
        var input = Keras.Input([-1, -1, 3], name: "x");
        var x = new Conv2D(4, [3, 3], strides: [2, 2], padding: "same", activation: "relu").Apply(input);
        x = new MaxPooling2D([2, 2], padding: "same").Apply(x);
        var y = new Dense(2).Apply(new GlobalAveragePooling2D().Apply(x));
        var model = new Model(input, y, name: "any_size");
        MatchesPredict(model, [Normal(25, 2, 9, 7, 3)]);
        MatchesPredict(model, [Normal(26, 1, 6, 10, 3)]);
    }

    /// <summary>Moves every BatchNormalization's statistics and scale away from their initial values.</summary>
    internal static void RandomizeStatistics(Model model)
    {
        var rng = new Random(5);
        foreach (var layer in model.Layers.OfType<BatchNormalization>())
            foreach (var w in layer.Weights)
            {
                var data = new float[w.Shape.Size];
                for (int i = 0; i < data.Length; i++) data[i] = w.Name.Contains("variance") ? 0.5f + (float)rng.NextDouble() : (float)(rng.NextDouble() - 0.5);
                w.Assign(Tensor.FromArray<float>(data, w.Shape));
            }
    }
}
