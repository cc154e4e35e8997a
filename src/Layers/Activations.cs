using System.Text.Json.Nodes;

namespace KerasNet;

/// <summary>Keras 3's activation functions (<c>keras.activations</c>), written with <see cref="Ops"/> so
/// that gradients come from the tape. <see cref="Get(string)"/> resolves the names Keras's
/// <c>activations.get</c> accepts ("relu", "gelu", "swish", ...); <see cref="NameOf"/> gives the name
/// back for a layer's config.</summary>
/// <remarks>Intermediate tensors are never disposed here: a recording tape may still need them for the
/// backward pass, and the caller's <see cref="TensorScope"/> (the Trainer opens one per step) releases them.</remarks>
public static class Activations
{
    private const double SeluAlpha = 1.6732632423543772848170429916717;
    private const double SeluScale = 1.0507009873554804934193349852946;

    private static Tensor C(Tensor like, double value) => Ops.ScalarLike(like, value);

    private static Tensor ClipValues(Tensor x, double low, double high) => Ops.Minimum(Ops.Maximum(x, C(x, low)), C(x, high));

    // ----- the functions -----

    /// <summary>The identity: returns <paramref name="x"/> unchanged (keras.activations.linear).</summary>
    public static Tensor Linear(Tensor x) => x;

    /// <summary>Rectified linear unit with Keras's options: <c>max(x, 0)</c> by default; values below
    /// <paramref name="threshold"/> are damped by <paramref name="negativeSlope"/> (or zeroed), and the output is
    /// clipped at <paramref name="maxValue"/> when it is given.</summary>
    public static Tensor Relu(Tensor x, float negativeSlope = 0f, float? maxValue = null, float threshold = 0f)
    {
        if (negativeSlope != 0f && maxValue is null && threshold == 0f) return Ops.LeakyRelu(x, negativeSlope);
        Tensor negativePart = default;
        if (negativeSlope != 0f)
            negativePart = Ops.Relu(threshold != 0f ? Ops.Add(Ops.Negative(x), C(x, threshold)) : Ops.Negative(x));
        bool clipMax = maxValue is not null;
        Tensor y;
        if (threshold != 0f)
            y = Ops.Where(Ops.Greater(x, C(x, threshold)), x, C(x, 0));
        else if (maxValue == 6f)
        {
            y = Relu6(x);
            clipMax = false;
        }
        else y = Ops.Relu(x);
        if (clipMax) y = ClipValues(y, 0, maxValue!.Value);
        if (negativeSlope != 0f) y = Ops.Subtract(y, Ops.Multiply(negativePart, C(x, negativeSlope)));
        return y;
    }

    /// <summary><c>min(max(x, 0), 6)</c>.</summary>
    public static Tensor Relu6(Tensor x) => ClipValues(x, 0, 6);

    /// <summary><c>x</c> for positive inputs, <c>negativeSlope * x</c> otherwise (Keras's default slope 0.2).</summary>
    public static Tensor LeakyRelu(Tensor x, float negativeSlope = 0.2f) => Ops.LeakyRelu(x, negativeSlope);

    /// <summary>Exponential linear unit: <c>x</c> if <c>x &gt; 0</c>, else <c>alpha * (exp(x) - 1)</c>.</summary>
    public static Tensor Elu(Tensor x, float alpha = 1f) => Ops.Elu(x, alpha);

    /// <summary>Scaled exponential linear unit: <c>scale * elu(x, alpha)</c> with Keras's constants
    /// (alpha ≈ 1.67326, scale ≈ 1.05070).</summary>
    public static Tensor Selu(Tensor x) => Ops.Multiply(Ops.Elu(x, (float)SeluAlpha), C(x, SeluScale));

