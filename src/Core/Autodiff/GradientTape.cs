using System.Buffers;

namespace KerasNet;

/// <summary>Records the ops run while it is active and computes gradients by reverse accumulation, as
/// TensorFlow's <c>tf.GradientTape</c> does. Trainable variables read during recording are watched
/// automatically; other tensors with <see cref="Watch(Tensor)"/>.
/// <code>
/// using var tape = new GradientTape();
/// var loss = Ops.Mean(Ops.Square(Ops.MatMul(x, w) - y));
/// var dw = tape.Gradient(loss, w);
/// </code>
/// A tape records on the thread that created it. Gradients are computed with recording off, so they are
/// first-order. Recording and backward reuse their storage: a tape that is <see cref="Reset"/> each step
/// allocates nothing on the managed heap once warm.</summary>
public sealed class GradientTape : IDisposable
{
    [ThreadStatic] private static GradientTape? t_active;

    private TapeNode[] _nodes = new TapeNode[64];
    private int _count;
    private int _slots;
    private Tensor[] _grads = new Tensor[128];
    private bool[] _keep = new bool[128];
    private GradientTape? _previous;
    private bool _recording;
    private bool _used;
    internal int Epoch;
    private static int s_epochs;

    /// <summary>Starts recording on the current thread.</summary>
    /// <param name="persistent">Allow more than one <see cref="Gradient(Tensor, Tensor)"/> call.</param>
    /// <param name="watchAccessedVariables">Watch trainable variables read while recording.</param>
    public GradientTape(bool persistent = false, bool watchAccessedVariables = true)
    {
        Persistent = persistent;
        WatchAccessedVariables = watchAccessedVariables;
        Reset();
    }

    /// <summary>Whether several gradients may be taken from one recording.</summary>
    public bool Persistent { get; }

    /// <summary>Whether trainable variables read while recording are watched.</summary>
    public bool WatchAccessedVariables { get; }

    /// <summary>Whether ops are being recorded now.</summary>
    public bool IsRecording => _recording;

    /// <summary>Number of ops recorded.</summary>
    public int RecordedOps => _count;

    internal static GradientTape? Active => t_active;

    /// <summary>Stops the thread's active tape from recording until <see cref="Resume"/> (shape tracing).</summary>
    internal static GradientTape? Suspend()
    {
        var t = t_active;
        t_active = null;
        return t;
    }

    internal static void Resume(GradientTape? tape) => t_active = tape;

    /// <summary>Forgets the recording and starts a new one (reusing all storage).</summary>
    public void Reset()
    {
        Stop();
        ClearNodes();
        Epoch = Interlocked.Increment(ref s_epochs);
        _slots = 0;
        _used = false;
        _previous = t_active;
        t_active = this;
        _recording = true;
    }

    /// <summary>Stops recording; gradients can still be taken.</summary>
    public void Stop()
    {
        if (!_recording) return;
        _recording = false;
        if (t_active == this) t_active = _previous;
        _previous = null;
    }

    /// <summary>Runs <paramref name="action"/> without recording it.</summary>
    public void StopRecording(Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        bool was = _recording;
        _recording = false;
        try { action(); }
        finally { _recording = was; }
    }

    /// <summary>Watches a tensor so that gradients with respect to it can be taken.</summary>
    public void Watch(Tensor tensor) => SlotOf(tensor.Impl, assign: true);

    /// <summary>Watches a variable (needed for non-trainable ones or with watchAccessedVariables off).</summary>
    public void Watch(Variable variable) => SlotOf(variable.Value.Impl, assign: true);

    // ----- recording -----

    /// <summary>The active tape if it should record an op over inputs a, b, c (any may be null).</summary>
    internal static GradientTape? ShouldRecord(Tensor a, Tensor b = default, Tensor c = default)
    {
        var tape = t_active;
        if (tape is null || !tape._recording) return null;
        return tape.Tracks(a) || tape.Tracks(b) || tape.Tracks(c) ? tape : null;
    }

    internal static GradientTape? ShouldRecord(ReadOnlySpan<Tensor> inputs)
    {
        var tape = t_active;
        if (tape is null || !tape._recording) return null;
        foreach (var t in inputs)
            if (tape.Tracks(t)) return tape;
        return null;
    }

