namespace KerasNet.Tests.Reference;

/// <summary>Plain double-precision reference implementations of the tensor ops, written independently of
/// Ops and the backends (row-major flat arrays plus an int[] shape), for the conformance suite and the
/// finite-difference gradient checks. Slow and obvious on purpose.</summary>
public static class Ref
{
    // ----- shapes and indexing -----

    /// <summary>Number of elements of a shape (1 for a scalar).</summary>
    public static int Size(int[] shape)
    {
        int n = 1;
        foreach (int d in shape) n *= d;
        return n;
    }

    /// <summary>Row-major element strides.</summary>
    public static int[] Strides(int[] shape)
    {
        var s = new int[shape.Length];
        int stride = 1;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            s[i] = stride;
            stride *= shape[i];
        }
        return s;
    }

    /// <summary>The multi-index of flat position <paramref name="flat"/>.</summary>
    public static int[] Unravel(int flat, int[] shape)
    {
        var idx = new int[shape.Length];
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            idx[d] = flat % shape[d];
            flat /= shape[d];
        }
        return idx;
    }

    /// <summary>The flat position of a multi-index.</summary>
    public static int Ravel(int[] idx, int[] shape)
    {
        int flat = 0;
        for (int d = 0; d < shape.Length; d++) flat = flat * shape[d] + idx[d];
        return flat;
    }

    /// <summary>(outer, axis size, inner) of a shape split around <paramref name="axis"/>.</summary>
    public static (int Outer, int N, int Inner) SplitAt(int[] shape, int axis)
    {
        int outer = 1, inner = 1;
        for (int i = 0; i < axis; i++) outer *= shape[i];
        for (int i = axis + 1; i < shape.Length; i++) inner *= shape[i];
        return (outer, shape[axis], inner);
    }

    /// <summary>NumPy broadcast of several shapes.</summary>
    public static int[] BroadcastShape(params int[][] shapes)
    {
        int rank = shapes.Max(s => s.Length);
        var r = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int dim = 1;
            foreach (var s in shapes)
            {
                int j = i - (rank - s.Length);
                int d = j < 0 ? 1 : s[j];
                if (d == 1) continue;
                if (dim != 1 && dim != d) throw new ArgumentException("shapes do not broadcast");
                dim = d;
            }
            r[i] = dim;
        }
        return r;
    }

    /// <summary>Flat index into an operand of shape <paramref name="xs"/> broadcast to the output index.</summary>
    public static int BroadcastIndex(int[] outIdx, int[] xs)
    {
        int off = outIdx.Length - xs.Length, flat = 0;
        for (int d = 0; d < xs.Length; d++) flat = flat * xs[d] + (xs[d] == 1 ? 0 : outIdx[d + off]);
        return flat;
    }

    /// <summary>x of shape xs materialized at shape <paramref name="outShape"/>.</summary>
    public static double[] BroadcastTo(double[] x, int[] xs, int[] outShape)
    {
        var y = new double[Size(outShape)];
        for (int i = 0; i < y.Length; i++) y[i] = x[BroadcastIndex(Unravel(i, outShape), xs)];
        return y;
    }

    // ----- elementwise -----

    /// <summary>f applied to every element.</summary>
    public static double[] Map(double[] x, Func<double, double> f) => x.Select(f).ToArray();

    /// <summary>f(a, b) with NumPy broadcasting; the result has the broadcast shape.</summary>
    public static double[] Zip(double[] a, int[] sa, double[] b, int[] sb, Func<double, double, double> f)
    {
        var os = BroadcastShape(sa, sb);
        var y = new double[Size(os)];
        for (int i = 0; i < y.Length; i++)
        {
            var idx = Unravel(i, os);
            y[i] = f(a[BroadcastIndex(idx, sa)], b[BroadcastIndex(idx, sb)]);
        }
        return y;
    }

    /// <summary>cond ? a : b with broadcasting over all three.</summary>
    public static double[] Where(double[] c, int[] sc, double[] a, int[] sa, double[] b, int[] sb)
    {
        var os = BroadcastShape(sc, sa, sb);
        var y = new double[Size(os)];
        for (int i = 0; i < y.Length; i++)
        {
            var idx = Unravel(i, os);
            y[i] = c[BroadcastIndex(idx, sc)] != 0 ? a[BroadcastIndex(idx, sa)] : b[BroadcastIndex(idx, sb)];
        }
        return y;
    }

    /// <summary>Python's % for doubles: the result takes the sign of b.</summary>
    public static double PyMod(double a, double b)
    {
        double r = a % b; // exact (fmod)
        return r != 0 && (r < 0) != (b < 0) ? r + b : r;
    }

    /// <summary>Python's // for integers.</summary>
    public static long FloorDiv(long a, long b)
    {
        long q = a / b;
        if (a % b != 0 && (a < 0) != (b < 0)) q--;
        return q;
    }

    /// <summary>Python's % for integers.</summary>
    public static long FloorMod(long a, long b) => a - FloorDiv(a, b) * b;

    /// <summary>The error function to double precision (Taylor series below 3, continued fraction above).</summary>
    public static double Erf(double x)
    {
        double ax = Math.Abs(x);
        if (ax < 3)
        {
            double term = x, sum = x, x2 = x * x;
            for (int n = 1; n < 200; n++)
            {
                term *= -x2 / n;
                double add = term / (2 * n + 1);
                sum += add;
                if (Math.Abs(add) < 1e-18 * Math.Abs(sum)) break;
            }
            return sum * 2 / Math.Sqrt(Math.PI);
        }
        // erfc x = exp(-x²)/sqrt(pi) · 1/(x + 1/2/(x + 1/(x + 3/2/(x + ...)))) (Lentz would be overkill here)
        double f = ax;
        for (int k = 60; k >= 1; k--) f = ax + k / 2.0 / f;
        double erfc = Math.Exp(-ax * ax) / Math.Sqrt(Math.PI) / f;
        return x > 0 ? 1 - erfc : erfc - 1;
    }

    /// <summary>ln(1+x), accurate near 0 (the BCL's double.LogP1 is log(1+x) and is not).</summary>
    public static double Log1p(double x) =>
        Math.Abs(x) < 1e-4 ? x * (1 - x * (1.0 / 2 - x * (1.0 / 3 - x * (1.0 / 4 - x / 5)))) : Math.Log(1 + x);

    /// <summary>e^x − 1, accurate near 0 (the BCL's double.ExpM1 is exp(x)−1 and is not).</summary>
    public static double Expm1(double x) =>
        Math.Abs(x) < 1e-4 ? x * (1 + x * (1.0 / 2 + x * (1.0 / 6 + x * (1.0 / 24 + x / 120)))) : Math.Exp(x) - 1;

    /// <summary>ln(1+e^x) without overflow.</summary>
    public static double Softplus(double x) => Math.Max(x, 0) + Log1p(Math.Exp(-Math.Abs(x)));

    /// <summary>1/(1+e^-x).</summary>
    public static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    // ----- reductions -----

    /// <summary>Reduces the given axes with <paramref name="f"/> over each group of values (in row-major order
    /// of the reduced axes); the result is in row-major order of the remaining axes.</summary>
    public static double[] Reduce(double[] x, int[] shape, int[] axes, Func<double[], double> f)
    {
        if (axes.Length == 0) axes = Enumerable.Range(0, shape.Length).ToArray();
        var keep = Enumerable.Range(0, shape.Length).Where(i => !axes.Contains(i)).ToArray();
        var keptShape = keep.Select(i => shape[i]).ToArray();
        var groups = new List<double>[Size(keptShape)];
        for (int i = 0; i < groups.Length; i++) groups[i] = new List<double>();
        for (int i = 0; i < x.Length; i++)
        {
            var idx = Unravel(i, shape);
            groups[Ravel(keep.Select(k => idx[k]).ToArray(), keptShape)].Add(x[i]);
        }
        return groups.Select(g => f(g.ToArray())).ToArray();
    }

    /// <summary>Shape after reducing <paramref name="axes"/> (all when empty).</summary>
    public static int[] ReducedShape(int[] shape, int[] axes, bool keepDims)
    {
        if (axes.Length == 0) axes = Enumerable.Range(0, shape.Length).ToArray();
        var r = new List<int>();
        for (int i = 0; i < shape.Length; i++)
        {
            if (!axes.Contains(i)) r.Add(shape[i]);
            else if (keepDims) r.Add(1);
        }
        return r.ToArray();
    }

    /// <summary>Product of the values.</summary>
    public static double Product(double[] v)
    {
        double p = 1;
        foreach (double d in v) p *= d;
        return p;
    }

    /// <summary>Population variance.</summary>
    public static double Variance(double[] v)
    {
        double m = v.Average();
        return v.Sum(d => (d - m) * (d - m)) / v.Length;
    }

    // ----- shape ops -----

    /// <summary>Axes permuted: output axis i is input axis perm[i].</summary>
    public static double[] Transpose(double[] x, int[] shape, int[] perm)
    {
        var os = perm.Select(p => shape[p]).ToArray();
        var y = new double[x.Length];
        for (int i = 0; i < y.Length; i++)
        {
            var oi = Unravel(i, os);
            var ii = new int[shape.Length];
            for (int d = 0; d < perm.Length; d++) ii[perm[d]] = oi[d];
            y[i] = x[Ravel(ii, shape)];
        }
        return y;
    }

    /// <summary>The block at <paramref name="begin"/> of size <paramref name="size"/>.</summary>
    public static double[] Slice(double[] x, int[] shape, int[] begin, int[] size)
    {
        var y = new double[Size(size)];
        for (int i = 0; i < y.Length; i++)
        {
            var idx = Unravel(i, size);
            for (int d = 0; d < idx.Length; d++) idx[d] += begin[d];
            y[i] = x[Ravel(idx, shape)];
        }
        return y;
    }

    /// <summary>Constant padding.</summary>
    public static double[] Pad(double[] x, int[] shape, int[] before, int[] after, double constant)
    {
        var os = shape.Select((d, i) => d + before[i] + after[i]).ToArray();
        var y = new double[Size(os)];
        for (int i = 0; i < y.Length; i++)
        {
            var idx = Unravel(i, os);
            bool inside = true;
            for (int d = 0; d < idx.Length; d++)
            {
                idx[d] -= before[d];
                if (idx[d] < 0 || idx[d] >= shape[d]) inside = false;
            }
            y[i] = inside ? x[Ravel(idx, shape)] : constant;
        }
        return y;
    }

    /// <summary>Joins arrays along an existing axis.</summary>
    public static double[] Concat(double[][] xs, int[][] shapes, int axis)
    {
        var os = (int[])shapes[0].Clone();
        os[axis] = shapes.Sum(s => s[axis]);
        var y = new double[Size(os)];
        for (int i = 0; i < y.Length; i++)
        {
            var idx = Unravel(i, os);
            int t = 0, a = idx[axis];
            while (a >= shapes[t][axis]) a -= shapes[t++][axis];
            idx[axis] = a;
            y[i] = xs[t][Ravel(idx, shapes[t])];
        }
        return y;
    }

    /// <summary>x.take(indices, axis): shape x.shape[:axis] + (count,) + x.shape[axis+1:], flattened.</summary>
    public static double[] Take(double[] x, int[] shape, double[] indices, int axis)
    {
        var (outer, n, inner) = SplitAt(shape, axis);
        var y = new double[outer * indices.Length * inner];
        for (int o = 0; o < outer; o++)
            for (int j = 0; j < indices.Length; j++)
                for (int k = 0; k < inner; k++)
                    y[(o * indices.Length + j) * inner + k] = x[(o * n + (int)indices[j]) * inner + k];
        return y;
    }

    /// <summary>target with updates added at indices along axis (repeats accumulate).</summary>
    public static double[] ScatterAdd(double[] target, int[] shape, double[] indices, double[] updates, int axis)
    {
        var (outer, n, inner) = SplitAt(shape, axis);
        var y = (double[])target.Clone();
        for (int o = 0; o < outer; o++)
            for (int j = 0; j < indices.Length; j++)
                for (int k = 0; k < inner; k++)
                    y[(o * n + (int)indices[j]) * inner + k] += updates[(o * indices.Length + j) * inner + k];
        return y;
    }

    // ----- softmax family -----

    /// <summary>Softmax (or log-softmax) along <paramref name="axis"/>.</summary>
    public static double[] Softmax(double[] x, int[] shape, int axis, bool log)
    {
        var (outer, n, inner) = SplitAt(shape, axis);
        var y = new double[x.Length];
        for (int o = 0; o < outer; o++)
            for (int k = 0; k < inner; k++)
            {
                double max = double.NegativeInfinity;
                for (int j = 0; j < n; j++) max = Math.Max(max, x[(o * n + j) * inner + k]);
                double s = 0;
                for (int j = 0; j < n; j++) s += Math.Exp(x[(o * n + j) * inner + k] - max);
                double lse = Math.Log(s) + max;
                for (int j = 0; j < n; j++)
                {
                    int i = (o * n + j) * inner + k;
                    y[i] = log ? x[i] - lse : Math.Exp(x[i] - lse);
                }
            }
        return y;
    }

    /// <summary>log(sum(exp(row))) of each row of a (rows, cols) matrix.</summary>
    public static double LogSumExp(double[] x, int row, int cols)
    {
        double max = double.NegativeInfinity;
        for (int j = 0; j < cols; j++) max = Math.Max(max, x[row * cols + j]);
        double s = 0;
        for (int j = 0; j < cols; j++) s += Math.Exp(x[row * cols + j] - max);
        return Math.Log(s) + max;
    }

    /// <summary>Per-row cross-entropy with probability targets: sum_j t_j (lse - x_j).</summary>
    public static double[] CrossEntropyDense(double[] labels, double[] logits, int rows, int cols)
    {
        var y = new double[rows];
        for (int r = 0; r < rows; r++)
        {
            double lse = LogSumExp(logits, r, cols);
            for (int j = 0; j < cols; j++) y[r] += labels[r * cols + j] * (lse - logits[r * cols + j]);
        }
        return y;
    }

    /// <summary>Per-row cross-entropy with class-index labels: lse - x_label.</summary>
    public static double[] CrossEntropySparse(double[] labels, double[] logits, int rows, int cols)
    {
        var y = new double[rows];
        for (int r = 0; r < rows; r++) y[r] = LogSumExp(logits, r, cols) - logits[r * cols + (int)labels[r]];
        return y;
    }

    // ----- linear algebra -----

    /// <summary>NumPy matmul of rank ≥ 2 arrays with optional transposes of the last two axes; returns the
    /// product and its shape.</summary>
    public static (double[] Y, int[] Shape) MatMul(double[] a, int[] sa, double[] b, int[] sb, bool ta = false, bool tb = false)
    {
        int m = ta ? sa[^1] : sa[^2], k = ta ? sa[^2] : sa[^1];
        int n = tb ? sb[^2] : sb[^1];
        var batchA = sa[..^2];
        var batchB = sb[..^2];
        var batch = BroadcastShape(batchA, batchB);
        var os = batch.Concat(new[] { m, n }).ToArray();
        var y = new double[Size(os)];
        int nb = Size(batch);
        for (int bi = 0; bi < nb; bi++)
        {
            var bidx = Unravel(bi, batch);
            int ao = BroadcastIndex(bidx, batchA) * sa[^1] * sa[^2];
            int bo = BroadcastIndex(bidx, batchB) * sb[^1] * sb[^2];
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                {
                    double s = 0;
                    for (int p = 0; p < k; p++)
                    {
                        double av = ta ? a[ao + p * sa[^1] + i] : a[ao + i * sa[^1] + p];
                        double bv = tb ? b[bo + j * sb[^1] + p] : b[bo + p * sb[^1] + j];
                        s += av * bv;
                    }
                    y[(bi * m + i) * n + j] = s;
                }
        }
        return (y, os);
    }

    // ----- convolution and pooling (NHWC; 1-D uses H = 1) -----

    /// <summary>Output size and leading padding of one spatial axis under Keras/TensorFlow's rules.</summary>
    public static (int Out, int PadBefore) ConvOutput(int input, int kernel, int stride, int dilation, string padding)
    {
        int eff = (kernel - 1) * dilation + 1;
        if (padding == "valid") return ((input - eff) / stride + 1, 0);
        int output = (input + stride - 1) / stride;
        int total = Math.Max((output - 1) * stride + eff - input, 0);
        return (output, total / 2);
    }

    /// <summary>Grouped, strided, dilated 2-D convolution: x (N, H, W, C), w (KH, KW, C/groups, OC) →
    /// y (N, outH, outW, OC).</summary>
    public static double[] Conv2D(double[] x, int n, int h, int w, int c, double[] k, int kh, int kw, int oc,
        int sh, int sw, int dh, int dw, int padTop, int padLeft, int outH, int outW, int groups)
    {
        int cg = c / groups, ocg = oc / groups;
        var y = new double[n * outH * outW * oc];
        for (int b = 0; b < n; b++)
            for (int oy = 0; oy < outH; oy++)
                for (int ox = 0; ox < outW; ox++)
                    for (int o = 0; o < oc; o++)
                    {
                        int g = o / ocg;
                        double s = 0;
                        for (int i = 0; i < kh; i++)
                            for (int j = 0; j < kw; j++)
                            {
                                int iy = oy * sh + i * dh - padTop, ix = ox * sw + j * dw - padLeft;
                                if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                                for (int ci = 0; ci < cg; ci++)
                                    s += x[((b * h + iy) * w + ix) * c + g * cg + ci] * k[((i * kw + j) * cg + ci) * oc + o];
                            }
                        y[((b * outH + oy) * outW + ox) * oc + o] = s;
                    }
        return y;
    }

    /// <summary>Transposed convolution (the adjoint of <see cref="Conv2D"/> with groups 1): x (N, inH, inW, C),
    /// kernel (KH, KW, OC, C) → y (N, outH, outW, OC), where input position i feeds output positions
    /// i·stride + k·dilation − pad.</summary>
    public static double[] ConvTranspose2D(double[] x, int n, int inH, int inW, int c, double[] k, int kh, int kw, int oc,
        int sh, int sw, int dh, int dw, int padTop, int padLeft, int outH, int outW)
    {
        var y = new double[n * outH * outW * oc];
        for (int b = 0; b < n; b++)
            for (int iy = 0; iy < inH; iy++)
                for (int ix = 0; ix < inW; ix++)
                    for (int i = 0; i < kh; i++)
                        for (int j = 0; j < kw; j++)
                        {
                            int oy = iy * sh + i * dh - padTop, ox = ix * sw + j * dw - padLeft;
                            if (oy < 0 || oy >= outH || ox < 0 || ox >= outW) continue;
                            for (int o = 0; o < oc; o++)
                            {
                                double s = 0;
                                for (int ci = 0; ci < c; ci++)
                                    s += x[((b * inH + iy) * inW + ix) * c + ci] * k[((i * kw + j) * oc + o) * c + ci];
                                y[((b * outH + oy) * outW + ox) * oc + o] += s;
                            }
                        }
        return y;
    }

    /// <summary>Max or average pooling over in-bounds window elements: x (N, H, W, C) → (N, outH, outW, C).</summary>
    public static double[] Pool2D(bool max, double[] x, int n, int h, int w, int c, int ph, int pw, int sh, int sw,
        int padTop, int padLeft, int outH, int outW)
    {
        var y = new double[n * outH * outW * c];
        for (int b = 0; b < n; b++)
            for (int oy = 0; oy < outH; oy++)
                for (int ox = 0; ox < outW; ox++)
                    for (int ch = 0; ch < c; ch++)
                    {
                        double acc = max ? double.NegativeInfinity : 0;
                        int count = 0;
                        for (int i = 0; i < ph; i++)
                            for (int j = 0; j < pw; j++)
                            {
                                int iy = oy * sh + i - padTop, ix = ox * sw + j - padLeft;
                                if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                                double v = x[((b * h + iy) * w + ix) * c + ch];
                                acc = max ? Math.Max(acc, v) : acc + v;
                                count++;
                            }
                        y[((b * outH + oy) * outW + ox) * c + ch] = max ? acc : acc / count;
                    }
        return y;
    }
}
