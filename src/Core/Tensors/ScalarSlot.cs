using KerasNet.Backend;

namespace KerasNet;

/// <summary>A float32 scalar that lives on the current device across training steps and crosses from the host
/// only when its value changes: a constant learning rate or batch size costs one upload in a whole fit instead of
/// one per step, so the step has no host copies of its own (and a captured step replays the same buffer).</summary>
internal sealed class ScalarSlot(string name)
{
    private readonly float[] _staging = new float[1];
    private Variable? _variable;

    /// <summary>The scalar holding <paramref name="value"/> on the current backend. The tensor belongs to the slot:
    /// callers must not dispose it, and it changes when <see cref="Get"/> is next called with another value.</summary>
    public Tensor Get(float value)
    {
        var backend = BackendRegistry.Current;
        if (_variable is null || !ReferenceEquals(_variable.Value.Backend, backend))
        {
            using var initial = Tensor.Scalar(value);
            _variable = new Variable(initial, name, trainable: false);
            _staging[0] = value;
        }
        else if (BitConverter.SingleToInt32Bits(value) != BitConverter.SingleToInt32Bits(_staging[0]))
        {
            _staging[0] = value;
            _variable.Assign<float>(_staging);
        }
        return _variable.Value;
    }
}
