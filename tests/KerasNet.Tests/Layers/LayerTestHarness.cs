// LayerTestHarness: a generic check of one layer, in the spirit of Keras's run_layer_test.
//
// Use it from any layer's tests (convolution, recurrent, normalization, ...):
//
//     LayerTestHarness.Run(new LayerTestCase
//     {
//         Factory = () => new Dense(3, activation: "relu"),   // a NEW layer on every call
//         InputShape = [2, 4],                                 // full input shape, batch axis first
//         ExpectedOutputShape = [2, 3],
//         ExpectedTrainableWeights = 2,                        // kernel, bias
//         WrongRankInputShape = [4],                           // optional: an input the layer must reject
//     });
//
// Multi-input layers (merges) set InputShapes = [[2, 3], [2, 3]] instead of InputShape. Integer inputs
// set InputDType = DType.Int32 (values drawn in [0, IntInputMax)), or give InputFactory for exact data.
//
// What Run checks, in order:
//  1. Eager: the layer builds on a random input (fixed seed); the output has ExpectedOutputShape and
//     ExpectedOutputDType; the counts of trainable and non-trainable weights are as expected; the values
//     match ExpectedOutput when it is given.
//  2. ComputeOutputShape(s) agree with the eager output, for the concrete input shape and for the symbolic
//     one (batch axis -1, expected back as -1).
//  3. Symbolic: a fresh layer applied to Keras.Input tensors gives the expected symbolic shape and the same
//     weight counts; a functional Model around it, with the eager layer's weights, computes the same output.
//  4. Config round trip: KerasRegistry.Serialize -> JSON text -> KerasRegistry.Deserialize<Layer> gives the
//     same class and the same config; with the same weights it computes the same output. Layers that cannot
//     be rebuilt from a config (Lambda) set SupportsConfigRoundTrip = false: deserializing must then fail
//     with an error that names the layer. CheckConfig = false skips this step (unregistered test classes).
//  5. Training vs inference: with ExpectTrainingDifference (Dropout-like layers) HasTrainingBehaviour is
//     true and training=true changes the output while inference stays deterministic; otherwise both modes
//     give the same output and HasTrainingBehaviour is false.
//  6. Wrong rank: with WrongRankInputShape, a fresh layer, the built layer and a symbolic call each reject
//     that input with an ArgumentException naming the layer, what it expected and the actual shape/rank.
//  7. Gradients (CheckGradients, on by default): the tape's gradients of sum(y * R) with respect to the float
//     inputs and the trainable weights agree with central finite differences on a few coordinates each.
//     Turn it off for layers with kinks close to the sampled points, or randomness in inference.
//
// Run returns the eager layer and its output for further, layer-specific assertions.

using System.Text.Json.Nodes;
using KerasNet.Models;
using KerasNet.Saving;
using Xunit;

namespace KerasNet.Tests.Layers;

/// <summary>One layer's test description for <see cref="LayerTestHarness.Run"/>.</summary>
public sealed class LayerTestCase
{
    /// <summary>Makes a new, unbuilt layer on each call (the harness needs several).</summary>
    public required Func<Layer> Factory { get; init; }

    /// <summary>The input shape (batch axis first) of a single-input layer.</summary>
    public int[]? InputShape { get; init; }

    /// <summary>The input shapes of a multi-input layer.</summary>
    public int[][]? InputShapes { get; init; }

    /// <summary>The dtype of every input (Float32 by default).</summary>
    public DType InputDType { get; init; } = DType.Float32;

    /// <summary>Integer inputs are drawn uniformly in [0, IntInputMax).</summary>
    public int IntInputMax { get; init; } = 10;

    /// <summary>Optional: makes input <c>i</c> of the given shape (overrides the random data).</summary>
    public Func<int, Shape, Tensor>? InputFactory { get; init; }

    /// <summary>The expected output shape for the concrete inputs.</summary>
    public required int[] ExpectedOutputShape { get; init; }

    /// <summary>The expected output dtype.</summary>
    public DType ExpectedOutputDType { get; init; } = DType.Float32;

