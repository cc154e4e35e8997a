using KerasNet.Backend;

namespace KerasNet;

/// <summary>The storage record behind a <see cref="Tensor"/> handle. Records are recycled through a pool;
/// the generation counter makes every handle to a released record detectably stale.</summary>
internal sealed class TensorImpl
{
    [ThreadStatic] private static Stack<TensorImpl>? t_pool;

    internal int Generation;
    internal DeviceBuffer Buffer = null!;
    internal IBackend Backend = null!;
    internal Shape Shape;
    internal DType DType;
    internal TensorScope? Scope;
    /// <summary>The variable this record is the value of; such records are never released by scopes.</summary>
    internal Variable? Variable;
    internal bool Released;

    // Autodiff bookkeeping: which tape and recording pass gave this tensor a gradient slot.
    internal GradientTape? Tape;
    internal int TapeEpoch;
    internal int TapeSlot;

    internal static TensorImpl Rent()
    {
        var pool = t_pool ??= new Stack<TensorImpl>(256);
        if (pool.TryPop(out var impl))
        {
            impl.Released = false;
            return impl;
        }
        return new TensorImpl();
    }

    /// <summary>Drops the buffer reference and recycles the record; every existing handle becomes stale.</summary>
    internal void Release()
    {
        if (Released) return;
        Released = true;
        Generation++;
        var buffer = Buffer;
        Buffer = null!;
        Scope = null;
        Tape = null;
        Variable = null;
        buffer.Release();
        (t_pool ??= new Stack<TensorImpl>(256)).Push(this);
    }
}
