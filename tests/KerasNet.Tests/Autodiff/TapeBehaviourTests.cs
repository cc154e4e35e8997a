using Xunit;

namespace KerasNet.Tests.Autodiff;

/// <summary>GradientTape semantics: unconnected sources, persistence, accumulation over repeated uses,
/// StopGradient, variables and nesting.</summary>
[Collection(GlobalBackendCollection.Name)]
public class TapeBehaviourTests
{
    private static Tensor T(params float[] v) => Tensor.FromArray(v);

    [Fact]
    public void UnconnectedSourceGetsZeros()
    {
        using var scope = new TensorScope();
        var x = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        var z = T(7, 8);
        using var tape = new GradientTape();
        tape.Watch(x);
        tape.Watch(z);
        var loss = Ops.Sum(Ops.Square(x));
        var grads = new Tensor[2];
        tape.Gradient(loss, [z, x], grads);
        Assert.Equal(new Shape(2), grads[0].Shape);
        Assert.Equal(new float[] { 0, 0 }, grads[0].ToArray());
        Assert.Equal(new float[] { 2, 4, 6, 8, 10, 12 }, grads[1].ToArray());
    }

    [Fact]
    public void SourceListedTwiceGetsItsGradientTwice()
    {
        using var scope = new TensorScope();
        var x = T(1, 2, 3);
        var w = new Variable(T(4, 5), "w");
        using var tape = new GradientTape(persistent: true);
        tape.Watch(x);
        var loss = Ops.Add(Ops.Sum(Ops.Square(x)), Ops.Sum(Ops.Square(w)));
        var grads = new Tensor[3];
        tape.Gradient(loss, [x, T(7, 8, 9), x], grads);
        Assert.Equal(new float[] { 2, 4, 6 }, grads[0].ToArray());
        Assert.Equal(new float[] { 0, 0, 0 }, grads[1].ToArray());
        Assert.Equal(new float[] { 2, 4, 6 }, grads[2].ToArray());
        var wg = tape.Gradient(loss, new[] { w, w });
        Assert.Equal(new float[] { 8, 10 }, wg[0].ToArray());
        Assert.Equal(new float[] { 8, 10 }, wg[1].ToArray());
    }

    [Fact]
    public void UnwatchedSourceGetsZeros()
    {
        using var scope = new TensorScope();
        var x = T(1, 2, 3);
        var y = T(4, 5, 6);
        using var tape = new GradientTape();
        tape.Watch(x);
        var loss = Ops.Sum(Ops.Multiply(x, y));
        var gy = tape.Gradient(loss, y);
        Assert.Equal(new float[] { 0, 0, 0 }, gy.ToArray());
    }

    [Fact]
    public void NonPersistentTapeGivesOneGradient()
    {
        using var scope = new TensorScope();
        var x = T(1, 2, 3);
        using var tape = new GradientTape();
        tape.Watch(x);
        var loss = Ops.Sum(Ops.Square(x));
        Assert.Equal(new float[] { 2, 4, 6 }, tape.Gradient(loss, x).ToArray());
        var e = Assert.Throws<InvalidOperationException>(() => tape.Gradient(loss, x));
        Assert.Contains("persistent", e.Message);
    }

    [Fact]
    public void PersistentTapeGivesTheSameGradientTwice()
    {
        using var scope = new TensorScope();
        var x = T(1, -2, 3);
        using var tape = new GradientTape(persistent: true);
        tape.Watch(x);
        var y = Ops.Multiply(Ops.Square(x), x); // x³
        var loss = Ops.Sum(y);
        var other = Ops.Sum(Ops.Square(x));
        var first = tape.Gradient(loss, x).ToArray();
        var second = tape.Gradient(loss, x).ToArray();
        Assert.Equal(new float[] { 3, 12, 27 }, first);
        Assert.Equal(first, second);
        // Another target from the same recording, and an intermediate as the source.
        Assert.Equal(new float[] { 2, -4, 6 }, tape.Gradient(other, x).ToArray());
        Assert.Equal(new float[] { 1, 1, 1 }, tape.Gradient(loss, y).ToArray());
        Assert.Equal(first, tape.Gradient(loss, x).ToArray());
    }

    [Fact]
    public void GradientAccumulatesOverRepeatedUses()
    {
        using var scope = new TensorScope();
        var x = T(1, -2, 3);
        using var tape = new GradientTape();
        tape.Watch(x);
        // x·x + 3x + x: 2x + 4
        var loss = Ops.Sum(Ops.Add(Ops.Add(Ops.Multiply(x, x), Ops.Multiply(x, Tensor.Scalar(3))), x));
        Assert.Equal(new float[] { 6, 0, 10 }, tape.Gradient(loss, x).ToArray());
    }

