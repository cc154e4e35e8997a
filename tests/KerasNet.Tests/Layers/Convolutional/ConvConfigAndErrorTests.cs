using System.Text.Json.Nodes;
using KerasNet.Layers;
using KerasNet.Models;
using KerasNet.Regularizers;
using KerasNet.Saving;
using Xunit;

namespace KerasNet.Tests.Layers.Convolutional;

/// <summary>Configs with Keras's keys and defaults, config round trips, default names, shape inference
/// with unknown axes, and the errors: wrong rank, a "valid" window larger than the input,
/// channels_first, and Keras's argument checks — each naming the layer.</summary>
public class ConvConfigAndErrorTests
{
    private const string DType = """{"module":"keras","class_name":"DTypePolicy","config":{"name":"float32"},"registered_name":null}""";
    private const string Glorot = """{"module":"keras.initializers","class_name":"GlorotUniform","config":{"seed":null},"registered_name":null}""";
    private const string Zeros = """{"module":"keras.initializers","class_name":"Zeros","config":{},"registered_name":null}""";

    /// <summary>Every layer of this family, built with its defaults where Keras has them.</summary>
    public static IEnumerable<object[]> AllLayers() =>
    [
        ["Conv1D"], ["Conv2D"], ["DepthwiseConv2D"], ["SeparableConv2D"], ["Conv2DTranspose"],
        ["MaxPooling1D"], ["MaxPooling2D"], ["AveragePooling1D"], ["AveragePooling2D"],
        ["GlobalMaxPooling1D"], ["GlobalMaxPooling2D"], ["GlobalAveragePooling1D"], ["GlobalAveragePooling2D"],
        ["ZeroPadding2D"], ["Cropping2D"], ["UpSampling2D"],
    ];

    private static Layer Make(string cls, string? dataFormat = null, string? name = null) => cls switch
    {
        "Conv1D" => new Conv1D(4, [3], dataFormat: dataFormat, name: name),
        "Conv2D" => new Conv2D(4, [3], dataFormat: dataFormat, name: name),
        "DepthwiseConv2D" => new DepthwiseConv2D([3], dataFormat: dataFormat, name: name),
        "SeparableConv2D" => new SeparableConv2D(4, [3], dataFormat: dataFormat, name: name),
        "Conv2DTranspose" => new Conv2DTranspose(4, [3], dataFormat: dataFormat, name: name),
        "MaxPooling1D" => new MaxPooling1D(dataFormat: dataFormat, name: name),
        "MaxPooling2D" => new MaxPooling2D(dataFormat: dataFormat, name: name),
        "AveragePooling1D" => new AveragePooling1D(dataFormat: dataFormat, name: name),
        "AveragePooling2D" => new AveragePooling2D(dataFormat: dataFormat, name: name),
        "GlobalMaxPooling1D" => new GlobalMaxPooling1D(dataFormat, name: name),
        "GlobalMaxPooling2D" => new GlobalMaxPooling2D(dataFormat, name: name),
        "GlobalAveragePooling1D" => new GlobalAveragePooling1D(dataFormat, name: name),
        "GlobalAveragePooling2D" => new GlobalAveragePooling2D(dataFormat, name: name),
        "ZeroPadding2D" => new ZeroPadding2D(dataFormat: dataFormat, name: name),
        "Cropping2D" => new Cropping2D(dataFormat: dataFormat, name: name),
        "UpSampling2D" => new UpSampling2D(dataFormat: dataFormat, name: name),
        _ => throw new ArgumentException(cls),
    };

    private static bool OneD(string cls) => cls.EndsWith("1D", StringComparison.Ordinal);

    // ----- configs -----

