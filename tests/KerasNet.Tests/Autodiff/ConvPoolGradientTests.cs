using KerasNet.Tests.Reference;
using Xunit;

namespace KerasNet.Tests.Autodiff;

/// <summary>Gradient checks of Conv, DepthwiseConv, ConvTranspose, MaxPool and AveragePool (channels last),
/// against direct double-precision loops. These need the CPU convolution and pooling kernels.</summary>
[Collection(GlobalBackendCollection.Name)]
[Trait("Needs", "ConvKernels")]
public class ConvPoolGradientTests
{
    private static GradInput X(int[] shape, int seed) => GradInput.Float(shape, Gen.Uniform(shape, -1, 1, seed));

    // ----- convolution -----

    /// <summary>(name, input shape, kernel shape, stride, padding, dilation); rank-3 inputs are 1-D.</summary>
    public static IEnumerable<object[]> ConvCases =>
    [
        ["1-D valid", new[] { 2, 7, 3 }, new[] { 3, 3, 4 }, 1, "valid", 1],
        ["1-D same", new[] { 2, 7, 3 }, new[] { 3, 3, 4 }, 1, "same", 1],
        ["1-D same stride 2", new[] { 2, 8, 3 }, new[] { 4, 3, 2 }, 2, "same", 1],
        ["1-D valid dilation 2", new[] { 1, 9, 2 }, new[] { 3, 2, 3 }, 1, "valid", 2],
        ["1-D groups 2", new[] { 2, 6, 4 }, new[] { 3, 2, 6 }, 1, "same", 1],
        ["2-D valid", new[] { 2, 5, 6, 3 }, new[] { 3, 2, 3, 4 }, 1, "valid", 1],
        ["2-D same", new[] { 1, 5, 6, 3 }, new[] { 3, 3, 3, 2 }, 1, "same", 1],
        ["2-D valid stride 2", new[] { 2, 7, 6, 2 }, new[] { 3, 2, 2, 3 }, 2, "valid", 1],
        ["2-D same stride 2", new[] { 1, 6, 7, 2 }, new[] { 3, 3, 2, 3 }, 2, "same", 1],
        ["2-D same dilation 2", new[] { 1, 7, 7, 2 }, new[] { 3, 3, 2, 2 }, 1, "same", 2],
        ["2-D valid dilation 2", new[] { 1, 7, 6, 2 }, new[] { 2, 2, 2, 3 }, 1, "valid", 2],
        ["2-D groups 2", new[] { 1, 5, 5, 4 }, new[] { 3, 3, 2, 6 }, 1, "same", 1],
        ["2-D groups 3 stride 2", new[] { 2, 6, 6, 6 }, new[] { 2, 2, 2, 3 }, 2, "valid", 1],
    ];

    /// <summary>NHWC view of a 1-D or 2-D input/kernel: (n, h, w, c) and (kh, kw).</summary>
    private static (int N, int H, int W, int C, int KH, int KW) Dims(int[] xs, int[] ks) => xs.Length == 3
        ? (xs[0], 1, xs[1], xs[2], 1, ks[0])
        : (xs[0], xs[1], xs[2], xs[3], ks[0], ks[1]);

    [Theory, MemberData(nameof(ConvCases))]
    public void ConvGradient(string name, int[] xs, int[] ks, int stride, string padding, int dilation)
    {
        var (n, h, w, c, kh, kw) = Dims(xs, ks);
        int oc = ks[^1], groups = c / ks[^2];
        var (outH, padTop) = xs.Length == 3 ? (1, 0) : Ref.ConvOutput(h, kh, stride, dilation, padding);
        var (outW, padLeft) = Ref.ConvOutput(w, kw, stride, dilation, padding);
        int[] os = xs.Length == 3 ? [n, outW, oc] : [n, outH, outW, oc];
        GradCheck.Check($"Conv {name}", t => Ops.Conv(t[0], t[1], stride, padding, dilation),
            v => Ref.Conv2D(v[0], n, h, w, c, v[1], kh, kw, oc, xs.Length == 3 ? 1 : stride, stride, xs.Length == 3 ? 1 : dilation, dilation,
                padTop, padLeft, outH, outW, groups), os, X(xs, 1), X(ks, 2));
    }

