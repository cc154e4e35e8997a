using KerasNet.Backend;
using KerasNet.Backends.Native.Cpu;
using KerasNet.Tests.Reference;
using Xunit;

namespace KerasNet.Tests.Conformance;

/// <summary>The counter-based random kernel: Philox known answers, distribution statistics, and
/// reproducibility from (seed, offset) alone.</summary>
[Collection(SerialCollection.Name)]
public class RandomConformanceTests
{
    public static IEnumerable<object[]> Backends => BackendsUnderTest.Names;

    // ----- Philox4x32-10 -----

    /// <summary>An independent Philox4x32-10 over a full 4-word counter and 2-word key, written from
    /// Salmon et al. (SC 2011) and Random123's philox.h.</summary>
    private static uint[] PhiloxReference(uint[] ctr, uint[] key)
    {
        uint c0 = ctr[0], c1 = ctr[1], c2 = ctr[2], c3 = ctr[3], k0 = key[0], k1 = key[1];
        for (int round = 0; round < 10; round++)
        {
            if (round > 0)
            {
                k0 += 0x9E3779B9;
                k1 += 0xBB67AE85;
            }
            const ulong m0 = 0xD2511F53, m1 = 0xCD9E8D57;
            ulong p0 = m0 * c0, p1 = m1 * c2;
            (c0, c1, c2, c3) = ((uint)(p1 >> 32) ^ c1 ^ k0, (uint)p1, (uint)(p0 >> 32) ^ c3 ^ k1, (uint)p0);
        }
        return [c0, c1, c2, c3];
    }

    [Fact]
    public void PhiloxReferenceReproducesRandom123KnownAnswers()
    {
        // Random123 tests/kat_vectors, "philox4x32 10" lines: counter (4 words), key (2 words), result.
        Assert.Equal(new uint[] { 0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8 }, PhiloxReference([0, 0, 0, 0], [0, 0]));
        Assert.Equal(new uint[] { 0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd },
            PhiloxReference([0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff]));
        Assert.Equal(new uint[] { 0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1 },
            PhiloxReference([0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0]));
    }

    [Fact]
    public void CpuPhiloxMatchesTheKnownAnswerAndTheReference()
    {
        var zero = Philox.Block(counter: 0, stream: 0, k0: 0, k1: 0);
        Assert.Equal(new uint[] { 0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8 }, new[] { zero[0], zero[1], zero[2], zero[3] });
        var rng = new Random(77);
        for (int i = 0; i < 200; i++)
        {
            ulong counter = (ulong)rng.NextInt64();
            uint stream = (uint)rng.Next(), k0 = (uint)rng.Next() * 2 + 1, k1 = (uint)rng.Next();
            var w = Philox.Block(counter, stream, k0, k1);
            Assert.Equal(PhiloxReference([(uint)counter, (uint)(counter >> 32), stream, 0], [k0, k1]), new[] { w[0], w[1], w[2], w[3] });
        }
    }

    // ----- distributions -----

    private static float[] Draw(DeviceArrays d, RandomDistribution dist, int n, ulong seed, ulong offset, float a, float b)
    {
        var y = d.Alloc<float>(n);
        d.Backend.Random(dist, y, n, seed, offset, a, b);
        return d.Down<float>(y, n);
    }

    private static (double Mean, double Var) Moments(float[] x)
    {
        double m = x.Average(v => (double)v);
        return (m, x.Sum(v => (v - m) * (v - m)) / (x.Length - 1));
    }

    private const int N = 100_000;

