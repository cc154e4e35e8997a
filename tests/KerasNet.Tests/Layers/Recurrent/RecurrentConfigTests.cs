using System.Text.Json.Nodes;
using KerasNet.Layers;
using KerasNet.Models;
using KerasNet.Saving;
using Xunit;

namespace KerasNet.Tests.Layers.Recurrent;

/// <summary>Configs match what Keras 3's get_config writes, and configs written by Keras load.</summary>
public class RecurrentConfigTests
{
    private const string DType = """{"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null}""";

    private static string Init(string cls, string config) =>
        $$"""{"module": "keras.initializers", "class_name": "{{cls}}", "config": {{config}}, "registered_name": null}""";

    private static readonly string Glorot = Init("GlorotUniform", """{"seed": null}""");
    private static readonly string Orthogonal = Init("Orthogonal", """{"seed": null, "gain": 1.0}""");
    private static readonly string Zeros = Init("Zeros", "{}");

    private const string RnnBase = """ "return_sequences": false, "return_state": false, "go_backwards": false, "stateful": false, "unroll": false, "zero_output_for_mask": false """;

    private static string Common(string extra) =>
        $$""" "kernel_regularizer": null, "recurrent_regularizer": null, "bias_regularizer": null, "activity_regularizer": null, "kernel_constraint": null, "recurrent_constraint": null, "bias_constraint": null, "dropout": 0.0, "recurrent_dropout": 0.0 {{extra}} """;

    public static IEnumerable<object[]> Cases() =>
    [
        ["lstm", $$"""{"name": "l", "trainable": true, "dtype": {{DType}}, {{RnnBase}}, "units": 4, "activation": "tanh", "recurrent_activation": "sigmoid", "use_bias": true, "kernel_initializer": {{Glorot}}, "recurrent_initializer": {{Orthogonal}}, "bias_initializer": {{Zeros}}, "unit_forget_bias": true, {{Common(", \"seed\": null")}}}"""],
        ["gru", $$"""{"name": "g", "trainable": true, "dtype": {{DType}}, {{RnnBase}}, "units": 4, "activation": "tanh", "recurrent_activation": "sigmoid", "use_bias": true, "kernel_initializer": {{Glorot}}, "recurrent_initializer": {{Orthogonal}}, "bias_initializer": {{Zeros}}, {{Common(", \"reset_after\": true, \"seed\": null")}}}"""],
        ["simple_rnn", $$"""{"name": "s", "trainable": true, "dtype": {{DType}}, {{RnnBase}}, "units": 4, "activation": "tanh", "use_bias": true, "kernel_initializer": {{Glorot}}, "recurrent_initializer": {{Orthogonal}}, "bias_initializer": {{Zeros}}, {{Common("")}}}"""],
        ["mha", $$"""{"name": "m", "trainable": true, "dtype": {{DType}}, "num_heads": 2, "key_dim": 8, "value_dim": 8, "dropout": 0.0, "use_bias": true, "output_shape": null, "attention_axes": null, "kernel_initializer": {{Glorot}}, "bias_initializer": {{Zeros}}, "kernel_regularizer": null, "bias_regularizer": null, "activity_regularizer": null, "kernel_constraint": null, "bias_constraint": null, "seed": null}"""],
        ["attention", $$"""{"name": "at", "trainable": true, "dtype": {{DType}}, "use_scale": true, "score_mode": "concat", "dropout": 0.1}"""],
        ["masking", $$"""{"name": "mk", "trainable": true, "dtype": {{DType}}, "mask_value": 0.0}"""],
        ["time_distributed", $$$"""{"name": "td", "trainable": true, "dtype": {{{DType}}}, "layer": {"module": "keras.layers", "class_name": "Dense", "config": {"name": "d", "trainable": true, "dtype": {{{DType}}}, "units": 3, "activation": "linear", "use_bias": true, "kernel_initializer": {{{Glorot}}}, "bias_initializer": {{{Zeros}}}, "kernel_regularizer": null, "bias_regularizer": null, "kernel_constraint": null, "bias_constraint": null, "quantization_config": null}, "registered_name": null}}"""],
    ];

    private static Layer Make(string which) => which switch
    {
        "lstm" => new LSTM(4, name: "l"),
        "gru" => new GRU(4, name: "g"),
        "simple_rnn" => new SimpleRNN(4, name: "s"),
        "mha" => new MultiHeadAttention(2, 8, name: "m"),
        "masking" => new Masking(name: "mk"),
        "attention" => new KerasNet.Layers.Attention(useScale: true, scoreMode: "concat", dropout: 0.1f, name: "at"),
        "time_distributed" => new TimeDistributed(new Dense(3, name: "d"), name: "td"),
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

        var wrapped = JsonNode.Parse($$$"""{"module": "keras.layers", "class_name": "{{{layer.ClassName}}}", "config": {{{kerasConfig}}}, "registered_name": null, "build_config": {"input_shape": [null, 5, 6]}}""")!;
        var rebuilt = KerasRegistry.Deserialize<Layer>(wrapped);
        Assert.Equal(layer.GetType(), rebuilt.GetType());
        Assert.True(JsonNode.DeepEquals(ours, JsonNode.Parse(rebuilt.GetConfig().ToJsonString())), $"{which} rebuilt: {rebuilt.GetConfig().ToJsonString()}");
    }