    [Fact]
    public void ConvWithPerAxisStridesAndDilation()
    {
        int[] xs = [1, 7, 8, 2], ks = [3, 2, 2, 3];
        var (outH, padTop) = Ref.ConvOutput(7, 3, 2, 1, "same");
        var (outW, padLeft) = Ref.ConvOutput(8, 2, 1, 2, "same");
        GradCheck.Check("Conv strides (2, 1) dilation (1, 2)", t => Ops.Conv(t[0], t[1], [2, 1], "same", [1, 2]),
            v => Ref.Conv2D(v[0], 1, 7, 8, 2, v[1], 3, 2, 3, 2, 1, 1, 2, padTop, padLeft, outH, outW, 1), [1, outH, outW, 3], X(xs, 3), X(ks, 4));
    }

    /// <summary>Depthwise reference: output channel c·M + m is input channel c convolved with kernel (.., c, m).</summary>
    private static double[] DepthwiseRef(double[] x, int n, int h, int w, int c, double[] k, int kh, int kw, int m,
        int stride, int dil, int padTop, int padLeft, int outH, int outW, bool oneD)
    {
        var y = new double[n * outH * outW * c * m];
        int sh = oneD ? 1 : stride, dh = oneD ? 1 : dil;
        for (int b = 0; b < n; b++)
            for (int oy = 0; oy < outH; oy++)
                for (int ox = 0; ox < outW; ox++)
                    for (int ch = 0; ch < c; ch++)
                        for (int mm = 0; mm < m; mm++)
                        {
                            double s = 0;
                            for (int i = 0; i < kh; i++)
                                for (int j = 0; j < kw; j++)
                                {
                                    int iy = oy * sh + i * dh - padTop, ix = ox * stride + j * dil - padLeft;
                                    if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                                    s += x[((b * h + iy) * w + ix) * c + ch] * k[((i * kw + j) * c + ch) * m + mm];
                                }
                            y[(((b * outH + oy) * outW + ox) * c + ch) * m + mm] = s;
                        }
        return y;
    }

    public static IEnumerable<object[]> DepthwiseCases =>
    [
        ["1-D same", new[] { 2, 7, 3 }, new[] { 3, 3, 2 }, 1, "same", 1],
        ["2-D valid", new[] { 2, 5, 5, 3 }, new[] { 3, 3, 3, 2 }, 1, "valid", 1],
        ["2-D same stride 2", new[] { 1, 6, 7, 2 }, new[] { 3, 3, 2, 1 }, 2, "same", 1],
        ["2-D same dilation 2", new[] { 1, 6, 6, 2 }, new[] { 2, 2, 2, 3 }, 1, "same", 2],
    ];

    [Theory, MemberData(nameof(DepthwiseCases))]
    public void DepthwiseConvGradient(string name, int[] xs, int[] ks, int stride, string padding, int dilation)
    {
        bool oneD = xs.Length == 3;
        var (n, h, w, c, kh, kw) = Dims(xs, ks);
        int m = ks[^1];
        var (outH, padTop) = oneD ? (1, 0) : Ref.ConvOutput(h, kh, stride, dilation, padding);
        var (outW, padLeft) = Ref.ConvOutput(w, kw, stride, dilation, padding);
        int[] os = oneD ? [n, outW, c * m] : [n, outH, outW, c * m];
        GradCheck.Check($"DepthwiseConv {name}", t => Ops.DepthwiseConv(t[0], t[1], [stride], padding, [dilation]),
            v => DepthwiseRef(v[0], n, h, w, c, v[1], kh, kw, m, stride, dilation, padTop, padLeft, outH, outW, oneD), os, X(xs, 5), X(ks, 6));
    }

    /// <summary>(name, input shape, kernel shape (.., OC, C), stride, padding, dilation).</summary>
    public static IEnumerable<object[]> ConvTransposeCases =>
    [
        ["1-D valid", new[] { 2, 5, 3 }, new[] { 3, 4, 3 }, 1, "valid", 1],
        ["1-D same stride 2", new[] { 2, 4, 3 }, new[] { 3, 2, 3 }, 2, "same", 1],
        ["2-D valid", new[] { 1, 3, 4, 2 }, new[] { 3, 2, 3, 2 }, 1, "valid", 1],
        ["2-D valid stride 2", new[] { 2, 3, 3, 2 }, new[] { 3, 3, 2, 2 }, 2, "valid", 1],
        ["2-D same stride 2", new[] { 1, 3, 4, 3 }, new[] { 3, 3, 2, 3 }, 2, "same", 1],
        ["2-D same dilation 2", new[] { 1, 4, 4, 2 }, new[] { 3, 3, 2, 2 }, 1, "same", 2],
    ];

