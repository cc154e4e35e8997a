using System.IO.Compression;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using KerasNet.Data;
using KerasNet.Layers;
using KerasNet.Models;
using KerasNet.Saving;
using Xunit;
using static KerasNet.Tests.Saving.SavingTestUtil;

namespace KerasNet.Tests.Saving;

/// <summary>Save then load gives a model whose predictions are bit-identical to the original's, for each
/// kind of model; the archive follows Keras 3's .keras layout.</summary>
public class ModelSavingTests
{
    private static Sequential Mlp() => new(
    [
        new InputLayer([6]),
        new Dense(16, activation: "relu"),
        new Dense(8, activation: "tanh"),
        new Dense(3, activation: "softmax"),
    ]);

    private static void AssertSameWeights(Model expected, Model actual)
    {
        var a = expected.Weights;
        var b = actual.Weights;
        Assert.Equal(a.Count, b.Count);
        for (int i = 0; i < a.Count; i++)
        {
            Assert.Equal(a[i].Path, b[i].Path);
            Assert.Equal(a[i].Trainable, b[i].Trainable);
            AssertBitIdentical(a[i].Value.ToArray(), b[i].Value.ToArray(), a[i].Path);
        }
    }

    [Fact]
    public void SequentialMlpPredictsBitIdenticallyAfterLoading()
    {
        using var dir = new TempDir();
        var model = Mlp();
        model.Compile("adam", "sparse_categorical_crossentropy", ["accuracy"]);
        var x = Matrix(1, 32, 6);
        var y = Enumerable.Range(0, 32).Select(i => i % 3).ToArray();
        model.Fit(x, y, batchSize: 8, epochs: 1, verbose: 0, shuffle: false);
        var expected = model.Predict(x).ToArray();

        string path = dir.File("mlp.keras");
        model.Save(path);
        var loaded = Keras.LoadModel(path);

        Assert.IsType<Sequential>(loaded);
        Assert.Equal(model.Name, loaded.Name);
        Assert.Equal(model.Layers.Select(l => l.Name), loaded.Layers.Select(l => l.Name));
        AssertSameWeights(model, loaded);
        AssertBitIdentical(expected, loaded.Predict(x).ToArray(), "Sequential predictions");
        Assert.True(loaded.Compiled);
        Assert.IsType<KerasNet.Optimizers.Adam>(loaded.Optimizer);
        Assert.Equal(4, loaded.Optimizer!.IterationCount);
    }

    [Fact]
    public void FunctionalModelWithTwoInputsAndAMergePredictsBitIdentically()
    {
        using var dir = new TempDir();
        var a = Keras.Input([3], name: "left");
        var b = Keras.Input([5], name: "right");
        var ha = new Dense(4, activation: "relu").Apply(a);
        var hb = new Dense(4, activation: "sigmoid").Apply(b);
        var sum = new KerasNet.Layers.Add().Apply(ha, hb);
        var cat = new Concatenate().Apply(sum, a);
        var output = new Dense(2).Apply(cat);
        var model = new Model([a, b], [output], name: "two_inputs");
        var x1 = Matrix(2, 9, 3);
        var x2 = Matrix(3, 9, 5);
        var expected = model.PredictAll([x1, x2])[0].ToArray();

        string path = dir.File("functional.keras");
        model.Save(path);
        var loaded = Keras.LoadModel(path);

        Assert.Equal(typeof(Model), loaded.GetType());
        Assert.Equal("Functional", loaded.ClassName);
        Assert.Equal(["left", "right"], loaded.Inputs.Select(i => i.Producer!.Name));
        Assert.False(loaded.Compiled);
        AssertSameWeights(model, loaded);
        AssertBitIdentical(expected, loaded.PredictAll([x1, x2])[0].ToArray(), "functional predictions");
    }

    [Fact]
    public void BatchNormalizationMovingStatisticsAreSavedAndPredictionsAreBitIdentical()
    {
        using var dir = new TempDir();
        var bn = new BatchNormalization(momentum: 0.5);
        var model = new Sequential([new InputLayer([4]), new Dense(8), bn, new Dense(2)]);
        model.Compile("sgd", "mse");
        var x = Matrix(4, 24, 4);
        var y = Matrix(5, 24, 2);
        model.Fit(x, y, batchSize: 6, epochs: 2, verbose: 0, shuffle: false);
        Assert.Contains(bn.MovingMean!.Value.ToArray(), v => v != 0f); // the statistics moved
        Assert.Equal(2, model.NonTrainableWeights.Count);
        var expected = model.Predict(x).ToArray();

        string path = dir.File("bn.keras");
        model.Save(path);
        var loaded = Keras.LoadModel(path);

        var loadedBn = loaded.Layers.OfType<BatchNormalization>().Single();
        AssertBitIdentical(bn.MovingMean.Value.ToArray(), loadedBn.MovingMean!.Value.ToArray(), "moving_mean");
        AssertBitIdentical(bn.MovingVariance!.Value.ToArray(), loadedBn.MovingVariance!.Value.ToArray(), "moving_variance");
        Assert.Equal(model.NonTrainableWeights.Select(w => w.Path), loaded.NonTrainableWeights.Select(w => w.Path));
        AssertSameWeights(model, loaded);
        AssertBitIdentical(expected, loaded.Predict(x).ToArray(), "BatchNormalization predictions");
    }