    [Fact]
    public void Conv2DDefaultConfigIsKeras()
    {
        var layer = new Conv2D(32, [3, 3], name: "conv2d");
        string expected = $$"""
            {"name":"conv2d","trainable":true,"dtype":{{DType}},"filters":32,"kernel_size":[3,3],"strides":[1,1],
            "padding":"valid","data_format":"channels_last","dilation_rate":[1,1],"groups":1,"activation":"linear",
            "use_bias":true,"kernel_initializer":{{Glorot}},"bias_initializer":{{Zeros}},"kernel_regularizer":null,
            "bias_regularizer":null,"activity_regularizer":null,"kernel_constraint":null,"bias_constraint":null}
            """;
        Assert.Equal(JsonNode.Parse(expected)!.ToJsonString(), layer.GetConfig().ToJsonString());
    }

    [Fact]
    public void ConfigKeysAreKerasKeysInKerasOrder()
    {
        string[] Keys(Layer l) => l.GetConfig().Select(kv => kv.Key).ToArray();
        string[] common = ["name", "trainable", "dtype"];
        Assert.Equal([.. common, "filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "groups", "activation", "use_bias",
            "kernel_initializer", "bias_initializer", "kernel_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint"],
            Keys(new Conv1D(2, [3])));
        Assert.Equal([.. common, "depth_multiplier", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "activation", "use_bias",
            "depthwise_initializer", "bias_initializer", "depthwise_regularizer", "bias_regularizer", "activity_regularizer", "depthwise_constraint", "bias_constraint"],
            Keys(new DepthwiseConv2D([3])));
        Assert.Equal([.. common, "depth_multiplier", "filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "activation", "use_bias",
            "depthwise_initializer", "pointwise_initializer", "bias_initializer", "depthwise_regularizer", "pointwise_regularizer", "bias_regularizer",
            "activity_regularizer", "depthwise_constraint", "pointwise_constraint", "bias_constraint"],
            Keys(new SeparableConv2D(2, [3])));
        Assert.Equal([.. common, "filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "activation", "use_bias",
            "kernel_initializer", "bias_initializer", "kernel_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint"],
            Keys(new Conv2DTranspose(2, [3])));
        Assert.Equal([.. common, "pool_size", "padding", "strides", "data_format"], Keys(new MaxPooling2D()));
        Assert.Equal([.. common, "data_format", "keepdims"], Keys(new GlobalAveragePooling1D()));
        Assert.Equal([.. common, "padding", "data_format"], Keys(new ZeroPadding2D()));
        Assert.Equal([.. common, "cropping", "data_format"], Keys(new Cropping2D()));
        Assert.Equal([.. common, "size", "data_format", "interpolation"], Keys(new UpSampling2D()));
    }

    [Fact]
    public void DefaultValuesAreKeras()
    {
        var pool = new MaxPooling2D().GetConfig();
        Assert.Equal("[2,2]", pool["pool_size"]!.ToJsonString());
        Assert.Equal("[2,2]", pool["strides"]!.ToJsonString()); // None -> pool_size
        Assert.Equal("[3]", new AveragePooling1D([3]).GetConfig()["strides"]!.ToJsonString());
        Assert.False(new GlobalMaxPooling2D().GetConfig()["keepdims"]!.GetValue<bool>());
        Assert.Equal("[[1,1],[1,1]]", new ZeroPadding2D().GetConfig()["padding"]!.ToJsonString());
        Assert.Equal("[[0,0],[0,0]]", new Cropping2D().GetConfig()["cropping"]!.ToJsonString());
        Assert.Equal("[[1,2],[3,4]]", new Cropping2D([1, 2, 3, 4]).GetConfig()["cropping"]!.ToJsonString());
        Assert.Equal("[[2,2],[3,3]]", new ZeroPadding2D([2, 3]).GetConfig()["padding"]!.ToJsonString());
        var up = new UpSampling2D().GetConfig();
        Assert.Equal("[2,2]", up["size"]!.ToJsonString());
        Assert.Equal("nearest", up["interpolation"]!.GetValue<string>());
        var dw = new DepthwiseConv2D([3]).GetConfig();
        Assert.Equal(1, dw["depth_multiplier"]!.GetValue<int>());
        Assert.Equal("GlorotUniform", dw["depthwise_initializer"]!["class_name"]!.GetValue<string>());
        Assert.Null(new Conv2DTranspose(2, [3]).GetConfig()["output_padding"]);
        Assert.Equal("[1,1]", new Conv2DTranspose(2, [3], strides: [2], outputPadding: [1]).GetConfig()["output_padding"]!.ToJsonString());
    }