    [Theory, MemberData(nameof(Backends))]
    public void UniformHasTheRightRangeMeanAndVariance(string backend)
    {
        using var d = new DeviceArrays(BackendsUnderTest.Get(backend));
        foreach (var (a, b) in new[] { (0f, 1f), (-2f, 3f), (2f, 3f), (-1e-3f, 1e-3f) })
        {
            var x = Draw(d, RandomDistribution.Uniform, N, 1234, 0, a, b);
            Assert.All(x, v => Assert.True(v >= a && v < b, $"{v} outside [{a}, {b})"));
            var (mean, variance) = Moments(x);
            double w = b - a;
            // Five standard errors: of the mean sqrt(w²/12/N), of the variance sqrt((w⁴/80 − w⁴/144)/N).
            Close.One((a + b) / 2.0, mean, 0, 5 * Math.Sqrt(w * w / 12 / N), $"uniform [{a}, {b}) mean");
            Close.One(w * w / 12, variance, 0, 5 * Math.Sqrt(Math.Pow(w, 4) * (1.0 / 80 - 1.0 / 144) / N), $"uniform [{a}, {b}) variance");
            // Neighbouring elements are uncorrelated (5 standard errors of a correlation, 1/sqrt(N)).
            double c = 0;
            for (int i = 1; i < N; i++) c += (x[i] - mean) * (x[i - 1] - mean);
            Close.One(0, c / (N - 1) / variance, 0, 5 / Math.Sqrt(N), "lag-1 correlation");
        }
    }

    [Theory, MemberData(nameof(Backends))]
    public void UniformNeverReturnsTheUpperBound(string backend)
    {
        // Philox word 0xFFFFFFxx (the largest 24-bit unit value, 1 − 2⁻²⁴) sits at counter 12542120 of seed 42;
        // 2 + (1 − 2⁻²⁴)·(3 − 2) rounds to 3 in float32, which [2, 3) excludes.
        using var d = new DeviceArrays(BackendsUnderTest.Get(backend));
        foreach (var (a, b) in new[] { (2f, 3f), (0f, 1f), (-2f, 3f), (1f, 1.5f), (100f, 101f) })
        {
            float v = Draw(d, RandomDistribution.Uniform, 1, 42, 12_542_120, a, b)[0];
            Assert.True(v >= a && v < b, $"uniform [{a}, {b}) returned {v:R} for the largest unit value");
        }
    }

    [Theory, MemberData(nameof(Backends))]
    public void NormalHasTheRightMeanAndStddev(string backend)
    {
        using var d = new DeviceArrays(BackendsUnderTest.Get(backend));
        var x = Draw(d, RandomDistribution.Normal, N, 99, 0, 1.5f, 2f);
        var (mean, variance) = Moments(x);
        Close.One(1.5, mean, 0, 5 * 2 / Math.Sqrt(N), "normal mean");
        Close.One(2, Math.Sqrt(variance), 0, 5 * 2 / Math.Sqrt(2.0 * N), "normal stddev");
        // Tails: about 4.55% beyond two standard deviations (binomial standard error).
        double tail = x.Count(v => Math.Abs(v - 1.5) > 4) / (double)N;
        Close.One(0.0455, tail, 0, 5 * Math.Sqrt(0.0455 * 0.9545 / N), "normal mass beyond 2 sigma");
    }

    [Theory, MemberData(nameof(Backends))]
    public void TruncatedNormalStaysWithinTwoStddev(string backend)
    {
        using var d = new DeviceArrays(BackendsUnderTest.Get(backend));
        var x = Draw(d, RandomDistribution.TruncatedNormal, N, 7, 0, -1f, 0.5f);
        Assert.All(x, v => Assert.True(v >= -2f && v <= 0f, $"{v} outside mean ± 2 stddev"));
        var (mean, variance) = Moments(x);
        // A standard normal truncated to [-2, 2] has variance 1 − 4φ(2)/(2Φ(2) − 1) = 0.773741.
        double sd = 0.5 * Math.Sqrt(0.773741);
        Close.One(-1, mean, 0, 5 * sd / Math.Sqrt(N), "truncated normal mean");
        Close.One(sd, Math.Sqrt(variance), 0, 5 * sd / Math.Sqrt(2.0 * N), "truncated normal stddev");
    }

    [Theory, MemberData(nameof(Backends))]
    public void BernoulliHasTheRightRate(string backend)
    {
        using var d = new DeviceArrays(BackendsUnderTest.Get(backend));
        foreach (float p in new[] { 0.3f, 0.9f, 0f, 1f })
        {
            var x = Draw(d, RandomDistribution.Bernoulli, N, 5, 0, p, 0);
            Assert.All(x, v => Assert.True(v == 0f || v == 1f));
            double rate = x.Average(v => (double)v);
            Close.One(p, rate, 0, 5 * Math.Sqrt(p * (1 - p) / N), $"bernoulli({p}) rate");
        }
    }

