using System.Security.Cryptography;
using System.Text;

namespace KerasNet.Backends.Native.Cuda;

/// <summary>Compiled kernel images on disk, one file per SHA-256 key of (source, options, architecture, NVRTC
/// version). The directory is <c>KERASNET_CUDA_CACHE</c>, else <c>$XDG_CACHE_HOME/kerasnet/cuda</c>, else
/// <c>~/.cache/kerasnet/cuda</c>. Entries are written to a temporary file and renamed into place, so a reader
/// never sees half of one; a cache that cannot be written only costs a recompile.</summary>
internal static class KernelCache
{
    /// <summary>The cache key: lowercase hex SHA-256 over the length-prefixed fields, so no two different
    /// inputs share a key by concatenation.</summary>
    public static string Key(string source, IReadOnlyList<string> options, string architecture, string nvrtcVersion)
    {
        var sb = new StringBuilder();
        void Field(string tag, string value) => sb.Append(tag).Append(':').Append(value.Length).Append(':').Append(value).Append('\n');
        Field("kerasnet-cuda-kernel", "1");
        Field("source", source);
        Field("options", options.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        foreach (var o in options) Field("option", o);
        Field("arch", architecture);
        Field("nvrtc", nvrtcVersion);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())));
    }

    /// <summary>The cache directory for the given environment (null when no home directory is known).</summary>
    public static string? Directory(Func<string, string?> environment)
    {
        if (environment("KERASNET_CUDA_CACHE") is { Length: > 0 } explicitDir) return explicitDir;
        if (environment("XDG_CACHE_HOME") is { Length: > 0 } xdg) return Path.Combine(xdg, "kerasnet", "cuda");
        if (environment("HOME") is { Length: > 0 } home) return Path.Combine(home, ".cache", "kerasnet", "cuda");
        return null;
    }

    public static string? DefaultDirectory => Directory(Environment.GetEnvironmentVariable);

    public static string EntryPath(string directory, string key) => Path.Combine(directory, key + ".bin");

    public static byte[]? TryRead(string? directory, string key)
    {
        if (directory is null) return null;
        try
        {
            string path = EntryPath(directory, key);
            return File.Exists(path) ? File.ReadAllBytes(path) : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Writes an entry atomically (temporary file, then rename); returns false when the directory
    /// cannot be written.</summary>
    public static bool TryWrite(string? directory, string key, ReadOnlySpan<byte> image)
    {
        if (directory is null) return false;
        string tmp = Path.Combine(directory, $".{key}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            System.IO.Directory.CreateDirectory(directory);
            using (var f = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write))
            {
                f.Write(image);
                f.Flush(flushToDisk: true);
            }
            File.Move(tmp, EntryPath(directory, key), overwrite: true);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try { File.Delete(tmp); } catch (Exception d) when (d is IOException or UnauthorizedAccessException) { }
            return false;
        }
    }
}

/// <summary>What NVRTC is asked to produce for a device.</summary>
internal readonly record struct CompileTarget(string Architecture, bool Cubin)
{
    /// <summary>A cubin for the device's own <c>sm_XX</c> when this NVRTC lists it and can emit cubins; else PTX
    /// for the highest <c>compute_XX</c> it supports that the device can run (the driver JIT-compiles it).
    /// <paramref name="deviceArch"/> is major·10 + minor.</summary>
    public static CompileTarget Choose(int deviceArch, IReadOnlyList<int> supported, bool canEmitCubin)
    {
        if (supported.Count == 0) return new CompileTarget($"compute_{deviceArch}", false);
        if (canEmitCubin && supported.Contains(deviceArch)) return new CompileTarget($"sm_{deviceArch}", true);
        int best = -1;
        foreach (int a in supported) if (a <= deviceArch && a > best) best = a;
        if (best < 0)
            throw new NotSupportedException(
                $"NVRTC supports architectures {string.Join(", ", supported)}, none of which runs on this device (sm_{deviceArch}); install an older NVRTC.");
        return new CompileTarget($"compute_{best}", false);
    }

    /// <summary>The NVRTC options of every module compiled for this target.</summary>
    public IReadOnlyList<string> Options => [$"--gpu-architecture={Architecture}", "--fmad=false"];
}
