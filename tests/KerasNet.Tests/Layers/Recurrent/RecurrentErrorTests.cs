using KerasNet.Layers;
using KerasNet.Models;
using Xunit;

namespace KerasNet.Tests.Layers.Recurrent;

/// <summary>Wrong inputs and unsupported arguments fail with errors that name the layer and say what was expected.</summary>
public class RecurrentErrorTests
{
    public static IEnumerable<object[]> SequenceLayers() =>
    [
        [new Func<Layer>(() => new SimpleRNN(3))],
        [new Func<Layer>(() => new LSTM(3))],
        [new Func<Layer>(() => new GRU(3))],
        [new Func<Layer>(() => new Bidirectional(new LSTM(3)))],
    ];

    [Theory]
    [MemberData(nameof(SequenceLayers))]
    public void TwoDimensionalInputNamesTheLayerAndTheExpectedLayout(Func<Layer> make)
    {
        var x = Ops.Ones(new Shape(4, 7));
        var layer = make();
        var e = Assert.ThrowsAny<ArgumentException>(() => layer.Apply(x));
        Assert.Contains($"'{layer.Name}'", e.Message);
        Assert.Contains("(batch, timesteps, features)", e.Message);
        // A fresh layer fails while building, which sees the shape with an unknown batch axis.
        Assert.Contains("got rank 2 with shape (None, 7)", e.Message);

        // Built on sequences, then given a matrix.
        var built = make();
        built.Apply(Ops.Ones(new Shape(4, 2, 7)));
        e = Assert.ThrowsAny<ArgumentException>(() => built.Apply(x));
        Assert.Contains($"'{built.Name}'", e.Message);
        Assert.Contains("(batch, timesteps, features)", e.Message);
        Assert.Contains("got rank 2 with shape (4, 7)", e.Message);

        // Symbolic.
        var symbolic = make();
        e = Assert.ThrowsAny<ArgumentException>(() => symbolic.Apply(Keras.Input([7])));
        Assert.Contains($"'{symbolic.Name}'", e.Message);
        Assert.Contains("(None, 7)", e.Message);
    }

    [Fact]
    public void WrongFeatureSizeAfterBuildingIsAnError()
    {
        var lstm = new LSTM(3);
        lstm.Apply(Ops.Ones(new Shape(2, 4, 5)));
        var e = Assert.Throws<ArgumentException>(() => lstm.Apply(Ops.Ones(new Shape(2, 4, 6))));
        Assert.Contains($"'{lstm.Name}'", e.Message);
        Assert.Contains("value 5", e.Message);
        Assert.Contains("(2, 4, 6)", e.Message);
    }

    [Fact]
    public void StatefulIsRejectedClearly()
    {
        var e = Assert.Throws<NotSupportedException>(() => new LSTM(4, stateful: true, name: "encoder"));
        Assert.Contains("'encoder'", e.Message);
        Assert.Contains("stateful=True is not supported", e.Message);
        Assert.Throws<NotSupportedException>(() => new GRU(4, stateful: true));
        Assert.Throws<NotSupportedException>(() => new SimpleRNN(4, stateful: true));
        Assert.Throws<NotSupportedException>(() => new RNN(new GRUCell(2), stateful: true));
    }

    [Fact]
    public void StatefulConfigIsRejectedClearly()
    {
        var config = new LSTM(4, name: "l").GetConfig();
        config["stateful"] = true;
        Assert.Throws<NotSupportedException>(() => LSTM.FromConfig(config));
    }

