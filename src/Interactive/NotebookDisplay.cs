namespace KerasNet.Interactive;

/// <summary>Where a notebook shows outputs: the small part of a notebook kernel KerasNet needs, so that the
/// integration can be used (and tested) without the kernel package. .NET Interactive's
/// <c>Kernel.display(value)</c> and <c>DisplayedValue.Update(value)</c> are reached through
/// <see cref="DotNetInteractiveDisplay"/>.</summary>
public interface INotebookDisplay
{
    /// <summary>Shows <paramref name="value"/> as a new output of the running cell (an
    /// <c>IHtmlContent</c> is shown as HTML) and returns a handle that replaces it in place.</summary>
    INotebookDisplayHandle Display(object value);

    /// <summary>An object that stands for the running cell (compared by reference), or <c>null</c> when
    /// unknown. Progress shown while another cell runs starts a new display.</summary>
    object? CurrentCell { get; }
}

/// <summary>A displayed output that can be replaced in place.</summary>
public interface INotebookDisplayHandle
{
    /// <summary>Replaces the displayed output with <paramref name="value"/>.</summary>
    void Update(object value);
}
