namespace KerasNet.Losses;

/// <summary>Shared machinery of losses and metrics: Keras's rank alignment, epsilon, tape-safe clipping,
/// and pooled scratch scopes that release intermediates promptly without breaking gradients.</summary>
internal static class LossUtils
{
    /// <summary>keras.backend.epsilon().</summary>
    public const float Epsilon = 1e-7f;

    [ThreadStatic] private static Stack<TensorScope>? t_scopes;

    /// <summary>Opens a pooled scope for intermediates, unless a recording tape tracks one of the inputs:
    /// then the intermediates are recorded for the backward pass and must outlive this call, so they are
    /// left to the caller's scope (or the garbage collector).</summary>
    public static TensorScope? OpenScratch(Tensor a, Tensor b = default, Tensor c = default)
    {
        if (GradientTape.ShouldRecord(a, b, c) is not null) return null;
        return OpenAlways();
    }

    /// <summary>Opens a pooled scope; callers guarantee that nothing made inside is recorded on a tape.</summary>
    public static TensorScope OpenAlways()
    {
        var pool = t_scopes ??= new Stack<TensorScope>();
        if (pool.TryPop(out var scope))
        {
            scope.Begin();
            return scope;
        }
        return new TensorScope();
    }

    /// <summary>Moves <paramref name="result"/> out of <paramref name="scope"/> (if any) and returns it.</summary>
    public static Tensor Keep(TensorScope? scope, Tensor result) => scope is null ? result : scope.Keep(result);

    /// <summary>Ends a scope from <see cref="OpenScratch"/> and returns it to the pool.</summary>
    public static void Close(TensorScope? scope)
    {
        if (scope is null) return;
        scope.End();
        (t_scopes ??= new Stack<TensorScope>()).Push(scope);
    }

    /// <summary>A float32 scalar on <paramref name="like"/>'s device.</summary>
    public static Tensor Scalar(Tensor like, double value) => Ops.FullOn(like.Backend, Shape.Scalar, value);

    /// <summary>The tensor as float32 (itself when it already is).</summary>
    public static Tensor ToFloat(Tensor x) => x.DType == DType.Float32 ? x : Ops.Cast(x, DType.Float32);

    /// <summary>min(max(x, low), high), with the gradient passing where low &lt;= x &lt;= high (as tf.clip_by_value).
    /// Unlike Ops.Clip it releases nothing that a tape may still need.</summary>
    public static Tensor Clip(Tensor x, double low, double high) =>
        Ops.Minimum(Ops.Maximum(x, Scalar(x, low)), Scalar(x, high));

    /// <summary>a / b, and 0 where b is 0 (with a zero gradient there rather than NaN).</summary>
    public static Tensor DivideNoNan(Tensor a, Tensor b)
    {
        var zero = Scalar(b, 0);
        var isZero = Ops.Equal(b, zero);
        var safe = Ops.Where(isZero, Scalar(b, 1), b);
        return Ops.Where(isZero, zero, Ops.Divide(a, safe));
    }

    /// <summary>Keras's squeeze_or_expand_to_same_rank: when the ranks differ by exactly one and the longer
    /// one ends in 1, squeeze it (or expand a rank-1 partner when <paramref name="expandRank1"/>).</summary>
    public static (Tensor, Tensor) SqueezeOrExpand(Tensor x1, Tensor x2, bool expandRank1 = true)
    {
        int r1 = x1.Rank, r2 = x2.Rank;
        if (r1 == r2) return (x1, x2);
        if (r1 == r2 + 1 && x1.Shape[-1] == 1)
        {
            if (r2 == 1 && expandRank1) x2 = Ops.ExpandDims(x2, -1);
            else x1 = Ops.Squeeze(x1, -1);
        }
        if (r2 == r1 + 1 && x2.Shape[-1] == 1)
        {
            if (r1 == 1 && expandRank1) x1 = Ops.ExpandDims(x1, -1);
            else x2 = Ops.Squeeze(x2, -1);
        }
        return (x1, x2);
    }