    private bool Tracks(Tensor t)
    {
        if (t.IsNull) return false;
        var impl = t.Impl;
        if (impl.Tape == this && impl.TapeEpoch == Epoch) return true;
        return WatchAccessedVariables && impl.Variable is { Trainable: true };
    }

    /// <summary>Slot of a tracked tensor, or -1. Variables get one on first use.</summary>
    private int SlotOf(TensorImpl impl, bool assign)
    {
        if (impl.Tape == this && impl.TapeEpoch == Epoch) return impl.TapeSlot;
        if (!assign && !(WatchAccessedVariables && impl.Variable is { Trainable: true })) return -1;
        impl.Tape = this;
        impl.TapeEpoch = Epoch;
        impl.TapeSlot = _slots++;
        return impl.TapeSlot;
    }

    private int InputSlot(Tensor t) => t.IsNull ? -1 : SlotOf(t.Impl, assign: false);

    internal void Record(ref TapeNode node)
    {
        node.SlotA = InputSlot(node.A);
        node.SlotB = InputSlot(node.B);
        node.SlotC = InputSlot(node.C);
        if (node.Many is not null)
        {
            node.ManySlots = ArrayPool<int>.Shared.Rent(node.ManyCount);
            for (int i = 0; i < node.ManyCount; i++) node.ManySlots[i] = InputSlot(node.Many[i]);
        }
        node.SlotOut = SlotOf(node.Out.Impl, assign: true);
        Pin(node.A); Pin(node.B); Pin(node.C); Pin(node.Out); Pin(node.Saved);
        if (node.Many is not null) for (int i = 0; i < node.ManyCount; i++) Pin(node.Many[i]);
        if (_count == _nodes.Length) Array.Resize(ref _nodes, _nodes.Length * 2);
        _nodes[_count++] = node;
    }

    // ----- gradients -----

    /// <summary>d target / d source. A source that the target does not depend on gets zeros.</summary>
    public Tensor Gradient(Tensor target, Tensor source)
    {
        Span<Tensor> result = [default];
        Gradient(target, [source], result);
        return result[0];
    }

    /// <summary>d target / d variable.</summary>
    public Tensor Gradient(Tensor target, Variable source) => Gradient(target, source.Value);

    /// <summary>Gradients of <paramref name="target"/> with respect to each variable, in order.</summary>
    public Tensor[] Gradient(Tensor target, IReadOnlyList<Variable> sources)
    {
        ArgumentNullException.ThrowIfNull(sources);
        var s = new Tensor[sources.Count];
        for (int i = 0; i < s.Length; i++) s[i] = sources[i].Value;
        var result = new Tensor[s.Length];
        Gradient(target, s, result);
        return result;
    }

    /// <summary>Allocation-free form: writes d target / d sources[i] into results[i].</summary>
    public void Gradient(Tensor target, ReadOnlySpan<Variable> sources, Span<Tensor> results)
    {
        if (results.Length < sources.Length)
            throw new ArgumentException($"results has room for {results.Length} gradients; {sources.Length} sources were given.", nameof(results));
        BeginBackward(target);
        for (int i = 0; i < sources.Length; i++) MarkKeep(sources[i].Value);
        RunBackward(target);
        for (int i = 0; i < sources.Length; i++)
        {
            int j = 0;
            while (j < i && !ReferenceEquals(sources[j], sources[i])) j++;
            // A source listed twice gets the same gradient (a copy: each result is the caller's to dispose).
            results[i] = j < i ? Ops.StopGradient(results[j]) : TakeResult(sources[i].Value);
        }
        EndBackward();
    }

    /// <summary>Allocation-free form over tensors: writes d target / d sources[i] into results[i].</summary>
    public void Gradient(Tensor target, ReadOnlySpan<Tensor> sources, Span<Tensor> results)
    {
        if (results.Length < sources.Length)
            throw new ArgumentException($"results has room for {results.Length} gradients; {sources.Length} sources were given.", nameof(results));
        BeginBackward(target);
        for (int i = 0; i < sources.Length; i++) MarkKeep(sources[i]);
        RunBackward(target);
        for (int i = 0; i < sources.Length; i++)
        {
            int j = 0;
            while (j < i && !sources[j].Equals(sources[i])) j++;
            // A source listed twice gets the same gradient (a copy: each result is the caller's to dispose).
            results[i] = j < i ? Ops.StopGradient(results[j]) : TakeResult(sources[i]);
        }
        EndBackward();
    }