    [Fact]
    public void DropoutModelPredictsBitIdenticallyInInference()
    {
        using var dir = new TempDir();
        var model = new Sequential([new InputLayer([5]), new Dense(10, activation: "relu"), new Dropout(0.5f, seed: 7), new Dense(1)]);
        var x = Matrix(6, 11, 5);
        var expected = model.Predict(x).ToArray();

        string path = dir.File("dropout.keras");
        model.Save(path);
        var loaded = Keras.LoadModel(path);

        var drop = loaded.Layers.OfType<Dropout>().Single();
        Assert.Equal(0.5f, drop.Rate);
        Assert.Equal(7L, drop.Seed);
        AssertBitIdentical(expected, loaded.Predict(x).ToArray(), "Dropout model predictions");
    }

    [Fact]
    public void TheArchiveHoldsKerasConfigMetadataAndSafetensorsWeights()
    {
        using var dir = new TempDir();
        var model = Mlp();
        model.Compile(new KerasNet.Optimizers.Adam(learningRate: 0.005f), "mse", ["mae"]);
        model.Fit(Matrix(7, 8, 6), Matrix(8, 8, 3), batchSize: 4, epochs: 1, verbose: 0, shuffle: false);
        string path = dir.File("schema.keras");
        model.Save(path);

        using var zip = ZipFile.OpenRead(path);
        Assert.Equal(["metadata.json", "config.json", "model.weights.safetensors"], zip.Entries.Select(e => e.FullName));
        JsonObject Read(string name)
        {
            using var s = zip.GetEntry(name)!.Open();
            return JsonNode.Parse(s)!.AsObject();
        }

        var config = Read("config.json");
        Assert.Equal("keras", config["module"]!.GetValue<string>());
        Assert.Equal("Sequential", config["class_name"]!.GetValue<string>());
        Assert.True(config.ContainsKey("registered_name"));
        Assert.Null(config["registered_name"]);
        Assert.Equal("[null,6]", config["build_config"]!["input_shape"]!.ToJsonString());
        var inner = config["config"]!.AsObject();
        Assert.Equal(model.Name, inner["name"]!.GetValue<string>());
        Assert.Equal("DTypePolicy", inner["dtype"]!["class_name"]!.GetValue<string>());
        Assert.Equal("[null,6]", inner["build_input_shape"]!.ToJsonString());
        var layers = inner["layers"]!.AsArray();
        Assert.Equal(["InputLayer", "Dense", "Dense", "Dense"], layers.Select(l => l!["class_name"]!.GetValue<string>()));
        Assert.All(layers, l => Assert.Equal("keras.layers", l!["module"]!.GetValue<string>()));
        Assert.Equal(16, layers[1]!["config"]!["units"]!.GetValue<int>());
        var compile = config["compile_config"]!.AsObject();
        foreach (var key in new[] { "optimizer", "loss", "loss_weights", "metrics", "weighted_metrics", "run_eagerly", "steps_per_execution", "jit_compile" })
            Assert.True(compile.ContainsKey(key), $"compile_config lacks {key}");
        Assert.Equal("keras.optimizers", compile["optimizer"]!["module"]!.GetValue<string>());
        Assert.Equal("Adam", compile["optimizer"]!["class_name"]!.GetValue<string>());
        Assert.Equal(0.005, compile["optimizer"]!["config"]!["learning_rate"]!.GetValue<double>(), 6);
        Assert.Equal("MeanSquaredError", compile["loss"]!["class_name"]!.GetValue<string>());
        Assert.Equal("""["mae"]""", compile["metrics"]!.ToJsonString());

        var metadata = Read("metadata.json");
        Assert.Matches(new Regex(@"^3\.\d+\.\d+$"), metadata["keras_version"]!.GetValue<string>());
        Assert.Matches(new Regex(@"^\d{4}-\d{2}-\d{2}@\d{2}:\d{2}:\d{2}$"), metadata["date_saved"]!.GetValue<string>());
        Assert.Equal("KerasNet", metadata["writer"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(metadata["writer_version"]!.GetValue<string>()));

        byte[] weights;
        using (var s = zip.GetEntry("model.weights.safetensors")!.Open())
        using (var ms = new MemoryStream())
        {
            s.CopyTo(ms);
            weights = ms.ToArray();
        }
        var file = SafeTensors.Read(weights);
        var expectedNames = model.Weights.Select(w => w.Path).ToList();
        var d0 = model.Layers[0].Name;
        Assert.Equal($"{d0}/kernel", expectedNames[0]);
        Assert.Equal($"{d0}/bias", expectedNames[1]);
        expectedNames.Add("optimizer/iteration");
        foreach (var w in model.TrainableWeights)
        {
            expectedNames.Add($"optimizer/{w.Path.Replace('/', '_')}_momentum");
            expectedNames.Add($"optimizer/{w.Path.Replace('/', '_')}_velocity");
        }
        Assert.Equal(expectedNames, file.Names);
        Assert.Equal(2L, file["optimizer/iteration"].ToTensor().ToArray<long>()[0]);
        Assert.Equal("KerasNet", file.Metadata["writer"]);
    }

    [Fact]
    public void FunctionalConfigIsWrittenAsKerasWritesFunctionalModels()
    {
        using var dir = new TempDir();
        var input = Keras.Input([4]);
        var model = new Model(input, new Dense(2).Apply(input));
        var json = ModelIO.SerializeModel(model);
        Assert.Equal("keras.src.models.functional", json["module"]!.GetValue<string>());
        Assert.Equal("Functional", json["class_name"]!.GetValue<string>());
        Assert.Equal("Functional", json["registered_name"]!.GetValue<string>());
        Assert.False(json.ContainsKey("compile_config"));
        Assert.Equal(2, json["config"]!["layers"]!.AsArray().Count);

        // The text round trip: what ModelFromJson reads back is the same model.
        var again = ModelIO.ModelFromJson(json.ToJsonString());
        Assert.True(JsonNode.DeepEquals(json["config"], ModelIO.SerializeModel(again)["config"]));
    }

    [Fact]
    public void SaveWeightsAndLoadWeightsRoundTripIntoAModelOfTheSameArchitecture()
    {
        using var dir = new TempDir();
        var source = Mlp();
        source.Compile("adam", "mse");
        var x = Matrix(9, 16, 6);
        source.Fit(x, Matrix(10, 16, 3), batchSize: 4, epochs: 1, verbose: 0, shuffle: false);
        var expected = source.Predict(x).ToArray();
        string path = dir.File("mlp.weights.safetensors");
        source.SaveWeights(path);
        Assert.Equal(["mlp.weights.safetensors"], dir.Files());

        // A second model of the same architecture: its layers got other automatic names (dense_3, ...), so the
        // weights are matched by position, as Keras matches them by structure.
        var target = Mlp();
        Assert.NotEqual(source.Weights[0].Path, target.Weights[0].Path);
        target.LoadWeights(path);
        AssertBitIdentical(expected, target.Predict(x).ToArray(), "predictions after LoadWeights");

        // A compiled target also gets the optimizer state.
        var compiled = Mlp();
        compiled.Compile("adam", "mse");
        compiled.LoadWeights(path);
        Assert.Equal(4, compiled.Optimizer!.IterationCount);
        var sourceSlots = source.Optimizer!.Variables.Skip(1).ToList();
        var loadedSlots = compiled.Optimizer.Variables.Skip(1).ToList();
        Assert.Equal(sourceSlots.Count, loadedSlots.Count);
        for (int i = 0; i < sourceSlots.Count; i++) AssertBitIdentical(sourceSlots[i].Value.ToArray(), loadedSlots[i].Value.ToArray(), sourceSlots[i].Path);

        // Weights of a whole-model file load too, matched by path into the model it was saved from.
        string keras = dir.File("mlp.keras");
        source.Save(keras);
        var restored = Keras.LoadModel(keras, compile: false);
        foreach (var w in restored.Weights) w.Assign(Ops.Zeros(w.Shape));
        restored.LoadWeights(keras);
        AssertBitIdentical(expected, restored.Predict(x).ToArray(), "predictions after LoadWeights from .keras");
    }

    /// <summary>A file of Saving/Resources, found next to this source file.</summary>
    private static string Resource(string name, [System.Runtime.CompilerServices.CallerFilePath] string source = "") =>
        Path.Combine(Path.GetDirectoryName(source)!, "Resources", name);

    /// <summary>A config.json as Keras 3 writes it for
    /// <c>Sequential([Input((4,)), Dense(3, activation="relu"), Dense(2, activation="softmax")])</c> compiled
    /// with <c>Adam(1e-3)</c>, "sparse_categorical_crossentropy" and ["accuracy"]. It loads with weights
    /// given as safetensors under Keras's variable paths.</summary>
    [Fact]
    public void AConfigWrittenByKeras3Loads()
    {
        using var dir = new TempDir();
        string json = File.ReadAllText(Resource("keras3_sequential_config.json"));
        var kernel1 = Enumerable.Range(0, 12).Select(i => (i - 6) * 0.125f).ToArray();
        var bias1 = new[] { 0.5f, -0.25f, 0f };
        var kernel2 = Enumerable.Range(0, 6).Select(i => (i % 2 == 0 ? 1 : -1) * 0.375f * i).ToArray();
        var bias2 = new[] { 0.1f, -0.1f };
        var tensors = new[]
        {
            SafeTensor.FromTensor("dense/kernel", Tensor.FromArray<float>(kernel1, new Shape(4, 3))),
            SafeTensor.FromTensor("dense/bias", Tensor.FromArray<float>(bias1, new Shape(3))),
            SafeTensor.FromTensor("dense_1/kernel", Tensor.FromArray<float>(kernel2, new Shape(3, 2))),
            SafeTensor.FromTensor("dense_1/bias", Tensor.FromArray<float>(bias2, new Shape(2))),
        };
        string path = dir.File("from_keras.keras");
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            void Text(string name, string text)
            {
                using var w = new StreamWriter(zip.CreateEntry(name).Open());
                w.Write(text);
            }
            Text("metadata.json", """{"keras_version": "3.8.0", "date_saved": "2025-01-15@10:20:30"}""");
            Text("config.json", json);
            using var s = zip.CreateEntry("model.weights.safetensors").Open();
            SafeTensors.Write(s, tensors);
        }

        var model = Keras.LoadModel(path);
        Assert.IsType<Sequential>(model);
        Assert.Equal("sequential", model.Name);
        Assert.Equal(["dense", "dense_1"], model.Layers.Select(l => l.Name));
        Assert.True(model.Compiled);
        var adam = Assert.IsType<KerasNet.Optimizers.Adam>(model.Optimizer);
        Assert.Equal(0.001f, adam.LearningRate);
        Assert.Equal(0.9f, adam.Beta1);
        Assert.IsType<KerasNet.Losses.SparseCategoricalCrossentropy>(model.Loss);

        var x = new float[,] { { 1, 2, 3, 4 }, { -1, 0.5f, 0, 2 } };
        var p = model.Predict(x).ToArray();
        for (int n = 0; n < 2; n++)
        {
            var h = new double[3];
            for (int j = 0; j < 3; j++)
            {
                double s = bias1[j];
                for (int i = 0; i < 4; i++) s += x[n, i] * kernel1[i * 3 + j];
                h[j] = Math.Max(s, 0);
            }
            var z = new double[2];
            for (int k = 0; k < 2; k++)
            {
                z[k] = bias2[k];
                for (int j = 0; j < 3; j++) z[k] += h[j] * kernel2[j * 2 + k];
            }
            double m = z.Max(), e0 = Math.Exp(z[0] - m), e1 = Math.Exp(z[1] - m);
            Assert.Equal(e0 / (e0 + e1), p[n * 2], 5);
            Assert.Equal(e1 / (e0 + e1), p[n * 2 + 1], 5);
        }

        // It trains (the compile_config gave a loss and metrics).
        var history = model.Fit(x, new[] { 0, 1 }, epochs: 1, verbose: 0);
        Assert.Contains("accuracy", history.Keys);
    }

    /// <summary>Keras's Sequential config without an InputLayer, built from build_config (as Keras writes a
    /// Sequential that was built by data rather than declared with an Input).</summary>
    [Fact]
    public void ASequentialWithoutInputLayerIsBuiltFromBuildConfig()
    {
        string json = """
            {"module": "keras", "class_name": "Sequential", "config": {"name": "seq", "trainable": true,
              "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": null},
              "layers": [{"module": "keras.layers", "class_name": "Dense", "config": {"name": "d", "trainable": true, "units": 2,
                "activation": "linear", "use_bias": true}, "registered_name": null, "build_config": {"input_shape": [null, 5]}}],
              "build_input_shape": [null, 5]},
             "registered_name": null, "build_config": {"input_shape": [null, 5]}}
            """;
        var model = ModelIO.ModelFromJson(json);
        Assert.True(model.Built);
        Assert.Equal(new Shape(5, 2), model.Weights[0].Shape);
        Assert.Equal("d/kernel", model.Weights[0].Path);
        Assert.False(model.Compiled);
    }
}
