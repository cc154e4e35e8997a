using System.Runtime.CompilerServices;
namespace KerasNet.Backends.Native.Cpu;

/// <summary>A unit of parallel work: <see cref="Execute"/> runs once for every index in [0, count).
/// Kernels keep one instance per kind and reuse it, so dispatching work allocates nothing.</summary>
internal abstract class ParallelJob
{
    public abstract void Execute(int index);
}

/// <summary>The one place that owns the CPU worker threads. <see cref="Run"/> splits a job's indices across
/// the calling thread and up to <c>Count - 1</c> workers; a nested or concurrent call runs inline, so threads
/// are never oversubscribed. The thread count comes from KERASNET_THREADS, else the processor count.
/// <para>A training step is a string of short parallel kernels, so waking a sleeping thread for each (a futex
/// round trip, tens of microseconds) would cost more than many kernels take. After a job a worker therefore
/// spins on the job counter for <see cref="SpinMicroseconds"/> before it sleeps; the next kernel of the step
/// finds it awake. A job takes at most the helpers it has work for: each helper claims a slot first, and the
/// caller waits only for the helpers that did.</para></summary>
internal static class CpuThreads
{
    /// <summary>How long an idle worker keeps polling for the next job before it blocks.</summary>
    internal const int SpinMicroseconds = 200;

    private sealed class Worker
    {
        public readonly SemaphoreSlim Wake = new(0);
        /// <summary>1 while the worker is blocked (or about to block) on <see cref="Wake"/>.</summary>
        public int Sleeping;
        public Thread? Thread;
    }

    private static readonly object Gate = new();
    private static readonly long SpinTicks = Math.Max(1, System.Diagnostics.Stopwatch.Frequency * SpinMicroseconds / 1_000_000);
    private static Worker[] _workers = [];
    private static int _count;
    private static volatile ParallelJob? _job;
    private static int _jobCount;
    private static int _next;
    // Helper slots left in the current job, helpers inside a job's claim-and-drain section, and the job counter
    // (-1 tells workers to exit).
    private static int _slots;
    private static int _inFlight;
    private static long _generation;
    private static volatile bool _exiting;
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SetCount(int threads)
    {
        if (threads < 1) throw new ArgumentOutOfRangeException(nameof(threads), threads, "The thread count must be at least 1.");
        lock (Gate)
        {
            if (threads == _count) return;
            var old = _workers;
            if (old.Length > 0)
            {
                _exiting = true;
                Interlocked.Increment(ref _generation);
                foreach (var w in old) w.Wake.Release();
                foreach (var w in old) w.Thread!.Join();
                foreach (var w in old) w.Wake.Dispose();
                _exiting = false;
            }
            _count = threads;
            var workers = new Worker[threads - 1];
            // The workers start from the current job counter: one read after they start could miss a change.
            long generation = Volatile.Read(ref _generation);
            for (int i = 0; i < workers.Length; i++)
            {
                var w = workers[i] = new Worker();
                w.Thread = new Thread(() => WorkerLoop(w, generation)) { IsBackground = true, Name = $"KerasNet CPU worker {i + 1}" };
            }
            _workers = workers;
            foreach (var w in workers) w.Thread!.Start();
        }
    }

    /// <summary>Runs <paramref name="job"/> for every index in [0, count) and returns when all are done.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
            var workers = _workers;
            int helpers = Math.Min(workers.Length, count - 1);
            _job = job;
            _jobCount = count;
            _next = 0;
            _error = null;
            Volatile.Write(ref _slots, helpers);
            Interlocked.Increment(ref _generation);
            // Spinning workers see the new generation by themselves; wake sleeping ones only as far as needed.
            int awake = 0;
            foreach (var w in workers) if (Volatile.Read(ref w.Sleeping) == 0) awake++;
            for (int i = 0; i < workers.Length && awake < helpers; i++)
            {
                var w = workers[i];
                if (Volatile.Read(ref w.Sleeping) == 1 && Interlocked.Exchange(ref w.Sleeping, 0) == 1)
                {
                    w.Wake.Release();
                    awake++;
                }
            }
            _insideJob = true;
            Exception? own = null;
            try { Drain(job, count); }
            catch (Exception failure) { own = failure; }
            finally { _insideJob = false; }
            // Close the job to late helpers, then wait for those that claimed a slot: even when this thread's share
            // failed, a helper still draining this job must not run into the next one.
            Interlocked.Exchange(ref _slots, int.MinValue / 2);
            var spin = new SpinWait();
            while (Volatile.Read(ref _inFlight) > 0) spin.SpinOnce(-1);
            _job = null;
            if (own is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(own).Throw();
            if (_error is { } e) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e).Throw();
        }
        finally
        {
            Monitor.Exit(Gate);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Drain(ParallelJob job, int count)
    {
        int i;
        while ((i = Interlocked.Increment(ref _next) - 1) < count) job.Execute(i);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WorkerLoop(Worker self, long seen)
    {
        _insideJob = true;
        while (true)
        {
            seen = WaitForJob(self, seen);
            if (_exiting) return;
            Interlocked.Increment(ref _inFlight);
            try
            {
                // Take part only in the job that woke us, and only while it has a free slot.
                if (Volatile.Read(ref _generation) == seen && Interlocked.Decrement(ref _slots) >= 0 && _job is { } job)
                {
                    try { Drain(job, _jobCount); }
                    catch (Exception e) { _error = e; }
                }
            }
            finally
            {
                Interlocked.Decrement(ref _inFlight);
            }
        }
    }

    /// <summary>Returns the first job counter different from <paramref name="seen"/>: polls it for a while, then
    /// blocks until <see cref="Run"/> (or <see cref="SetCount"/>) wakes this worker.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static long WaitForJob(Worker self, long seen)
    {
        long g;
        long deadline = System.Diagnostics.Stopwatch.GetTimestamp() + SpinTicks;
        while ((g = Volatile.Read(ref _generation)) == seen && !_exiting)
        {
            if (System.Diagnostics.Stopwatch.GetTimestamp() < deadline)
            {
                Thread.SpinWait(16);
                continue;
            }
            Interlocked.Exchange(ref self.Sleeping, 1);
            if ((g = Volatile.Read(ref _generation)) != seen || _exiting)
            {
                // A job came while we were going to sleep. If Run already took our flag it has released (or will
                // release) the semaphore once: consume that so the count stays balanced.
                if (Interlocked.Exchange(ref self.Sleeping, 0) == 0) self.Wake.Wait();
                return g;
            }
            self.Wake.Wait();
            deadline = System.Diagnostics.Stopwatch.GetTimestamp() + SpinTicks;
        }
        return g;
    }
}
