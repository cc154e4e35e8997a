using KerasNet.Backend;

namespace KerasNet;

public static partial class Ops
{
    /// <summary>A tensor of zeros.</summary>
    public static Tensor Zeros(Shape shape, DType dtype = DType.Float32) => Full(shape, 0, dtype);

    /// <summary>A tensor of ones.</summary>
    public static Tensor Ones(Shape shape, DType dtype = DType.Float32) => Full(shape, 1, dtype);

    /// <summary>A tensor filled with <paramref name="value"/>.</summary>
    public static Tensor Full(Shape shape, double value, DType dtype = DType.Float32)
    {
        var t = Tensor.Empty(shape, dtype);
        t.Backend.Fill(t.Buffer, dtype, shape.Size, value);
        return t;
    }

    internal static Tensor FullOn(IBackend backend, Shape shape, double value, DType dtype = DType.Float32)
    {
        var t = Tensor.Empty(shape, dtype, backend);
        backend.Fill(t.Buffer, dtype, shape.Size, value);
        return t;
    }

    /// <summary>Zeros with the shape, dtype and device of <paramref name="x"/>.</summary>
    public static Tensor ZerosLike(Tensor x) => FullOn(x.Backend, x.Shape, 0, x.DType);

    /// <summary>Ones with the shape, dtype and device of <paramref name="x"/>.</summary>
    public static Tensor OnesLike(Tensor x) => FullOn(x.Backend, x.Shape, 1, x.DType);

    /// <summary>A tensor like <paramref name="x"/> filled with <paramref name="value"/>.</summary>
    public static Tensor FullLike(Tensor x, double value) => FullOn(x.Backend, x.Shape, value, x.DType);

    /// <summary>[start, start+step, ...) below <paramref name="stop"/>, as float32.</summary>
    public static Tensor Arange(float start, float stop, float step = 1f)
    {
        if (step == 0) throw new ArgumentException("Arange: step must not be 0.", nameof(step));
        int n = Math.Max(0, (int)Math.Ceiling((stop - start) / step));
        var data = new float[n];
        for (int i = 0; i < n; i++) data[i] = start + i * step;
        return Tensor.FromArray<float>(data, new Shape(n));
    }

    /// <summary>The n×m identity matrix (m = n by default).</summary>
    public static Tensor Eye(int n, int? m = null)
    {
        int cols = m ?? n;
        var data = new float[n * cols];
        for (int i = 0; i < Math.Min(n, cols); i++) data[i * cols + i] = 1f;
        return Tensor.FromArray<float>(data, new Shape(n, cols));
    }

    /// <summary>Converts to another dtype (float to integer truncates; to bool is x != 0).</summary>
    public static Tensor Cast(Tensor x, DType dtype)
    {
        var y = Tensor.Empty(x.Shape, dtype, x.Backend);
        x.Backend.Cast(x.Buffer, x.DType, y.Buffer, dtype, x.Size);
        if (x.DType == DType.Float32 && dtype == DType.Float32 && GradientTape.ShouldRecord(x) is { } tape)
        {
            var node = new TapeNode { Op = OpCode.Cast, A = x, Out = y };
            tape.Record(ref node);
        }
        return y;
    }
}