    /// <summary>Gaussian error linear unit: <c>0.5 x (1 + erf(x / √2))</c>, or with
    /// <paramref name="approximate"/> the tanh form <c>0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³)))</c>.</summary>
    public static Tensor Gelu(Tensor x, bool approximate = false)
    {
        Tensor inner;
        if (approximate)
        {
            var cube = Ops.Multiply(Ops.Power(x, 3f), C(x, 0.044715));
            var arg = Ops.Multiply(Ops.Add(x, cube), C(x, Math.Sqrt(2.0 / Math.PI)));
            inner = Ops.Tanh(arg);
        }
        else inner = Ops.Erf(Ops.Multiply(x, C(x, 1.0 / Math.Sqrt(2.0))));
        return Ops.Multiply(Ops.Multiply(x, C(x, 0.5)), Ops.Add(inner, C(x, 1)));
    }

    /// <summary><c>1 / (1 + exp(-x))</c>.</summary>
    public static Tensor Sigmoid(Tensor x) => Ops.Sigmoid(x);

    /// <summary>Keras 3's hard sigmoid: <c>relu6(x + 3) / 6</c> (0 below -3, 1 above 3).</summary>
    public static Tensor HardSigmoid(Tensor x) => Ops.Multiply(Relu6(Ops.Add(x, C(x, 3))), C(x, 1.0 / 6.0));

    /// <summary>Hard SiLU (hard swish): <c>x * hard_sigmoid(x)</c>.</summary>
    public static Tensor HardSilu(Tensor x) => Ops.Multiply(x, HardSigmoid(x));

    /// <summary>Alias of <see cref="HardSilu"/>.</summary>
    public static Tensor HardSwish(Tensor x) => HardSilu(x);

    /// <summary>SiLU (swish): <c>x * sigmoid(x)</c>.</summary>
    public static Tensor Silu(Tensor x) => Ops.Multiply(x, Ops.Sigmoid(x));

    /// <summary>Alias of <see cref="Silu"/>.</summary>
    public static Tensor Swish(Tensor x) => Silu(x);

    /// <summary>Hyperbolic tangent.</summary>
    public static Tensor Tanh(Tensor x) => Ops.Tanh(x);

    /// <summary><c>log(1 + exp(x))</c>.</summary>
    public static Tensor Softplus(Tensor x) => Ops.Softplus(x);

    /// <summary><c>x / (|x| + 1)</c>.</summary>
    public static Tensor Softsign(Tensor x) => Ops.Divide(x, Ops.Add(Ops.Abs(x), C(x, 1)));

    /// <summary>Softmax along <paramref name="axis"/>.</summary>
    public static Tensor Softmax(Tensor x, int axis = -1) => Ops.Softmax(x, axis);

    /// <summary>Log-softmax along <paramref name="axis"/>.</summary>
    public static Tensor LogSoftmax(Tensor x, int axis = -1) => Ops.LogSoftmax(x, axis);

    /// <summary><c>exp(x)</c>.</summary>
    public static Tensor Exponential(Tensor x) => Ops.Exp(x);

    /// <summary>Mish: <c>x * tanh(softplus(x))</c>.</summary>
    public static Tensor Mish(Tensor x) => Ops.Multiply(x, Ops.Tanh(Ops.Softplus(x)));

