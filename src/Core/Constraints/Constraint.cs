using System.Text.Json.Nodes;
using KerasNet.Saving;

namespace KerasNet.Constraints;

/// <summary>Base of every weight constraint: applied to a variable after each optimizer update.</summary>
public abstract class Constraint : IKerasObject
{
    /// <inheritdoc/>
    public virtual string ClassName => GetType().Name;

    /// <summary>The constrained value of <paramref name="w"/>.</summary>
    public abstract Tensor Call(Tensor w);

    /// <inheritdoc/>
    public virtual JsonObject GetConfig() => [];
}
