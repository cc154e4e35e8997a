namespace KerasNet.Backends.Native.Cuda;

/// <summary>Compiles kernel modules with NVRTC through the on-disk <see cref="KernelCache"/>.</summary>
internal static class CudaCompiler
{
    /// <summary>The module's image for <paramref name="target"/>: from the cache when present, else compiled
    /// and stored. PTX images keep NVRTC's terminating NUL (cuModuleLoadData reads PTX as a C string).</summary>
    public static byte[] Compile(Nvrtc nvrtc, CudaModule module, CompileTarget target, string? cacheDirectory, out bool fromCache)
    {
        var options = target.Options;
        string key = KernelCache.Key(module.Source, options, target.Architecture, nvrtc.Version);
        if (KernelCache.TryRead(cacheDirectory, key) is { Length: > 0 } cached)
        {
            fromCache = true;
            return cached;
        }
        var image = nvrtc.Compile(module.Source, module.Name + ".cu", options, target.Cubin);
        KernelCache.TryWrite(cacheDirectory, key, image);
        fromCache = false;
        return image;
    }
}
