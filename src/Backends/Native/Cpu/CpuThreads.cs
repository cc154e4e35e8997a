namespace KerasNet.Backends.Native.Cpu;

/// <summary>A unit of parallel work: <see cref="Execute"/> runs once for every index in [0, count).
/// Kernels keep one instance per kind and reuse it, so dispatching work allocates nothing.</summary>
internal abstract class ParallelJob
{
    public abstract void Execute(int index);
}

/// <summary>The one place that owns the CPU worker threads. <see cref="Run"/> splits a job's indices across
/// the calling thread and <c>Count - 1</c> workers; a nested or concurrent call runs inline, so threads are
/// never oversubscribed. The thread count comes from KERASNET_THREADS, else the processor count.</summary>
internal static class CpuThreads
{
    private static readonly object Gate = new();
    private static Thread[] _workers = [];
    private static int _count;
    private static volatile ParallelJob? _job;
    private static int _jobCount;
    private static int _next;
    private static int _pending;
    private static long _generation;
    private static readonly SemaphoreSlim Wake = new(0);
    private static Exception? _error;
    [ThreadStatic] private static bool _insideJob;

    static CpuThreads()
    {
        int n = Environment.ProcessorCount;
        string? env = Environment.GetEnvironmentVariable("KERASNET_THREADS");
        if (!string.IsNullOrEmpty(env) && int.TryParse(env, out int parsed) && parsed > 0) n = parsed;
        SetCount(n);
    }

    /// <summary>Threads used by kernels, the caller included.</summary>
    public static int Count => _count;

    /// <summary>Sets the number of threads (1 runs everything on the caller).</summary>
    public static void SetCount(int threads)
    {
        if (threads < 1) throw new ArgumentOutOfRangeException(nameof(threads), threads, "The thread count must be at least 1.");
        lock (Gate)
        {
            if (threads == _count) return;
            // Retire the old workers: a generation of -1 tells them to exit.
            var old = _workers;
            if (old.Length > 0)
            {
                Volatile.Write(ref _generation, -1);
                Wake.Release(old.Length);
                foreach (var t in old) t.Join();
                Volatile.Write(ref _generation, 0);
            }
            _count = threads;
            _workers = new Thread[threads - 1];
            for (int i = 0; i < _workers.Length; i++)
            {
                var t = new Thread(WorkerLoop) { IsBackground = true, Name = $"KerasNet CPU worker {i + 1}" };
                _workers[i] = t;
                t.Start();
            }
        }
    }

    /// <summary>Runs <paramref name="job"/> for every index in [0, count) and returns when all are done.</summary>
    public static void Run(ParallelJob job, int count)
    {
        if (count <= 0) return;
        if (count == 1 || _count == 1 || _insideJob || !Monitor.TryEnter(Gate))
        {
            RunInline(job, count);
            return;
        }
        try
        {
            _job = job;
            _jobCount = count;
            _next = 0;
            _error = null;
            int helpers = Math.Min(_workers.Length, count - 1);
            Volatile.Write(ref _pending, helpers);
            Interlocked.Increment(ref _generation);
            // Wake exactly the helpers needed; the rest keep sleeping.
            Wake.Release(helpers);
            _insideJob = true;
            Exception? own = null;
            try { Drain(job, count); }
            catch (Exception failure) { own = failure; }
            finally { _insideJob = false; }
            // Always wait for the helpers, even when this thread's share failed: a helper still draining
            // this job must not run into the next one.
            var spin = new SpinWait();
            while (Volatile.Read(ref _pending) > 0) spin.SpinOnce(-1);
            _job = null;
            if (own is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(own).Throw();
            if (_error is { } e) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e).Throw();
        }
        finally
        {
            Monitor.Exit(Gate);
        }
    }

    private static void RunInline(ParallelJob job, int count)
    {
        bool was = _insideJob;
        _insideJob = true;
        try
        {
            for (int i = 0; i < count; i++) job.Execute(i);
        }
        finally { _insideJob = was; }
    }

    private static void Drain(ParallelJob job, int count)
    {
        int i;
        while ((i = Interlocked.Increment(ref _next) - 1) < count) job.Execute(i);
    }

    private static void WorkerLoop()
    {
        _insideJob = true;
        while (true)
        {
            Wake.Wait();
            if (Volatile.Read(ref _generation) < 0) return;
            var job = _job;
            try
            {
                if (job != null) Drain(job, _jobCount);
            }
            catch (Exception e)
            {
                _error = e;
            }
            finally
            {
                Interlocked.Decrement(ref _pending);
            }
        }
    }
}
