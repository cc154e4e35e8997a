namespace KerasNet.Backends.Native.Cuda;

/// <summary>The CUDA driver API entry points the device uses, bound by name (the versioned <c>_v2</c> exports)
/// from libcuda. Every call goes through <see cref="Check"/>, which throws a <see cref="CudaException"/> naming
/// the call and the driver's error name and string.</summary>
internal sealed unsafe class CudaDriver
{
    public const int Success = 0;
    public const int ErrorOutOfMemory = 2;
    public const int ErrorNotReady = 600;
    public const int ErrorNoDevice = 100;
    public const int ErrorStubLibrary = 34;
    public const int ErrorInsufficientDriver = 35;
    public const uint StreamNonBlocking = 1;
    public const uint EventDisableTiming = 2;
    public const int AttributeComputeCapabilityMajor = 75;
    public const int AttributeComputeCapabilityMinor = 76;
    public const int AttributeMultiprocessorCount = 16;
    public const int StreamCaptureModeRelaxed = 2;

    public readonly delegate* unmanaged[Cdecl]<uint, int> cuInit;
    public readonly delegate* unmanaged[Cdecl]<int*, int> cuDriverGetVersion;
    public readonly delegate* unmanaged[Cdecl]<int*, int> cuDeviceGetCount;
    public readonly delegate* unmanaged[Cdecl]<int*, int, int> cuDeviceGet;
    public readonly delegate* unmanaged[Cdecl]<int*, int, int, int> cuDeviceGetAttribute;
    public readonly delegate* unmanaged[Cdecl]<byte*, int, int, int> cuDeviceGetName;
    public readonly delegate* unmanaged[Cdecl]<nint*, int, int> cuDevicePrimaryCtxRetain;
    public readonly delegate* unmanaged[Cdecl]<nint, int> cuCtxSetCurrent;
    public readonly delegate* unmanaged[Cdecl]<nint*, uint, int> cuStreamCreate;
    public readonly delegate* unmanaged[Cdecl]<nint, int> cuStreamSynchronize;
    public readonly delegate* unmanaged[Cdecl]<ulong*, nuint, int> cuMemAlloc;
    public readonly delegate* unmanaged[Cdecl]<ulong, int> cuMemFree;
    public readonly delegate* unmanaged[Cdecl]<void**, nuint, int> cuMemAllocHost;
    public readonly delegate* unmanaged[Cdecl]<void*, int> cuMemFreeHost;
    public readonly delegate* unmanaged[Cdecl]<ulong, void*, nuint, nint, int> cuMemcpyHtoDAsync;
    public readonly delegate* unmanaged[Cdecl]<void*, ulong, nuint, nint, int> cuMemcpyDtoHAsync;
    public readonly delegate* unmanaged[Cdecl]<ulong, ulong, nuint, nint, int> cuMemcpyDtoDAsync;
    public readonly delegate* unmanaged[Cdecl]<ulong, uint, nuint, nint, int> cuMemsetD32Async;
    public readonly delegate* unmanaged[Cdecl]<ulong, byte, nuint, nint, int> cuMemsetD8Async;
    public readonly delegate* unmanaged[Cdecl]<nuint*, nuint*, int> cuMemGetInfo;
    public readonly delegate* unmanaged[Cdecl]<nint*, void*, int> cuModuleLoadData;
    public readonly delegate* unmanaged[Cdecl]<nint*, nint, byte*, int> cuModuleGetFunction;
    public readonly delegate* unmanaged[Cdecl]<nint, uint, uint, uint, uint, uint, uint, uint, nint, void**, void**, int> cuLaunchKernel;
    public readonly delegate* unmanaged[Cdecl]<nint*, uint, int> cuEventCreate;
    public readonly delegate* unmanaged[Cdecl]<nint, nint, int> cuEventRecord;
    public readonly delegate* unmanaged[Cdecl]<nint, int> cuEventSynchronize;
    public readonly delegate* unmanaged[Cdecl]<nint, int, int> cuStreamBeginCapture;
    public readonly delegate* unmanaged[Cdecl]<nint, nint*, int> cuStreamEndCapture;
    public readonly delegate* unmanaged[Cdecl]<nint*, nint, ulong, int> cuGraphInstantiateWithFlags;
    public readonly delegate* unmanaged[Cdecl]<nint, nint, int> cuGraphLaunch;
    public readonly delegate* unmanaged[Cdecl]<nint, int> cuGraphExecDestroy;
    public readonly delegate* unmanaged[Cdecl]<nint, int> cuGraphDestroy;
    public readonly delegate* unmanaged[Cdecl]<int, byte**, int> cuGetErrorName;
    public readonly delegate* unmanaged[Cdecl]<int, byte**, int> cuGetErrorString;