    [Theory, MemberData(nameof(AllLayers))]
    public void ConfigRoundTripsThroughJsonText(string cls)
    {
        var layer = Make(cls);
        var text = KerasRegistry.Serialize(layer, "keras.layers").ToJsonString();
        var clone = KerasRegistry.Deserialize<Layer>(JsonNode.Parse(text)!);
        Assert.Equal(layer.GetType(), clone.GetType());
        Assert.Equal(layer.GetConfig().ToJsonString(), clone.GetConfig().ToJsonString());
    }

    [Fact]
    public void NonDefaultArgumentsRoundTrip()
    {
        Layer[] layers =
        [
            new Conv2D(6, [3, 5], strides: [1, 2], padding: "SAME", groups: 3, activation: "relu", useBias: false,
                kernelInitializer: "he_normal", biasInitializer: "ones", trainable: false),
            new Conv1D(2, [4], padding: "causal", dilationRate: [3], activation: "sigmoid"),
            new DepthwiseConv2D([3, 1], strides: [2], padding: "same", depthMultiplier: 3, depthwiseInitializer: "lecun_uniform"),
            new SeparableConv2D(3, [3], dilationRate: [2], depthMultiplier: 2, pointwiseInitializer: "zeros",
                depthwiseRegularizer: "l2", pointwiseConstraint: "non_neg", activityRegularizer: "l1"),
            new Conv2D(2, [3], kernelRegularizer: "l1_l2", biasRegularizer: "l2", kernelConstraint: "max_norm", biasConstraint: "non_neg"),
            new Conv2DTranspose(5, [4], strides: [3, 2], padding: "same", outputPadding: [2, 1], activation: "tanh"),
            new MaxPooling2D([3, 2], strides: [1, 2], padding: "same"),
            new AveragePooling1D([4], strides: [3]),
            new GlobalAveragePooling2D(keepdims: true),
            new ZeroPadding2D([1, 2, 3, 4]),
            new Cropping2D([0, 1, 2, 0]),
            new UpSampling2D([3, 2], interpolation: "bilinear"),
        ];
        foreach (var layer in layers)
        {
            var clone = KerasRegistry.Deserialize<Layer>(JsonNode.Parse(KerasRegistry.Serialize(layer, "keras.layers").ToJsonString())!);
            Assert.Equal(layer.GetConfig().ToJsonString(), clone.GetConfig().ToJsonString());
        }
        Assert.Equal("same", ((Conv2D)layers[0]).Padding); // lower-cased as Keras's standardize_padding
    }

    [Fact]
    public void ReadsAConfigAsKerasWritesIt()
    {
        string json = $$$"""
            {"module":"keras.layers","class_name":"Conv2D","config":{"name":"conv2d_7","trainable":true,"dtype":{{{DType}}},
            "filters":8,"kernel_size":[5,5],"strides":[2,2],"padding":"same","data_format":"channels_last","dilation_rate":[1,1],
            "groups":1,"activation":"relu","use_bias":true,"kernel_initializer":{{{Glorot}}},"bias_initializer":{{{Zeros}}},
            "kernel_regularizer":null,"bias_regularizer":null,"activity_regularizer":null,"kernel_constraint":null,"bias_constraint":null},
            "registered_name":null,"build_config":{"input_shape":[null,28,28,1]}}
            """;
        var layer = Assert.IsType<Conv2D>(KerasRegistry.Deserialize<Layer>(JsonNode.Parse(json)!));
        Assert.Equal("conv2d_7", layer.Name);
        Assert.Equal([5, 5], layer.KernelSize);
        Assert.Equal([2, 2], layer.Strides);
        Assert.Equal("relu", Activations.NameOf(layer.Activation));
        Assert.Equal(new Shape(-1, 14, 14, 8), layer.ComputeOutputShape(new Shape(-1, 28, 28, 1)));
        // Keras's int shorthand ("kernel_size": 3) is accepted too.
        var pool = Assert.IsType<MaxPooling1D>(KerasRegistry.Deserialize<Layer>(JsonNode.Parse("""{"class_name":"MaxPooling1D","config":{"pool_size":3,"strides":null}}""")!));
        Assert.Equal([3], pool.PoolSize);
        Assert.Equal([3], pool.Strides);
        var pad = Assert.IsType<ZeroPadding2D>(KerasRegistry.Deserialize<Layer>(JsonNode.Parse("""{"class_name":"ZeroPadding2D","config":{"padding":2}}""")!));
        Assert.Equal((2, 2, 2, 2), pad.Padding);
    }

