using System.Runtime.InteropServices;
using KerasNet.Backend;

namespace KerasNet.Backends.Native.Cuda;

/// <summary>C's <c>struct LstmArgs</c> (CudaKernels.Recurrent): the batch, the units and each operand's row
/// offset and stride, in the operand order 0 gates, 1 input, 2 cPrev, 3 c, 4 cCopy, 5 h/dh, 6 hCopy/dh2, 7 dc,
/// 8 dcPrev, 9 dz for the LSTM cell, and 0 gates, 1 input, 2 bias, 3 hPrev, 4 recurrentH, 5 h/dh, 6 hCopy/dh2,
/// 7 dhPrev, 8 dInput, 9 dRecurrent for the GRU cell.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct LstmArgs
{
    public const int Operands = 10;
    public int Batch, Units;
    public fixed long Offset[Operands];
    public fixed int Stride[Operands];
}

internal sealed unsafe partial class CudaBackend
{
    public void LstmCellForward(in LstmCellParams p, DeviceBuffer gates, DeviceBuffer input, DeviceBuffer? cPrev, DeviceBuffer c,
        DeviceBuffer? cCopy, DeviceBuffer? h, DeviceBuffer? hCopy)
    {
        var a = LstmArgsOf(p);
        int u = p.Units, b = p.Batch;
        var gb = CheckLstmRows(gates, ref a, 0, p.Gates, b, 4 * u, nameof(gates))!;
        var xb = CheckLstmRows(input, ref a, 1, p.Input, b, 4 * u, nameof(input))!;
        var cpb = CheckLstmRows(cPrev, ref a, 2, p.CPrev, b, u, nameof(cPrev));
        var cb = CheckLstmRows(c, ref a, 3, p.C, b, u, nameof(c))!;
        var c2b = CheckLstmRows(cCopy, ref a, 4, p.CCopy, b, u, nameof(cCopy));
        var hb = CheckLstmRows(h, ref a, 5, p.H, b, u, nameof(h));
        var h2b = CheckLstmRows(hCopy, ref a, 6, p.HCopy, b, u, nameof(hCopy));
        long n = (long)b * u;
        if (n == 0) return;
        using var scope = Enter();
        Touch(gb, xb, cb);
        TouchIf(cpb); TouchIf(c2b); TouchIf(hb); TouchIf(h2b);
        ulong gp = gb.Pointer, xp = xb.Pointer, cpp = cpb?.Pointer ?? 0, cp = cb.Pointer, c2p = c2b?.Pointer ?? 0, hp = hb?.Pointer ?? 0, h2p = h2b?.Pointer ?? 0;
        void** args = stackalloc void*[] { &a, &gp, &xp, &cpp, &cp, &c2p, &hp, &h2p };
        Launch("lstm_cell_forward", n, args);
    }

    public void LstmCellBackward(in LstmCellParams p, DeviceBuffer gates, DeviceBuffer? cPrev, DeviceBuffer c, DeviceBuffer? dh,
        DeviceBuffer? dh2, DeviceBuffer? dc, DeviceBuffer? dcPrev, DeviceBuffer dz)
    {
        var a = LstmArgsOf(p);
        int u = p.Units, b = p.Batch;
        var gb = CheckLstmRows(gates, ref a, 0, p.Gates, b, 4 * u, nameof(gates))!;
        var cpb = CheckLstmRows(cPrev, ref a, 2, p.CPrev, b, u, nameof(cPrev));
        var cb = CheckLstmRows(c, ref a, 3, p.C, b, u, nameof(c))!;
        var dhb = CheckLstmRows(dh, ref a, 5, p.H, b, u, nameof(dh));
        var dh2b = CheckLstmRows(dh2, ref a, 6, p.HCopy, b, u, nameof(dh2));
        var dcb = CheckLstmRows(dc, ref a, 7, p.DC, b, u, nameof(dc));
        var dcpb = CheckLstmRows(dcPrev, ref a, 8, p.DCPrev, b, u, nameof(dcPrev));
        var dzb = CheckLstmRows(dz, ref a, 9, p.DZ, b, 4 * u, nameof(dz))!;
        long n = (long)b * u;
        if (n == 0) return;
        using var scope = Enter();
        Touch(gb, cb, dzb);
        TouchIf(cpb); TouchIf(dhb); TouchIf(dh2b); TouchIf(dcb); TouchIf(dcpb);
        ulong gp = gb.Pointer, cpp = cpb?.Pointer ?? 0, cp = cb.Pointer, dhp = dhb?.Pointer ?? 0, dh2p = dh2b?.Pointer ?? 0,
            dcp = dcb?.Pointer ?? 0, dcpp = dcpb?.Pointer ?? 0, dzp = dzb.Pointer;
        void** args = stackalloc void*[] { &a, &gp, &cpp, &cp, &dhp, &dh2p, &dcp, &dcpp, &dzp };
        Launch("lstm_cell_backward", n, args);
    }

