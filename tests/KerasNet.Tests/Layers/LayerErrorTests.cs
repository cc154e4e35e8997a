using System.Text.Json.Nodes;
using KerasNet.Layers;
using KerasNet.Models;
using KerasNet.Saving;
using Xunit;

namespace KerasNet.Tests.Layers;

/// <summary>Misuse fails with errors that say what went wrong, naming the layer and the shapes involved.</summary>
public class LayerErrorTests
{
    [Fact]
    public void DenseRejectsARank1Input()
    {
        var dense = new Dense(3, name: "dense_on_vector");
        var x = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5 }, 5);
        var e = Assert.Throws<ArgumentException>(() => dense.Apply(x));
        Assert.Contains("'dense_on_vector'", e.Message);
        Assert.Contains("expected rank >= 2", e.Message);
        Assert.Contains("rank 1", e.Message);

        // Once built, the actual shape is shown as given.
        dense.Apply(Tensor.FromArray(new float[10], 2, 5));
        var e2 = Assert.Throws<ArgumentException>(() => dense.Apply(x));
        Assert.Contains("'dense_on_vector'", e2.Message);
        Assert.Contains("(5,)", e2.Message);

        // A built Dense also fixes its last axis.
        var e3 = Assert.Throws<ArgumentException>(() => dense.Apply(Tensor.FromArray(new float[8], 2, 4)));
        Assert.Contains("'dense_on_vector'", e3.Message);
        Assert.Contains("axis -1", e3.Message);
        Assert.Contains("value 5", e3.Message);
        Assert.Contains("(2, 4)", e3.Message);

        var symbolic = Assert.Throws<ArgumentException>(() => new Dense(3, name: "dense_symbolic").Apply(Keras.Input([])));
        Assert.Contains("'dense_symbolic'", symbolic.Message);
        Assert.Contains("(None,)", symbolic.Message);
    }

    [Fact]
    public void AddRejectsIncompatibleShapes()
    {
        // The first call builds from the shapes with the batch axis unknown, as Keras does.
        var add = new KerasNet.Layers.Add(name: "add_mismatch");
        var e = Assert.Throws<ArgumentException>(() => add.Apply([Ops.Ones(new Shape(2, 3)), Ops.Ones(new Shape(2, 4))]));
        Assert.Contains("'add_mismatch'", e.Message);
        Assert.Contains("(None, 3)", e.Message);
        Assert.Contains("(None, 4)", e.Message);

        // A built layer checks every call and shows the shapes as given.
        var built = new KerasNet.Layers.Add(name: "add_built");
        built.Apply([Ops.Ones(new Shape(2, 3)), Ops.Ones(new Shape(2, 3))]);
        var e2 = Assert.Throws<ArgumentException>(() => built.Apply([Ops.Ones(new Shape(2, 3)), Ops.Ones(new Shape(2, 4))]));
        Assert.Contains("'add_built'", e2.Message);
        Assert.Contains("(2, 3)", e2.Message);
        Assert.Contains("(2, 4)", e2.Message);

        var symbolic = Assert.Throws<ArgumentException>(() => new KerasNet.Layers.Add(name: "add_symbolic").Apply(Keras.Input([3]), Keras.Input([4])));
        Assert.Contains("'add_symbolic'", symbolic.Message);
        Assert.Contains("(None, 3)", symbolic.Message);
        Assert.Contains("(None, 4)", symbolic.Message);

        var batch = Assert.Throws<ArgumentException>(() => new KerasNet.Layers.Add(name: "add_batches").Apply([Ops.Ones(new Shape(2, 3)), Ops.Ones(new Shape(3, 3))]));
        Assert.Contains("different batch sizes", batch.Message);
    }

    [Fact]
    public void SubtractTakesExactlyTwoInputs()
    {
        var sub = new KerasNet.Layers.Subtract(name: "subtract_three");
        var x = Ops.Ones(new Shape(2, 3));
        var e = Assert.Throws<ArgumentException>(() => sub.Apply([x, x, x]));
        Assert.Contains("'subtract_three'", e.Message);
        Assert.Contains("exactly 2 inputs", e.Message);
        Assert.Contains("Received 3 inputs", e.Message);

        var symbolic = Assert.Throws<ArgumentException>(() => new KerasNet.Layers.Subtract().Apply(Keras.Input([3]), Keras.Input([3]), Keras.Input([3])));
        Assert.Contains("exactly 2 inputs", symbolic.Message);
    }

    [Fact]
    public void EmbeddingNamesTheOutOfRangeIndexAndTheInputDim()
    {
        var emb = new Embedding(10, 4, name: "emb_range");
        var e = Assert.Throws<ArgumentException>(() => emb.Apply(Tensor.FromArray(new[] { 1, 2, 12, 3 }, 2, 2)));
        Assert.Contains("'emb_range'", e.Message);
        Assert.Contains("input_dim=10", e.Message);
        Assert.Contains("12", e.Message);
        var negative = Assert.Throws<ArgumentException>(() => emb.Apply(Tensor.FromArray(new[] { -1, 2 }, 1, 2)));
        Assert.Contains("-1", negative.Message);
    }

    [Fact]
    public void UnknownActivationListsTheKnownOnes()
    {
        var e = Assert.Throws<ArgumentException>(() => KerasNet.Activations.Get("rellu"));
        Assert.Contains("'rellu'", e.Message);
        foreach (var known in new[] { "relu", "gelu", "swish", "hard_silu", "softmax", "sparsemax" }) Assert.Contains(known, e.Message);
        var fromLayer = Assert.Throws<ArgumentException>(() => new Dense(3, activation: "rellu"));
        Assert.Contains("Known activations", fromLayer.Message);
    }

    [Fact]
    public void SetWeightsChecksTheCountAndTheShapes()
    {
        var dense = new Dense(3, name: "dense_weights");
        dense.Apply(Ops.Ones(new Shape(2, 4)));
        var count = Assert.Throws<ArgumentException>(() => dense.SetWeights(Ops.Zeros(new Shape(4, 3))));
        Assert.Contains("'dense_weights'", count.Message);
        Assert.Contains("2 weights", count.Message);
        Assert.Contains("got 1", count.Message);
        var shape = Assert.Throws<ArgumentException>(() => dense.SetWeights(Ops.Zeros(new Shape(3, 4)), Ops.Zeros(new Shape(3))));
        Assert.Contains("'dense_weights'", shape.Message);
        Assert.Contains("(4, 3)", shape.Message);
        Assert.Contains("(3, 4)", shape.Message);
    }

    [Fact]
    public void OtherLayersExplainTheirMisuse()
    {
        var concat = Assert.Throws<ArgumentException>(() => new KerasNet.Layers.Concatenate(name: "cat_bad").Apply(Keras.Input([2, 3]), Keras.Input([4, 5])));
        Assert.Contains("'cat_bad'", concat.Message);
        Assert.Contains("(None, 2, 3)", concat.Message);
        Assert.Contains("(None, 4, 5)", concat.Message);

        var dot = Assert.Throws<ArgumentException>(() => new Dot(1, name: "dot_bad").Apply(Keras.Input([3]), Keras.Input([4])));
        Assert.Contains("'dot_bad'", dot.Message);
        Assert.Contains("3 (at axis 1) != 4 (at axis 1)", dot.Message);

        var reshape = Assert.Throws<ArgumentException>(() => new Reshape([5, -1], name: "reshape_bad").Apply(Keras.Input([3, 4])));
        Assert.Contains("'reshape_bad'", reshape.Message);
        Assert.Contains("(None, 3, 4)", reshape.Message);

        Assert.Throws<ArgumentException>(() => new Reshape([-1, -1]));
        Assert.Throws<ArgumentException>(() => new Permute([1, 3]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Dropout(1.5f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Dense(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReLU(maxValue: -1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LeakyReLU(-0.1f));

        var glu = Assert.Throws<ArgumentException>(() => KerasNet.Activations.Glu(Ops.Ones(new Shape(2, 3))));
        Assert.Contains("even", glu.Message);
    }

    [Fact]
    public void LambdaConfigSaysItCannotBeDeserialized()
    {
        var lambda = new Lambda(x => Ops.Negative(x), name: "negate");
        var config = KerasRegistry.Serialize(lambda, "keras.layers");
        Assert.Equal("Lambda", config["class_name"]!.GetValue<string>());
        var e = Assert.Throws<NotSupportedException>(() => KerasRegistry.Deserialize<Layer>(JsonNode.Parse(config.ToJsonString())!));
        Assert.Contains("'negate'", e.Message);
        Assert.Contains("cannot be deserialized", e.Message);
    }

    [Fact]
    public void CustomActivationFunctionsSerializeButCannotBeRebuilt()
    {
        static Tensor Cube(Tensor x) => Ops.Power(x, 3f);
        var dense = new Dense(2, activation: (Func<Tensor, Tensor>)Cube, name: "dense_cube");
        var config = dense.GetConfig();
        Assert.Equal("function", config["activation"]!["class_name"]!.GetValue<string>());
        var e = Assert.Throws<ArgumentException>(() => KerasRegistry.Deserialize<Layer>(KerasRegistry.Serialize(dense, "keras.layers")));
        Assert.Contains("custom activation", e.Message);
    }
}
