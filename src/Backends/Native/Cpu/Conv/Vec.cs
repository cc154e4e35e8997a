using System.Numerics;
using System.Runtime.CompilerServices;

namespace KerasNet.Backends.Native.Cpu.Conv;

/// <summary>Small contiguous float loops, vectorised with <see cref="Vector{T}"/> and a scalar tail. The
/// convolution and pooling kernels run them along the channel axis, which is contiguous in NHWC.</summary>
internal static unsafe class Vec
{
    private static int Width => Vector<float>.Count;

    /// <summary>d[i] = s[i].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Copy(float* d, float* s, int n)
    {
        int i = 0;
        for (; i <= n - Width; i += Width) Vector.Store(Vector.Load(s + i), d + i);
        for (; i < n; i++) d[i] = s[i];
    }

    /// <summary>d[i] = 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Zero(float* d, long n)
    {
        long i = 0;
        for (; i <= n - Width; i += Width) Vector.Store(Vector<float>.Zero, d + i);
        for (; i < n; i++) d[i] = 0f;
    }

    /// <summary>d[i] += s[i].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Add(float* d, float* s, long n)
    {
        long i = 0;
        for (; i <= n - Width; i += Width) Vector.Store(Vector.Load(d + i) + Vector.Load(s + i), d + i);
        for (; i < n; i++) d[i] += s[i];
    }

    /// <summary>d[i] += a[i]·b[i].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MulAdd(float* d, float* a, float* b, int n)
    {
        int i = 0;
        for (; i <= n - Width; i += Width)
            Vector.Store(Vector.MultiplyAddEstimate(Vector.Load(a + i), Vector.Load(b + i), Vector.Load(d + i)), d + i);
        for (; i < n; i++) d[i] += a[i] * b[i];
    }
}