    [Fact]
    public void NonDefaultArgumentsRoundTrip()
    {
        var lstm = new LSTM(3, activation: "relu", recurrentActivation: "hard_sigmoid", useBias: false, unitForgetBias: false,
            kernelRegularizer: "l2", dropout: 0.25f, recurrentDropout: 0.5f, seed: 7, returnSequences: true, returnState: true, goBackwards: true, name: "x");
        var c = lstm.GetConfig();
        Assert.Equal("relu", c["activation"]!.GetValue<string>());
        Assert.Equal("hard_sigmoid", c["recurrent_activation"]!.GetValue<string>());
        Assert.Equal(0.25f, c["dropout"]!.GetValue<float>());
        Assert.Equal(7L, c["seed"]!.GetValue<long>());
        var back = (LSTM)KerasRegistry.Deserialize<Layer>(JsonNode.Parse(KerasRegistry.Serialize(lstm, "keras.layers").ToJsonString())!);
        Assert.Equal(c.ToJsonString(), back.GetConfig().ToJsonString());
        Assert.Equal(3, back.OutputCount);
        Assert.True(back.GoBackwards && back.ReturnSequences && !back.Cell.UseBias && back.Cell.RecurrentDropout == 0.5f);

        var gru = new GRU(2, resetAfter: false, name: "g2");
        Assert.False(((GRU)KerasRegistry.Deserialize<Layer>(KerasRegistry.Serialize(gru, "keras.layers"))).Cell.ResetAfter);
    }

    [Fact]
    public void RnnOverACellRoundTripsWithItsCell()
    {
        var rnn = new RNN(new GRUCell(3, resetAfter: false, name: "cell"), returnSequences: true, name: "r");
        var c = rnn.GetConfig();
        Assert.Equal("GRUCell", c["cell"]!["class_name"]!.GetValue<string>());
        Assert.False(c["cell"]!["config"]!["reset_after"]!.GetValue<bool>());
        var back = (RNN)KerasRegistry.Deserialize<Layer>(KerasRegistry.Serialize(rnn, "keras.layers"));
        Assert.IsType<GRUCell>(back.Cell);
        Assert.Equal(c.ToJsonString(), back.GetConfig().ToJsonString());
    }

    [Fact]
    public void KerasBidirectionalConfigLoads()
    {
        string Lstm(string name, bool backwards) => $$$"""{"module": "keras.layers", "class_name": "LSTM", "config": {"name": "{{{name}}}", "trainable": true, "dtype": {{{DType}}}, "return_sequences": true, "return_state": false, "go_backwards": {{{(backwards ? "true" : "false")}}}, "stateful": false, "unroll": false, "zero_output_for_mask": true, "units": 4, "activation": "tanh", "recurrent_activation": "sigmoid", "use_bias": true, "kernel_initializer": {{{Glorot}}}, "recurrent_initializer": {{{Orthogonal}}}, "bias_initializer": {{{Zeros}}}, "unit_forget_bias": true, {{{Common(", \"seed\": null")}}}}, "registered_name": null, "build_config": {"input_shape": [null, 5, 6]}}""";
        var config = $$$"""{"module": "keras.layers", "class_name": "Bidirectional", "config": {"name": "bidirectional", "trainable": true, "dtype": {{{DType}}}, "merge_mode": "concat", "layer": {{{Lstm("forward_lstm", false)}}}, "backward_layer": {{{Lstm("backward_lstm", true)}}}}, "registered_name": null, "build_config": {"input_shape": [null, 5, 6]}}""";
        var layer = (Bidirectional)KerasRegistry.Deserialize<Layer>(JsonNode.Parse(config)!);
        Assert.Equal("forward_lstm", layer.ForwardLayer.Name);
        Assert.Equal("backward_lstm", layer.BackwardLayer.Name);
        Assert.True(layer.BackwardLayer.GoBackwards);
        Assert.True(layer.ForwardLayer.ZeroOutputForMask);
        Assert.Equal("concat", layer.MergeMode);
        var y = layer.Apply(Ops.Ones(new Shape(2, 5, 6)));
        Assert.Equal(new Shape(2, 5, 8), y.Shape);
        Assert.Equal(6, layer.Weights.Count);

        // Ours, written back, names the same layers and reloads to the same config.
        var ours = layer.GetConfig();
        Assert.Equal("forward_lstm", ours["layer"]!["config"]!["name"]!.GetValue<string>());
        Assert.True(ours["backward_layer"]!["config"]!["go_backwards"]!.GetValue<bool>());
        Assert.True(ours["layer"]!["config"]!["zero_output_for_mask"]!.GetValue<bool>());
        var again = (Bidirectional)KerasRegistry.Deserialize<Layer>(KerasRegistry.Serialize(layer, "keras.layers"));
        Assert.Equal(ours.ToJsonString(), again.GetConfig().ToJsonString());
    }

    [Fact]
    public void BidirectionalNamesItsCopiesAsKeras()
    {
        var b = new Bidirectional(new GRU(2, name: "enc"), "ave", name: "bi");
        Assert.Equal("forward_enc", b.ForwardLayer.Name);
        Assert.Equal("backward_enc", b.BackwardLayer.Name);
        Assert.False(b.ForwardLayer.ZeroOutputForMask); // not returning sequences
        var c = b.GetConfig();
        Assert.Equal("ave", c["merge_mode"]!.GetValue<string>());
        var none = new Bidirectional(new GRU(2), null).GetConfig();
        Assert.Null(none["merge_mode"]);
        Assert.Null(((Bidirectional)KerasRegistry.Deserialize<Layer>(KerasRegistry.Serialize(new Bidirectional(new GRU(2), null), "keras.layers"))).MergeMode);
    }
}