    [Fact]
    public void StopGradientBlocksTheGradient()
    {
        using var scope = new TensorScope();
        var x = T(1, 2, 3);
        using var tape = new GradientTape();
        tape.Watch(x);
        // x · stop(x): the gradient is stop(x) only, not 2x.
        var loss = Ops.Sum(Ops.Multiply(x, Ops.StopGradient(x)));
        Assert.Equal(new float[] { 1, 2, 3 }, tape.Gradient(loss, x).ToArray());

        using var tape2 = new GradientTape();
        tape2.Watch(x);
        var only = Ops.Sum(Ops.Square(Ops.StopGradient(x)));
        Assert.Equal(new float[] { 0, 0, 0 }, tape2.Gradient(only, x).ToArray());
    }

    [Fact]
    public void TrainableVariablesAreWatchedAutomatically()
    {
        using var scope = new TensorScope();
        var w = new Variable(T(1, 2), "w");
        var frozen = new Variable(T(3, 4), "frozen", trainable: false);
        using var tape = new GradientTape(persistent: true);
        var loss = Ops.Sum(Ops.Multiply(Ops.Multiply(w, w), frozen));
        Assert.Equal(new float[] { 6, 16 }, tape.Gradient(loss, w).ToArray());
        Assert.Equal(new float[] { 0, 0 }, tape.Gradient(loss, frozen).ToArray());

        using var manual = new GradientTape(watchAccessedVariables: false);
        manual.Watch(frozen);
        var loss2 = Ops.Sum(Ops.Multiply(Ops.Multiply(w, w), frozen));
        var grads = new Tensor[2];
        manual.Gradient(loss2, [w.Value, frozen.Value], grads);
        Assert.Equal(new float[] { 0, 0 }, grads[0].ToArray());
        Assert.Equal(new float[] { 1, 4 }, grads[1].ToArray());
    }

    [Fact]
    public void OpsAfterStopAreNotRecorded()
    {
        using var scope = new TensorScope();
        var x = T(1, 2);
        using var tape = new GradientTape(persistent: true);
        tape.Watch(x);
        var y = Ops.Square(x);
        var sy = Ops.Sum(y);
        tape.Stop();
        var z = Ops.Multiply(y, T(5, 5));
        Assert.Equal(new float[] { 0, 0 }, tape.Gradient(Ops.Sum(z), x).ToArray());
        Assert.Equal(new float[] { 2, 4 }, tape.Gradient(sy, x).ToArray());
    }

    [Fact]
    public void GradientOfTheSourceItselfIsOnes()
    {
        using var scope = new TensorScope();
        var x = Tensor.FromArray(new float[] { 1, 2, 3, 4 }, 2, 2);
        using var tape = new GradientTape();
        tape.Watch(x);
        var g = tape.Gradient(x, x);
        Assert.Equal(new float[] { 1, 1, 1, 1 }, g.ToArray());
    }

    [Fact]
    public void IntegerTargetIsRejected()
    {
        using var scope = new TensorScope();
        var x = T(1, 2);
        using var tape = new GradientTape();
        tape.Watch(x);
        var i = Ops.Cast(x, DType.Int32);
        Assert.Throws<ArgumentException>(() => tape.Gradient(i, x));
    }