    [Fact]
    public void InvalidArguments()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new LSTM(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new GRUCell(-1));
        var e = Assert.Throws<ArgumentException>(() => new Bidirectional(new LSTM(2), "max"));
        Assert.Contains("merge mode", e.Message);
        e = Assert.Throws<ArgumentException>(() => new Bidirectional(new LSTM(2), backwardLayer: new LSTM(2)));
        Assert.Contains("go_backwards", e.Message);
        e = Assert.Throws<ArgumentException>(() => new Bidirectional(new LSTM(2), backwardLayer: new LSTM(2, goBackwards: true, returnSequences: true)));
        Assert.Contains("return_sequences", e.Message);
    }

    [Fact]
    public void InitialStateAndMaskShapesAreChecked()
    {
        var lstm = new LSTM(3, name: "dec");
        var x = Ops.Ones(new Shape(2, 4, 5));
        var e = Assert.Throws<ArgumentException>(() => lstm.Run(x, initialState: [Ops.Zeros(new Shape(2, 3))]));
        Assert.Contains("'dec'", e.Message);
        Assert.Contains("2 state(s)", e.Message);
        e = Assert.Throws<ArgumentException>(() => lstm.Run(x, initialState: [Ops.Zeros(new Shape(2, 3)), Ops.Zeros(new Shape(2, 4))]));
        Assert.Contains("(2, 3)", e.Message);
        e = Assert.Throws<ArgumentException>(() => lstm.Run(x, mask: Ops.Ones(new Shape(2, 5), DType.Bool)));
        Assert.Contains("mask", e.Message);
    }

    [Fact]
    public void MultiHeadAttentionWithMismatchedKeyAndValueLengths()
    {
        var mha = new MultiHeadAttention(2, 4, name: "mha");
        var q = Ops.Ones(new Shape(2, 3, 6));
        var v = Ops.Ones(new Shape(2, 5, 6));
        var k = Ops.Ones(new Shape(2, 4, 6));
        var e = Assert.Throws<ArgumentException>(() => mha.Attend(q, v, key: k));
        Assert.Contains("'mha'", e.Message);
        Assert.Contains("value_shape=(None, 5, 6)", e.Message);
        Assert.Contains("key_shape=(None, 4, 6)", e.Message);
    }

    [Fact]
    public void MultiHeadAttentionWithMismatchedDimsAfterBuilding()
    {
        var mha = new MultiHeadAttention(2, 4, name: "mha2");
        mha.Attend(Ops.Ones(new Shape(2, 3, 6)), Ops.Ones(new Shape(2, 5, 8)));
        // The query's feature size differs from the one the query projection was built for.
        var e = Assert.Throws<ArgumentException>(() => mha.Attend(Ops.Ones(new Shape(2, 3, 7)), Ops.Ones(new Shape(2, 5, 8))));
        Assert.Contains("'mha2'", e.Message);
        Assert.Contains("query", e.Message);
        Assert.Contains("(2, 3, 7)", e.Message);
        // So does the value's.
        e = Assert.Throws<ArgumentException>(() => mha.Attend(Ops.Ones(new Shape(2, 3, 6)), Ops.Ones(new Shape(2, 5, 6))));
        Assert.Contains("value", e.Message);
        // Query and value of different ranks, and different batches.
        e = Assert.Throws<ArgumentException>(() => mha.Attend(Ops.Ones(new Shape(2, 3, 6)), Ops.Ones(new Shape(2, 5, 1, 8))));
        Assert.Contains("same rank", e.Message);
        e = Assert.Throws<ArgumentException>(() => mha.Attend(Ops.Ones(new Shape(2, 3, 6)), Ops.Ones(new Shape(3, 5, 8))));
        Assert.Contains("batch", e.Message);
        // A mask of the wrong shape.
        e = Assert.Throws<ArgumentException>(() => mha.Attend(Ops.Ones(new Shape(2, 3, 6)), Ops.Ones(new Shape(2, 5, 8)), queryMask: Ops.Ones(new Shape(2, 5), DType.Bool)));
        Assert.Contains("query mask", e.Message);
    }

    [Fact]
    public void MultiHeadAttentionRejectsUnsupportedAttentionAxes()
    {
        var mha = new MultiHeadAttention(2, 4, attentionAxes: [2]);
        var e = Assert.Throws<NotSupportedException>(() => mha.Attend(Ops.Ones(new Shape(2, 3, 4, 6)), Ops.Ones(new Shape(2, 3, 4, 6))));
        Assert.Contains("attention_axes", e.Message);
        // The explicit default is accepted.
        var ok = new MultiHeadAttention(2, 4, attentionAxes: [1, 2]);
        Assert.Equal(new Shape(2, 3, 4, 6), ok.Attend(Ops.Ones(new Shape(2, 3, 4, 6)), Ops.Ones(new Shape(2, 3, 4, 6))).Output.Shape);
    }

    [Fact]
    public void AttentionChecksItsInputs()
    {
        var e = Assert.Throws<ArgumentException>(() => new KerasNet.Layers.Attention(scoreMode: "additive"));
        Assert.Contains("score_mode", e.Message);
        var at = new KerasNet.Layers.Attention(name: "att");
        e = Assert.Throws<ArgumentException>(() => at.Attend(Ops.Ones(new Shape(2, 3, 4)), Ops.Ones(new Shape(2, 5, 6))));
        Assert.Contains("'att'", e.Message);
        Assert.Contains("must equal the key's", e.Message);
        e = Assert.Throws<ArgumentException>(() => at.Apply([Ops.Ones(new Shape(2, 3, 4))]));
        Assert.Contains("length 2 or 3", e.Message);
    }

    [Fact]
    public void TimeDistributedNeedsATimeAxis()
    {
        var td = new TimeDistributed(new Dense(2), name: "td");
        var e = Assert.ThrowsAny<ArgumentException>(() => td.Apply(Ops.Ones(new Shape(4, 3))));
        Assert.Contains("'td'", e.Message);
        Assert.Contains("rank >= 3", e.Message);
    }
}
