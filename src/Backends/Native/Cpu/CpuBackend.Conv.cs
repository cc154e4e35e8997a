using KerasNet.Backend;
using KerasNet.Backends.Native.Cpu.Conv;

namespace KerasNet.Backends.Native.Cpu;

internal sealed unsafe partial class CpuBackend
{
    public void Conv2D(in ConvParams p, DeviceBuffer x, DeviceBuffer w, DeviceBuffer y) =>
        Conv2D(p, x, w, y, null, FusedActivation.None);

    public void Conv2D(in ConvParams p, DeviceBuffer x, DeviceBuffer w, DeviceBuffer y, DeviceBuffer? bias, FusedActivation activation)
    {
        CheckConv(p, x, w, y, nameof(x), nameof(y));
        if (bias != null) CheckFloats(bias, p.OutC, nameof(bias));
        var runner = ConvRunner.Rent();
        try { runner.Forward(p, Cpu(x).F32, Cpu(w).F32, Cpu(y).F32, bias == null ? null : Cpu(bias).F32, IsRelu(activation)); }
        finally { ConvRunner.Return(runner); }
    }

    /// <summary>Whether a fused activation is ReLU (throws for a value this backend does not know).</summary>
    private static bool IsRelu(FusedActivation activation) => activation switch
    {
        FusedActivation.None => false,
        FusedActivation.Relu => true,
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown fused activation."),
    };

    public void Conv2DBackwardInput(in ConvParams p, DeviceBuffer dy, DeviceBuffer w, DeviceBuffer dx)
    {
        CheckConv(p, dx, w, dy, nameof(dx), nameof(dy));
        var runner = ConvRunner.Rent();
        try { runner.BackwardInput(p, Cpu(dy).F32, Cpu(w).F32, Cpu(dx).F32); }
        finally { ConvRunner.Return(runner); }
    }

    public void Conv2DBackwardFilter(in ConvParams p, DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dw)
    {
        CheckConv(p, x, dw, dy, nameof(x), nameof(dy));
        var runner = ConvRunner.Rent();
        try { runner.BackwardFilter(p, Cpu(x).F32, Cpu(dy).F32, Cpu(dw).F32); }
        finally { ConvRunner.Return(runner); }
    }

    /// <summary>Checks the geometry and that the input-shaped, kernel-shaped and output-shaped buffers
    /// are large enough; any OutH/OutW is memory-safe since taps outside the input read zero.</summary>
    private static void CheckConv(in ConvParams p, DeviceBuffer input, DeviceBuffer kernel, DeviceBuffer output,
        string inputName, string outputName)
    {
        if (p.N < 0 || p.H < 1 || p.W < 1 || p.C < 1 || p.OutH < 1 || p.OutW < 1 || p.OutC < 1 || p.KH < 1 || p.KW < 1)
            throw new ArgumentException($"Convolution sizes must be positive (N {p.N}, H {p.H}, W {p.W}, C {p.C}, OutH {p.OutH}, OutW {p.OutW}, OutC {p.OutC}, KH {p.KH}, KW {p.KW}).", nameof(p));
        if (p.StrideH < 1 || p.StrideW < 1 || p.DilationH < 1 || p.DilationW < 1)
            throw new ArgumentException($"Convolution strides ({p.StrideH}, {p.StrideW}) and dilations ({p.DilationH}, {p.DilationW}) must be at least 1.", nameof(p));
        if (p.PadTop < 0 || p.PadLeft < 0)
            throw new ArgumentException($"Convolution padding ({p.PadTop}, {p.PadLeft}) cannot be negative.", nameof(p));
        if (p.Groups < 1 || p.C % p.Groups != 0 || p.OutC % p.Groups != 0)
            throw new ArgumentException($"Groups ({p.Groups}) must divide both the input channels ({p.C}) and the output channels ({p.OutC}).", nameof(p));
        CheckFloats(input, (long)p.N * p.H * p.W * p.C, inputName);
        CheckFloats(kernel, (long)p.KH * p.KW * (p.C / p.Groups) * p.OutC, "kernel");
        CheckFloats(output, (long)p.N * p.OutH * p.OutW * p.OutC, outputName);
    }

    private static void CheckFloats(DeviceBuffer buffer, long floats, string name)
    {
        if (Cpu(buffer).ByteLength < floats * sizeof(float))
            throw new ArgumentException($"The buffer holds {buffer.ByteLength} bytes but {floats} floats are needed.", name);
    }
}