    [Theory, MemberData(nameof(ConvTransposeCases))]
    public void ConvTransposeGradient(string name, int[] xs, int[] ks, int stride, string padding, int dilation)
    {
        bool oneD = xs.Length == 3;
        var (n, inH, inW, c, kh, kw) = Dims(xs, ks);
        int oc = ks[^2];
        int sh = oneD ? 1 : stride, dh = oneD ? 1 : dilation;
        // TensorFlow's conv_transpose: "valid" gives (in − 1)·s + (k − 1)·d + 1, "same" gives in·s, padded as the
        // "same" forward convolution from the output back to the input.
        int Out(int input, int k, int s, int d) => padding == "same" ? input * s : (input - 1) * s + (k - 1) * d + 1;
        int Pad(int input, int output, int k, int s, int d) => padding == "same" ? Math.Max((input - 1) * s + (k - 1) * d + 1 - output, 0) / 2 : 0;
        int outH = oneD ? 1 : Out(inH, kh, sh, dh), outW = Out(inW, kw, stride, dilation);
        int padTop = oneD ? 0 : Pad(inH, outH, kh, sh, dh), padLeft = Pad(inW, outW, kw, stride, dilation);
        int[] os = oneD ? [n, outW, oc] : [n, outH, outW, oc];
        GradCheck.Check($"ConvTranspose {name}", t => Ops.ConvTranspose(t[0], t[1], [stride], padding, default, [dilation]),
            v => Ref.ConvTranspose2D(v[0], n, inH, inW, c, v[1], kh, kw, oc, sh, stride, dh, dilation, padTop, padLeft, outH, outW),
            os, X(xs, 7), X(ks, 8));
    }

    // ----- pooling -----

    /// <summary>(name, input shape, pool, stride (0: the pool size), padding).</summary>
    public static IEnumerable<object[]> PoolCases =>
    [
        ["1-D valid", new[] { 2, 8, 3 }, 2, 0, "valid"],
        ["1-D same pool 3 stride 2", new[] { 2, 7, 2 }, 3, 2, "same"],
        ["1-D valid overlapping", new[] { 1, 7, 2 }, 3, 1, "valid"],
        ["2-D valid", new[] { 2, 4, 6, 3 }, 2, 0, "valid"],
        ["2-D same pool 3 stride 2", new[] { 1, 5, 6, 2 }, 3, 2, "same"],
        ["2-D valid overlapping", new[] { 1, 5, 5, 2 }, 3, 1, "valid"],
        ["2-D same stride 1", new[] { 1, 4, 4, 2 }, 2, 1, "same"],
    ];

    public static IEnumerable<object[]> PoolKindCases =>
        from max in new[] { true, false } from c in PoolCases select new object[] { max }.Concat(c).ToArray();

    [Theory, MemberData(nameof(PoolKindCases))]
    public void PoolGradient(bool max, string name, int[] xs, int pool, int stride, string padding)
    {
        bool oneD = xs.Length == 3;
        int n = xs[0], h = oneD ? 1 : xs[1], w = xs[^2], c = xs[^1];
        int s = stride == 0 ? pool : stride;
        var (outH, padTop) = oneD ? (1, 0) : Ref.ConvOutput(h, pool, s, 1, padding);
        var (outW, padLeft) = Ref.ConvOutput(w, pool, s, 1, padding);
        int[] os = oneD ? [n, outW, c] : [n, outH, outW, c];
        int[] strides = stride == 0 ? [] : [stride];
        // Max pooling needs no ties within a window: distinct values 0.25 apart.
        var x = max ? Gen.Distinct(xs, 9) : Gen.Uniform(xs, -1, 1, 9);
        GradCheck.Check($"{(max ? "MaxPool" : "AveragePool")} {name}",
            t => max ? Ops.MaxPool(t[0], [pool], strides, padding) : Ops.AveragePool(t[0], [pool], strides, padding),
            v => Ref.Pool2D(max, v[0], n, h, w, c, oneD ? 1 : pool, pool, oneD ? 1 : s, s, padTop, padLeft, outH, outW), os, GradInput.Float(xs, x));
    }
}