    /// <summary>Casts both to float32, aligns their ranks as Keras does, and checks that they broadcast; the
    /// error names the function and both original shapes.</summary>
    public static (Tensor YTrue, Tensor YPred) PrepareElementwise(string fn, Tensor yTrue, Tensor yPred)
    {
        CheckNotNull(fn, yTrue, yPred);
        var (t, p) = SqueezeOrExpand(ToFloat(yTrue), ToFloat(yPred));
        if (!Broadcastable(t.Shape, p.Shape))
            throw new ArgumentException($"{fn}: y_true of shape {yTrue.Shape} and y_pred of shape {yPred.Shape} are incompatible (they cannot be broadcast together).");
        return (t, p);
    }

    /// <summary>As <see cref="PrepareElementwise"/>, but y_true and y_pred must end up with equal shapes
    /// (Keras's rule for the cross-entropies).</summary>
    public static (Tensor YTrue, Tensor YPred) PrepareSameShape(string fn, Tensor yTrue, Tensor yPred)
    {
        CheckNotNull(fn, yTrue, yPred);
        var (t, p) = SqueezeOrExpand(ToFloat(yTrue), ToFloat(yPred));
        if (t.Shape != p.Shape)
            throw new ArgumentException($"{fn}: y_true and y_pred must have the same shape; got y_true of shape {yTrue.Shape} and y_pred of shape {yPred.Shape}.");
        return (t, p);
    }

    public static void CheckNotNull(string fn, Tensor yTrue, Tensor yPred)
    {
        if (yTrue.IsNull) throw new ArgumentException($"{fn}: y_true is an uninitialized tensor.", nameof(yTrue));
        if (yPred.IsNull) throw new ArgumentException($"{fn}: y_pred is an uninitialized tensor.", nameof(yPred));
    }

    public static bool Broadcastable(Shape a, Shape b)
    {
        for (int i = 1; i <= Math.Min(a.Rank, b.Rank); i++)
        {
            int da = a[-i], db = b[-i];
            if (da != db && da != 1 && db != 1) return false;
        }
        return true;
    }

    /// <summary>Whether a tensor of shape <paramref name="from"/> broadcasts to exactly <paramref name="to"/>.</summary>
    public static bool BroadcastsTo(Shape from, Shape to)
    {
        if (from.Rank > to.Rank) return false;
        for (int i = 1; i <= from.Rank; i++)
            if (from[-i] != 1 && from[-i] != to[-i]) return false;
        return true;
    }

    /// <summary>x / max(‖x‖₂, ε) along <paramref name="axis"/>, as keras.ops.normalize (x · min(rsqrt(Σx²), 1/ε)).</summary>
    public static Tensor L2Normalize(Tensor x, int axis)
    {
        var sq = Ops.Sum(Ops.Square(x), axis, keepDims: true);
        var inv = Ops.Minimum(Ops.Rsqrt(sq), Scalar(x, 1.0 / Epsilon));
        return Ops.Multiply(x, inv);
    }

    /// <summary>Moves <paramref name="axis"/> to the end, keeping the other axes in order.</summary>
    public static Tensor MoveAxisToEnd(Tensor x, int axis)
    {
        int a = x.Shape.NormalizeAxis(axis);
        if (a == x.Rank - 1) return x;
        Span<int> perm = stackalloc int[x.Rank];
        int n = 0;
        for (int i = 0; i < x.Rank; i++) if (i != a) perm[n++] = i;
        perm[n] = a;
        return Ops.Transpose(x, perm);
    }

    /// <summary>An exception's message without the "(Parameter 'x')" suffix.</summary>
    public static string InnerMessage(ArgumentException e)
    {
        var m = e.Message;
        var suffix = e.ParamName is null ? null : $" (Parameter '{e.ParamName}')";
        return suffix is not null && m.EndsWith(suffix, StringComparison.Ordinal) ? m[..^suffix.Length] : m;
    }

    /// <summary>Reads a "reduction" config value: a missing key is the default, a JSON null is "none".</summary>
    public static string? ReadReduction(System.Text.Json.Nodes.JsonObject config) =>
        config.ContainsKey("reduction") ? config["reduction"]?.GetValue<string>() : "sum_over_batch_size";
}