    /// <summary>Ops whose backward pass is checked for leaked intermediates.</summary>
    private static readonly Dictionary<string, Func<Tensor, Tensor>> LeakCheckOps = new()
    {
        ["Abs"] = Ops.Abs, ["Square"] = Ops.Square, ["Sqrt"] = x => Ops.Sqrt(Ops.Abs(x)), ["Rsqrt"] = x => Ops.Rsqrt(Ops.Abs(x)),
        ["Reciprocal"] = Ops.Reciprocal, ["Exp"] = Ops.Exp, ["Log"] = x => Ops.Log(Ops.Abs(x)), ["Log1p"] = x => Ops.Log1p(Ops.Abs(x)),
        ["Expm1"] = Ops.Expm1, ["Sin"] = Ops.Sin, ["Cos"] = Ops.Cos, ["Tanh"] = Ops.Tanh, ["Sigmoid"] = Ops.Sigmoid,
        ["Relu"] = Ops.Relu, ["LeakyRelu"] = x => Ops.LeakyRelu(x), ["Elu"] = x => Ops.Elu(x), ["Softplus"] = Ops.Softplus,
        ["Erf"] = Ops.Erf, ["Power(3)"] = x => Ops.Power(x, 3f), ["Floor"] = Ops.Floor,
        ["Add"] = x => Ops.Add(x, Ops.Sum(x, 0, keepDims: true)), ["Divide"] = x => Ops.Divide(x, Ops.Exp(x)),
        ["Power"] = x => Ops.Power(Ops.Exp(x), x), ["Maximum"] = x => Ops.Maximum(x, Ops.Transpose(x)),
        ["Atan2"] = x => Ops.Arctan2(x, Ops.Exp(x)), ["Mod"] = x => Ops.Mod(x, Ops.Exp(x)),
        ["SquaredDifference"] = x => Ops.SquaredDifference(x, Ops.Transpose(x)),
        ["Where"] = x => Ops.Where(Ops.Greater(x, Ops.Transpose(x)), x, Ops.Transpose(x)),
        ["Mean"] = x => Ops.Mean(x, 1), ["Max"] = x => Ops.Max(x, [0, 1]), ["Prod"] = x => Ops.Prod(x, [1]),
        ["Var"] = x => Ops.Var(x, [0]), ["MatMul"] = x => Ops.MatMul(x, x, transposeB: true),
        ["Slice"] = x => Ops.Slice(x, [1, 0], [2, 3]), ["Pad"] = x => Ops.Pad(x, [1, 0], [0, 2]),
        ["Concatenate"] = x => Ops.Concatenate([x, x], 1), ["Stack"] = x => Ops.Stack([x, x], 1),
        ["Take"] = x => Ops.Take(x, Tensor.FromArray(new[] { 2, 0, 2 }), 1), ["BroadcastTo"] = x => Ops.BroadcastTo(x, new Shape(2, 3, 3)),
        ["Softmax"] = x => Ops.Softmax(x, 0), ["LogSoftmax"] = x => Ops.LogSoftmax(x),
        ["SoftmaxCrossEntropy"] = x => Ops.SoftmaxCrossEntropy(Ops.Softmax(x), x),
        ["SparseSoftmaxCrossEntropy"] = x => Ops.SparseSoftmaxCrossEntropy(Tensor.FromArray(new[] { 0, 2, 1 }), x),
        ["Clip"] = x => Ops.Clip(x, -0.5f, 0.5f), ["Dropout"] = x => Ops.Dropout(x, 0.5f, new SeedGenerator(3)),
    };

    public static IEnumerable<object[]> LeakCheckNames => LeakCheckOps.Keys.Select(k => new object[] { k });

    [Theory, MemberData(nameof(LeakCheckNames))]
    public void BackwardReleasesEverythingButTheGradient(string name)
    {
        using var scope = new TensorScope();
        var x = Tensor.FromArray(new float[] { 0.3f, -1.2f, 0.7f, 1.9f, -0.4f, 0.1f, -2.2f, 0.8f, 1.1f }, 3, 3);
        using var tape = new GradientTape();
        tape.Watch(x);
        var loss = Ops.Sum(LeakCheckOps[name](x));
        int before = scope.Count;
        var g = tape.Gradient(loss, x);
        Assert.Equal(new Shape(3, 3), g.Shape);
        // Every tensor the backward pass made is released again, except the gradient it returns.
        Assert.Equal(before + 1, scope.Count);
    }

    public static IEnumerable<object[]> CompositeNames =>
        new[] { "Clip", "Var", "Dropout", "Stack", "OneHot", "Softmax axis 0", "Max axes (0, 2)", "MatMul batch broadcast" }.Select(n => new object[] { n });

    [Theory, MemberData(nameof(CompositeNames))]
    public void CompositeOpsReleaseTheirIntermediatesWhenNothingRecords(string name)
    {
        // The gradient fixes keep intermediates alive only while a tape records; otherwise they go at once.
        using var scope = new TensorScope();
        var x = Tensor.FromArray(new float[] { 0.3f, -1.2f, 0.7f, 1.9f, -0.4f, 0.1f, -2.2f, 0.8f, 1.1f, 0.5f, -0.6f, 0.9f }, 2, 3, 2);
        var labels = Tensor.FromArray(new[] { 1, 0, 2 });
        int before = scope.Count;
        _ = name switch
        {
            "Clip" => Ops.Clip(x, -0.5f, 0.5f),
            "Var" => Ops.Var(x, [0, 2]),
            "Dropout" => Ops.Dropout(x, 0.5f, new SeedGenerator(1)),
            "Stack" => Ops.Stack([x, x, x], 1),
            "OneHot" => Ops.OneHot(labels, 4),
            "Softmax axis 0" => Ops.Softmax(x, 0),
            "Max axes (0, 2)" => Ops.Max(x, [0, 2]),
            _ => Ops.MatMul(Ops.Reshape(x, new Shape(2, 1, 3, 2)), Ops.Reshape(x, new Shape(1, 2, 2, 3))),
        };
        int extra = name.StartsWith("MatMul", StringComparison.Ordinal) ? 2 : 0; // the two reshaped views
        Assert.Equal(before + 1 + extra, scope.Count);
    }
}
