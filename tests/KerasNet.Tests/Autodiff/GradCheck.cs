using System.Globalization;
using KerasNet.Tests.Reference;
using Xunit;
using Xunit.Sdk;

namespace KerasNet.Tests.Autodiff;

/// <summary>The gradient tests run Ops on the process-wide current backend, whose buffer pool every test
/// shares; they run on their own, after the parallel tests, so that they cannot take pooled buffers from
/// under tests that measure allocations (Core.SteadyStateAllocationTests).</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GlobalBackendCollection
{
    public const string Name = "Gradient checks on the global backend";
}

/// <summary>One input of a gradient check: its shape, its values (exactly representable in its dtype), and
/// whether the check differentiates with respect to it (float32 inputs unless marked constant; integer and
/// bool inputs such as indices, labels and conditions are always constant).</summary>
public sealed class GradInput
{
    private GradInput(int[] shape, double[] values, DType dtype, bool differentiable)
    {
        if (values.Length != Ref.Size(shape)) throw new ArgumentException($"{values.Length} values for shape {new Shape(shape)}");
        Shape = shape;
        DType = dtype;
        Differentiable = differentiable && dtype == DType.Float32;
        // Round float32 inputs once, so the reference sees exactly the values the tensor holds.
        Values = dtype == DType.Float32 ? values.Select(v => (double)(float)v).ToArray() : values;
    }

    /// <summary>The shape.</summary>
    public int[] Shape { get; }

    /// <summary>The values in row-major order.</summary>
    public double[] Values { get; }

    /// <summary>The tensor dtype.</summary>
    public DType DType { get; }

    /// <summary>Whether gradients with respect to this input are checked.</summary>
    public bool Differentiable { get; }

    /// <summary>A float32 input the check differentiates with respect to.</summary>
    public static GradInput Float(int[] shape, double[] values) => new(shape, values, DType.Float32, true);

    /// <summary>An input the check holds fixed (float32 labels, int32/int64 indices, bool conditions).</summary>
    public static GradInput Const(int[] shape, double[] values, DType dtype = DType.Float32) => new(shape, values, dtype, false);

    /// <summary>The input as a new tensor on the current backend.</summary>
    public Tensor ToTensor() => DType switch
    {
        DType.Float32 => Tensor.FromArray<float>(Values.Select(v => (float)v).ToArray(), new Shape(Shape)),
        DType.Int32 => Tensor.FromArray<int>(Values.Select(v => (int)v).ToArray(), new Shape(Shape)),
        DType.Int64 => Tensor.FromArray<long>(Values.Select(v => (long)v).ToArray(), new Shape(Shape)),
        _ => Tensor.FromArray<bool>(Values.Select(v => v != 0).ToArray(), new Shape(Shape)),
    };
}

/// <summary>Finite-difference gradient checks of Ops under <see cref="GradientTape"/>.
/// <para>For a scalar L(x) = Σ_k sum(op(x)_k · R_k), with R_k fixed random weights (uniform in [−1, 1], so
/// every output element matters), the tape's float32 gradient dL/dx is compared with a central difference
/// (L(x + h·e_i) − L(x − h·e_i)) / 2h computed in double on an independent double-precision reference of the
/// op, with h = 1e-6·max(1, |x_i|). Tolerance: |analytic − numeric| ≤ 1e-4 · max(1, |numeric|).
/// The forward values are checked against the same reference: |y − ref| ≤ 1e-5 · max(1, |ref|).</para>
/// Inputs must keep a distance well above h from the op's kinks (relu, abs, max at ties, floor).</summary>
public static class GradCheck
{
    /// <summary>Gradient tolerance, relative to max(1, |numeric|).</summary>
    public const double GradientTolerance = 1e-4;

    /// <summary>Forward tolerance, relative to max(1, |reference|).</summary>
    public const double ForwardTolerance = 1e-5;

    /// <summary>Checks a single-output op.</summary>
    public static void Check(string name, Func<Tensor[], Tensor> op, Func<double[][], double[]> reference, int[] outShape, params GradInput[] inputs) =>
        CheckMany(name, xs => [op(xs)], xs => [reference(xs)], [outShape], inputs);