    /// <summary>Optional expected output values (row-major), compared at <see cref="Tolerance"/>.</summary>
    public float[]? ExpectedOutput { get; init; }

    /// <summary>Number of trainable weights after building.</summary>
    public int ExpectedTrainableWeights { get; init; }

    /// <summary>Number of non-trainable weights after building.</summary>
    public int ExpectedNonTrainableWeights { get; init; }

    /// <summary>Whether training=true must change the output (Dropout).</summary>
    public bool ExpectTrainingDifference { get; init; }

    /// <summary>Whether the layer can be rebuilt from its config (false for Lambda).</summary>
    public bool SupportsConfigRoundTrip { get; init; } = true;

    /// <summary>Whether to run the config checks at all (off only for layers that are not registered, such as
    /// test-local classes).</summary>
    public bool CheckConfig { get; init; } = true;

    /// <summary>An input shape of the wrong rank that the layer must reject, or null to skip that check.</summary>
    public int[]? WrongRankInputShape { get; init; }

    /// <summary>Whether to compare the tape's gradients with finite differences.</summary>
    public bool CheckGradients { get; init; } = true;

    /// <summary>Relative tolerance of the finite-difference check (plus an absolute 5e-3).</summary>
    public double GradientTolerance { get; init; } = 2e-2;

    /// <summary>Tolerance of value comparisons (relative, with an absolute floor of the same size).</summary>
    public double Tolerance { get; init; } = 1e-5;

    /// <summary>Seed of the random inputs and weightings.</summary>
    public int Seed { get; init; } = 1234;
}