    [Fact]
    public void DefaultNamesAreKerasSnakeCase()
    {
        static void Check(Layer l, string prefix) =>
            Assert.Matches($"^{prefix}(_[0-9]+)?$", l.Name);
        Check(new Conv1D(1, [1]), "conv1d");
        Check(new Conv2D(1, [1]), "conv2d");
        Check(new DepthwiseConv2D([1]), "depthwise_conv2d");
        Check(new SeparableConv2D(1, [1]), "separable_conv2d");
        Check(new Conv2DTranspose(1, [1]), "conv2d_transpose");
        Check(new MaxPooling2D(), "max_pooling2d");
        Check(new AveragePooling1D(), "average_pooling1d");
        Check(new GlobalAveragePooling2D(), "global_average_pooling2d");
        Check(new GlobalMaxPooling1D(), "global_max_pooling1d");
        Check(new ZeroPadding2D(), "zero_padding2d");
        Check(new Cropping2D(), "cropping2d");
        Check(new UpSampling2D(), "up_sampling2d");
    }

    [Fact]
    public void KerasAliasesResolve()
    {
        Assert.IsType<MaxPooling2D>(KerasRegistry.Get<Layer>("MaxPool2D"));
        Assert.IsType<AveragePooling1D>(KerasRegistry.Get<Layer>("AvgPool1D"));
        Assert.IsType<GlobalAveragePooling2D>(KerasRegistry.Get<Layer>("GlobalAvgPool2D"));
        Assert.IsType<GlobalMaxPooling1D>(KerasRegistry.Get<Layer>("GlobalMaxPool1D"));
    }

    // ----- shapes -----

    [Theory, MemberData(nameof(AllLayers))]
    public void UnknownSpatialAxesStayUnknown(string cls)
    {
        var layer = Make(cls);
        var shape = OneD(cls) ? new Shape(-1, -1, 3) : new Shape(-1, -1, -1, 3);
        var out1 = layer.ComputeOutputShape(shape);
        Assert.Equal(-1, out1[0]);
        if (!cls.StartsWith("Global", StringComparison.Ordinal))
            for (int i = 1; i < shape.Rank - 1; i++) Assert.Equal(-1, out1[i]);
        // Symbolic: building on unknown spatial axes works and the functional output keeps them unknown.
        var input = Keras.Input(OneD(cls) ? [-1, 3] : [-1, -1, 3]);
        var output = Make(cls).Apply(input);
        Assert.Equal(out1, output.Shape);
    }

