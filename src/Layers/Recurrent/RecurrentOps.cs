using KerasNet.Models;

namespace KerasNet.Layers;

/// <summary>Shared pieces of the recurrent layers: splitting a sequence into its time steps, projecting every
/// step at once, dropout masks and the input checks.</summary>
internal static class RecurrentOps
{
    /// <summary>The slices of <paramref name="x"/> along <paramref name="axis"/>, each without that axis.</summary>
    /// <remarks>The slices are cut by halving, not one by one: the backward pass of a slice pads its gradient to
    /// the full size of what was sliced, so cutting T steps directly from the whole tensor costs T full-size
    /// gradients, while halving costs about 2·log2(T) of them.</remarks>
    public static Tensor[] Unstack(Tensor x, int axis)
    {
        var s = x.Shape;
        int a = s.NormalizeAxis(axis);
        int n = s[a];
        Span<int> leaf = stackalloc int[s.Rank - 1];
        for (int i = 0, j = 0; i < s.Rank; i++) if (i != a) leaf[j++] = s[i];
        var result = new Tensor[n];
        if (n > 0) Split(x, a, 0, n, result, new Shape(leaf), owned: false);
        return result;
    }

    private static void Split(Tensor x, int axis, int offset, int n, Tensor[] result, Shape leafShape, bool owned)
    {
        if (n == 1)
        {
            result[offset] = Ops.Reshape(x, leafShape);
            if (owned) x.Dispose();
            return;
        }
        int half = n / 2;
        var left = Ops.SliceAxis(x, axis, 0, half);
        var right = Ops.SliceAxis(x, axis, half, n - half);
        // A recording tape pins x for the slices' backward pass; otherwise it is no longer needed.
        if (owned) x.Dispose();
        Split(left, axis, offset, half, result, leafShape, owned: true);
        Split(right, axis, offset + half, n - half, result, leafShape, owned: true);
    }

    /// <summary><c>x @ kernel + bias</c> for every time step of x (batch, timesteps, features) in one matrix
    /// product, after multiplying x by a (batch, features) dropout mask shared by all steps when one is given.</summary>
    public static Tensor Project(Tensor x, Tensor kernel, Tensor bias, Tensor mask)
    {
        var s = x.Shape;
        int b = s[0], t = s[1], d = s[2];
        var input = x;
        if (!mask.IsNull) input = Ops.Multiply(x, Ops.Reshape(mask, new Shape(b, 1, d)));
        var p = Ops.MatMul(Ops.Reshape(input, new Shape(b * t, d)), kernel);
        if (!bias.IsNull) p = Ops.Add(p, bias);
        return Ops.Reshape(p, new Shape(b, t, kernel.Shape[1]));
    }

    /// <summary>The projection with a different dropout mask for each of <paramref name="masks"/>.Length equal
    /// column blocks of the kernel (Keras's implementation 1, used with recurrent dropout).</summary>
    public static Tensor ProjectPerGate(Tensor x, Tensor kernel, Tensor bias, Tensor[] masks)
    {
        int gates = masks.Length;
        int units = kernel.Shape[1] / gates;
        var parts = new Tensor[gates];
        for (int g = 0; g < gates; g++)
        {
            var k = Ops.SliceAxis(kernel, 1, g * units, units);
            var bg = bias.IsNull ? default : Ops.SliceAxis(bias, 0, g * units, units);
            parts[g] = Project(x, k, bg, masks[g]);
        }
        return Ops.Concatenate(parts, -1);
    }

    /// <summary>h @ recurrentKernel, with a different dropout mask on h for each column block when masks are given.</summary>
    public static Tensor Recurrent(Tensor h, Tensor recurrentKernel, Tensor[]? masks)
    {
        if (masks is null) return Ops.MatMul(h, recurrentKernel);
        if (masks.Length == 1) return Ops.MatMul(Ops.Multiply(h, masks[0]), recurrentKernel);
        int gates = masks.Length;
        int units = recurrentKernel.Shape[1] / gates;
        var parts = new Tensor[gates];
        for (int g = 0; g < gates; g++)
            parts[g] = Ops.MatMul(Ops.Multiply(h, masks[g]), Ops.SliceAxis(recurrentKernel, 1, g * units, units));
        return Ops.Concatenate(parts, -1);
    }

    /// <summary>An inverted-dropout mask (0, or 1/(1-rate)) as keras.random.dropout applied to ones.</summary>
    public static Tensor DropoutMask(Shape shape, float rate, SeedGenerator seed)
    {
        var keep = Ops.RandomBernoulli(shape, 1f - rate, seed);
        return Ops.Multiply(keep, Ops.ScalarLike(keep, 1.0 / (1.0 - rate)));
    }

    /// <summary>Whether a dropout rate is applied (Keras applies rates strictly between 0 and 1).</summary>
    public static bool Active(float rate) => rate > 0f && rate < 1f;

    /// <summary>Keras clamps dropout rates to [0, 1].</summary>
    public static float ClampRate(float rate) => float.IsNaN(rate) ? 0f : Math.Clamp(rate, 0f, 1f);

    /// <summary>Checks a sequence input: rank 3, (batch, timesteps, features), with the built feature size.</summary>
    public static void CheckSequence(Layer layer, Shape shape, int features = -1, int inputIndex = 0)
    {
        if (shape.Rank != 3)
            throw new ArgumentException($"Input {inputIndex} of layer '{layer.Name}' ({layer.ClassName}) is incompatible with the layer: expected rank 3 " +
                $"(batch, timesteps, features), got rank {shape.Rank} with shape {KerasTensor.ShapeText(shape)}.");
        if (features >= 0 && shape[2] >= 0 && shape[2] != features)
            throw new ArgumentException($"Input {inputIndex} of layer '{layer.Name}' ({layer.ClassName}) is incompatible with the layer: expected axis -1 of the input " +
                $"shape to have value {features} (the features it was built for), but received input with shape {KerasTensor.ShapeText(shape)}.");
    }
}