    private CudaDriver(nint lib, List<string> missing)
    {
        cuInit = (delegate* unmanaged[Cdecl]<uint, int>)Exports.Get(lib, "cuInit", missing);
        cuDriverGetVersion = (delegate* unmanaged[Cdecl]<int*, int>)Exports.Get(lib, "cuDriverGetVersion", missing);
        cuDeviceGetCount = (delegate* unmanaged[Cdecl]<int*, int>)Exports.Get(lib, "cuDeviceGetCount", missing);
        cuDeviceGet = (delegate* unmanaged[Cdecl]<int*, int, int>)Exports.Get(lib, "cuDeviceGet", missing);
        cuDeviceGetAttribute = (delegate* unmanaged[Cdecl]<int*, int, int, int>)Exports.Get(lib, "cuDeviceGetAttribute", missing);
        cuDeviceGetName = (delegate* unmanaged[Cdecl]<byte*, int, int, int>)Exports.Get(lib, "cuDeviceGetName", missing);
        cuDevicePrimaryCtxRetain = (delegate* unmanaged[Cdecl]<nint*, int, int>)Exports.Get(lib, "cuDevicePrimaryCtxRetain", missing);
        cuCtxSetCurrent = (delegate* unmanaged[Cdecl]<nint, int>)Exports.Get(lib, "cuCtxSetCurrent", missing);
        cuStreamCreate = (delegate* unmanaged[Cdecl]<nint*, uint, int>)Exports.Get(lib, "cuStreamCreate", missing);
        cuStreamSynchronize = (delegate* unmanaged[Cdecl]<nint, int>)Exports.Get(lib, "cuStreamSynchronize", missing);
        cuMemAlloc = (delegate* unmanaged[Cdecl]<ulong*, nuint, int>)Exports.Get(lib, "cuMemAlloc_v2", missing);
        cuMemFree = (delegate* unmanaged[Cdecl]<ulong, int>)Exports.Get(lib, "cuMemFree_v2", missing);
        cuMemAllocHost = (delegate* unmanaged[Cdecl]<void**, nuint, int>)Exports.Get(lib, "cuMemAllocHost_v2", missing);
        cuMemFreeHost = (delegate* unmanaged[Cdecl]<void*, int>)Exports.Get(lib, "cuMemFreeHost", missing);
        cuMemcpyHtoDAsync = (delegate* unmanaged[Cdecl]<ulong, void*, nuint, nint, int>)Exports.Get(lib, "cuMemcpyHtoDAsync_v2", missing);
        cuMemcpyDtoHAsync = (delegate* unmanaged[Cdecl]<void*, ulong, nuint, nint, int>)Exports.Get(lib, "cuMemcpyDtoHAsync_v2", missing);
        cuMemcpyDtoDAsync = (delegate* unmanaged[Cdecl]<ulong, ulong, nuint, nint, int>)Exports.Get(lib, "cuMemcpyDtoDAsync_v2", missing);
        cuMemsetD32Async = (delegate* unmanaged[Cdecl]<ulong, uint, nuint, nint, int>)Exports.Get(lib, "cuMemsetD32Async", missing);
        cuMemsetD8Async = (delegate* unmanaged[Cdecl]<ulong, byte, nuint, nint, int>)Exports.Get(lib, "cuMemsetD8Async", missing);
        cuMemGetInfo = (delegate* unmanaged[Cdecl]<nuint*, nuint*, int>)Exports.Get(lib, "cuMemGetInfo_v2", missing);
        cuModuleLoadData = (delegate* unmanaged[Cdecl]<nint*, void*, int>)Exports.Get(lib, "cuModuleLoadData", missing);
        cuModuleGetFunction = (delegate* unmanaged[Cdecl]<nint*, nint, byte*, int>)Exports.Get(lib, "cuModuleGetFunction", missing);
        cuLaunchKernel = (delegate* unmanaged[Cdecl]<nint, uint, uint, uint, uint, uint, uint, uint, nint, void**, void**, int>)Exports.Get(lib, "cuLaunchKernel", missing);
        cuEventCreate = (delegate* unmanaged[Cdecl]<nint*, uint, int>)Exports.Get(lib, "cuEventCreate", missing);
        cuEventRecord = (delegate* unmanaged[Cdecl]<nint, nint, int>)Exports.Get(lib, "cuEventRecord", missing);
        cuEventSynchronize = (delegate* unmanaged[Cdecl]<nint, int>)Exports.Get(lib, "cuEventSynchronize", missing);
        cuStreamBeginCapture = (delegate* unmanaged[Cdecl]<nint, int, int>)Exports.Get(lib, "cuStreamBeginCapture_v2", missing);
        cuStreamEndCapture = (delegate* unmanaged[Cdecl]<nint, nint*, int>)Exports.Get(lib, "cuStreamEndCapture", missing);
        cuGraphInstantiateWithFlags = (delegate* unmanaged[Cdecl]<nint*, nint, ulong, int>)Exports.Get(lib, "cuGraphInstantiateWithFlags", missing);
        cuGraphLaunch = (delegate* unmanaged[Cdecl]<nint, nint, int>)Exports.Get(lib, "cuGraphLaunch", missing);
        cuGraphExecDestroy = (delegate* unmanaged[Cdecl]<nint, int>)Exports.Get(lib, "cuGraphExecDestroy", missing);
        cuGraphDestroy = (delegate* unmanaged[Cdecl]<nint, int>)Exports.Get(lib, "cuGraphDestroy", missing);
        cuGetErrorName = (delegate* unmanaged[Cdecl]<int, byte**, int>)Exports.Get(lib, "cuGetErrorName", missing);
        cuGetErrorString = (delegate* unmanaged[Cdecl]<int, byte**, int>)Exports.Get(lib, "cuGetErrorString", missing);
    }

    /// <summary>Binds every entry point, or returns null with the missing export names.</summary>
    public static CudaDriver? Bind(nint library, out IReadOnlyList<string> missing)
    {
        var list = new List<string>();
        var d = new CudaDriver(library, list);
        missing = list;
        return list.Count == 0 ? d : null;
    }

    /// <summary>The driver's name for a result ("CUDA_ERROR_OUT_OF_MEMORY").</summary>
    public string ErrorName(int result)
    {
        byte* s = null;
        return cuGetErrorName(result, &s) == Success && s != null ? Exports.Utf8(s)! : $"CUresult {result}";
    }

    public string ErrorString(int result)
    {
        byte* s = null;
        return cuGetErrorString(result, &s) == Success && s != null ? Exports.Utf8(s)! : "unknown error";
    }

    /// <summary>Throws a <see cref="CudaException"/> naming <paramref name="call"/> unless it succeeded.</summary>
    public void Check(int result, string call)
    {
        if (result != Success) throw Error(result, call);
    }

    public CudaException Error(int result, string call)
    {
        string name = ErrorName(result);
        return new CudaException(call, name, $"{call} failed with {name} ({result}): {ErrorString(result)}.");
    }
}
