using KerasNet.Callbacks;
using KerasNet.Layers;
using KerasNet.Losses;
using KerasNet.Models;
using KerasNet.Optimizers;
using Xunit;

namespace KerasNet.Tests.Models;

public class ModelApiTests
{
    private static (float[,] X, int[] Y) Blobs(int n, int seed = 3)
    {
        var rng = new Random(seed);
        var x = new float[n, 4];
        var y = new int[n];
        for (int i = 0; i < n; i++)
        {
            y[i] = i % 3;
            for (int j = 0; j < 4; j++) x[i, j] = (float)(rng.NextDouble() * 0.5 + (j == y[i] ? 2 : 0));
        }
        return (x, y);
    }

    private static Sequential Classifier() => new([new InputLayer([4]), new Dense(16, activation: "relu"), new Dense(3)]);

    [Fact]
    public void FitLearnsAndHistoryHasKerasKeys()
    {
        var (x, y) = Blobs(150);
        var model = Classifier();
        model.Compile(new Adam(0.05f), "sparse_categorical_crossentropy", ["accuracy"]);
        // The last Dense has no activation: the loss resolves from its name with from_logits=false, so use logits explicitly.
        model.Compile(new Adam(0.05f), new SparseCategoricalCrossentropy(fromLogits: true), ["accuracy"]);
        var history = model.Fit(x, y, batchSize: 16, epochs: 15, verbose: 0, validationSplit: 0.2);
        Assert.Equal(["loss", "accuracy", "val_loss", "val_accuracy"], history.Keys.OrderBy(k => k.StartsWith("val_") ? 1 : 0).ToArray());
        Assert.Equal(15, history["loss"].Count);
        Assert.True(history["loss"][^1] < history["loss"][0] / 4, $"loss went from {history["loss"][0]} to {history["loss"][^1]}");
        Assert.True(history["val_accuracy"][^1] > 0.9f);
        var eval = model.EvaluateToDictionary(x, y, verbose: 0);
        Assert.Equal(["loss", "accuracy"], eval.Keys.ToArray());
        Assert.Equal(eval.Values.ToArray(), model.Evaluate(x, y, verbose: 0));
    }

    [Fact]
    public void PredictConcatenatesBatchesInOrder()
    {
        var (x, _) = Blobs(37);
        var model = Classifier();
        var whole = model.Predict(x, batchSize: 37).ToArray();
        var batched = model.Predict(x, batchSize: 5);
        Assert.Equal(new Shape(37, 3), batched.Shape);
        // Different batch sizes may take different GEMM paths (summation order), so compare to rounding.
        var b = batched.ToArray();
        for (int i = 0; i < whole.Length; i++) Assert.True(Math.Abs(whole[i] - b[i]) <= 1e-5f * Math.Max(1, Math.Abs(whole[i])), $"element {i}: {whole[i]} vs {b[i]}");
        var one = model.PredictOnBatch(x);
        Assert.Equal(whole, one.ToArray());
    }

    [Fact]
    public void TrainAndTestOnBatchReturnLossAndMetrics()
    {
        var (x, y) = Blobs(30);
        var model = Classifier();
        model.Compile(new SGD(0.1f), new SparseCategoricalCrossentropy(fromLogits: true), ["accuracy"]);
        var before = model.TestOnBatch(x, y);
        Assert.Equal(2, before.Length);
        for (int i = 0; i < 20; i++) model.TrainOnBatch(x, y);
        var after = model.TestOnBatch(x, y);
        Assert.True(after[0] < before[0]);
    }

    [Fact]
    public void SubclassedModelsTrain()
    {
        var (x, y) = Blobs(60);
        var model = new TwoLayer();
        model.Compile("adam", "sparse_categorical_crossentropy", ["accuracy"]);
        var h = model.Fit(x, y, epochs: 3, verbose: 0);
        Assert.Equal(3, h["loss"].Count);
        Assert.Equal(4 * 8 + 8 + 8 * 3 + 3, model.CountParams());
        Assert.Equal(4, model.TrainableWeights.Count);
    }

    private sealed class TwoLayer : Model
    {
        private readonly Dense _hidden;
        private readonly Dense _out;

        public TwoLayer()
        {
            _hidden = TrackLayer(new Dense(8, activation: "relu"));
            _out = TrackLayer(new Dense(3, activation: "softmax"));
        }

        public override Tensor Call(Tensor inputs, bool training = false) => _out.Apply(_hidden.Apply(inputs, training), training);
    }