    /// <summary>Continuously differentiable ELU: <c>max(x, 0) + alpha * expm1(min(x, 0) / alpha)</c>.</summary>
    public static Tensor Celu(Tensor x, float alpha = 1f)
    {
        if (alpha == 0f) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "celu needs a non-zero alpha.");
        var neg = Ops.Minimum(x, C(x, 0));
        var e = Ops.Expm1(Ops.Multiply(neg, C(x, 1.0 / alpha)));
        return Ops.Add(Ops.Relu(x), Ops.Multiply(e, C(x, alpha)));
    }

    /// <summary>Gated linear unit: splits <paramref name="axis"/> into halves <c>a, b</c> and returns
    /// <c>a * sigmoid(b)</c>. The axis must have an even size.</summary>
    public static Tensor Glu(Tensor x, int axis = -1)
    {
        int a = x.Shape.NormalizeAxis(axis);
        if (x.Shape[a] % 2 != 0)
            throw new ArgumentException($"glu expects axis {axis} of the input to have an even size; got shape {x.Shape}.", nameof(x));
        var parts = Ops.Split(x, 2, a);
        return Ops.Multiply(parts[0], Ops.Sigmoid(parts[1]));
    }

    /// <summary><c>clip(x, -1, 1)</c>.</summary>
    public static Tensor HardTanh(Tensor x) => ClipValues(x, -1, 1);

    /// <summary><c>log(sigmoid(x)) = -softplus(-x)</c>.</summary>
    public static Tensor LogSigmoid(Tensor x) => Ops.Negative(Ops.Softplus(Ops.Negative(x)));

    /// <summary>SparsePlus: 0 for <c>x ≤ -1</c>, <c>(x + 1)² / 4</c> for <c>-1 &lt; x &lt; 1</c>, <c>x</c> for <c>x ≥ 1</c>.</summary>
    public static Tensor SparsePlus(Tensor x)
    {
        var quad = Ops.Multiply(Ops.Square(Ops.Add(x, C(x, 1))), C(x, 0.25));
        var upper = Ops.Where(Ops.Less(x, C(x, 1)), quad, x);
        return Ops.Where(Ops.LessEqual(x, C(x, -1)), C(x, 0), upper);
    }

    /// <summary>SquarePlus: <c>(x + √(x² + b)) / 2</c>.</summary>
    public static Tensor Squareplus(Tensor x, float b = 4f)
    {
        if (b < 0) throw new ArgumentOutOfRangeException(nameof(b), b, "squareplus needs b >= 0.");
        var root = Ops.Sqrt(Ops.Add(Ops.Square(x), C(x, b)));
        return Ops.Multiply(Ops.Add(x, root), C(x, 0.5));
    }

    /// <summary><c>x - tanh(x)</c>.</summary>
    public static Tensor TanhShrink(Tensor x) => Ops.Subtract(x, Ops.Tanh(x));

    /// <summary>Soft shrinkage: <c>x - t</c> above <c>t</c>, <c>x + t</c> below <c>-t</c>, 0 between.</summary>
    public static Tensor SoftShrink(Tensor x, float threshold = 0.5f)
    {
        var above = Ops.Where(Ops.Greater(x, C(x, threshold)), Ops.Subtract(x, C(x, threshold)), C(x, 0));
        return Ops.Where(Ops.Less(x, C(x, -threshold)), Ops.Add(x, C(x, threshold)), above);
    }

    /// <summary>Hard shrinkage: <c>x</c> where <c>|x| &gt; t</c>, 0 elsewhere.</summary>
    public static Tensor HardShrink(Tensor x, float threshold = 0.5f) =>
        Ops.Where(Ops.Greater(Ops.Abs(x), C(x, threshold)), x, C(x, 0));

    /// <summary><c>x</c> where <c>x &gt; threshold</c>, <paramref name="defaultValue"/> elsewhere
    /// (keras.activations.threshold; it has no defaults, so <see cref="Get(string)"/> does not offer it).</summary>
    public static Tensor Threshold(Tensor x, float threshold, float defaultValue) =>
        Ops.Where(Ops.Greater(x, C(x, threshold)), x, C(x, defaultValue));

    /// <summary>Sparse sigmoid: 0 for <c>x ≤ -1</c>, 1 for <c>x ≥ 1</c>, <c>(x + 1) / 2</c> between.</summary>
    public static Tensor SparseSigmoid(Tensor x) => ClipValues(Ops.Multiply(Ops.Add(x, C(x, 1)), C(x, 0.5)), 0, 1);

    /// <summary>Sparsemax along <paramref name="axis"/>: the Euclidean projection of <paramref name="x"/> onto
    /// the probability simplex (<c>max(x - τ, 0)</c>, with τ chosen so that the outputs sum to 1). Computed
    /// without sorting, from pairwise comparisons along the axis (memory grows with the axis size squared).</summary>
    public static Tensor Sparsemax(Tensor x, int axis = -1)
    {
        int a = x.Shape.NormalizeAxis(axis);
        var zi = Ops.ExpandDims(x, a + 1);   // [..., n_i, 1, ...]
        var zj = Ops.ExpandDims(x, a);       // [..., 1, n_j, ...]
        var geq = Ops.Cast(Ops.GreaterEqual(zj, zi), DType.Float32); // z_j >= z_i
        var count = Ops.Sum(geq, a + 1);                              // k_i = #{j : z_j >= z_i}
        var total = Ops.Sum(Ops.Multiply(geq, zj), a + 1);            // sum of those z_j
        var inSupport = Ops.Cast(Ops.Greater(Ops.Add(Ops.Multiply(count, x), C(x, 1)), total), DType.Float32);
        var supportSize = Ops.Sum(inSupport, a, keepDims: true);
        var supportSum = Ops.Sum(Ops.Multiply(inSupport, x), a, keepDims: true);
        var tau = Ops.Divide(Ops.Subtract(supportSum, C(x, 1)), supportSize);
        return Ops.Relu(Ops.Subtract(x, tau));
    }

    /// <summary>Concatenated ReLU: <c>concat(relu(x), relu(-x))</c> along <paramref name="axis"/> (doubles its size).</summary>
    public static Tensor Crelu(Tensor x, int axis = -1) =>
        Ops.Concatenate([Ops.Relu(x), Ops.Relu(Ops.Negative(x))], axis);

    // ----- lookup by name -----

    private static readonly (string Name, Func<Tensor, Tensor> Fn)[] Builtins =
    [
        ("linear", Linear),
        ("relu", x => Relu(x)),
        ("relu6", Relu6),
        ("leaky_relu", x => LeakyRelu(x)),
        ("elu", x => Elu(x)),
        ("selu", Selu),
        ("gelu", x => Gelu(x)),
        ("sigmoid", Sigmoid),
        ("hard_sigmoid", HardSigmoid),
        ("hard_silu", HardSilu),
        ("silu", Silu),
        ("tanh", Tanh),
        ("softplus", Softplus),
        ("softsign", Softsign),
        ("softmax", x => Softmax(x)),
        ("log_softmax", x => LogSoftmax(x)),
        ("exponential", Exponential),
        ("mish", Mish),
        ("celu", x => Celu(x)),
        ("glu", x => Glu(x)),
        ("hard_tanh", HardTanh),
        ("log_sigmoid", LogSigmoid),
        ("sparse_plus", SparsePlus),
        ("squareplus", x => Squareplus(x)),
        ("tanh_shrink", TanhShrink),
        ("soft_shrink", x => SoftShrink(x)),
        ("hard_shrink", x => HardShrink(x)),
        ("sparse_sigmoid", SparseSigmoid),
        ("sparsemax", x => Sparsemax(x)),
        ("crelu", x => Crelu(x)),
    ];

    private static readonly Dictionary<string, Func<Tensor, Tensor>> ByName = BuildByName();
    private static readonly Dictionary<Func<Tensor, Tensor>, string> ByFunction = BuildByFunction();

    private static Dictionary<string, Func<Tensor, Tensor>> BuildByName()
    {
        var d = new Dictionary<string, Func<Tensor, Tensor>>(StringComparer.Ordinal);
        foreach (var (name, fn) in Builtins) d[name] = fn;
        // Keras's aliases.
        d["swish"] = d["silu"];
        d["hard_swish"] = d["hard_silu"];
        return d;
    }

    private static Dictionary<Func<Tensor, Tensor>, string> BuildByFunction()
    {
        var d = new Dictionary<Func<Tensor, Tensor>, string>(ReferenceEqualityComparer.Instance as IEqualityComparer<Func<Tensor, Tensor>>);
        foreach (var (name, fn) in Builtins) d[fn] = name;
        return d;
    }

    /// <summary>Every name <see cref="Get(string)"/> accepts, aliases ("swish", "hard_swish") included, sorted.</summary>
    public static IReadOnlyList<string> KnownNames { get; } = [.. BuildByName().Keys.Order(StringComparer.Ordinal)];

    /// <summary>The activation named <paramref name="name"/>, with Keras's default arguments (keras.activations.get).
    /// An unknown name lists the known ones.</summary>
    public static Func<Tensor, Tensor> Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (ByName.TryGetValue(name, out var fn)) return fn;
        throw new ArgumentException($"Unknown activation '{name}'. Known activations: {string.Join(", ", KnownNames)}.", nameof(name));
    }

    /// <summary>Resolves an activation argument as Keras does: null is "linear", a string is looked up by
    /// <see cref="Get(string)"/>, a <c>Func&lt;Tensor, Tensor&gt;</c> is used as is, and a config node (a
    /// string or a serialized function) is deserialized.</summary>
    public static Func<Tensor, Tensor> Get(object? identifier) => identifier switch
    {
        null => ByName["linear"],
        string s => Get(s),
        Func<Tensor, Tensor> f => f,
        JsonNode n => Deserialize(n),
        _ => throw new ArgumentException($"An activation must be a name such as \"relu\" or a Func<Tensor, Tensor>; got {identifier.GetType().Name}.", nameof(identifier)),
    };

    /// <summary>The Keras name of a built-in activation returned by <see cref="Get(string)"/>, or null for
    /// any other function (the canonical name for aliases: "swish" gives back "silu").</summary>
    public static string? NameOf(Func<Tensor, Tensor> activation)
    {
        ArgumentNullException.ThrowIfNull(activation);
        return ByFunction.TryGetValue(activation, out var name) ? name : null;
    }

    /// <summary>The fused kernel epilogue equivalent to <paramref name="activation"/> ("linear" is None, "relu"
    /// with Keras's defaults is Relu), or null when it cannot be fused and must run as its own op.</summary>
    internal static KerasNet.Backend.FusedActivation? Fusable(Func<Tensor, Tensor> activation) => NameOf(activation) switch
    {
        "linear" => KerasNet.Backend.FusedActivation.None,
        "relu" => KerasNet.Backend.FusedActivation.Relu,
        _ => null,
    };

    /// <summary>An activation as Keras's config holds it: the name of a built-in, or for a custom function a
    /// <c>{"class_name": "function", ...}</c> object that records the method name (and cannot be read back
    /// without re-supplying the function).</summary>
    public static JsonNode Serialize(Func<Tensor, Tensor> activation)
    {
        ArgumentNullException.ThrowIfNull(activation);
        if (NameOf(activation) is { } name) return JsonValue.Create(name);
        return new JsonObject
        {
            ["module"] = activation.Method.DeclaringType?.FullName ?? "builtins",
            ["class_name"] = "function",
            ["config"] = activation.Method.Name,
            ["registered_name"] = "function",
        };
    }

    /// <summary>Reads an activation from a config node (a name, or a serialized custom function, which is an
    /// error that says so).</summary>
    public static Func<Tensor, Tensor> Deserialize(JsonNode? config)
    {
        switch (config)
        {
            case null: return ByName["linear"];
            case JsonValue v when v.TryGetValue(out string? s): return Get(s);
            case JsonObject o when o["class_name"] is JsonValue cn && cn.TryGetValue(out string? className):
                if (className == "function" && o["config"] is JsonValue fv && fv.TryGetValue(out string? fnName))
                {
                    if (ByName.TryGetValue(fnName, out var fn)) return fn;
                    throw new ArgumentException($"The config refers to the custom activation function '{fnName}', which cannot be rebuilt from a config: " +
                        $"create the layer in code with that Func<Tensor, Tensor> instead. Known activations: {string.Join(", ", KnownNames)}.", nameof(config));
                }
                if (ByName.TryGetValue(className, out var byClass)) return byClass;
                throw new ArgumentException($"Unknown activation '{className}'. Known activations: {string.Join(", ", KnownNames)}.", nameof(config));
            default:
                throw new ArgumentException($"An activation config must be a name or a serialized function; got {config.ToJsonString()}.", nameof(config));
        }
    }

    /// <summary>The output shape of a built-in activation for <paramref name="input"/>: unchanged, except that
    /// "glu" halves and "crelu" doubles the last axis (unknown sizes, -1, stay unknown).</summary>
    public static Shape OutputShape(Func<Tensor, Tensor> activation, Shape input)
    {
        ArgumentNullException.ThrowIfNull(activation);
        if (input.Rank == 0) return input;
        int last = input[-1];
        return NameOf(activation) switch
        {
            "glu" => input.With(-1, last < 0 ? -1 : last / 2),
            "crelu" => input.With(-1, last < 0 ? -1 : last * 2),
            _ => input,
        };
    }
}
