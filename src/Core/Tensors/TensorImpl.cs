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

    /// <summary>How many recorded tape nodes reference this tensor; while non-zero a release is deferred.</summary>
    internal int TapePins;
    internal bool ReleaseDeferred;

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
            impl.ReleaseDeferred = false;
            impl.TapePins = 0;
            return impl;
        }
        return new TensorImpl();
    }

    internal void Pin() => TapePins++;

    internal void Unpin()
    {
        if (--TapePins == 0 && ReleaseDeferred) Release();
    }

    /// <summary>Drops the buffer reference and recycles the record; every existing handle becomes stale.</summary>
    internal void Release()
    {
        if (Released) return;
        if (TapePins > 0)
        {
            // A recording tape still needs the values for its backward pass; it releases us when it lets go.
            ReleaseDeferred = true;
            return;
        }
        ReleaseDeferred = false;
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