/// <summary>Runs a <see cref="LayerTestCase"/>; see the comment at the top of this file.</summary>
public static class LayerTestHarness
{
    /// <summary>Runs every check and returns the eager layer and its (inference) output.</summary>
    public static (Layer Layer, Tensor Output) Run(LayerTestCase c)
    {
        ArgumentNullException.ThrowIfNull(c);
        var shapes = InputShapesOf(c);
        var rng = new Random(c.Seed);
        var inputs = shapes.Select((s, i) => MakeInput(c, i, new Shape(s), rng)).ToArray();
        var expected = new Shape(c.ExpectedOutputShape);

        // 1. Eager.
        var layer = c.Factory();
        var y = Apply(layer, inputs, training: false);
        Assert.True(layer.Built, $"{Describe(layer)} is not built after its first call.");
        Assert.True(expected == y.Shape, $"{Describe(layer)}: eager output shape {y.Shape}, expected {expected}.");
        Assert.Equal(c.ExpectedOutputDType, y.DType);
        Assert.True(c.ExpectedTrainableWeights == layer.TrainableWeights.Count,
            $"{Describe(layer)}: {layer.TrainableWeights.Count} trainable weights ({string.Join(", ", layer.TrainableWeights.Select(w => w.Name))}), expected {c.ExpectedTrainableWeights}.");
        Assert.True(c.ExpectedNonTrainableWeights == layer.NonTrainableWeights.Count,
            $"{Describe(layer)}: {layer.NonTrainableWeights.Count} non-trainable weights, expected {c.ExpectedNonTrainableWeights}.");
        if (c.ExpectedOutput is not null) AssertClose(c.ExpectedOutput, y.ToArray(), c.Tolerance, $"{Describe(layer)} output");

        // 2. Shape inference agrees with the eager call.
        var concrete = layer.ComputeOutputShapes(shapes.Select(s => new Shape(s)).ToArray());
        Assert.True(y.Shape == concrete[0], $"{Describe(layer)}: ComputeOutputShape gives {concrete[0]} for the concrete input, the call gives {y.Shape}.");
        var symbolicShapes = shapes.Select(s => WithUnknownBatch(new Shape(s))).ToArray();
        var symbolicExpected = WithUnknownBatch(expected);
        var inferred = layer.ComputeOutputShapes(symbolicShapes);
        Assert.True(symbolicExpected == inferred[0], $"{Describe(layer)}: ComputeOutputShape gives {inferred[0]} for {string.Join(", ", symbolicShapes)}, expected {symbolicExpected}.");

        // 3. Symbolic call and a functional model with the same weights.
        var symbolicLayer = c.Factory();
        var kerasInputs = shapes.Select(s => Keras.Input(s[1..], c.InputDType)).ToArray();
        var symbolicOut = kerasInputs.Length == 1 ? symbolicLayer.Apply(kerasInputs[0]) : symbolicLayer.Apply(kerasInputs);
        Assert.True(symbolicExpected == symbolicOut.Shape, $"{Describe(symbolicLayer)}: symbolic output shape {KerasTensor.ShapeText(symbolicOut.Shape)}, expected {KerasTensor.ShapeText(symbolicExpected)}.");
        Assert.Equal(c.ExpectedTrainableWeights, symbolicLayer.TrainableWeights.Count);
        Assert.Equal(c.ExpectedNonTrainableWeights, symbolicLayer.NonTrainableWeights.Count);
        symbolicLayer.SetWeights(layer.GetWeights());
        var model = new Model(kerasInputs, [symbolicOut]);
        var outs = new Tensor[1];
        model.Call(inputs, outs, training: false);
        AssertClose(y.ToArray(), outs[0].ToArray(), c.Tolerance, $"{Describe(layer)} inside a functional model");

        // 4. Config round trip through JSON text.
        var serialized = KerasRegistry.Serialize(layer, "keras.layers");
        var text = serialized.ToJsonString();
        if (!c.CheckConfig) { }
        else if (c.SupportsConfigRoundTrip)
        {
            var clone = KerasRegistry.Deserialize<Layer>(JsonNode.Parse(text)!);
            Assert.Equal(layer.GetType(), clone.GetType());
            Assert.Equal(layer.GetConfig().ToJsonString(), clone.GetConfig().ToJsonString());
            Apply(clone, inputs, training: false);
            clone.SetWeights(layer.GetWeights());
            AssertClose(y.ToArray(), Apply(clone, inputs, training: false).ToArray(), c.Tolerance, $"{Describe(layer)} rebuilt from its config");
        }
        else
        {
            var e = Assert.ThrowsAny<Exception>(() => KerasRegistry.Deserialize<Layer>(JsonNode.Parse(text)!));
            Assert.True(e is NotSupportedException or ArgumentException, $"Deserializing {Describe(layer)} threw {e.GetType().Name}: {e.Message}");
            Assert.Contains(layer.Name, e.Message);
        }

        // 5. Training vs inference.
        var yTrain = Apply(layer, inputs, training: true);
        var yAgain = Apply(layer, inputs, training: false);
        AssertClose(y.ToArray(), yAgain.ToArray(), 0, $"{Describe(layer)} called twice in inference");
        if (c.ExpectTrainingDifference)
        {
            Assert.True(layer.HasTrainingBehaviour, $"{Describe(layer)} should report HasTrainingBehaviour.");
            Assert.False(y.ToArray().SequenceEqual(yTrain.ToArray()), $"{Describe(layer)}: training=true gave the inference output.");
        }
        else
        {
            Assert.False(layer.HasTrainingBehaviour, $"{Describe(layer)} reports HasTrainingBehaviour but behaves the same in training.");
            AssertClose(y.ToArray(), yTrain.ToArray(), c.Tolerance, $"{Describe(layer)} in training mode");
        }

        // 6. Wrong rank.
        if (c.WrongRankInputShape is { } wrong) CheckWrongRank(c, layer, wrong);

        // 7. Gradients.
        if (c.CheckGradients) CheckGradientsAgainstFiniteDifferences(c, layer, inputs, rng);

        return (layer, y);
    }

