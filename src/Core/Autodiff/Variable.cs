using KerasNet.Backend;

namespace KerasNet;

/// <summary>A named, mutable tensor that persists across steps: layer weights, optimizer slots, metric
/// state. Reading it in an op under a <see cref="GradientTape"/> records the read, so gradients flow to
/// trainable variables without an explicit watch (as in TensorFlow). Its value is never released by a scope.</summary>
public sealed class Variable
{
    private TensorImpl _value;

    /// <summary>Creates a variable holding a copy of <paramref name="initialValue"/>.</summary>
    public Variable(Tensor initialValue, string name = "variable", bool trainable = true)
    {
        ArgumentNullException.ThrowIfNull(name);
        Name = name;
        Trainable = trainable;
        _value = NewStorage(initialValue.Shape, initialValue.DType, initialValue.Backend);
        initialValue.Backend.Copy(initialValue.Buffer, 0, _value.Buffer, 0, initialValue.Size * initialValue.DType.SizeOf());
    }

    /// <summary>The variable's name (Keras's "path" leaf, e.g. "kernel").</summary>
    public string Name { get; set; }

    /// <summary>Whether optimizers update it and tapes watch it.</summary>
    public bool Trainable { get; set; }

    /// <summary>Applied by optimizers after each update (Keras's weight constraint), or null.</summary>
    public Constraints.Constraint? Constraint { get; set; }

    /// <summary>The variable's path, "layer_name/weight_name", as Keras 3 names it; set by the owning layer.</summary>
    public string Path { get; set; } = "";

    /// <summary>The current value. The handle stays valid for the variable's life; <see cref="Assign"/>
    /// writes into the same storage.</summary>
    public Tensor Value => new(_value);

    /// <summary>The shape.</summary>
    public Shape Shape => _value.Shape;

    /// <summary>The dtype.</summary>
    public DType DType => _value.DType;

    /// <summary>Reads a variable as a tensor (what every op does with it).</summary>
    public static implicit operator Tensor(Variable v) => v.Value;

    /// <summary>Overwrites the value with <paramref name="value"/>, which must have the same shape and dtype.</summary>
    public void Assign(Tensor value)
    {
        Check(value, nameof(Assign));
        if (value.Impl == _value) return;
        value.Backend.Copy(value.Buffer, 0, _value.Buffer, 0, value.Size * value.DType.SizeOf());
    }

    /// <summary>Overwrites the value from host data in row-major order.</summary>
    public void Assign<T>(ReadOnlySpan<T> values) where T : unmanaged
    {
        if (Tensor.DTypeOf<T>() != _value.DType)
            throw new ArgumentException($"Variable '{Name}' is {_value.DType.KerasName()}; it cannot take {typeof(T).Name} values.", nameof(values));
        if (values.Length != _value.Shape.Size)
            throw new ArgumentException($"Variable '{Name}' of shape {_value.Shape} needs {_value.Shape.Size} values; got {values.Length}.", nameof(values));
        _value.Backend.Upload(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values), _value.Buffer, 0);
    }

    /// <summary>value += delta, in place.</summary>
    public void AssignAdd(Tensor delta) => InPlace(BinaryOp.Add, delta, nameof(AssignAdd));

    /// <summary>value -= delta, in place.</summary>
    public void AssignSub(Tensor delta) => InPlace(BinaryOp.Subtract, delta, nameof(AssignSub));

    private void InPlace(BinaryOp op, Tensor delta, string what)
    {
        if (delta.DType != _value.DType)
            throw new ArgumentException($"{what} on variable '{Name}' ({_value.DType.KerasName()}) got a {delta.DType.KerasName()} tensor.", nameof(delta));
        var outShape = Ops.BroadcastShapes(_value.Shape, delta.Shape, what);
        if (outShape != _value.Shape)
            throw new ArgumentException($"{what} on variable '{Name}' of shape {_value.Shape} got a value of shape {delta.Shape} that would change its shape.", nameof(delta));
        var plan = BroadcastPlan.Create(outShape, _value.Shape, delta.Shape);
        _value.Backend.Binary(op, _value.Buffer, delta.Buffer, _value.Buffer, _value.DType, plan);
    }

    private void Check(Tensor value, string what)
    {
        if (value.Shape != _value.Shape)
            throw new ArgumentException($"{what} on variable '{Name}' expects shape {_value.Shape}; got {value.Shape}.", nameof(value));
        if (value.DType != _value.DType)
            throw new ArgumentException($"{what} on variable '{Name}' expects dtype {_value.DType.KerasName()}; got {value.DType.KerasName()}.", nameof(value));
    }

    private TensorImpl NewStorage(Shape shape, DType dtype, IBackend backend)
    {
        var impl = new TensorImpl
        {
            Backend = backend,
            Shape = shape,
            DType = dtype,
            Buffer = backend.Allocate(shape.Size * dtype.SizeOf()),
            Variable = this,
        };
        impl.Buffer.AddRef();
        return impl;
    }

    /// <summary>"&lt;Variable name=kernel shape=(784, 128) dtype=float32&gt;"</summary>
    public override string ToString() => $"<Variable name={Name} shape={Shape} dtype={DType.KerasName()}>";
}
