using System.Reflection;

namespace KerasNet.Interactive;

/// <summary>The running .NET Interactive kernel's display, reached by reflection so that KerasNet does not
/// depend on the kernel package: <c>Microsoft.DotNet.Interactive.Kernel.display(object, params string[])</c>
/// returns a <c>DisplayedValue</c> whose <c>Update(object)</c> replaces the output in place, and
/// <c>KernelInvocationContext.Current</c> identifies the running cell.</summary>
public sealed class DotNetInteractiveDisplay : INotebookDisplay
{
    private readonly MethodInfo _display;
    private readonly PropertyInfo? _currentContext;

    private DotNetInteractiveDisplay(MethodInfo display, PropertyInfo? currentContext)
    {
        _display = display;
        _currentContext = currentContext;
    }

    /// <summary>The kernel's display when this process hosts .NET Interactive (its assembly is loaded),
    /// otherwise <c>null</c>.</summary>
    public static DotNetInteractiveDisplay? TryFind() => TryFind(AppDomain.CurrentDomain.GetAssemblies());

    /// <summary>The kernel's display in the assembly named <paramref name="assemblyName"/> among
    /// <paramref name="assemblies"/>, or <c>null</c>.</summary>
    internal static DotNetInteractiveDisplay? TryFind(IEnumerable<Assembly> assemblies, string assemblyName = "Microsoft.DotNet.Interactive")
    {
        foreach (var assembly in assemblies)
        {
            if (assembly.IsDynamic || assembly.GetName().Name != assemblyName) continue;
            var kernel = assembly.GetType("Microsoft.DotNet.Interactive.Kernel", throwOnError: false);
            var display = kernel?.GetMethod("display", BindingFlags.Public | BindingFlags.Static, [typeof(object), typeof(string[])]);
            if (display is null) continue;
            var context = assembly.GetType("Microsoft.DotNet.Interactive.KernelInvocationContext", throwOnError: false)
                ?.GetProperty("Current", BindingFlags.Public | BindingFlags.Static);
            return new DotNetInteractiveDisplay(display, context);
        }
        return null;
    }

    /// <inheritdoc/>
    public object? CurrentCell => _currentContext?.GetValue(null);

    /// <inheritdoc/>
    public INotebookDisplayHandle Display(object value)
    {
        ArgumentNullException.ThrowIfNull(value);
        object? displayed = _display.Invoke(null, [value, new[] { "text/html" }]);
        var update = displayed?.GetType().GetMethod("Update", BindingFlags.Public | BindingFlags.Instance, [typeof(object)]);
        return new Handle(displayed, update);
    }

    private sealed class Handle(object? displayed, MethodInfo? update) : INotebookDisplayHandle
    {
        public void Update(object value)
        {
            ArgumentNullException.ThrowIfNull(value);
            if (displayed is not null && update is not null) update.Invoke(displayed, [value]);
        }
    }
}
