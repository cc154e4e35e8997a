using System.Runtime.InteropServices;

namespace KerasNet.Backends.Native.Cuda;

/// <summary>The native libraries the CUDA device uses.</summary>
internal enum CudaLibraryKind
{
    /// <summary>The CUDA driver API (libcuda), installed with the GPU driver.</summary>
    Driver,
    /// <summary>NVRTC, the run-time CUDA C compiler.</summary>
    Nvrtc,
    /// <summary>cuBLAS.</summary>
    Cublas,
    /// <summary>cuBLASLt (cuBLAS depends on it; loaded first so a wheel layout resolves).</summary>
    CublasLt,
}

/// <summary>A loaded library, or the trace of every place it was looked for.</summary>
internal sealed record CudaLibraryLoad(CudaLibraryKind Kind, nint Handle, string? LoadedFrom, IReadOnlyList<string> Tried)
{
    public bool Loaded => Handle != 0;

    /// <summary>"libnvrtc not found; tried: a, b, c".</summary>
    public string Describe() => Loaded
        ? $"{CudaLibraries.DisplayName(Kind)} loaded from {LoadedFrom}"
        : $"{CudaLibraries.DisplayName(Kind)} could not be loaded; tried (in order): {string.Join(", ", Tried)}. " +
          $"Set {CudaLibraries.OverrideVariable(Kind)} to the library file or KERASNET_CUDA_LIBRARY_PATH to its directory.";
}

/// <summary>Where the CUDA libraries are looked for, in order: a per-library environment override
/// (<c>KERASNET_CUDA_DRIVER</c>, <c>KERASNET_NVRTC</c>, <c>KERASNET_CUBLAS</c>, <c>KERASNET_CUBLASLT</c>: a file or a
/// directory), the directories of <c>KERASNET_CUDA_LIBRARY_PATH</c>, the plain sonames newest first (the system
/// loader: LD_LIBRARY_PATH, ld.so.cache), the toolkit directories (<c>$CUDA_PATH</c>, <c>$CUDA_HOME</c>,
/// <c>/usr/local/cuda</c>), then the pip wheel layouts (<c>nvidia/cu13/lib</c>, <c>nvidia/cuda_nvrtc/lib</c>,
/// <c>nvidia/cublas/lib</c>, ...) under every Python site-packages directory found.
/// <see cref="Candidates"/> is a pure function of the environment and the file system it is given.</summary>
internal static class CudaLibraries
{
    /// <summary>Sonames, newest first.</summary>
    public static IReadOnlyList<string> Sonames(CudaLibraryKind kind) => kind switch
    {
        CudaLibraryKind.Driver => ["libcuda.so.1", "libcuda.so"],
        CudaLibraryKind.Nvrtc => ["libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2", "libnvrtc.so.11.1", "libnvrtc.so.11.0", "libnvrtc.so"],
        CudaLibraryKind.Cublas => ["libcublas.so.13", "libcublas.so.12", "libcublas.so.11", "libcublas.so"],
        CudaLibraryKind.CublasLt => ["libcublasLt.so.13", "libcublasLt.so.12", "libcublasLt.so.11", "libcublasLt.so"],
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown CUDA library."),
    };

    /// <summary>The environment variable naming one library's file (or directory).</summary>
    public static string OverrideVariable(CudaLibraryKind kind) => kind switch
    {
        CudaLibraryKind.Driver => "KERASNET_CUDA_DRIVER",
        CudaLibraryKind.Nvrtc => "KERASNET_NVRTC",
        CudaLibraryKind.Cublas => "KERASNET_CUBLAS",
        _ => "KERASNET_CUBLASLT",
    };

    public static string DisplayName(CudaLibraryKind kind) => kind switch
    {
        CudaLibraryKind.Driver => "the CUDA driver (libcuda)",
        CudaLibraryKind.Nvrtc => "NVRTC (libnvrtc)",
        CudaLibraryKind.Cublas => "cuBLAS (libcublas)",
        _ => "cuBLASLt (libcublasLt)",
    };