    [Fact]
    public void ConvOutputShapesFollowKerasArithmetic()
    {
        Assert.Equal(new Shape(-1, 4, 4, 5), new Conv2D(5, [3], strides: [2], padding: "same").ComputeOutputShape(new Shape(-1, 8, 8, 3)));
        Assert.Equal(new Shape(-1, 4, 4, 5), new Conv2D(5, [3], strides: [2], padding: "same").ComputeOutputShape(new Shape(-1, 7, 7, 3)));
        Assert.Equal(new Shape(-1, 3, 3, 5), new Conv2D(5, [3], strides: [2]).ComputeOutputShape(new Shape(-1, 7, 8, 3)));
        Assert.Equal(new Shape(2, 5, -1, 5), new Conv2D(5, [3], dilationRate: [2]).ComputeOutputShape(new Shape(2, 9, -1, 3)));
        Assert.Equal(new Shape(-1, 9, 2), new Conv1D(2, [3], padding: "causal", dilationRate: [4]).ComputeOutputShape(new Shape(-1, 9, 1)));
        Assert.Equal(new Shape(-1, 14, 10, 6), new DepthwiseConv2D([3], strides: [2], padding: "same", depthMultiplier: 2).ComputeOutputShape(new Shape(-1, 27, 19, 3)));
        Assert.Equal(new Shape(-1, 8, 8, 2), new Conv2DTranspose(2, [3], strides: [2], padding: "same").ComputeOutputShape(new Shape(-1, 4, 4, 3)));
        Assert.Equal(new Shape(-1, 9, 9, 2), new Conv2DTranspose(2, [3], strides: [2]).ComputeOutputShape(new Shape(-1, 4, 4, 3)));
        Assert.Equal(new Shape(-1, 7, 8, 2), new Conv2DTranspose(2, [3], strides: [2], padding: "same", outputPadding: [0, 1]).ComputeOutputShape(new Shape(-1, 4, 4, 3)));
        Assert.Equal(new Shape(-1, 10, 10, 2), new Conv2DTranspose(2, [4], strides: [2], outputPadding: [0]).ComputeOutputShape(new Shape(-1, 4, 4, 3)));
        Assert.Equal(new Shape(-1, 3, 3, 3), new MaxPooling2D().ComputeOutputShape(new Shape(-1, 7, 7, 3)));
        Assert.Equal(new Shape(-1, 4, 4, 3), new MaxPooling2D(padding: "same").ComputeOutputShape(new Shape(-1, 7, 7, 3)));
    }

    // ----- errors -----

    [Theory, MemberData(nameof(AllLayers))]
    public void WrongRankNamesTheLayerAndTheExpectedRank(string cls)
    {
        var layer = Make(cls, name: $"my_{cls.ToLowerInvariant()}");
        int rank = OneD(cls) ? 3 : 4;
        var x = Ops.Zeros(OneD(cls) ? new Shape(2, 5) : new Shape(2, 5, 3));
        var e = Assert.ThrowsAny<ArgumentException>(() => layer.Apply(x));
        Assert.Contains($"'my_{cls.ToLowerInvariant()}'", e.Message);
        Assert.Contains($"expected rank {rank}", e.Message);
        Assert.Contains($"got rank {rank - 1}", e.Message);
        var symbolic = Make(cls, name: $"sym_{cls.ToLowerInvariant()}");
        var e2 = Assert.ThrowsAny<ArgumentException>(() => symbolic.Apply(Keras.Input(OneD(cls) ? [5, 3, 1] : [5, 5, 3, 1])));
        Assert.Contains($"'sym_{cls.ToLowerInvariant()}'", e2.Message);
        Assert.Contains($"expected rank {rank}", e2.Message);
    }

    [Theory, MemberData(nameof(AllLayers))]
    public void ChannelsFirstIsRefusedWithAReason(string cls)
    {
        var e = Assert.Throws<NotSupportedException>(() => Make(cls, "channels_first", "cf_layer"));
        Assert.Contains("'cf_layer'", e.Message);
        Assert.Contains("channels_first", e.Message);
        Assert.Contains("channels_last", e.Message);
        var bad = Assert.Throws<ArgumentException>(() => Make(cls, "nhwc", "bad_layer"));
        Assert.Contains("'bad_layer'", bad.Message);
    }

