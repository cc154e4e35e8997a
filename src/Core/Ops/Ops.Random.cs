using KerasNet.Backend;

namespace KerasNet;

/// <summary>A seeded stream of random numbers, like keras.random.SeedGenerator. Each draw uses the
/// counter-based generator at a fresh counter range, so a stream replays bit for bit from its seed on any
/// device and any thread count.</summary>
public sealed class SeedGenerator
{
    private static SeedGenerator _global = new(Environment.TickCount64);
    private long _offset;

    /// <summary>A stream starting at <paramref name="seed"/>.</summary>
    public SeedGenerator(long seed) => Seed = (ulong)seed;

    /// <summary>The seed.</summary>
    public ulong Seed { get; private set; }

    /// <summary>The stream used when an op gets no generator; <see cref="SetGlobalSeed"/> resets it.</summary>
    public static SeedGenerator Global => _global;

    /// <summary>Resets the global stream to <paramref name="seed"/>.</summary>
    public static void SetGlobalSeed(long seed) => _global = new SeedGenerator(seed);

    /// <summary>Reserves <paramref name="count"/> counters and returns the first.</summary>
    internal ulong Take(long count)
    {
        // Counters advance in whole blocks of four so every draw starts on a fresh Philox block.
        long blocks = (count + 3) / 4 + 1;
        return (ulong)(Interlocked.Add(ref _offset, blocks * 4) - blocks * 4);
    }

    /// <summary>A new 64-bit seed from this stream (for seeding other streams).</summary>
    public long NextSeed()
    {
        ulong off = Take(1);
        return (long)(Seed * 0x9E3779B97F4A7C15UL ^ (off + 0xD1B54A32D192ED03UL));
    }
}

public static partial class Ops
{
    private static Tensor RandomTensor(RandomDistribution d, Shape shape, float a, float b, SeedGenerator? seed, IBackend? backend = null)
    {
        var gen = seed ?? SeedGenerator.Global;
        var y = Tensor.Empty(shape, DType.Float32, backend);
        long n = shape.Size;
        y.Backend.Random(d, y.Buffer, n, gen.Seed, gen.Take(d is RandomDistribution.Normal or RandomDistribution.TruncatedNormal ? n * 4 : n), a, b);
        return y;
    }

    /// <summary>Uniform on [minval, maxval).</summary>
    public static Tensor RandomUniform(Shape shape, float minval = 0f, float maxval = 1f, SeedGenerator? seed = null)
    {
        if (!(maxval > minval)) throw new ArgumentException($"RandomUniform needs maxval > minval; got [{minval}, {maxval}).");
        return RandomTensor(RandomDistribution.Uniform, shape, minval, maxval, seed);
    }

    /// <summary>Normal with the given mean and standard deviation.</summary>
    public static Tensor RandomNormal(Shape shape, float mean = 0f, float stddev = 1f, SeedGenerator? seed = null) =>
        RandomTensor(RandomDistribution.Normal, shape, mean, stddev, seed);

    /// <summary>Normal, redrawn outside two standard deviations (keras.random.truncated_normal).</summary>
    public static Tensor TruncatedNormal(Shape shape, float mean = 0f, float stddev = 1f, SeedGenerator? seed = null) =>
        RandomTensor(RandomDistribution.TruncatedNormal, shape, mean, stddev, seed);

    /// <summary>1 with probability <paramref name="p"/>, else 0 (float32).</summary>
    public static Tensor RandomBernoulli(Shape shape, float p, SeedGenerator? seed = null)
    {
        if (p is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(p), p, "RandomBernoulli needs a probability in [0, 1].");
        return RandomTensor(RandomDistribution.Bernoulli, shape, p, 0, seed);
    }

    /// <summary>Inverted dropout as keras.random.dropout: zeroes each element with probability
    /// <paramref name="rate"/> and scales the rest by 1/(1-rate).</summary>
    public static Tensor Dropout(Tensor x, float rate, SeedGenerator? seed = null)
    {
        if (rate is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(rate), rate, "Dropout needs a rate in [0, 1).");
        CheckFloat(x, "Dropout");
        if (rate == 0) return Identity(x);
        using var keep = RandomTensor(RandomDistribution.Bernoulli, x.Shape, 1 - rate, 0, seed, x.Backend);
        using var scale = ScalarLike(x, 1.0 / (1 - rate));
        var mask = Multiply(keep, scale);
        var y = Multiply(x, mask);
        // A recording tape's Multiply node reads the mask in the backward pass; the scope frees it then.
        if (GradientTape.ShouldRecord(x) is null) mask.Dispose();
        return y;
    }
}