    /// <summary>Subdirectories of a site-packages directory that pip's NVIDIA wheels put the library in.</summary>
    public static IReadOnlyList<string> WheelDirectories(CudaLibraryKind kind) => kind switch
    {
        CudaLibraryKind.Driver => [],
        CudaLibraryKind.Nvrtc => ["nvidia/cu13/lib", "nvidia/cuda_nvrtc/lib", "nvidia/cu12/lib"],
        _ => ["nvidia/cu13/lib", "nvidia/cublas/lib", "nvidia/cu12/lib"],
    };

    /// <summary>Every candidate for <paramref name="kind"/>, in the order they are tried. A candidate with a
    /// '/' is a path; one without is a soname for the system loader. Only existing directories contribute
    /// paths (<paramref name="directoryExists"/>); <paramref name="subdirectories"/> lists a directory's
    /// subdirectories (full paths), used to find python3.* directories.</summary>
    public static IReadOnlyList<string> Candidates(CudaLibraryKind kind, Func<string, string?> environment,
        Func<string, bool> directoryExists, Func<string, IEnumerable<string>> subdirectories)
    {
        var sonames = Sonames(kind);
        var list = new List<string>();
        void Add(string c)
        {
            if (!list.Contains(c)) list.Add(c);
        }
        void AddDirectory(string dir)
        {
            if (!directoryExists(dir)) return;
            foreach (var s in sonames) Add(Path.Combine(dir, s));
        }

        if (environment(OverrideVariable(kind)) is { Length: > 0 } single)
        {
            if (directoryExists(single)) AddDirectory(single);
            else Add(single);
        }
        if (environment("KERASNET_CUDA_LIBRARY_PATH") is { Length: > 0 } paths)
            foreach (var dir in paths.Split(':', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                AddDirectory(dir);
        foreach (var s in sonames) Add(s);
        if (kind == CudaLibraryKind.Driver)
        {
            // The driver comes with the GPU driver, never with the toolkit (whose lib64/stubs copy is a stub).
            foreach (var dir in (string[])["/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib/wsl/lib"]) AddDirectory(dir);
            return list;
        }
        foreach (var root in ToolkitRoots(environment))
        {
            AddDirectory(Path.Combine(root, "lib64"));
            AddDirectory(Path.Combine(root, "targets", "x86_64-linux", "lib"));
        }
        foreach (var site in SitePackages(environment, directoryExists, subdirectories))
            foreach (var sub in WheelDirectories(kind))
                AddDirectory(Path.Combine(site, sub));
        return list;
    }

    private static IEnumerable<string> ToolkitRoots(Func<string, string?> environment)
    {
        var roots = new List<string>();
        foreach (var name in (string[])["CUDA_PATH", "CUDA_HOME"])
            if (environment(name) is { Length: > 0 } r && !roots.Contains(r)) roots.Add(r);
        if (!roots.Contains("/usr/local/cuda")) roots.Add("/usr/local/cuda");
        return roots;
    }

    /// <summary>Python site-packages directories: PYTHONPATH entries, the virtual environment's, the system's
    /// (newest Python first) and the user's.</summary>
    public static IReadOnlyList<string> SitePackages(Func<string, string?> environment, Func<string, bool> directoryExists,
        Func<string, IEnumerable<string>> subdirectories)
    {
        var dirs = new List<string>();
        void Add(string d)
        {
            if (!dirs.Contains(d) && directoryExists(d)) dirs.Add(d);
        }
        void AddPythons(string libDir, string leaf)
        {
            if (!directoryExists(libDir)) return;
            var pythons = new List<string>();
            foreach (var sub in subdirectories(libDir))
            {
                string name = Path.GetFileName(sub.TrimEnd('/'));
                if (name.StartsWith("python3", StringComparison.Ordinal)) pythons.Add(name);
            }
            pythons.Sort(ComparePythonNames);
            foreach (var p in pythons) Add(Path.Combine(libDir, p, leaf));
        }

        if (environment("PYTHONPATH") is { Length: > 0 } pp)
            foreach (var d in pp.Split(':', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)) Add(d);
        if (environment("VIRTUAL_ENV") is { Length: > 0 } venv) AddPythons(Path.Combine(venv, "lib"), "site-packages");
        if (environment("CONDA_PREFIX") is { Length: > 0 } conda) AddPythons(Path.Combine(conda, "lib"), "site-packages");
        AddPythons("/usr/local/lib", "dist-packages");
        AddPythons("/usr/local/lib", "site-packages");
        AddPythons("/usr/lib", "dist-packages");
        AddPythons("/usr/lib", "site-packages");
        if (environment("HOME") is { Length: > 0 } home) AddPythons(Path.Combine(home, ".local", "lib"), "site-packages");
        return dirs;
    }

    /// <summary>Newest Python first: python3.12 before python3.9 before python3.</summary>
    private static int ComparePythonNames(string a, string b)
    {
        static int Minor(string n) => n.Length > 8 && int.TryParse(n.AsSpan(8), out int m) ? m : -1;
        int c = Minor(b).CompareTo(Minor(a));
        return c != 0 ? c : string.CompareOrdinal(a, b);
    }

    /// <summary>Tries every candidate in order and returns the first that loads, with the trace.</summary>
    public static CudaLibraryLoad Load(CudaLibraryKind kind) => Load(kind,
        Candidates(kind, Environment.GetEnvironmentVariable, Directory.Exists, SafeSubdirectories));

    public static CudaLibraryLoad Load(CudaLibraryKind kind, IReadOnlyList<string> candidates)
    {
        var tried = new List<string>(candidates.Count);
        foreach (var c in candidates)
        {
            tried.Add(c);
            if (!NativeLibrary.TryLoad(c, out nint handle)) continue;
            if (kind == CudaLibraryKind.Nvrtc)
                foreach (var builtins in NvrtcBuiltins(c, SafeFiles)) NativeLibrary.TryLoad(builtins, out _);
            return new CudaLibraryLoad(kind, handle, c, tried);
        }
        return new CudaLibraryLoad(kind, 0, null, tried);
    }

    /// <summary>NVRTC dlopens <c>libnvrtc-builtins.so.MAJOR.MINOR</c> by name when it compiles; loaded by path from a
    /// directory the system loader does not search (a toolkit's lib64, a pip wheel's <c>nvidia/cu13/lib</c>), that
    /// fails with "failed to open libnvrtc-builtins". Preloading the builtins found next to it lets the loader
    /// match the name against the library already loaded. Returns those files (full paths, longest name first)
    /// for an NVRTC loaded from <paramref name="nvrtcPath"/>; none for a bare soname.</summary>
    public static IReadOnlyList<string> NvrtcBuiltins(string nvrtcPath, Func<string, IEnumerable<string>> files)
    {
        if (!nvrtcPath.Contains('/')) return [];
        string? dir = Path.GetDirectoryName(nvrtcPath);
        if (string.IsNullOrEmpty(dir)) return [];
        var found = new List<string>();
        foreach (var f in files(dir))
            if (Path.GetFileName(f).StartsWith("libnvrtc-builtins.so", StringComparison.Ordinal)) found.Add(f);
        found.Sort((a, b) => b.Length != a.Length ? b.Length.CompareTo(a.Length) : string.CompareOrdinal(a, b));
        return found;
    }

    private static IEnumerable<string> SafeFiles(string dir)
    {
        try
        {
            return Directory.Exists(dir) ? Directory.GetFiles(dir) : [];
        }
        catch (IOException)
        {
            return [];
        }
        catch (UnauthorizedAccessException)
        {
            return [];
        }
    }

    private static IEnumerable<string> SafeSubdirectories(string dir)
    {
        try
        {
            return Directory.GetDirectories(dir);
        }
        catch (IOException)
        {
            return [];
        }
        catch (UnauthorizedAccessException)
        {
            return [];
        }
    }
}
