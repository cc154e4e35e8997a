namespace KerasNet.Backends.Native.Cuda;

/// <summary>A CUDA driver, NVRTC or cuBLAS call failed, or a kernel reported an error (an index out of range,
/// an integer division by zero) at a sync point.</summary>
public sealed class CudaException : Exception
{
    /// <summary>Creates the exception for <paramref name="call"/>, which returned <paramref name="errorName"/>.</summary>
    public CudaException(string call, string errorName, string message) : base(message)
    {
        Call = call;
        ErrorName = errorName;
    }

    /// <summary>The native call or kernel that failed ("cuMemAlloc_v2").</summary>
    public string Call { get; }

    /// <summary>The native error's name ("CUDA_ERROR_OUT_OF_MEMORY"), or the kernel's error kind.</summary>
    public string ErrorName { get; }
}

/// <summary>Resolves named exports of a loaded library and lists the missing ones.</summary>
internal static class Exports
{
    public static nint Get(nint library, string name, List<string> missing)
    {
        if (System.Runtime.InteropServices.NativeLibrary.TryGetExport(library, name, out nint p)) return p;
        missing.Add(name);
        return 0;
    }

    public static nint Optional(nint library, string name) =>
        System.Runtime.InteropServices.NativeLibrary.TryGetExport(library, name, out nint p) ? p : 0;

    public static unsafe string? Utf8(byte* s) =>
        s == null ? null : System.Runtime.InteropServices.Marshal.PtrToStringUTF8((nint)s);
}