    [Fact]
    public void MultiOutputModelsReportEachOutputsLoss()
    {
        var (x, y) = Blobs(40);
        var input = Keras.Input([4]);
        var h = new Dense(8, activation: "relu").Apply(input);
        var a = new Dense(3, name: "cls").Apply(h);
        var b = new Dense(1, name: "reg").Apply(h);
        var model = new Model(input, [a, b]);
        var target = new float[40, 1];
        for (int i = 0; i < 40; i++) target[i, 0] = x[i, 0];
        model.Compile(new Adam(0.01f), new object[] { new SparseCategoricalCrossentropy(fromLogits: true), "mse" }, lossWeights: [1f, 0.5f]);
        var history = model.Fit([x], [y, target], epochs: 2, verbose: 0);
        Assert.Contains("cls_loss", history.Keys);
        Assert.Contains("reg_loss", history.Keys);
        // The total is the weighted sum of the per-output losses.
        Assert.Equal(history["cls_loss"][1] + 0.5f * history["reg_loss"][1], history["loss"][1], 4);
    }

    [Fact]
    public void SummaryOfAGraphShowsConnections()
    {
        var a = Keras.Input([3], name: "a");
        var b = Keras.Input([5], name: "b");
        var merged = new Concatenate().Apply(a, b);
        var model = new Model([a, b], [new Dense(2).Apply(merged)]);
        var text = model.SummaryText();
        Assert.Contains("Connected to", text);
        Assert.Contains("a[0][0], b[0][0]", text);
        Assert.Contains("Total params: 18 (72.00 B)", text);
    }

    // ----- bad input -----

    [Fact]
    public void XAndYOfDifferentLengthsIsAnError()
    {
        var (x, y) = Blobs(10);
        var model = Classifier();
        model.Compile("adam", "sparse_categorical_crossentropy");
        var e = Assert.Throws<ArgumentException>(() => model.Fit(x, y.Take(9).ToArray(), verbose: 0));
        Assert.Contains("x has 10", e.Message);
        Assert.Contains("has 9", e.Message);
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(-0.1)]
    public void ValidationSplitOutsideTheUnitIntervalIsAnError(double split)
    {
        var (x, y) = Blobs(10);
        var model = Classifier();
        model.Compile("adam", "sparse_categorical_crossentropy");
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => model.Fit(x, y, verbose: 0, validationSplit: split));
        Assert.Equal("validationSplit", e.ParamName);
        Assert.Contains("[0, 1)", e.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public void NonPositiveBatchSizeIsAnError(int batchSize)
    {
        var (x, y) = Blobs(10);
        var model = Classifier();
        model.Compile("adam", "sparse_categorical_crossentropy");
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => model.Fit(x, y, batchSize: batchSize, verbose: 0));
        Assert.Equal("batchSize", e.ParamName);
    }

    [Fact]
    public void SummaryOfAnUnbuiltModelSaysHowToBuildIt()
    {
        var model = new Sequential([new Dense(3)]);
        var e = Assert.Throws<InvalidOperationException>(() => model.SummaryText());
        Assert.Contains("not yet been built", e.Message);
        Assert.Contains("Build", e.Message);
    }

    [Fact]
    public void InputOfTheWrongShapeNamesTheLayerAndBothShapes()
    {
        var model = Classifier();
        var e = Assert.Throws<ArgumentException>(() => model.Predict(new float[2, 5]));
        Assert.Contains("(None, 4)", e.Message);
        Assert.Contains("(2, 5)", e.Message);
        var dense = new Dense(3);
        dense.Apply(Ops.Zeros(new Shape(2, 4)));
        var e2 = Assert.Throws<ArgumentException>(() => dense.Apply(Ops.Zeros(new Shape(2, 6))));
        Assert.Contains(dense.Name, e2.Message);
        Assert.Contains("4", e2.Message);
        Assert.Contains("(2, 6)", e2.Message);
    }

    [Fact]
    public void SparseLabelsOutOfRangeNameTheLabel()
    {
        var (x, y) = Blobs(10);
        y[4] = 7;
        var model = Classifier();
        model.Compile("adam", new SparseCategoricalCrossentropy(fromLogits: true));
        var e = Assert.ThrowsAny<ArgumentException>(() => model.Fit(x, y, verbose: 0, shuffle: false));
        Assert.Contains("7", e.Message);
        Assert.Contains("3", e.Message);
    }

    [Fact]
    public void UnknownNamesListTheKnownOnes()
    {
        var model = Classifier();
        var e = Assert.Throws<ArgumentException>(() => model.Compile("adamm", "mse"));
        Assert.Contains("'adamm'", e.Message);
        Assert.Contains("adam", e.Message.Split("Known names:")[1]);
        var l = Assert.Throws<ArgumentException>(() => model.Compile("adam", "mean_squared_eror"));
        Assert.Contains("mean_squared_error", l.Message);
    }