    /// <summary>Asserts that a wrong-rank input is rejected by a fresh layer, the built <paramref name="built"/>
    /// layer and a symbolic call, each with an error naming the layer and the shapes.</summary>
    public static void CheckWrongRank(LayerTestCase c, Layer built, int[] wrongShape)
    {
        ArgumentNullException.ThrowIfNull(c);
        ArgumentNullException.ThrowIfNull(built);
        ArgumentNullException.ThrowIfNull(wrongShape);
        var shape = new Shape(wrongShape);
        var x = MakeInput(c, 0, shape, new Random(c.Seed));
        var fresh = c.Factory();
        var e1 = Assert.ThrowsAny<ArgumentException>(() => fresh.Apply(x));
        AssertNamesLayerAndShape(e1, fresh, $"rank {shape.Rank}");
        var e2 = Assert.ThrowsAny<ArgumentException>(() => built.Apply(x));
        AssertNamesLayerAndShape(e2, built, KerasTensor.ShapeText(shape));
        if (shape.Rank >= 1)
        {
            var symbolic = c.Factory();
            var input = Keras.Input(wrongShape[1..], c.InputDType);
            var e3 = Assert.ThrowsAny<ArgumentException>(() => symbolic.Apply(input));
            AssertNamesLayerAndShape(e3, symbolic, KerasTensor.ShapeText(WithUnknownBatch(shape)));
        }
    }

    private static void AssertNamesLayerAndShape(Exception e, Layer layer, string actual)
    {
        Assert.True(e.Message.Contains($"'{layer.Name}'", StringComparison.Ordinal), $"The error does not name layer '{layer.Name}': {e.Message}");
        Assert.True(e.Message.Contains("expected", StringComparison.OrdinalIgnoreCase), $"The error does not say what was expected: {e.Message}");
        Assert.True(e.Message.Contains(actual, StringComparison.Ordinal), $"The error does not show the actual input ({actual}): {e.Message}");
    }

    private static void CheckGradientsAgainstFiniteDifferences(LayerTestCase c, Layer layer, Tensor[] inputs, Random rng)
    {
        var weights = layer.TrainableWeights;
        var y0 = Apply(layer, inputs, training: false);
        var r = Tensor.FromArray<float>(RandomNormal(rng, (int)y0.Size), y0.Shape);
        var floatInputs = Enumerable.Range(0, inputs.Length).Where(i => inputs[i].DType == DType.Float32).ToArray();

        // The tape's gradients.
        var sources = new Tensor[floatInputs.Length + weights.Count];
        for (int k = 0; k < floatInputs.Length; k++) sources[k] = inputs[floatInputs[k]];
        for (int k = 0; k < weights.Count; k++) sources[floatInputs.Length + k] = weights[k].Value;
        var grads = new Tensor[sources.Length];
        using (var tape = new GradientTape())
        {
            foreach (int i in floatInputs) tape.Watch(inputs[i]);
            var loss = Ops.Sum(Ops.Multiply(Apply(layer, inputs, training: false), r));
            tape.Gradient(loss, sources, grads);
        }

        double Loss(Tensor[] xs) => Ops.Sum(Ops.Multiply(Apply(layer, xs, training: false), r)).ToScalar();
        const float eps = 1e-2f;

        for (int k = 0; k < floatInputs.Length; k++)
        {
            int i = floatInputs[k];
            var data = inputs[i].ToArray();
            var analytic = grads[k].ToArray();
            Assert.Equal(data.Length, analytic.Length);
            foreach (int j in SampleCoordinates(rng, data.Length))
            {
                double Perturbed(float delta)
                {
                    var copy = (float[])data.Clone();
                    copy[j] += delta;
                    var xs = (Tensor[])inputs.Clone();
                    xs[i] = Tensor.FromArray<float>(copy, inputs[i].Shape);
                    return Loss(xs);
                }
                double numeric = (Perturbed(eps) - Perturbed(-eps)) / (2 * eps);
                AssertGradient(numeric, analytic[j], c.GradientTolerance, $"{Describe(layer)}: d loss / d input {i}[{j}]");
            }
        }
        var original = layer.GetWeights().Select(t => t.ToArray()).ToArray();
        var all = layer.Weights;
        for (int k = 0; k < weights.Count; k++)
        {
            int w = IndexOf(all, weights[k]);
            var analytic = grads[floatInputs.Length + k].ToArray();
            foreach (int j in SampleCoordinates(rng, original[w].Length))
            {
                double Perturbed(float delta)
                {
                    var values = original.Select(a => (Array)a.Clone()).ToArray();
                    ((float[])values[w])[j] += delta;
                    layer.SetWeights(values);
                    return Loss(inputs);
                }
                double numeric = (Perturbed(eps) - Perturbed(-eps)) / (2 * eps);
                AssertGradient(numeric, analytic[j], c.GradientTolerance, $"{Describe(layer)}: d loss / d {weights[k].Name}[{j}]");
            }
        }
        layer.SetWeights(original.Select(a => (Array)a).ToArray());
    }