    public static IEnumerable<object[]> TooLargeForValid() =>
    [
        ["conv2d", (Func<Layer>)(() => new Conv2D(2, [5], name: "big_conv2d")), new[] { 1, 4, 6, 1 }],
        ["conv2d_dilated", (Func<Layer>)(() => new Conv2D(2, [3], dilationRate: [3], name: "big_dilated")), new[] { 1, 6, 9, 1 }],
        ["conv1d", (Func<Layer>)(() => new Conv1D(2, [4], name: "big_conv1d")), new[] { 1, 3, 1 }],
        ["depthwise", (Func<Layer>)(() => new DepthwiseConv2D([3], name: "big_depthwise")), new[] { 1, 2, 5, 1 }],
        ["separable", (Func<Layer>)(() => new SeparableConv2D(2, [3], name: "big_separable")), new[] { 1, 5, 2, 1 }],
        ["maxpool2d", (Func<Layer>)(() => new MaxPooling2D([3], name: "big_pool")), new[] { 1, 2, 2, 1 }],
        ["avgpool1d", (Func<Layer>)(() => new AveragePooling1D([4], name: "big_avgpool")), new[] { 1, 3, 1 }],
    ];

    [Theory, MemberData(nameof(TooLargeForValid))]
    public void ValidWindowLargerThanTheInputNamesTheLayer(string what, Func<Layer> factory, int[] shape)
    {
        _ = what;
        // Eager (fails while building)...
        var layer = factory();
        var e = Assert.ThrowsAny<ArgumentException>(() => layer.Apply(Ops.Zeros(new Shape(shape))));
        Assert.Contains($"'{layer.Name}'", e.Message);
        Assert.Contains("larger than the input", e.Message);
        Assert.Contains("valid", e.Message);
        // ... symbolically ...
        var symbolic = factory();
        var e2 = Assert.ThrowsAny<ArgumentException>(() => symbolic.Apply(Keras.Input(shape[1..])));
        Assert.Contains($"'{symbolic.Name}'", e2.Message);
        // ... and on a layer built on unknown spatial sizes, at call time.
        var late = factory();
        late.Apply(Keras.Input([.. Enumerable.Repeat(-1, shape.Length - 2), shape[^1]]));
        var e3 = Assert.ThrowsAny<ArgumentException>(() => late.Apply(Ops.Zeros(new Shape(shape))));
        Assert.Contains($"'{late.Name}'", e3.Message);
        Assert.Contains("larger than the input", e3.Message);
    }

    [Fact]
    public void CroppingEverythingNamesTheLayer()
    {
        var layer = new Cropping2D([2, 1, 0, 0], name: "crop_all");
        var e = Assert.Throws<ArgumentException>(() => layer.Apply(Ops.Zeros(new Shape(1, 3, 4, 1))));
        Assert.Contains("'crop_all'", e.Message);
        Assert.Contains("cropping", e.Message);
    }

