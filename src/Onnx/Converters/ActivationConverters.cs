using KerasNet.Layers;

namespace KerasNet.Onnx.Converters;

/// <summary>Keras's activation functions (by the name <see cref="Activations.NameOf"/> gives them) and the
/// activation layers (Activation, ReLU, LeakyReLU, PReLU, ELU, Softmax).</summary>
internal static partial class LayerConverters
{
    private const double SeluAlpha = 1.6732632423543772848170429916717;
    private const double SeluScale = 1.0507009873554804934193349852946;

    /// <summary>The activations that act on each element alone: they commute with transposes, so one applied
    /// to a transposed value is applied before the transpose instead (the transposes around convolutions
    /// then cancel across it).</summary>
    private static readonly HashSet<string> Elementwise = new(StringComparer.Ordinal)
    {
        "relu", "relu6", "leaky_relu", "elu", "selu", "gelu", "sigmoid", "hard_sigmoid", "hard_silu", "silu", "tanh",
        "softplus", "softsign", "exponential", "mish", "celu", "hard_tanh", "log_sigmoid", "sparse_plus", "squareplus",
        "tanh_shrink", "soft_shrink", "hard_shrink", "sparse_sigmoid",
    };

    private static void RegisterActivations(Dictionary<Type, LayerConverter> r)
    {
        r[typeof(Activation)] = c =>
        {
            var layer = (Activation)c.Layer;
            return [c.Output(ApplyActivation(c, layer.Function, c.Input))];
        };
        r[typeof(ReLU)] = c =>
        {
            var l = (ReLU)c.Layer;
            return [c.Output(EmitPushedDown(c.Graph, c.Input.Name, x => Relu(c.Graph, x, l.NegativeSlope, l.MaxValue, l.Threshold)))];
        };
        r[typeof(LeakyReLU)] = c =>
        {
            var l = (LeakyReLU)c.Layer;
            return [c.Output(EmitPushedDown(c.Graph, c.Input.Name, x => c.Graph.Op("LeakyRelu", x, Attr.Float("alpha", l.NegativeSlope))))];
        };
        r[typeof(ELU)] = c =>
        {
            var l = (ELU)c.Layer;
            return [c.Output(EmitPushedDown(c.Graph, c.Input.Name, x => c.Graph.Op("Elu", x, Attr.Float("alpha", l.Alpha))))];
        };
        r[typeof(PReLU)] = c =>
        {
            var l = (PReLU)c.Layer;
            // alpha has the input's shape without the batch axis (1 on shared axes): it broadcasts as PRelu's slope.
            var slope = c.Graph.Constant(ConversionContext.Data(l.Alpha), l.Alpha.Shape.ToArray(), "alpha");
            return [c.Output(c.Graph.Op("PRelu", [c.Input.Name, slope]))];
        };
        r[typeof(Softmax)] = c =>
        {
            var l = (Softmax)c.Layer;
            int rank = c.Input.Rank;
            var axes = l.Axes.Select(a => c.Input.Shape.NormalizeAxis(a)).ToArray();
            if (axes.Length == 1) return [c.Output(c.Graph.Op("Softmax", c.Input.Name, Attr.Int("axis", axes[0])))];
            // exp(x - max) / sum(exp(x - max)) over the axes together, as the layer computes it.
            var g = c.Graph;
            var max = g.Reduce("ReduceMax", c.Input.Name, axes, keepDims: true);
            var e = g.Op("Exp", g.Op("Sub", [c.Input.Name, max]));
            return [c.Output(g.Op("Div", [e, g.Reduce("ReduceSum", e, axes, keepDims: true)]))];
        };
    }

