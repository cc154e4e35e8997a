using KerasNet.Backend;
using Xunit;

namespace KerasNet.Tests.Core;

public class TensorBasicsTests
{
    [Fact]
    public void RoundTripsHostData()
    {
        var t = Tensor.FromArray(new float[,] { { 1, 2, 3 }, { 4, 5, 6 } });
        Assert.Equal(new Shape(2, 3), t.Shape);
        Assert.Equal(new float[] { 1, 2, 3, 4, 5, 6 }, t.ToArray());
        var back = (float[,])t.ToMultidimensionalArray();
        Assert.Equal(6f, back[1, 2]);
        var i = Tensor.FromArray(new[] { 3, 1 }, 2);
        Assert.Equal(DType.Int32, i.DType);
        Assert.Equal(new[] { 3, 1 }, i.ToArray<int>());
    }

    [Fact]
    public void MatMulAddReluSumBackwardMatchesHandComputedGradients()
    {
        // x (1x2) = [1, -2]; w (2x2) = [[1, 2], [3, 4]]; b = [0.5, -20]
        // h = x@w = [1-6, 2-8] = [-5, -6]; z = h + b = [-4.5, -26]; relu -> [0, 0]... choose w so one unit is active.
        var x = Tensor.FromArray(new float[] { 1, -2 }, 1, 2);
        var w = new Variable(Tensor.FromArray(new float[] { 1, -2, 3, 4 }, 2, 2), "w");
        var b = new Variable(Tensor.FromArray(new float[] { 0.5f, 1 }, 2), "b");
        using var tape = new GradientTape();
        // h = [1*1 + -2*3, 1*-2 + -2*4] = [-5, -10]; z = [-4.5, -9]: both inactive; use -x instead.
        var xn = -x; // [-1, 2]: h = [-1+6, 2+8] = [5, 10]; z = [5.5, 11]; relu = z; sum = 16.5
        var loss = Ops.Sum(Ops.Relu(Ops.MatMul(xn, w) + b));
        Assert.Equal(16.5f, loss.ToScalar(), 5);
        var grads = tape.Gradient(loss, new[] { w, b });
        // d/dw[i,j] = xn[i] for active j; d/db = 1
        Assert.Equal(new float[] { -1, -1, 2, 2 }, grads[0].ToArray());
        Assert.Equal(new float[] { 1, 1 }, grads[1].ToArray());
    }

    [Fact]
    public void DisposedTensorSaysWhatHappened()
    {
        var t = Ops.Ones(new Shape(2));
        t.Dispose();
        var e = Assert.Throws<ObjectDisposedException>(() => t.ToArray());
        Assert.Contains("disposed", e.Message);
    }

    [Fact]
    public void ScopeReleasesIntermediatesAndKeepsWhatIsKept()
    {
        Tensor inner, kept;
        using (var scope = new TensorScope())
        {
            inner = Ops.Ones(new Shape(3));
            kept = scope.Keep(Ops.Add(inner, inner));
        }
        Assert.True(inner.IsDisposed);
        Assert.Equal(new float[] { 2, 2, 2 }, kept.ToArray());
    }

    [Fact]
    public void MismatchedShapesNameBothShapes()
    {
        var a = Ops.Ones(new Shape(2, 3));
        var b = Ops.Ones(new Shape(4, 3));
        var e = Assert.Throws<ArgumentException>(() => Ops.Add(a, b));
        Assert.Contains("(2, 3)", e.Message);
        Assert.Contains("(4, 3)", e.Message);
    }

    [Fact]
    public void WrongDTypeIsNamed()
    {
        var a = Ops.Ones(new Shape(2));
        var b = Tensor.FromArray(new[] { 1, 2 });
        var e = Assert.Throws<ArgumentException>(() => Ops.Add(a, b));
        Assert.Contains("float32", e.Message);
        Assert.Contains("int32", e.Message);
    }

    [Fact]
    public void UnknownBackendListsKnownOnes()
    {
        var e = Assert.Throws<ArgumentException>(() => BackendRegistry.Get("tensorflow"));
        Assert.Contains("native", e.Message);
        var n = Assert.Throws<NotSupportedException>(() => BackendRegistry.Get("native", "cuda"));
        Assert.Contains("cuda", n.Message);
    }
}

public class TapePinningTests
{
    [Fact]
    public void DisposingARecordedIntermediateDoesNotBreakTheBackwardPass()
    {
        var x = new Variable(Tensor.FromArray(new float[] { -2, 0.5f, 3 }), "x");
        using var tape = new GradientTape();
        Tensor y;
        using (var t = Ops.Maximum(x, Tensor.Scalar(0f))) // t is recorded, then disposed by the using
        {
            y = Ops.Sum(Ops.Minimum(t, Tensor.Scalar(1f)));
        }
        // clip(x, 0, 1) = [0, 0.5, 1]; d/dx = [0, 1, 0]
        Assert.Equal(1.5f, y.ToScalar(), 6);
        Assert.Equal(new float[] { 0, 1, 0 }, tape.Gradient(y, x).ToArray());
    }

    [Fact]
    public void AReleaseDeferredByTheTapeHappensWhenTheTapeForgets()
    {
        var x = new Variable(Tensor.FromArray(new float[] { 1, 2 }), "x");
        var tape = new GradientTape();
        var t = Ops.Square(x);
        t.Dispose();
        Assert.False(t.IsDisposed); // still needed by the tape
        tape.Dispose();
        Assert.True(t.IsDisposed);
    }
}