    [Fact]
    public void ArgumentChecksFollowKeras()
    {
        Assert.Contains("filters", Assert.Throws<ArgumentException>(() => new Conv2D(0, [3], name: "c0")).Message);
        Assert.Contains("groups", Assert.Throws<ArgumentException>(() => new Conv2D(5, [3], groups: 2, name: "c1")).Message);
        Assert.Contains("kernel_size", Assert.Throws<ArgumentException>(() => new Conv2D(4, [3, 0], name: "c2")).Message);
        Assert.Contains("kernel_size", Assert.Throws<ArgumentException>(() => new Conv2D(4, [3, 3, 3], name: "c3")).Message);
        Assert.Contains("dilation_rate", Assert.Throws<ArgumentException>(() => new Conv2D(4, [3], strides: [2], dilationRate: [2], name: "c4")).Message);
        Assert.Contains("causal", Assert.Throws<ArgumentException>(() => new Conv2D(4, [3], padding: "causal", name: "c5")).Message);
        Assert.Contains("'c6'", Assert.Throws<ArgumentException>(() => new MaxPooling2D(padding: "full", name: "c6")).Message);
        Assert.Contains("output_padding", Assert.Throws<ArgumentException>(() => new Conv2DTranspose(2, [3], strides: [2], outputPadding: [2], name: "c7")).Message);
        Assert.Contains("depth_multiplier", Assert.Throws<ArgumentException>(() => new DepthwiseConv2D([3], depthMultiplier: 0, name: "c8")).Message);
        Assert.Contains("bicubic", Assert.Throws<NotSupportedException>(() => new UpSampling2D(interpolation: "bicubic", name: "c9")).Message);
        Assert.Contains("negative", Assert.Throws<ArgumentException>(() => new ZeroPadding2D([-1], name: "c10")).Message);
        // Input channels that the groups do not divide fail at build, naming the layer.
        var grouped = new Conv2D(4, [3], groups: 2, name: "grouped");
        var e = Assert.Throws<ArgumentException>(() => grouped.Apply(Ops.Zeros(new Shape(1, 5, 5, 3))));
        Assert.Contains("'grouped'", e.Message);
        // Channels that differ from the built ones are rejected by the input spec.
        var conv = new Conv2D(2, [3], name: "built_on_3");
        conv.Apply(Ops.Zeros(new Shape(1, 5, 5, 3)));
        var e2 = Assert.Throws<ArgumentException>(() => conv.Apply(Ops.Zeros(new Shape(1, 5, 5, 4))));
        Assert.Contains("'built_on_3'", e2.Message);
        Assert.Contains("axis -1", e2.Message);
    }

    // ----- weights, regularizers -----

    [Fact]
    public void WeightsHaveKerasLayoutsAndNames()
    {
        var x4 = Ops.Zeros(new Shape(1, 6, 6, 4));
        var conv = new Conv2D(6, [3, 2], groups: 2);
        conv.Apply(x4);
        Assert.Equal(["kernel", "bias"], conv.Weights.Select(w => w.Name));
        Assert.Equal(new Shape(3, 2, 2, 6), conv.Kernel!.Shape);
        var dw = new DepthwiseConv2D([3], depthMultiplier: 2);
        dw.Apply(x4);
        Assert.Equal(new Shape(3, 3, 4, 2), dw.Kernel!.Shape);
        Assert.Equal(new Shape(8), dw.Bias!.Shape);
        var sep = new SeparableConv2D(5, [3], depthMultiplier: 2);
        sep.Apply(x4);
        Assert.Equal(["depthwise_kernel", "pointwise_kernel", "bias"], sep.Weights.Select(w => w.Name));
        Assert.Equal(new Shape(1, 1, 8, 5), sep.PointwiseKernel!.Shape);
        var tr = new Conv2DTranspose(5, [3, 2]);
        tr.Apply(x4);
        Assert.Equal(new Shape(3, 2, 5, 4), tr.Kernel!.Shape);
        var c1 = new Conv1D(3, [5]);
        c1.Apply(Ops.Zeros(new Shape(1, 8, 2)));
        Assert.Equal(new Shape(5, 2, 3), c1.Kernel!.Shape);
        Assert.Equal(0L, new MaxPooling2D().CountParams());
    }

    private sealed class SumAbs : Regularizer
    {
        public override Tensor Call(Tensor x) => Ops.Sum(Ops.Abs(x));

        public override JsonObject GetConfig() => [];
    }

    [Fact]
    public void RegularizersAddLosses()
    {
        var layer = new Conv2D(2, [2], kernelRegularizer: new SumAbs(), activityRegularizer: new SumAbs(), kernelInitializer: "ones");
        var y = layer.Apply(Tensor.FromArray(Enumerable.Range(0, 9).Select(i => (float)i).ToArray(), 1, 3, 3, 1));
        var losses = layer.Losses;
        Assert.Equal(2, losses.Count);
        Assert.Equal(8f, losses[0].ToScalar()); // |kernel| = 2x2x1x2 ones
        Assert.Equal(y.ToArray().Sum(Math.Abs), losses[1].ToScalar(), 4);
    }
}
