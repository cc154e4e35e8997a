using System.Text.Json.Nodes;
using KerasNet.Layers;
using KerasNet.Models;
using KerasNet.Regularizers;
using KerasNet.Saving;
using Xunit;

namespace KerasNet.Tests.Layers;

/// <summary>Configs match what Keras 3's get_config writes (key names, defaults, nested serialization), and
/// configs written by Keras deserialize.</summary>
public class KerasConfigTests
{
    private const string DType = """{"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null}""";

    private static string Init(string cls, string config) =>
        $$"""{"module": "keras.initializers", "class_name": "{{cls}}", "config": {{config}}, "registered_name": null}""";

    public static IEnumerable<object[]> Cases() =>
    [
        ["dense", $$"""{"name": "d", "trainable": true, "dtype": {{DType}}, "units": 3, "activation": "relu", "use_bias": true, "kernel_initializer": {{Init("GlorotUniform", """{"seed": null}""")}}, "bias_initializer": {{Init("Zeros", "{}")}}, "kernel_regularizer": null, "bias_regularizer": null, "kernel_constraint": null, "bias_constraint": null, "quantization_config": null}"""],
        ["embedding", $$"""{"name": "e", "trainable": true, "dtype": {{DType}}, "input_dim": 10, "output_dim": 4, "embeddings_initializer": {{Init("RandomUniform", """{"minval": -0.05, "maxval": 0.05, "seed": null}""")}}, "embeddings_regularizer": null, "activity_regularizer": null, "embeddings_constraint": null, "mask_zero": true, "quantization_config": null}"""],
        ["dropout", $$"""{"name": "dr", "trainable": true, "dtype": {{DType}}, "rate": 0.25, "seed": 42, "noise_shape": [null, 1, 8]}"""],
        // Keras resolves "swish" to silu and writes the function's own name.
        ["activation", $$"""{"name": "a", "trainable": true, "dtype": {{DType}}, "activation": "silu"}"""],
        ["relu", $$"""{"name": "r", "trainable": true, "dtype": {{DType}}, "max_value": 6.0, "negative_slope": 0.0, "threshold": 0.0}"""],
        ["leaky_relu", $$"""{"name": "lr", "trainable": true, "dtype": {{DType}}, "negative_slope": 0.3}"""],
        ["prelu", $$"""{"name": "p", "trainable": true, "dtype": {{DType}}, "alpha_initializer": {{Init("Zeros", "{}")}}, "alpha_regularizer": null, "alpha_constraint": null, "shared_axes": [1, 2]}"""],
        ["elu", $$"""{"name": "el", "trainable": true, "dtype": {{DType}}, "alpha": 1.0}"""],
        ["softmax", $$"""{"name": "s", "trainable": true, "dtype": {{DType}}, "axis": -1}"""],
        ["flatten", $$"""{"name": "f", "trainable": true, "dtype": {{DType}}, "data_format": "channels_last"}"""],
        ["reshape", $$"""{"name": "rs", "trainable": true, "dtype": {{DType}}, "target_shape": [3, -1]}"""],
        ["permute", $$"""{"name": "pm", "trainable": true, "dtype": {{DType}}, "dims": [2, 1]}"""],
        ["repeat_vector", $$"""{"name": "rv", "trainable": true, "dtype": {{DType}}, "n": 4}"""],
        ["identity", $$"""{"name": "i", "trainable": true, "dtype": {{DType}}}"""],
        ["add", $$"""{"name": "ad", "trainable": true, "dtype": {{DType}}}"""],
        ["concatenate", $$"""{"name": "c", "trainable": true, "dtype": {{DType}}, "axis": 1}"""],
        ["dot", $$"""{"name": "dt", "trainable": true, "dtype": {{DType}}, "axes": [1, 2], "normalize": true}"""],
    ];

