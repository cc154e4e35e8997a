using System.Reflection;

namespace KerasNet.Backend;

/// <summary>Supplies a backend's devices. A backend assembly names its provider with
/// <see cref="BackendProviderAttribute"/>; Core finds it by name at run time and never references it.</summary>
public interface IBackendProvider
{
    /// <summary>Backend name ("native").</summary>
    string Name { get; }

    /// <summary>Device kinds this backend knows ("cpu", "cuda").</summary>
    IReadOnlyList<string> Devices { get; }

    /// <summary>Whether <paramref name="device"/> can be used on this machine, and if not, why.</summary>
    bool IsAvailable(string device, out string reason);

    /// <summary>Creates (or returns the shared instance of) the backend on <paramref name="device"/>.</summary>
    IBackend Create(string device);

    /// <summary>The device used when none is asked for (the fastest available one).</summary>
    string DefaultDevice { get; }
}

/// <summary>Marks the <see cref="IBackendProvider"/> of a backend assembly.</summary>
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = true)]
public sealed class BackendProviderAttribute(Type providerType) : Attribute
{
    /// <summary>A type implementing <see cref="IBackendProvider"/> with a public parameterless constructor.</summary>
    public Type ProviderType { get; } = providerType;
}

/// <summary>Selects the backend new tensors are created on, by name, like Keras's KERAS_BACKEND. The
/// environment variables KERASNET_BACKEND (default "native") and KERASNET_DEVICE (default: the backend's
/// fastest available device) choose the first one; <see cref="Set"/> changes it in code. Backends live in
/// assemblies named KerasNet.Backends.&lt;Name&gt;, loaded on first use.</summary>
public static class BackendRegistry
{
    private static readonly object Gate = new();
    private static readonly Dictionary<string, IBackendProvider> Providers = new(StringComparer.OrdinalIgnoreCase);
    private static readonly Dictionary<string, IBackend> Instances = new(StringComparer.OrdinalIgnoreCase);
    private static volatile IBackend? _current;

    /// <summary>The backend new tensors go to.</summary>
    public static IBackend Current => _current ?? InitializeCurrent();

    /// <summary>Names of the backends found so far (after trying to load the known ones).</summary>
    public static IReadOnlyList<string> Known
    {
        get
        {
            lock (Gate)
            {
                Discover();
                return Providers.Keys.OrderBy(k => k, StringComparer.Ordinal).ToArray();
            }
        }
    }

    /// <summary>Registers a provider directly (for backends that are not in a conventionally named assembly).</summary>
    public static void Register(IBackendProvider provider)
    {
        ArgumentNullException.ThrowIfNull(provider);
        lock (Gate) Providers[provider.Name] = provider;
    }

    /// <summary>Makes <paramref name="name"/> (on <paramref name="device"/>, or its default device) the
    /// current backend and returns it.</summary>
    public static IBackend Set(string name, string? device = null)
    {
        var backend = Get(name, device);
        _current = backend;
        return backend;
    }

    /// <summary>Returns the backend <paramref name="name"/> on <paramref name="device"/> without selecting it.
    /// Throws <see cref="ArgumentException"/> for an unknown name (listing the known ones) and
    /// <see cref="NotSupportedException"/> when the backend or device is not available here, with the reason.</summary>
    public static IBackend Get(string name, string? device = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        lock (Gate)
        {
            var provider = Find(name) ?? throw new ArgumentException(
                $"Unknown backend '{name}'. Known backends: {string.Join(", ", KnownNoLock())}. " +
                $"A backend named '{name}' would live in an assembly named KerasNet.Backends.{Pascal(name)}.", nameof(name));
            string dev = string.IsNullOrWhiteSpace(device) ? provider.DefaultDevice : device.Trim().ToLowerInvariant();
            string kind = dev.Split(':')[0];
            if (!provider.Devices.Contains(kind, StringComparer.OrdinalIgnoreCase))
                throw new ArgumentException($"Backend '{provider.Name}' has no device '{dev}'. Its devices: {string.Join(", ", provider.Devices)}.", nameof(device));
            if (!provider.IsAvailable(dev, out string reason))
                throw new NotSupportedException($"Device '{dev}' of backend '{provider.Name}' is not available on this machine: {reason}");
            string key = provider.Name + "/" + dev;
            if (!Instances.TryGetValue(key, out var backend))
            {
                backend = provider.Create(dev);
                Instances[key] = backend;
            }
            return backend;
        }
    }

    private static IBackend InitializeCurrent()
    {
        lock (Gate)
        {
            if (_current is { } c) return c;
        }
        string name = Environment.GetEnvironmentVariable("KERASNET_BACKEND") is { Length: > 0 } n ? n : "native";
        string? device = Environment.GetEnvironmentVariable("KERASNET_DEVICE") is { Length: > 0 } d ? d : null;
        var backend = Get(name, device);
        _current ??= backend;
        return _current;
    }

    private static IBackendProvider? Find(string name)
    {
        if (Providers.TryGetValue(name, out var p)) return p;
        TryLoadAssembly("KerasNet.Backends." + Pascal(name));
        Discover();
        return Providers.GetValueOrDefault(name);
    }

    private static IEnumerable<string> KnownNoLock()
    {
        TryLoadAssembly("KerasNet.Backends.Native");
        Discover();
        return Providers.Keys.OrderBy(k => k, StringComparer.Ordinal);
    }

    private static void Discover()
    {
        foreach (var asm in AppDomain.CurrentDomain.GetAssemblies())
        {
            foreach (var attr in asm.GetCustomAttributes<BackendProviderAttribute>())
            {
                if (Providers.Values.Any(p => p.GetType() == attr.ProviderType)) continue;
                var provider = (IBackendProvider)Activator.CreateInstance(attr.ProviderType)!;
                Providers.TryAdd(provider.Name, provider);
            }
        }
    }

    private static void TryLoadAssembly(string assemblyName)
    {
        try
        {
            Assembly.Load(new AssemblyName(assemblyName));
        }
        catch (FileNotFoundException)
        {
            // Not deployed with the application: the caller reports the backend as unknown.
        }
    }

    private static string Pascal(string name) => name.Length == 0 ? name : char.ToUpperInvariant(name[0]) + name[1..].ToLowerInvariant();
}
