using System.Text;

namespace KerasNet.Backends.Native.Cuda;

/// <summary>NVRTC, the run-time CUDA C compiler: compiles a kernel source for one architecture into a cubin
/// (when this NVRTC can target the device's <c>sm_XX</c>) or PTX. Needs no GPU.</summary>
internal sealed unsafe class Nvrtc
{
    private readonly delegate* unmanaged[Cdecl]<int*, int*, int> _version;
    private readonly delegate* unmanaged[Cdecl]<nint*, byte*, byte*, int, byte**, byte**, int> _createProgram;
    private readonly delegate* unmanaged[Cdecl]<nint, int, byte**, int> _compileProgram;
    private readonly delegate* unmanaged[Cdecl]<nint*, int> _destroyProgram;
    private readonly delegate* unmanaged[Cdecl]<nint, nuint*, int> _getProgramLogSize;
    private readonly delegate* unmanaged[Cdecl]<nint, byte*, int> _getProgramLog;
    private readonly delegate* unmanaged[Cdecl]<nint, nuint*, int> _getPtxSize;
    private readonly delegate* unmanaged[Cdecl]<nint, byte*, int> _getPtx;
    private readonly delegate* unmanaged[Cdecl]<nint, nuint*, int> _getCubinSize;
    private readonly delegate* unmanaged[Cdecl]<nint, byte*, int> _getCubin;
    private readonly delegate* unmanaged[Cdecl]<int*, int> _getNumSupportedArchs;
    private readonly delegate* unmanaged[Cdecl]<int*, int> _getSupportedArchs;
    private readonly delegate* unmanaged[Cdecl]<int, byte*> _getErrorString;

    private Nvrtc(nint lib, List<string> missing)
    {
        _version = (delegate* unmanaged[Cdecl]<int*, int*, int>)Exports.Get(lib, "nvrtcVersion", missing);
        _createProgram = (delegate* unmanaged[Cdecl]<nint*, byte*, byte*, int, byte**, byte**, int>)Exports.Get(lib, "nvrtcCreateProgram", missing);
        _compileProgram = (delegate* unmanaged[Cdecl]<nint, int, byte**, int>)Exports.Get(lib, "nvrtcCompileProgram", missing);
        _destroyProgram = (delegate* unmanaged[Cdecl]<nint*, int>)Exports.Get(lib, "nvrtcDestroyProgram", missing);
        _getProgramLogSize = (delegate* unmanaged[Cdecl]<nint, nuint*, int>)Exports.Get(lib, "nvrtcGetProgramLogSize", missing);
        _getProgramLog = (delegate* unmanaged[Cdecl]<nint, byte*, int>)Exports.Get(lib, "nvrtcGetProgramLog", missing);
        _getPtxSize = (delegate* unmanaged[Cdecl]<nint, nuint*, int>)Exports.Get(lib, "nvrtcGetPTXSize", missing);
        _getPtx = (delegate* unmanaged[Cdecl]<nint, byte*, int>)Exports.Get(lib, "nvrtcGetPTX", missing);
        _getErrorString = (delegate* unmanaged[Cdecl]<int, byte*>)Exports.Get(lib, "nvrtcGetErrorString", missing);
        // Newer entry points: cubin output (11.1) and the list of supported architectures (11.2).
        _getCubinSize = (delegate* unmanaged[Cdecl]<nint, nuint*, int>)Exports.Optional(lib, "nvrtcGetCUBINSize");
        _getCubin = (delegate* unmanaged[Cdecl]<nint, byte*, int>)Exports.Optional(lib, "nvrtcGetCUBIN");
        _getNumSupportedArchs = (delegate* unmanaged[Cdecl]<int*, int>)Exports.Optional(lib, "nvrtcGetNumSupportedArchs");
        _getSupportedArchs = (delegate* unmanaged[Cdecl]<int*, int>)Exports.Optional(lib, "nvrtcGetSupportedArchs");
    }

    /// <summary>Binds NVRTC from a loaded library, or returns null with the missing export names.</summary>
    public static Nvrtc? Bind(nint library, out IReadOnlyList<string> missing)
    {
        var list = new List<string>();
        var n = new Nvrtc(library, list);
        missing = list;
        return list.Count == 0 ? n : null;
    }