    /// <summary>Applies a Keras activation (a built-in, found by <see cref="Activations.NameOf"/>) to
    /// <paramref name="x"/>; a custom function is an error naming the layer.</summary>
    public static string ApplyActivation(ConversionContext c, Func<Tensor, Tensor> activation, OnnxValue x)
    {
        string name = Activations.NameOf(activation)
            ?? throw c.Unsupported($"its activation is a custom C# function ({activation.Method.DeclaringType?.Name}.{activation.Method.Name}), " +
                "which has no ONNX form; use a built-in activation name.");
        if (name == "linear") return x.Name;
        var g = c.Graph;
        if (Elementwise.Contains(name)) return EmitPushedDown(g, x.Name, v => ElementwiseActivation(g, name, v));
        int rank = x.Rank;
        switch (name)
        {
            case "softmax": return g.Op("Softmax", x.Name, Attr.Int("axis", rank - 1));
            case "log_softmax": return g.Op("LogSoftmax", x.Name, Attr.Int("axis", rank - 1));
            case "crelu":
                return g.Op("Concat", [g.Op("Relu", x.Name), g.Op("Relu", g.Op("Neg", x.Name))], Attr.Int("axis", rank - 1));
            case "glu":
            {
                int last = x.Shape[-1];
                if (last < 0 || last % 2 != 0) throw c.Unsupported($"glu needs the last axis of its input to have a known, even size; got {x.Shape}.");
                var halves = g.AddNode("Split", [x.Name, g.Int64s(last / 2, last / 2)], 2, Attr.Int("axis", rank - 1));
                return g.Op("Mul", [halves[0], g.Op("Sigmoid", halves[1])]);
            }
            case "sparsemax": return Sparsemax(g, x.Name, rank - 1);
            default: throw c.Unsupported($"the activation '{name}' has no ONNX conversion.");
        }
    }

    /// <summary>Emits <paramref name="emit"/> on <paramref name="x"/>; when x is a transpose of some value v,
    /// emits it on v and transposes the result instead (elementwise operations only).</summary>
    private static string EmitPushedDown(GraphBuilder g, string x, Func<string, string> emit)
    {
        if (g.TryGetTransposeSource(x, out var source, out var perm)) return g.Transpose(emit(source), perm);
        return emit(x);
    }

    private static string ElementwiseActivation(GraphBuilder g, string name, string x)
    {
        string Mul(string a, string b) => g.Op("Mul", [a, b]);
        string Add(string a, string b) => g.Op("Add", [a, b]);
        string S(double v) => g.Scalar((float)v);
        string Clip(string v, double lo, double hi) => g.Op("Clip", [v, S(lo), S(hi)]);
        switch (name)
        {
            case "relu": return g.Op("Relu", x);
            case "relu6": return Clip(x, 0, 6);
            case "leaky_relu": return g.Op("LeakyRelu", x, Attr.Float("alpha", 0.2f));
            case "elu": return g.Op("Elu", x, Attr.Float("alpha", 1f));
            case "selu": return g.Op("Selu", x, Attr.Float("alpha", (float)SeluAlpha), Attr.Float("gamma", (float)SeluScale));
            case "gelu":
                // 0.5 x (1 + erf(x / √2)), in Keras's order of operations.
                return Mul(Mul(x, S(0.5)), Add(g.Op("Erf", Mul(x, S(1.0 / Math.Sqrt(2.0)))), S(1)));
            case "sigmoid": return g.Op("Sigmoid", x);
            case "hard_sigmoid": return g.Op("HardSigmoid", x, Attr.Float("alpha", 1f / 6f), Attr.Float("beta", 0.5f));
            case "hard_silu": return g.Op("HardSwish", x);
            case "silu": return Mul(x, g.Op("Sigmoid", x));
            case "tanh": return g.Op("Tanh", x);
            case "softplus": return g.Op("Softplus", x);
            case "softsign": return g.Op("Softsign", x);
            case "exponential": return g.Op("Exp", x);
            case "mish": return Mul(x, g.Op("Tanh", g.Op("Softplus", x)));
            case "celu": return g.Op("Celu", x, Attr.Float("alpha", 1f));
            case "hard_tanh": return Clip(x, -1, 1);
            case "log_sigmoid": return g.Op("Neg", g.Op("Softplus", g.Op("Neg", x)));
            case "sparse_plus":
            {
                var shifted = Add(x, S(1));
                var quad = Mul(Mul(shifted, shifted), S(0.25));
                var upper = g.Op("Where", [g.Op("Less", [x, S(1)]), quad, x]);
                return g.Op("Where", [g.Op("LessOrEqual", [x, S(-1)]), S(0), upper]);
            }
            case "squareplus":
                return Mul(Add(x, g.Op("Sqrt", Add(Mul(x, x), S(4)))), S(0.5));
            case "tanh_shrink": return g.Op("Sub", [x, g.Op("Tanh", x)]);
            case "soft_shrink": return g.Op("Shrink", x, Attr.Float("lambd", 0.5f), Attr.Float("bias", 0.5f));
            case "hard_shrink": return g.Op("Shrink", x, Attr.Float("lambd", 0.5f), Attr.Float("bias", 0f));
            case "sparse_sigmoid": return Clip(Mul(Add(x, S(1)), S(0.5)), 0, 1);
            default: throw new InvalidOperationException($"'{name}' is not an elementwise activation.");
        }
    }

