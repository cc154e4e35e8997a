using System.Runtime.CompilerServices;
using KerasNet.Backend;

namespace KerasNet.Backends.Native.Cpu;

internal sealed unsafe partial class CpuBackend
{
    [ThreadStatic] private static RandomJob? t_randomJob;

    public void Random(RandomDistribution distribution, DeviceBuffer y, long count, ulong seed, ulong offset, float a, float b)
    {
        var job = t_randomJob ??= new RandomJob();
        int n = checked((int)count);
        job.Set(distribution, Cpu(y).F32, n, seed, offset, a, b);
        if (n < ParallelThreshold || CpuThreads.Count == 1) job.Execute(0, n);
        else CpuThreads.Run(job, (n + SegmentLength - 1) / SegmentLength);
    }

    private sealed class RandomJob : ParallelJob
    {
        private RandomDistribution _d;
        private float* _y;
        private int _n;
        private ulong _seed, _offset;
        private float _a, _b;

        public void Set(RandomDistribution d, float* y, int n, ulong seed, ulong offset, float a, float b)
        {
            _d = d; _y = y; _n = n; _seed = seed; _offset = offset; _a = a; _b = b;
        }

        public override void Execute(int index) => Execute(index * SegmentLength, Math.Min(_n, (index + 1) * SegmentLength));

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Execute(int start, int end)
        {
            uint k0 = (uint)_seed, k1 = (uint)(_seed >> 32);
            for (int i = start; i < end; i++) _y[i] = Sample(i, k0, k1);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private float Sample(int i, uint k0, uint k1)
        {
            switch (_d)
            {
                case RandomDistribution.Uniform:
                case RandomDistribution.Bernoulli:
                {
                    // Element i is word (offset+i) % 4 of Philox block (offset+i) / 4.
                    ulong c = _offset + (ulong)i;
                    var block = Philox.Block(c >> 2, 0, k0, k1);
                    float u = Philox.ToUnit(block[(int)(c & 3)]);
                    if (_d == RandomDistribution.Bernoulli) return u < _a ? 1f : 0f;
                    // a + u(b - a) can round up to b (2 + (1 - 2^-24) is 3 in float32); keep [a, b) half-open.
                    float v = _a + u * (_b - _a);
                    return v < _b ? v : MathF.BitDecrement(_b);
                }
                case RandomDistribution.Normal:
                {
                    var block = Philox.Block((_offset >> 2) + (ulong)i, 0, k0, k1);
                    return _a + _b * Philox.BoxMuller(block[0], block[1], cosine: true);
                }
                default:
                {
                    // Truncated normal: the first of the block's normals within two standard deviations;
                    // further rounds use the next value of the second counter word.
                    for (uint round = 0; ; round++)
                    {
                        var block = Philox.Block((_offset >> 2) + (ulong)i, round, k0, k1);
                        for (int j = 0; j < 4; j += 2)
                        {
                            float z0 = Philox.BoxMuller(block[j], block[j + 1], cosine: true);
                            if (MathF.Abs(z0) <= 2f) return _a + _b * z0;
                            float z1 = Philox.BoxMuller(block[j], block[j + 1], cosine: false);
                            if (MathF.Abs(z1) <= 2f) return _a + _b * z1;
                        }
                    }
                }
            }
        }
    }
}

/// <summary>Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011): a
/// counter-based generator; each 128-bit counter maps to four independent 32-bit words.</summary>
internal static class Philox
{
    private const uint M0 = 0xD2511F53, M1 = 0xCD9E8D57, W0 = 0x9E3779B9, W1 = 0xBB67AE85;

    [InlineArray(4)]
    public struct Words
    {
        private uint _e0;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Words Block(ulong counter, uint stream, uint k0, uint k1)
    {
        uint c0 = (uint)counter, c1 = (uint)(counter >> 32), c2 = stream, c3 = 0;
        for (int r = 0; r < 10; r++)
        {
            ulong p0 = (ulong)M0 * c0, p1 = (ulong)M1 * c2;
            uint n0 = (uint)(p1 >> 32) ^ c1 ^ k0;
            uint n2 = (uint)(p0 >> 32) ^ c3 ^ k1;
            c1 = (uint)p1;
            c3 = (uint)p0;
            c0 = n0;
            c2 = n2;
            k0 += W0;
            k1 += W1;
        }
        var w = new Words();
        w[0] = c0; w[1] = c1; w[2] = c2; w[3] = c3;
        return w;
    }

    /// <summary>A word to a float in [0, 1) with 24 random bits.</summary>
    public static float ToUnit(uint w) => (w >> 8) * (1f / 16777216f);

    /// <summary>One standard normal from two words (Box-Muller; u1 taken in (0, 1]).</summary>
    public static float BoxMuller(uint w1, uint w2, bool cosine)
    {
        double u1 = ((w1 >> 8) + 1) * (1.0 / 16777216.0);
        double u2 = (w2 >> 8) * (1.0 / 16777216.0);
        double r = Math.Sqrt(-2.0 * Math.Log(u1));
        double t = 2 * Math.PI * u2;
        return (float)(r * (cosine ? Math.Cos(t) : Math.Sin(t)));
    }
}