    /// <summary>"major.minor".</summary>
    public string Version
    {
        get
        {
            int major, minor;
            Check(_version(&major, &minor), "nvrtcVersion");
            return $"{major}.{minor}";
        }
    }

    public bool CanEmitCubin => _getCubin != null && _getCubinSize != null;

    /// <summary>The sm_XX numbers this NVRTC can compile for (empty when it cannot say).</summary>
    public IReadOnlyList<int> SupportedArchitectures()
    {
        if (_getNumSupportedArchs == null || _getSupportedArchs == null) return [];
        int n;
        Check(_getNumSupportedArchs(&n), "nvrtcGetNumSupportedArchs");
        var archs = new int[n];
        fixed (int* p = archs) Check(_getSupportedArchs(p), "nvrtcGetSupportedArchs");
        return archs;
    }

    /// <summary>Compiles <paramref name="source"/> with <paramref name="options"/>; returns the cubin when
    /// <paramref name="cubin"/> is set, else the NUL-terminated PTX. A failed compile throws with the log.</summary>
    public byte[] Compile(string source, string name, IReadOnlyList<string> options, bool cubin)
    {
        nint program = 0;
        byte[] src = NulTerminated(source), nm = NulTerminated(name);
        fixed (byte* s = src, n = nm)
            Check(_createProgram(&program, s, n, 0, null, null), "nvrtcCreateProgram");
        try
        {
            var opts = new byte[options.Count][];
            var handles = new System.Runtime.InteropServices.GCHandle[options.Count];
            var ptrs = new nint[options.Count];
            try
            {
                for (int i = 0; i < opts.Length; i++)
                {
                    opts[i] = NulTerminated(options[i]);
                    handles[i] = System.Runtime.InteropServices.GCHandle.Alloc(opts[i], System.Runtime.InteropServices.GCHandleType.Pinned);
                    ptrs[i] = handles[i].AddrOfPinnedObject();
                }
                int result;
                fixed (nint* p = ptrs) result = _compileProgram(program, ptrs.Length, (byte**)p);
                if (result != 0)
                    throw new CudaException("nvrtcCompileProgram", ErrorString(result),
                        $"nvrtcCompileProgram failed for '{name}' with {ErrorString(result)} (options: {string.Join(' ', options)}):\n{Log(program)}");
            }
            finally
            {
                foreach (var h in handles) if (h.IsAllocated) h.Free();
            }
            nuint size;
            if (cubin)
            {
                if (!CanEmitCubin) throw new CudaException("nvrtcGetCUBIN", "missing", $"This NVRTC ({Version}) has no nvrtcGetCUBIN; compile to PTX.");
                Check(_getCubinSize(program, &size), "nvrtcGetCUBINSize");
                var image = new byte[(int)size];
                fixed (byte* p = image) Check(_getCubin(program, p), "nvrtcGetCUBIN");
                return image;
            }
            Check(_getPtxSize(program, &size), "nvrtcGetPTXSize");
            var ptx = new byte[(int)size];
            fixed (byte* p = ptx) Check(_getPtx(program, p), "nvrtcGetPTX");
            return ptx;
        }
        finally
        {
            _destroyProgram(&program);
        }
    }

    private string Log(nint program)
    {
        nuint size;
        if (_getProgramLogSize(program, &size) != 0 || size <= 1) return "(no log)";
        var log = new byte[(int)size];
        fixed (byte* p = log) _getProgramLog(program, p);
        return Encoding.UTF8.GetString(log, 0, log.Length - 1);
    }

    private string ErrorString(int result) => Exports.Utf8(_getErrorString(result)) ?? $"nvrtcResult {result}";

    private void Check(int result, string call)
    {
        if (result != 0) throw new CudaException(call, ErrorString(result), $"{call} failed with {ErrorString(result)} ({result}).");
    }

    private static byte[] NulTerminated(string s)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(s) + 1];
        Encoding.UTF8.GetBytes(s, bytes);
        return bytes;
    }
}
