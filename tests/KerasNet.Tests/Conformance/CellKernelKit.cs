using System.Runtime.InteropServices;
using KerasNet.Backend;
using Xunit;

namespace KerasNet.Tests.Conformance;

/// <summary>What the LSTM and GRU cell-kernel conformance tests share: the operand layout (every operand in one
/// buffer at its own offset, rows padded with a sentinel that must stay untouched), running a kernel over that
/// buffer on a backend, the double-precision sigmoid and the tolerance check.</summary>
internal static class CellKernelKit
{
    internal const int Batch = 5, Units = 11, Pad = 3;
    internal const float Sentinel = 12345f;

    /// <summary>Host image of one buffer holding every operand, each (Batch, len) with stride len + Pad.</summary>
    internal sealed class Layout
    {
        public readonly Dictionary<string, (long Offset, int Length)> Ops = new();
        public long Size = 7;

        public LstmRows Add(string name, int length)
        {
            Ops[name] = (Size, length);
            var rows = LstmRows.At(Size, length + Pad);
            Size += (long)Batch * (length + Pad);
            return rows;
        }

        public double Get(float[] data, string name, int r, int j) => data[Ops[name].Offset + (long)r * (Ops[name].Length + Pad) + j];

        public void Set(float[] data, string name, int r, int j, float v) => data[Ops[name].Offset + (long)r * (Ops[name].Length + Pad) + j] = v;

        /// <summary>Whether element i is inside some operand's row (not padding).</summary>
        public bool IsData(long i)
        {
            foreach (var (off, len) in Ops.Values)
            {
                long k = i - off;
                if (k >= 0 && k < (long)Batch * (len + Pad) && k % (len + Pad) < len) return true;
            }
            return false;
        }
    }

    internal static float[] Run(IBackend backend, float[] host, Action<DeviceBuffer> kernel)
    {
        var buffer = backend.Allocate(host.Length * sizeof(float));
        try
        {
            backend.Upload(MemoryMarshal.AsBytes(host.AsSpan()), buffer, 0);
            kernel(buffer);
            var result = new float[host.Length];
            backend.Download(buffer, 0, MemoryMarshal.AsBytes(result.AsSpan()));
            return result;
        }
        finally
        {
            backend.Recycle(buffer);
        }
    }

    internal static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    internal static void Near(double want, double got, double scale, string what)
    {
        double tol = 2e-6 * Math.Max(scale, 1e-30);
        Assert.True(Math.Abs(want - got) <= tol, $"{what}: expected {want}, got {got} (tolerance {tol:g3}).");
    }
}
