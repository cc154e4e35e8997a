using System.Runtime.CompilerServices;
using KerasNet.Backend;

namespace KerasNet.Backends.Native.Cpu;

internal sealed unsafe partial class CpuBackend
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Gather(DeviceBuffer x, DeviceBuffer indices, DType indexType, DeviceBuffer y, DType dtype, int outer, int axisSize, int inner, int count)
    {
        byte* xs = Cpu(x).Pointer;
        byte* ys = Cpu(y).Pointer;
        var ib = Cpu(indices);
        int size = dtype.SizeOf();
        long rowBytes = (long)inner * size;
        for (int j = 0; j < count; j++)
        {
            long idx = indexType == DType.Int32 ? ib.I32[j] : ib.I64[j];
            if ((ulong)idx >= (ulong)axisSize)
                throw new ArgumentOutOfRangeException(nameof(indices), $"Index {idx} at position {j} is outside [0, {axisSize}).");
        }
        for (int o = 0; o < outer; o++)
            for (int j = 0; j < count; j++)
            {
                long idx = indexType == DType.Int32 ? ib.I32[j] : ib.I64[j];
                Buffer.MemoryCopy(xs + ((long)o * axisSize + idx) * rowBytes, ys + ((long)o * count + j) * rowBytes, rowBytes, rowBytes);
            }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void ScatterAdd(DeviceBuffer updates, DeviceBuffer indices, DType indexType, DeviceBuffer y, int outer, int axisSize, int inner, int count)
    {
        float* u = Cpu(updates).F32;
        float* ys = Cpu(y).F32;
        var ib = Cpu(indices);
        for (int o = 0; o < outer; o++)
            for (int j = 0; j < count; j++)
            {
                long idx = indexType == DType.Int32 ? ib.I32[j] : ib.I64[j];
                if ((ulong)idx >= (ulong)axisSize)
                    throw new ArgumentOutOfRangeException(nameof(indices), $"Index {idx} at position {j} is outside [0, {axisSize}).");
                var dst = new Span<float>(ys + ((long)o * axisSize + idx) * inner, inner);
                System.Numerics.Tensors.TensorPrimitives.Add(dst, new ReadOnlySpan<float>(u + ((long)o * count + j) * inner, inner), dst);
            }
    }

    [ThreadStatic] private static StridedCopyJob? t_copyJob;

    public void StridedCopy(in StridedCopyParams p, DeviceBuffer source, DeviceBuffer destination, DType dtype)
    {
        var job = t_copyJob ??= new StridedCopyJob();
        job.Set(p, Cpu(source).Pointer, Cpu(destination).Pointer, dtype.SizeOf());
        int rank = p.Shape.Rank;
        if (rank == 0)
        {
            Buffer.MemoryCopy(Cpu(source).Pointer + p.SrcOffset * dtype.SizeOf(), Cpu(destination).Pointer + p.DstOffset * dtype.SizeOf(), dtype.SizeOf(), dtype.SizeOf());
            return;
        }
        long rows = p.Shape.Size / Math.Max(p.Shape[rank - 1], 1);
        if (p.Shape.Size < ParallelThreshold || CpuThreads.Count == 1 || rows < 2)
        {
            job.RowsPerChunk = (int)Math.Max(rows, 1);
            job.Execute(0);
        }
        else
        {
            int per = (int)Math.Max(1, SegmentLength / Math.Max(p.Shape[rank - 1], 1));
            job.RowsPerChunk = per;
            CpuThreads.Run(job, (int)((rows + per - 1) / per));
        }
    }

    private sealed class StridedCopyJob : ParallelJob
    {
        private StridedCopyParams _p;
        private byte* _src, _dst;
        private int _size;
        public int RowsPerChunk;

        public void Set(in StridedCopyParams p, byte* src, byte* dst, int size) { _p = p; _src = src; _dst = dst; _size = size; }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override void Execute(int index)
        {
            var p = _p;
            int r = p.Shape.Rank;
            long rows = p.Shape.Size / Math.Max(p.Shape[r - 1], 1);
            long first = (long)index * RowsPerChunk, last = Math.Min(rows, first + RowsPerChunk);
            int len = p.Shape[r - 1];
            int ss = p.SrcStrides[r - 1], ds = p.DstStrides[r - 1];
            Span<int> idx = stackalloc int[Shape.MaxRank];
            long rem = first;
            for (int d = r - 2; d >= 0; d--) { idx[d] = (int)(rem % p.Shape[d]); rem /= p.Shape[d]; }
            long so = p.SrcOffset, dof = p.DstOffset;
            for (int d = 0; d < r - 1; d++) { so += (long)idx[d] * p.SrcStrides[d]; dof += (long)idx[d] * p.DstStrides[d]; }
            for (long row = first; row < last; row++)
            {
                CopyRow(_src + so * _size, ss, _dst + dof * _size, ds, len, _size);
                for (int d = r - 2; d >= 0; d--)
                {
                    idx[d]++;
                    so += p.SrcStrides[d];
                    dof += p.DstStrides[d];
                    if (idx[d] < p.Shape[d]) break;
                    so -= (long)p.SrcStrides[d] * p.Shape[d];
                    dof -= (long)p.DstStrides[d] * p.Shape[d];
                    idx[d] = 0;
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void CopyRow(byte* src, int ss, byte* dst, int ds, int len, int size)
        {
            if (ss == 1 && ds == 1)
            {
                long bytes = (long)len * size;
                Buffer.MemoryCopy(src, dst, bytes, bytes);
                return;
            }
            switch (size)
            {
                case 4:
                {
                    int* s = (int*)src, d = (int*)dst;
                    if (ss == 0) { int v = *s; for (int i = 0; i < len; i++) d[(long)i * ds] = v; }
                    else for (int i = 0; i < len; i++) d[(long)i * ds] = s[(long)i * ss];
                    break;
                }
                case 8:
                {
                    long* s = (long*)src, d = (long*)dst;
                    for (int i = 0; i < len; i++) d[(long)i * ds] = s[(long)i * ss];
                    break;
                }
                default:
                    for (int i = 0; i < len; i++) dst[(long)i * ds] = src[(long)i * ss];
                    break;
            }
        }
    }
}