    /// <summary>Keras's relu with its options: <c>max(x, 0)</c>, values at or below <paramref name="threshold"/>
    /// zeroed, clipped at <paramref name="maxValue"/>, and <c>negativeSlope * (x - threshold)</c> below the threshold.</summary>
    private static string Relu(GraphBuilder g, string x, float negativeSlope, float? maxValue, float threshold)
    {
        if (negativeSlope != 0f && maxValue is null && threshold == 0f) return g.Op("LeakyRelu", x, Attr.Float("alpha", negativeSlope));
        string y = threshold != 0f
            ? g.Op("Where", [g.Op("Greater", [x, g.Scalar(threshold)]), x, g.Scalar(0)])
            : g.Op("Relu", x);
        if (maxValue is float max) y = g.Op("Clip", [y, g.Scalar(0), g.Scalar(max)]);
        if (negativeSlope != 0f)
        {
            string negative = g.Op("Relu", threshold != 0f ? g.Op("Sub", [g.Scalar(threshold), x]) : g.Op("Neg", x));
            y = g.Op("Sub", [y, g.Op("Mul", [negative, g.Scalar(negativeSlope)])]);
        }
        return y;
    }

    /// <summary>Sparsemax along <paramref name="axis"/> without sorting, as Keras computes it: from pairwise
    /// comparisons, the support size k_i and sums, then τ and <c>max(x - τ, 0)</c>.</summary>
    private static string Sparsemax(GraphBuilder g, string x, int axis)
    {
        var zi = g.Op("Unsqueeze", [x, g.Int64s(axis + 1)]);
        var zj = g.Op("Unsqueeze", [x, g.Int64s(axis)]);
        var geq = g.Op("Cast", g.Op("GreaterOrEqual", [zj, zi]), Attr.Int("to", 1));
        var count = g.Reduce("ReduceSum", geq, [axis + 1], keepDims: false);
        var total = g.Reduce("ReduceSum", g.Op("Mul", [geq, zj]), [axis + 1], keepDims: false);
        var inSupport = g.Op("Cast", g.Op("Greater", [g.Op("Add", [g.Op("Mul", [count, x]), g.Scalar(1)]), total]), Attr.Int("to", 1));
        var supportSize = g.Reduce("ReduceSum", inSupport, [axis], keepDims: true);
        var supportSum = g.Reduce("ReduceSum", g.Op("Mul", [inSupport, x]), [axis], keepDims: true);
        var tau = g.Op("Div", [g.Op("Sub", [supportSum, g.Scalar(1)]), supportSize]);
        return g.Op("Relu", g.Op("Sub", [x, tau]));
    }
}