    /// <summary>Checks an op with several outputs (all weighted into one scalar).</summary>
    public static void CheckMany(string name, Func<Tensor[], Tensor[]> op, Func<double[][], double[][]> reference, int[][] outShapes, params GradInput[] inputs)
    {
        var rng = new Random(12345);
        var weights = outShapes.Select(s => Enumerable.Range(0, Ref.Size(s)).Select(_ => (double)(float)(rng.NextDouble() * 2 - 1)).ToArray()).ToArray();
        var diff = Enumerable.Range(0, inputs.Length).Where(i => inputs[i].Differentiable).ToArray();
        var values = inputs.Select(i => i.Values).ToArray();

        // ----- analytic: the tape -----
        var analytic = new float[diff.Length][];
        using (var scope = new TensorScope())
        {
            var xs = inputs.Select(i => i.ToTensor()).ToArray();
            using var tape = new GradientTape();
            foreach (int i in diff) tape.Watch(xs[i]);
            var ys = op(xs);
            if (ys.Length != outShapes.Length) throw new XunitException($"{name}: {ys.Length} outputs, expected {outShapes.Length}.");
            var forward = reference(values);
            Tensor loss = default;
            for (int k = 0; k < ys.Length; k++)
            {
                if (ys[k].Shape != new Shape(outShapes[k]))
                    throw new XunitException($"{name}: output {k} has shape {ys[k].Shape}, expected {new Shape(outShapes[k])}.");
                if (ys[k].DType != DType.Float32)
                    throw new XunitException($"{name}: output {k} is {ys[k].DType.KerasName()}, expected float32.");
                if (forward[k].Length != ys[k].Size)
                    throw new XunitException($"{name}: the reference gives {forward[k].Length} values for output {k} of shape {ys[k].Shape}.");
                var y = ys[k].ToArray();
                for (int j = 0; j < y.Length; j++)
                    if (!(Math.Abs(y[j] - forward[k][j]) <= ForwardTolerance * Math.Max(1, Math.Abs(forward[k][j]))))
                        throw new XunitException(Inv($"{name}: forward output {k} element {j} (of {y.Length}) is {y[j]:R}; the double reference gives {forward[k][j]:R}."));
                var r = Tensor.FromArray<float>(weights[k].Select(v => (float)v).ToArray(), ys[k].Shape);
                var term = Ops.Sum(Ops.Multiply(ys[k], r));
                loss = loss.IsNull ? term : Ops.Add(loss, term);
            }
            var sources = diff.Select(i => xs[i]).ToArray();
            var grads = new Tensor[sources.Length];
            tape.Gradient(loss, sources, grads);
            for (int g = 0; g < grads.Length; g++)
            {
                if (grads[g].Shape != sources[g].Shape)
                    throw new XunitException($"{name}: the gradient of input {diff[g]} has shape {grads[g].Shape}, the input {sources[g].Shape}.");
                analytic[g] = grads[g].ToArray();
            }
        }

        // ----- numeric: central differences of the double reference -----
        double Loss(double[][] v)
        {
            var ys = reference(v);
            double s = 0;
            for (int k = 0; k < ys.Length; k++)
                for (int j = 0; j < ys[k].Length; j++) s += ys[k][j] * weights[k][j];
            return s;
        }
        for (int g = 0; g < diff.Length; g++)
        {
            int i = diff[g];
            var x = (double[])values[i].Clone();
            var perturbed = (double[][])values.Clone();
            perturbed[i] = x;
            for (int j = 0; j < x.Length; j++)
            {
                double x0 = x[j], h = 1e-6 * Math.Max(1, Math.Abs(x0));
                x[j] = x0 + h;
                double up = Loss(perturbed);
                x[j] = x0 - h;
                double down = Loss(perturbed);
                x[j] = x0;
                double numeric = (up - down) / (2 * h);
                double a = analytic[g][j];
                if (!(Math.Abs(a - numeric) <= GradientTolerance * Math.Max(1, Math.Abs(numeric))))
                    throw new XunitException(Inv($"{name}: d/d input {i} element {j} (of {x.Length}, value {x0:R}): the tape gives {a:R}, central differences {numeric:R}."));
            }
        }
    }

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}

/// <summary>Deterministic test inputs.</summary>
public static class Gen
{
    /// <summary>Uniform values in [lo, hi).</summary>
    public static double[] Uniform(int[] shape, double lo, double hi, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, Ref.Size(shape)).Select(_ => lo + (hi - lo) * rng.NextDouble()).ToArray();
    }

    /// <summary>Values of random sign with magnitude in [min, max): away from 0.</summary>
    public static double[] AwayFromZero(int[] shape, double min, double max, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, Ref.Size(shape)).Select(_ => (min + (max - min) * rng.NextDouble()) * (rng.Next(2) == 0 ? -1 : 1)).ToArray();
    }

    /// <summary>Distinct values at least 0.1 apart (a shuffled ladder with jitter), for max/min without ties.</summary>
    public static double[] Distinct(int[] shape, int seed)
    {
        var rng = new Random(seed);
        int n = Ref.Size(shape);
        var v = Enumerable.Range(0, n).Select(i => (i - n / 2) * 0.25 + 0.1 * rng.NextDouble()).ToArray();
        for (int i = n - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (v[i], v[j]) = (v[j], v[i]);
        }
        return v;
    }

    /// <summary>The first candidate (seeds seed, seed+1, ...) that satisfies <paramref name="ok"/>.</summary>
    public static T Until<T>(Func<int, T> make, Func<T, bool> ok, int seed)
    {
        for (int s = seed; s < seed + 1000; s++)
        {
            var c = make(s);
            if (ok(c)) return c;
        }
        throw new InvalidOperationException("No candidate input satisfied the condition.");
    }
}
