using System.Text.Json.Nodes;
using KerasNet.Saving;

namespace KerasNet.Regularizers;

/// <summary>Base of every weight regularizer: a scalar penalty added to the loss.</summary>
public abstract class Regularizer : IKerasObject
{
    /// <inheritdoc/>
    public virtual string ClassName => GetType().Name;

    /// <summary>The penalty for <paramref name="x"/> (a scalar).</summary>
    public abstract Tensor Call(Tensor x);

    /// <inheritdoc/>
    public abstract JsonObject GetConfig();
}