    public void GruCellForward(in GruCellParams p, DeviceBuffer gates, DeviceBuffer input, DeviceBuffer? bias, DeviceBuffer? hPrev,
        DeviceBuffer recurrentH, DeviceBuffer? h, DeviceBuffer? hCopy)
    {
        var a = GruArgsOf(p);
        int u = p.Units, b = p.Batch;
        var gb = CheckLstmRows(gates, ref a, 0, p.Gates, b, 3 * u, nameof(gates))!;
        var xb = CheckLstmRows(input, ref a, 1, p.Input, b, 3 * u, nameof(input))!;
        var bb = p.Bias.Stride == 0 ? CheckLstmRows(bias, ref a, 2, p.Bias, Math.Min(b, 1), 3 * u, nameof(bias))
            : CheckLstmRows(bias, ref a, 2, p.Bias, b, 3 * u, nameof(bias));
        var hpb = CheckLstmRows(hPrev, ref a, 3, p.HPrev, b, u, nameof(hPrev));
        var rhb = CheckLstmRows(recurrentH, ref a, 4, p.RecurrentH, b, u, nameof(recurrentH))!;
        var hb = CheckLstmRows(h, ref a, 5, p.H, b, u, nameof(h));
        var h2b = CheckLstmRows(hCopy, ref a, 6, p.HCopy, b, u, nameof(hCopy));
        long n = (long)b * u;
        if (n == 0) return;
        using var scope = Enter();
        Touch(gb, xb, rhb);
        TouchIf(bb); TouchIf(hpb); TouchIf(hb); TouchIf(h2b);
        ulong gp = gb.Pointer, xp = xb.Pointer, bp = bb?.Pointer ?? 0, hpp = hpb?.Pointer ?? 0, rhp = rhb.Pointer, hp = hb?.Pointer ?? 0,
            h2p = h2b?.Pointer ?? 0;
        void** args = stackalloc void*[] { &a, &gp, &xp, &bp, &hpp, &rhp, &hp, &h2p };
        Launch("gru_cell_forward", n, args);
    }

    public void GruCellBackward(in GruCellParams p, DeviceBuffer gates, DeviceBuffer recurrentH, DeviceBuffer? hPrev, DeviceBuffer? dh,
        DeviceBuffer? dh2, DeviceBuffer? dhPrev, DeviceBuffer dInput, DeviceBuffer dRecurrent)
    {
        var a = GruArgsOf(p);
        int u = p.Units, b = p.Batch;
        var gb = CheckLstmRows(gates, ref a, 0, p.Gates, b, 3 * u, nameof(gates))!;
        var hpb = CheckLstmRows(hPrev, ref a, 3, p.HPrev, b, u, nameof(hPrev));
        var rhb = CheckLstmRows(recurrentH, ref a, 4, p.RecurrentH, b, u, nameof(recurrentH))!;
        var dhb = CheckLstmRows(dh, ref a, 5, p.H, b, u, nameof(dh));
        var dh2b = CheckLstmRows(dh2, ref a, 6, p.HCopy, b, u, nameof(dh2));
        var dhpb = CheckLstmRows(dhPrev, ref a, 7, p.DHPrev, b, u, nameof(dhPrev));
        var dxb = CheckLstmRows(dInput, ref a, 8, p.DInput, b, 3 * u, nameof(dInput))!;
        var dab = CheckLstmRows(dRecurrent, ref a, 9, p.DRecurrent, b, 3 * u, nameof(dRecurrent))!;
        long n = (long)b * u;
        if (n == 0) return;
        using var scope = Enter();
        Touch(gb, rhb, dxb);
        Touch(dab);
        TouchIf(hpb); TouchIf(dhb); TouchIf(dh2b); TouchIf(dhpb);
        ulong gp = gb.Pointer, rhp = rhb.Pointer, hpp = hpb?.Pointer ?? 0, dhp = dhb?.Pointer ?? 0, dh2p = dh2b?.Pointer ?? 0,
            dhpp = dhpb?.Pointer ?? 0, dxp = dxb.Pointer, dap = dab.Pointer;
        void** args = stackalloc void*[] { &a, &gp, &rhp, &hpp, &dhp, &dh2p, &dhpp, &dxp, &dap };
        Launch("gru_cell_backward", n, args);
    }

    private static LstmArgs GruArgsOf(in GruCellParams p)
    {
        if (p.Batch < 0) throw new ArgumentOutOfRangeException(nameof(p), p.Batch, "The GRU cell's batch (rows) cannot be negative.");
        if (p.Units < 0) throw new ArgumentOutOfRangeException(nameof(p), p.Units, "The GRU cell's units cannot be negative.");
        return new LstmArgs { Batch = p.Batch, Units = p.Units };
    }

    private void TouchIf(CudaBuffer? b)
    {
        if (b is not null) Touch(b);
    }

    private static LstmArgs LstmArgsOf(in LstmCellParams p)
    {
        if (p.Batch < 0) throw new ArgumentOutOfRangeException(nameof(p), p.Batch, "The LSTM cell's batch (rows) cannot be negative.");
        if (p.Units < 0) throw new ArgumentOutOfRangeException(nameof(p), p.Units, "The LSTM cell's units cannot be negative.");
        return new LstmArgs { Batch = p.Batch, Units = p.Units };
    }

    /// <summary>Checks that every row of an operand lies inside its buffer and records its offset and stride.</summary>
    private CudaBuffer? CheckLstmRows(DeviceBuffer? buffer, ref LstmArgs a, int operand, LstmRows rows, int batch, int length, string name)
    {
        if (buffer is null) return null;
        var cb = Cuda(buffer, name);
        if (batch > 1 && rows.Stride < length)
            throw new ArgumentOutOfRangeException(name, $"The row stride {rows.Stride} is shorter than the row length {length}.");
        long span = batch == 0 || length == 0 ? 0 : (long)(batch - 1) * rows.Stride + length;
        CheckRange(cb, rows.Offset * sizeof(float), span * sizeof(float), name);
        a.Offset[operand] = rows.Offset;
        a.Stride[operand] = rows.Stride;
        return cb;
    }
}