    private static int IndexOf(IReadOnlyList<Variable> list, Variable v)
    {
        for (int i = 0; i < list.Count; i++) if (ReferenceEquals(list[i], v)) return i;
        throw new InvalidOperationException($"Weight {v.Name} is not among the layer's weights.");
    }

    private static IEnumerable<int> SampleCoordinates(Random rng, int count) =>
        count <= 6 ? Enumerable.Range(0, count) : Enumerable.Range(0, 6).Select(_ => rng.Next(count)).Distinct().ToArray();

    private static void AssertGradient(double numeric, double analytic, double rtol, string what)
    {
        double tol = 5e-3 + rtol * Math.Abs(numeric);
        Assert.True(Math.Abs(numeric - analytic) <= tol, $"{what}: tape gives {analytic}, finite differences give {numeric}.");
    }

    // ----- helpers shared with other layer tests -----

    /// <summary>Calls a layer eagerly on one or several inputs.</summary>
    public static Tensor Apply(Layer layer, Tensor[] inputs, bool training)
    {
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(inputs);
        return inputs.Length == 1 ? layer.Apply(inputs[0], training) : layer.Apply(inputs, training);
    }

    /// <summary>Asserts that every value is within <paramref name="tol"/> relative (with an absolute floor of
    /// <paramref name="tol"/>, or exact when it is 0) of the expected one.</summary>
    public static void AssertClose(IReadOnlyList<float> expected, IReadOnlyList<float> actual, double tol, string what)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(actual);
        Assert.True(expected.Count == actual.Count, $"{what}: {actual.Count} values, expected {expected.Count}.");
        for (int i = 0; i < expected.Count; i++)
        {
            double e = expected[i], a = actual[i];
            double bound = tol * Math.Max(Math.Abs(e), 1.0);
            Assert.True(Math.Abs(e - a) <= bound || (double.IsNaN(e) && double.IsNaN(a)), $"{what}: element {i} is {a}, expected {e}.");
        }
    }

    /// <summary>The same shape with the batch axis unknown (-1).</summary>
    public static Shape WithUnknownBatch(Shape s) => s.Rank == 0 ? s : s.With(0, -1);

    private static int[][] InputShapesOf(LayerTestCase c)
    {
        if (c.InputShape is not null && c.InputShapes is not null) throw new ArgumentException("Set InputShape or InputShapes, not both.");
        return c.InputShape is not null ? [c.InputShape] : c.InputShapes ?? throw new ArgumentException("Set InputShape or InputShapes.");
    }

    private static Tensor MakeInput(LayerTestCase c, int index, Shape shape, Random rng)
    {
        if (c.InputFactory is not null) return c.InputFactory(index, shape);
        int n = (int)shape.Size;
        return c.InputDType switch
        {
            DType.Float32 => Tensor.FromArray<float>(RandomNormal(rng, n), shape),
            DType.Int32 => Tensor.FromArray<int>(Enumerable.Range(0, n).Select(_ => rng.Next(c.IntInputMax)).ToArray(), shape),
            DType.Int64 => Tensor.FromArray<long>(Enumerable.Range(0, n).Select(_ => (long)rng.Next(c.IntInputMax)).ToArray(), shape),
            _ => Tensor.FromArray<bool>(Enumerable.Range(0, n).Select(_ => rng.Next(2) == 1).ToArray(), shape),
        };
    }

    /// <summary>Standard normal floats from a seeded generator.</summary>
    public static float[] RandomNormal(Random rng, int n)
    {
        ArgumentNullException.ThrowIfNull(rng);
        var a = new float[n];
        for (int i = 0; i < n; i++)
        {
            double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
            a[i] = (float)(Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }
        return a;
    }

    private static string Describe(Layer layer) => $"{layer.ClassName} '{layer.Name}'";
}
