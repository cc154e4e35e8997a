// Two first models in a handful of lines each: a line of best fit, and XOR.
//   dotnet run --project samples/QuickStart
using KerasNet.Layers;
using KerasNet.Models;
using KerasNet.Optimizers;

Keras.SetRandomSeed(42);

// 1. y = m·x + b: one Dense unit learns m = 2 and b = -1 from noisy points.
var xs = new float[100, 1];
var ys = new float[100, 1];
var rng = new Random(0);
for (int i = 0; i < 100; i++) { xs[i, 0] = i / 50f - 1f; ys[i, 0] = 2f * xs[i, 0] - 1f + (float)(rng.NextDouble() - 0.5) * 0.1f; }
var line = new Sequential([new InputLayer([1]), new Dense(1)]);
line.Compile(new SGD(learningRate: 0.1f), "mse");
line.Fit(xs, ys, epochs: 50, verbose: 0);
var w = line.GetWeights();
Console.WriteLine($"line of best fit: y = {w[0].ToScalar():F3}·x + {w[1].ToScalar():F3}   (true: y = 2·x - 1)");

// 2. XOR: a hidden layer makes it separable.
float[,] x = { { 0, 0 }, { 0, 1 }, { 1, 0 }, { 1, 1 } };
float[,] y = { { 0 }, { 1 }, { 1 }, { 0 } };
var xor = new Sequential([new InputLayer([2]), new Dense(8, activation: "tanh"), new Dense(1, activation: "sigmoid")]);
xor.Compile(new Adam(learningRate: 0.05f), "binary_crossentropy", ["accuracy"]);
var history = xor.Fit(x, y, batchSize: 4, epochs: 300, verbose: 0);
var p = xor.Predict(x).ToArray();
Console.WriteLine($"XOR: [0,0]->{p[0]:F2} [0,1]->{p[1]:F2} [1,0]->{p[2]:F2} [1,1]->{p[3]:F2}   accuracy {history["accuracy"][^1]:F2}");