    // ----- reproducibility -----

    private static readonly RandomDistribution[] AllDistributions =
        [RandomDistribution.Uniform, RandomDistribution.Normal, RandomDistribution.Bernoulli, RandomDistribution.TruncatedNormal];

    [Theory, MemberData(nameof(Backends))]
    public void SameSeedAndOffsetGiveTheSameNumbersOnAnyThreadCount(string backend)
    {
        using var d = new DeviceArrays(BackendsUnderTest.Get(backend));
        bool cpu = d.Backend.Device == "cpu";
        int saved = CpuThreads.Count;
        const int n = 80_000; // above the kernel's multi-threading threshold
        try
        {
            foreach (var dist in AllDistributions)
            {
                if (cpu) CpuThreads.SetCount(1);
                var one = Draw(d, dist, n, 2024, 16, 0.25f, 1.5f);
                var again = Draw(d, dist, n, 2024, 16, 0.25f, 1.5f);
                if (cpu) CpuThreads.SetCount(2);
                var two = Draw(d, dist, n, 2024, 16, 0.25f, 1.5f);
                if (cpu) CpuThreads.SetCount(Math.Max(3, saved));
                var many = Draw(d, dist, n, 2024, 16, 0.25f, 1.5f);
                Assert.True(one.SequenceEqual(again), $"{dist}: repeat");
                Assert.True(one.SequenceEqual(two), $"{dist}: 1 vs 2 threads");
                Assert.True(one.SequenceEqual(many), $"{dist}: 1 vs {Math.Max(3, saved)} threads");
            }
        }
        finally
        {
            if (cpu) CpuThreads.SetCount(saved);
        }
        Assert.Equal(saved, CpuThreads.Count);
    }

    [Theory, MemberData(nameof(Backends))]
    public void DifferentOffsetsAndSeedsGiveDifferentNumbers(string backend)
    {
        using var d = new DeviceArrays(BackendsUnderTest.Get(backend));
        const int n = 1000;
        foreach (var dist in AllDistributions)
        {
            var x = Draw(d, dist, n, 11, 0, 0.5f, 1f);
            // Offsets as SeedGenerator hands them out (multiples of 4), and a different seed.
            foreach (var (seed, offset) in new[] { (11UL, 4UL), (11UL, 4000UL), (12UL, 0UL), (11UL << 32, 0UL) })
            {
                var y = Draw(d, dist, n, seed, offset, 0.5f, 1f);
                int same = x.Zip(y).Count(p => p.First == p.Second);
                // Bernoulli(0.5) agrees half the time by chance; continuous draws essentially never.
                int limit = dist == RandomDistribution.Bernoulli ? 600 : 5;
                Assert.True(same < limit, $"{dist}: seed {seed} offset {offset} repeats {same} of {n} values of seed 11 offset 0");
            }
        }
    }

    [Theory, MemberData(nameof(Backends))]
    public void ElementsDependOnlyOnSeedAndCounter(string backend)
    {
        // Uniform and Bernoulli element i is word offset + i of the seed's Philox stream; a normal takes a
        // whole block (four words), so element i of a draw at offset o is element i + 1 of a draw at o − 4.
        using var d = new DeviceArrays(BackendsUnderTest.Get(backend));
        const int n = 40_000;
        foreach (var dist in AllDistributions)
        {
            var whole = Draw(d, dist, n, 31, 0, 0.5f, 2f);
            int step = dist is RandomDistribution.Uniform or RandomDistribution.Bernoulli ? 1 : 4;
            foreach (int shift in new[] { 1, 3, 1000 })
            {
                var part = Draw(d, dist, n - shift, 31, (ulong)(shift * step), 0.5f, 2f);
                Assert.True(whole.Skip(shift).SequenceEqual(part), $"{dist}: a draw at counter {shift * step} continues the one at 0");
            }
        }
    }
}
