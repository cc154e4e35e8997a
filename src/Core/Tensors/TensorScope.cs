namespace KerasNet;

/// <summary>Releases every tensor created inside it when it ends, so intermediate results never need a
/// Dispose. Scopes nest per thread. A tensor that must outlive the scope is passed to <see cref="Keep"/>,
/// which hands it to the enclosing scope (or to nobody: then the garbage collector frees it).
/// <code>
/// using (var scope = new TensorScope())
/// {
///     var y = Ops.Relu(Ops.MatMul(x, w));
///     result = scope.Keep(Ops.Sum(y));
/// }
/// </code>
/// The Trainer runs every training step in a scope of its own; user code in Keras style never needs one.</summary>
public sealed class TensorScope : IDisposable
{
    [ThreadStatic] private static TensorScope? t_current;

    private readonly List<(TensorImpl Impl, int Generation)> _tensors = new(64);
    private TensorScope? _parent;
    private bool _active;
    private Thread? _thread;

    /// <summary>Opens a scope on the current thread.</summary>
    public TensorScope() => Begin();

    internal static TensorScope? Current => t_current;

    /// <summary>Number of live tensors this scope would release now.</summary>
    public int Count
    {
        get
        {
            int n = 0;
            foreach (var (impl, gen) in _tensors)
                if (impl.Generation == gen && impl.Scope == this) n++;
            return n;
        }
    }

    /// <summary>Re-opens a scope that was ended, so that one object serves every step of a loop.</summary>
    public void Begin()
    {
        if (_active) throw new InvalidOperationException("This TensorScope is already open.");
        _parent = t_current;
        _thread = Thread.CurrentThread;
        _active = true;
        t_current = this;
    }

    /// <summary>Moves <paramref name="tensor"/> out of this scope into the enclosing one (or makes it
    /// unscoped if there is none) and returns it.</summary>
    public Tensor Keep(Tensor tensor)
    {
        var impl = tensor.Impl;
        if (impl.Scope == this)
        {
            impl.Scope = _parent;
            _parent?._tensors.Add((impl, impl.Generation));
        }
        return tensor;
    }

    internal void Track(TensorImpl impl)
    {
        impl.Scope = this;
        _tensors.Add((impl, impl.Generation));
    }

    /// <summary>Ends the scope: releases its tensors and restores the enclosing scope.</summary>
    public void End()
    {
        if (!_active) return;
        if (t_current != this)
            throw new InvalidOperationException(Thread.CurrentThread == _thread
                ? "TensorScopes must end in the reverse order they began; an inner scope is still open."
                : "A TensorScope must end on the thread that began it.");
        var list = _tensors;
        for (int i = 0; i < list.Count; i++)
        {
            var (impl, gen) = list[i];
            if (impl.Generation == gen && impl.Scope == this) impl.Release();
        }
        list.Clear();
        t_current = _parent;
        _parent = null;
        _active = false;
    }

    /// <summary>Same as <see cref="End"/>.</summary>
    public void Dispose() => End();
}