    private static Layer Make(string which) => which switch
    {
        "dense" => new Dense(3, activation: "relu", name: "d"),
        "embedding" => new Embedding(10, 4, maskZero: true, name: "e"),
        "dropout" => new Dropout(0.25f, noiseShape: [-1, 1, 8], seed: 42, name: "dr"),
        "activation" => new Activation("swish", name: "a"),
        "relu" => new ReLU(maxValue: 6f, name: "r"),
        "leaky_relu" => new LeakyReLU(name: "lr"),
        "prelu" => new PReLU(sharedAxes: [1, 2], name: "p"),
        "elu" => new ELU(name: "el"),
        "softmax" => new KerasNet.Layers.Softmax(name: "s"),
        "flatten" => new Flatten(name: "f"),
        "reshape" => new Reshape([3, -1], name: "rs"),
        "permute" => new Permute([2, 1], name: "pm"),
        "repeat_vector" => new RepeatVector(4, name: "rv"),
        "identity" => new KerasNet.Layers.Identity(name: "i"),
        "add" => new KerasNet.Layers.Add(name: "ad"),
        "concatenate" => new KerasNet.Layers.Concatenate(1, name: "c"),
        "dot" => new Dot([1, 2], normalize: true, name: "dt"),
        _ => throw new ArgumentOutOfRangeException(nameof(which)),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ConfigMatchesKeras(string which, string kerasConfig)
    {
        var layer = Make(which);
        var ours = JsonNode.Parse(layer.GetConfig().ToJsonString())!;
        var keras = JsonNode.Parse(kerasConfig)!;
        Assert.True(JsonNode.DeepEquals(keras, ours), $"{which}:\n  ours:  {ours.ToJsonString()}\n  Keras: {keras.ToJsonString()}");

        // Keras's serialized form (with build_config, which KerasNet ignores) deserializes to the same config.
        var wrapped = JsonNode.Parse($$$"""{"module": "keras.layers", "class_name": "{{{layer.ClassName}}}", "config": {{{kerasConfig}}}, "registered_name": null, "build_config": {"input_shape": [null, 4]}}""")!;
        var rebuilt = KerasRegistry.Deserialize<Layer>(wrapped);
        Assert.Equal(layer.GetType(), rebuilt.GetType());
        Assert.True(JsonNode.DeepEquals(ours, JsonNode.Parse(rebuilt.GetConfig().ToJsonString())), $"{which} rebuilt: {rebuilt.GetConfig().ToJsonString()}");
    }

    [Fact]
    public void OlderKerasConfigsWithoutNewKeysStillLoad()
    {
        // Keras 3.0-3.5 wrote no quantization_config, and LeakyReLU's "alpha" in older files.
        var dense = (Dense)KerasRegistry.Deserialize<Layer>(JsonNode.Parse("""{"class_name": "Dense", "config": {"name": "old", "units": 2, "activation": "linear"}}""")!);
        Assert.Equal(2, dense.Units);
        Assert.Equal("old", dense.Name);
        var leaky = (LeakyReLU)KerasRegistry.Deserialize<Layer>(JsonNode.Parse("""{"class_name": "LeakyReLU", "config": {"alpha": 0.1}}""")!);
        Assert.Equal(0.1f, leaky.NegativeSlope);
    }

    [Fact]
    public void DefaultNamesFollowKerasSnakeCase()
    {
        Assert.StartsWith("re_lu", new ReLU().Name, StringComparison.Ordinal);
        Assert.StartsWith("p_re_lu", new PReLU().Name, StringComparison.Ordinal);
        Assert.StartsWith("leaky_re_lu", new LeakyReLU().Name, StringComparison.Ordinal);
        Assert.StartsWith("repeat_vector", new RepeatVector(2).Name, StringComparison.Ordinal);
        Assert.StartsWith("elu", new ELU().Name, StringComparison.Ordinal);
    }

    /// <summary>A test-local regularizer: the sum of the values.</summary>
    private sealed class SumRegularizer : Regularizer
    {
        public override Tensor Call(Tensor x) => Ops.Sum(x);

        public override JsonObject GetConfig() => [];
    }

    [Fact]
    public void RegularizersAddLossesAndAppearInTheConfig()
    {
        var dense = new Dense(2, kernelInitializer: "ones", kernelRegularizer: new SumRegularizer(), activityRegularizer: new SumRegularizer());
        var y = dense.Apply(Ops.Ones(new Shape(1, 3)));
        Assert.Equal(new float[] { 3, 3 }, y.ToArray());
        var losses = dense.Losses.Select(l => l.ToScalar()).ToArray();
        Assert.Equal(new float[] { 6, 6 }, losses); // kernel sum 6, output sum 6
        var config = dense.GetConfig();
        Assert.Equal("SumRegularizer", config["kernel_regularizer"]!["class_name"]!.GetValue<string>());
        Assert.Equal("SumRegularizer", config["activity_regularizer"]!["class_name"]!.GetValue<string>());
    }

    [Fact]
    public void ActivationNamesRoundTrip()
    {
        foreach (var name in KerasNet.Activations.KnownNames)
        {
            var fn = KerasNet.Activations.Get(name);
            string canonical = name switch { "swish" => "silu", "hard_swish" => "hard_silu", _ => name };
            Assert.Equal(canonical, KerasNet.Activations.NameOf(fn));
            Assert.Same(fn, KerasNet.Activations.Deserialize(KerasNet.Activations.Serialize(fn)));
        }
        Assert.Null(KerasNet.Activations.NameOf(x => x));
        Assert.Equal("linear", new Dense(1).GetConfig()["activation"]!.GetValue<string>());
    }
}