    private void BeginBackward(Tensor target)
    {
        if (target.IsNull) throw new ArgumentException("The gradient target is an uninitialized tensor.", nameof(target));
        _ = target.Impl; // throws if disposed
        if (_used && !Persistent)
            throw new InvalidOperationException("A non-persistent GradientTape can compute gradients once. Create it with persistent: true to take several.");
        if (target.DType != DType.Float32)
            throw new ArgumentException($"Gradients need a float32 target; got {target.DType.KerasName()}.", nameof(target));
        _used = true;
        Stop();
        if (_grads.Length < _slots)
        {
            _grads = new Tensor[Math.Max(_slots, _grads.Length * 2)];
            _keep = new bool[_grads.Length];
        }
        Array.Clear(_grads, 0, _slots);
        Array.Clear(_keep, 0, _slots);
    }

    private void MarkKeep(Tensor source)
    {
        int slot = SlotIfTracked(source);
        if (slot >= 0) _keep[slot] = true;
    }

    private int SlotIfTracked(Tensor t)
    {
        var impl = t.Impl;
        return impl.Tape == this && impl.TapeEpoch == Epoch ? impl.TapeSlot : -1;
    }

    private void RunBackward(Tensor target)
    {
        int targetSlot = SlotIfTracked(target);
        if (targetSlot < 0) return;
        // Gradients are first-order: no tape on this thread (an enclosing one included) may record the
        // backward ops, or it would re-tag the variables this tape is about to read its results from.
        var suspended = Suspend();
        try
        {
            Backward(targetSlot, target);
        }
        finally
        {
            Resume(suspended);
        }
    }

    private void Backward(int targetSlot, Tensor target)
    {
        _grads[targetSlot] = Ops.OnesLike(target);
        for (int i = _count - 1; i >= 0; i--)
        {
            ref var node = ref _nodes[i];
            var g = _grads[node.SlotOut];
            if (g.IsNull) continue;
            Vjp.Apply(ref node, g, this);
            if (!_keep[node.SlotOut])
            {
                g.Dispose();
                _grads[node.SlotOut] = default;
            }
        }
    }

    /// <summary>Adds a contribution to the gradient of <paramref name="slot"/> (taking ownership of it).</summary>
    internal void Accumulate(int slot, Tensor contribution)
    {
        if (slot < 0)
        {
            contribution.Dispose();
            return;
        }
        ref var existing = ref _grads[slot];
        if (existing.IsNull)
        {
            existing = contribution;
            return;
        }
        var sum = Ops.Add(existing, contribution);
        existing.Dispose();
        contribution.Dispose();
        existing = sum;
    }

    private Tensor TakeResult(Tensor source)
    {
        int slot = SlotIfTracked(source);
        if (slot < 0 || _grads[slot].IsNull) return Ops.ZerosLike(source);
        var g = _grads[slot];
        _grads[slot] = default;
        _keep[slot] = false;
        return g;
    }

    private void EndBackward()
    {
        for (int i = 0; i < _slots; i++)
        {
            if (!_grads[i].IsNull && !_grads[i].IsDisposed) _grads[i].Dispose();
            _grads[i] = default;
        }
        if (!Persistent) ClearNodes();
    }

    private static void Pin(Tensor t)
    {
        if (!t.IsNull) t.Impl.Pin();
    }

    private static void Unpin(Tensor t)
    {
        if (!t.IsNull) t.PinnedImpl.Unpin();
    }

    private void ClearNodes()
    {
        for (int i = 0; i < _count; i++)
        {
            ref var n = ref _nodes[i];
            Unpin(n.A); Unpin(n.B); Unpin(n.C); Unpin(n.Out); Unpin(n.Saved);
            if (n.Many is not null) for (int k = 0; k < n.ManyCount; k++) Unpin(n.Many[k]);
            if (n.Many is not null) ArrayPool<Tensor>.Shared.Return(n.Many, clearArray: true);
            if (n.ManySlots is not null) ArrayPool<int>.Shared.Return(n.ManySlots);
            n = default;
        }
        _count = 0;
    }

    /// <summary>Stops recording and forgets everything recorded.</summary>
    public void Dispose()
    {
        Stop();
        ClearNodes();
    }
}