    [Fact]
    public void FitBeforeCompileSaysToCompile()
    {
        var (x, y) = Blobs(10);
        var e = Assert.Throws<InvalidOperationException>(() => Classifier().Fit(x, y, verbose: 0));
        Assert.Contains("Compile()", e.Message);
    }

    [Fact]
    public void SetWeightsWithTheWrongCountOrShapeNamesBoth()
    {
        var model = Classifier();
        var e = Assert.Throws<ArgumentException>(() => model.SetWeights(Ops.Zeros(new Shape(4, 16))));
        Assert.Contains("4 weights", e.Message);
        var ws = model.GetWeights();
        ws[0] = Ops.Zeros(new Shape(5, 16));
        var s = Assert.Throws<ArgumentException>(() => model.SetWeights(ws));
        Assert.Contains("(4, 16)", s.Message);
        Assert.Contains("(5, 16)", s.Message);
    }
}

[Collection(SerialCollection.Name)]
public class ModelGlobalStateTests
{
    [Fact]
    public void SetRandomSeedMakesInitializationShufflingAndDropoutRepeatBitForBit()
    {
        float[] Run()
        {
            Keras.SetRandomSeed(1234);
            var model = new Sequential([new InputLayer([4]), new Dense(16, activation: "relu"), new Dropout(0.3f), new Dense(3)]);
            model.Compile("adam", new SparseCategoricalCrossentropy(fromLogits: true));
            var x = new float[64, 4];
            var y = new int[64];
            for (int i = 0; i < 64; i++) { y[i] = i % 3; x[i, i % 4] = 1 + i * 0.01f; }
            model.Fit(x, y, batchSize: 8, epochs: 2, verbose: 0);
            return model.GetWeights().SelectMany(w => w.ToArray()).ToArray();
        }
        var a = Run();
        var b = Run();
        Assert.Equal(a.Select(BitConverter.SingleToInt32Bits), b.Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void ANaNLossIsReportedWithWhatToDo()
    {
        var x = new float[8, 4];
        x[3, 1] = float.NaN;
        var y = new float[8, 3];
        var model = new Sequential([new InputLayer([4]), new Dense(3)]);
        model.Compile("sgd", "mse");
        var err = new StringWriter();
        var old = Console.Error;
        Console.SetError(err);
        try
        {
            var h = model.Fit(x, y, epochs: 1, verbose: 0);
            Assert.True(float.IsNaN(h["loss"][0]));
        }
        finally
        {
            Console.SetError(old);
        }
        Assert.Contains("epoch 1 is NaN", err.ToString());
        Assert.Contains("TerminateOnNaN", err.ToString());
    }

    [Fact]
    public void ProgressBarRedrawsInPlaceOnATerminalAndPrintsLinesWhenRedirected()
    {
        var x = new float[40, 4];
        var y = new float[40, 3];
        var model = new Sequential([new InputLayer([4]), new Dense(3)]);
        model.Compile("sgd", "mse", ["mae"]);

        var terminal = new StringWriter();
        model.Fit(x, y, batchSize: 10, epochs: 2, callbacks: [new ProgbarLogger(terminal, inPlace: true) { RefreshInterval = TimeSpan.Zero }]);
        string t = terminal.ToString();
        Assert.Contains("Epoch 1/2\n", t.Replace("\r\n", "\n"));
        Assert.Contains("\r", t);
        Assert.Contains("4/4 ━━━━━━━━━━━━━━━━━━━━", t);
        Assert.Contains(" - loss: ", t);
        Assert.Contains(" - mae: ", t);

        var redirected = new StringWriter();
        model.Fit(x, y, batchSize: 10, epochs: 2, callbacks: [new ProgbarLogger(redirected, inPlace: false)]);
        var lines = redirected.ToString().Replace("\r\n", "\n").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.DoesNotContain("\r", redirected.ToString());
        Assert.Equal(4, lines.Length); // "Epoch 1/2", its line, "Epoch 2/2", its line
        Assert.StartsWith("4/4 ━━━━━━━━━━━━━━━━━━━━ ", lines[1]);

        var verbose2 = new StringWriter();
        model.Fit(x, y, batchSize: 10, epochs: 1, verbose: 2, callbacks: [new ProgbarLogger(verbose2, inPlace: true)]);
        var l2 = verbose2.ToString().Replace("\r\n", "\n").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, l2.Length);
        Assert.StartsWith("4/4 - ", l2[1]);
    }
}
