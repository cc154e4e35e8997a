using System.Runtime.CompilerServices;
using System.Numerics;
using KerasNet.Backend;

namespace KerasNet.Backends.Native.Cpu;

internal sealed unsafe partial class CpuBackend
{
    /// <summary>Elements per parallel task of an optimizer update; smaller tensors run on the caller.</summary>
    private const long OptimizerChunk = 1 << 15;

    [ThreadStatic] private static OptimizerJob? t_optimizerJob;

    public void OptimizerUpdate(in OptimizerUpdateParams p, DeviceBuffer learningRate, DeviceBuffer variable, DeviceBuffer gradient,
        DeviceBuffer? slot0, DeviceBuffer? slot1, DeviceBuffer? slot2, DeviceBuffer? iterations = null)
    {
        if (p.Count < 0) throw new ArgumentOutOfRangeException(nameof(p), p.Count, "The element count of an optimizer update cannot be negative.");
        long bytes = p.Count * sizeof(float);
        CheckBytes(learningRate, sizeof(float), nameof(learningRate));
        CheckBytes(variable, bytes, nameof(variable));
        CheckBytes(gradient, bytes, nameof(gradient));
        switch (p.Kind)
        {
            case OptimizerUpdateKind.Sgd:
                if (p.Momentum != 0) CheckBytes(slot0 ?? throw Missing(nameof(slot0), "SGD with momentum needs its velocity"), bytes, nameof(slot0));
                break;
            case OptimizerUpdateKind.Adam:
                CheckBytes(slot0 ?? throw Missing(nameof(slot0), "Adam needs its first moment"), bytes, nameof(slot0));
                CheckBytes(slot1 ?? throw Missing(nameof(slot1), "Adam needs its second moment"), bytes, nameof(slot1));
                if (p.Amsgrad) CheckBytes(slot2 ?? throw Missing(nameof(slot2), "AMSGrad needs the running maximum v̂"), bytes, nameof(slot2));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(p), p.Kind, "Unknown optimizer update kind.");
        }
        if (iterations != null) CheckBytes(iterations, sizeof(long), nameof(iterations));
        if (p.Count == 0) return;
        var job = t_optimizerJob ??= new OptimizerJob();
        job.P = p;
        job.Lr = *Cpu(learningRate).F32 * p.LearningRateScale;
        if (iterations != null && p.Kind == OptimizerUpdateKind.Adam)
        {
            double t = *(long*)Cpu(iterations).F32 + 1;
            job.Lr *= (float)(Math.Sqrt(1 - Math.Pow(p.Beta2, t)) / (1 - Math.Pow(p.Beta1, t)));
        }
        job.W = Cpu(variable).F32;
        job.G = Cpu(gradient).F32;
        job.S0 = slot0 == null ? null : Cpu(slot0).F32;
        job.S1 = slot1 == null ? null : Cpu(slot1).F32;
        job.S2 = slot2 == null ? null : Cpu(slot2).F32;
        int tasks = (int)Math.Min(CpuThreads.Count * 4L, (p.Count + OptimizerChunk - 1) / OptimizerChunk);
        job.Tasks = Math.Max(tasks, 1);
        if (job.Tasks == 1) job.Execute(0);
        else CpuThreads.Run(job, job.Tasks);
        job.W = job.G = job.S0 = job.S1 = job.S2 = null;

        static ArgumentNullException Missing(string name, string what) => new(name, $"{what} (slot buffer {name} was null).");
    }

    private static void CheckBytes(DeviceBuffer buffer, long bytes, string name)
    {
        if (buffer.ByteLength < bytes)
            throw new ArgumentException($"The buffer holds {buffer.ByteLength} bytes but {bytes} are needed.", name);
    }

    /// <summary>One optimizer update split into equal element ranges. The arithmetic follows Keras's update
    /// rules op for op, in float32, so the fused kernel gives the same bits as the unfused ops.</summary>
    private sealed class OptimizerJob : ParallelJob
    {
        public OptimizerUpdateParams P;
        public float Lr;
        public float* W, G, S0, S1, S2;
        public int Tasks;

        public override void Execute(int index)
        {
            long n = P.Count;
            long start = n * index / Tasks, end = n * (index + 1) / Tasks;
            if (P.Kind == OptimizerUpdateKind.Adam) Adam(start, end);
            else Sgd(start, end);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Sgd(long start, long end)
        {
            float lr = Lr, mu = P.Momentum;
            float* w = W, g = G, m = S0;
            long i = start;
            int width = Vector<float>.Count;
            if (mu == 0)
            {
                var vlr = new Vector<float>(lr);
                for (; i + width <= end; i += width) (Vector.Load(w + i) - Vector.Load(g + i) * vlr).Store(w + i);
                for (; i < end; i++) w[i] -= g[i] * lr;
                return;
            }
            var vl = new Vector<float>(lr);
            var vm = new Vector<float>(mu);
            bool nesterov = P.Nesterov;
            for (; i + width <= end; i += width)
            {
                var step = Vector.Load(g + i) * vl;
                var next = Vector.Load(m + i) * vm - step;
                next.Store(m + i);
                var delta = nesterov ? next * vm - step : next;
                (Vector.Load(w + i) + delta).Store(w + i);
            }
            for (; i < end; i++)
            {
                float step = g[i] * lr;
                float next = m[i] * mu - step;
                m[i] = next;
                w[i] += nesterov ? next * mu - step : next;
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Adam(long start, long end)
        {
            float alpha = Lr, b1 = 1f - P.Beta1, b2 = 1f - P.Beta2, eps = P.Epsilon;
            float* w = W, g = G, m = S0, v = S1, vh = P.Amsgrad ? S2 : null;
            long i = start;
            int width = Vector<float>.Count;
            var vb1 = new Vector<float>(b1);
            var vb2 = new Vector<float>(b2);
            var va = new Vector<float>(alpha);
            var ve = new Vector<float>(eps);
            for (; i + width <= end; i += width)
            {
                var gi = Vector.Load(g + i);
                var mi = Vector.Load(m + i);
                mi += (gi - mi) * vb1;
                mi.Store(m + i);
                var vi = Vector.Load(v + i);
                vi += (gi * gi - vi) * vb2;
                vi.Store(v + i);
                if (vh != null)
                {
                    vi = Vector.Max(Vector.Load(vh + i), vi);
                    vi.Store(vh + i);
                }
                (Vector.Load(w + i) - mi * va / (Vector.SquareRoot(vi) + ve)).Store(w + i);
            }
            for (; i < end; i++)
            {
                float gi = g[i];
                float mi = m[i] + (gi - m[i]) * b1;
                m[i] = mi;
                float vi = v[i] + (gi * gi - v[i]) * b2;
                v[i] = vi;
                if (vh != null)
                {
                    vi = MathF.Max(vh[i], vi);
                    vh[i] = vi;
                }
                w[i] -= mi * alpha / (MathF.Sqrt(vi) + eps);
            }
        }
    }
}
