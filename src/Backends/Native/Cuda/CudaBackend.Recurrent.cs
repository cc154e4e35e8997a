using System.Runtime.InteropServices;
using KerasNet.Backend;

namespace KerasNet.Backends.Native.Cuda;

/// <summary>C's <c>struct LstmArgs</c> (CudaKernels.Recurrent): the batch, the units and each operand's row
/// offset and stride, in the operand order 0 gates, 1 input, 2 cPrev, 3 c, 4 cCopy, 5 h/dh, 6 hCopy/dh2, 7 dc,
/// 8 dcPrev, 9 dz.</summary>
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
