using Xunit;

namespace KerasNet.Tests.Layers.Recurrent;

/// <summary>What the fused-LSTM and fused-GRU tests share: custom activation functions computing tanh and the
/// sigmoid (a layer given them takes the step loop, the reference), the layer configurations, and the comparison.</summary>
internal static class FusedRecurrentKit
{
    /// <summary>tanh as a custom function: not fusable, so the layer runs step by step.</summary>
    public static readonly Func<Tensor, Tensor> CustomTanh = x => Ops.Tanh(x);

    /// <summary>The sigmoid as a custom function: not fusable, so the layer runs step by step.</summary>
    public static readonly Func<Tensor, Tensor> CustomSigmoid = x => Ops.Sigmoid(x);

    /// <summary>Every combination of return_sequences, go_backwards, return_state and an initial state.</summary>
    public static IEnumerable<object[]> Cases()
    {
        foreach (bool seq in new[] { false, true })
        foreach (bool back in new[] { false, true })
        foreach (bool state in new[] { false, true })
        foreach (bool init in new[] { false, true })
            yield return [seq, back, state, init];
    }

    /// <summary>Step loop (<paramref name="want"/>) and fused path (<paramref name="got"/>) agree to 1e-5 relative;
    /// elements below a tenth of their tensor's largest, where cancellation makes the summation order show, to 1e-6 of
    /// that largest.</summary>
    public static void AssertClose(float[] want, float[] got, string what)
    {
        Assert.Equal(want.Length, got.Length);
        double scale = want.Max(v => Math.Abs((double)v));
        for (int i = 0; i < want.Length; i++)
        {
            double tol = 1e-5 * Math.Max(Math.Abs(want[i]), 0.1 * Math.Max(scale, 1e-3));
            Assert.True(Math.Abs(want[i] - got[i]) <= tol, $"{what}[{i}]: step loop {want[i]}, fused {got[i]} (tolerance {tol:g3}).");
        }
    }
}
