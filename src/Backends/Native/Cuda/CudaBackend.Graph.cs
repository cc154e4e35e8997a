namespace KerasNet.Backends.Native.Cuda;

internal sealed unsafe partial class CudaBackend
{
    private CudaGraphStep? _capture;
    private int _liveGraphs;

    /// <summary>Records that the graph being captured reads or writes <paramref name="buffers"/>.</summary>
    private void Touch(params ReadOnlySpan<CudaBuffer> buffers)
    {
        if (_capture is not { } graph) return;
        foreach (var b in buffers) graph.Touch(b);
    }

    private void NotCapturing(string what)
    {
        if (_capture is not null)
            throw new InvalidOperationException(
                $"{what} is a host/device sync point and cannot be part of a captured CUDA graph; upload inputs into buffers the " +
                "step reads before Replay, and read results after it.");
    }

    /// <summary>Runs <paramref name="step"/> once under stream capture (nothing executes) and instantiates the
    /// recorded work as a CUDA graph. Every buffer the step touches is reserved for the graph until it is
    /// disposed: released buffers are parked, not pooled, so a replay never writes memory someone else holds.</summary>
    public CudaGraphStep Capture(Action step)
    {
        ArgumentNullException.ThrowIfNull(step);
        var graph = new CudaGraphStep(this);
        using (Enter())
        {
            if (_capture is not null) throw new InvalidOperationException("A CUDA graph capture is already in progress on this device.");
            SyncAndCheck();
            _cu.Check(_cu.cuStreamBeginCapture(_stream, CudaDriver.StreamCaptureModeRelaxed), "cuStreamBeginCapture_v2");
            _capture = graph;
            _liveGraphs++;
        }
        nint g = 0;
        bool recorded = false;
        try
        {
            step();
            recorded = true;
        }
        finally
        {
            using (Enter())
            {
                _capture = null;
                int r = _cu.cuStreamEndCapture(_stream, &g);
                if (!recorded || r != CudaDriver.Success)
                {
                    // The step threw (its exception goes on) or the capture was invalidated.
                    if (g != 0) _cu.cuGraphDestroy(g);
                    graph.DisposeCore(destroyNative: false);
                    if (recorded) throw _cu.Error(r, "cuStreamEndCapture");
                }
            }
        }
        using (Enter())
        {
            nint exec;
            int r = _cu.cuGraphInstantiateWithFlags(&exec, g, 0);
            if (r != CudaDriver.Success)
            {
                _cu.cuGraphDestroy(g);
                graph.DisposeCore(destroyNative: false);
                throw _cu.Error(r, "cuGraphInstantiateWithFlags");
            }
            graph.SetNative(g, exec);
        }
        return graph;
    }

    internal void Replay(CudaGraphStep graph)
    {
        using var scope = Enter();
        NotCapturing("Replay");
        _cu.Check(_cu.cuGraphLaunch(graph.Exec, _stream), "cuGraphLaunch");
    }

    /// <summary>Throws while a capture is in progress: disposing a graph waits for the stream, and a
    /// cuStreamSynchronize on a capturing stream is illegal (it would invalidate the capture).</summary>
    internal void ThrowIfCapturingForDispose()
    {
        using var scope = Enter();
        if (_capture is not null)
            throw new InvalidOperationException(
                "A CUDA graph cannot be disposed while another graph is being captured on the same device (disposing waits " +
                "for the device's stream, which capture forbids); dispose it before or after the capture.");
    }

    /// <summary>Destroys a graph's native objects (after its work is done) and returns its parked buffers.</summary>
    internal void Release(CudaGraphStep graph, nint g, nint exec, List<CudaBuffer> touched, List<CudaBuffer> parked)
    {
        using var scope = Enter();
        _cu.Check(_cu.cuStreamSynchronize(_stream), "cuStreamSynchronize");
        if (exec != 0) _cu.Check(_cu.cuGraphExecDestroy(exec), "cuGraphExecDestroy");
        if (g != 0) _cu.Check(_cu.cuGraphDestroy(g), "cuGraphDestroy");
        foreach (var b in touched)
            if (ReferenceEquals(b.ReservedBy, graph)) b.ReservedBy = null;
        foreach (var b in parked) PushPool(b);
        _liveGraphs--;
        if (_liveGraphs == 0)
        {
            foreach (var r in _retiredScratch) if (r.MarkFreed()) FreeRaw(r.Pointer);
            _retiredScratch.Clear();
        }
    }
}

/// <summary>A training step (or any sequence of device work) captured once as a CUDA graph and replayed with
/// one launch. Valid while every shape, buffer and host-side scalar the step passes to kernels stays the same:
/// inputs go into the buffers the capture read (upload before <see cref="Replay"/>), results are read after it.
/// Kernel arguments are frozen at capture: a random seed or offset, or Adam's bias-correction scale, is
/// replayed as captured (the learning rate itself lives on the device and may change).</summary>
public sealed class CudaGraphStep : IDisposable
{
    private readonly CudaBackend _backend;
    private readonly List<CudaBuffer> _touched = [];
    private readonly List<CudaBuffer> _parked = [];
    private nint _graph, _exec;
    private int _disposed;

    internal CudaGraphStep(CudaBackend backend) => _backend = backend;

    internal nint Exec => _exec;

    internal bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>How many device buffers the graph reads or writes (reserved while it lives).</summary>
    public int BufferCount => _touched.Count;

    /// <summary>Launches the captured work on the device's stream (asynchronously, like any kernel).</summary>
    public void Replay()
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        _backend.Replay(this);
    }

    internal void Touch(CudaBuffer b)
    {
        if (ReferenceEquals(b.ReservedBy, this)) return;
        b.ReservedBy = this;
        _touched.Add(b);
    }

    internal void Park(CudaBuffer b) => _parked.Add(b);

    internal void SetNative(nint graph, nint exec)
    {
        _graph = graph;
        _exec = exec;
    }

    /// <summary>Destroys the graph and gives its buffers back to the pool.</summary>
    public void Dispose() => DisposeCore(destroyNative: true);

    internal void DisposeCore(bool destroyNative)
    {
        if (IsDisposed) return;
        if (destroyNative) _backend.ThrowIfCapturingForDispose();
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _backend.Release(this, destroyNative ? _graph : 0, destroyNative ? _exec : 0, _touched, _parked);
    }
}
