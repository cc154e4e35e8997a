using System.Text.Json.Nodes;
using KerasNet.Saving;

namespace KerasNet.Initializers;

/// <summary>Base of every initializer, as keras.initializers.Initializer: a tensor of a requested shape.
/// Random initializers take a seed (null: drawn from the global seed stream).</summary>
public abstract class Initializer : IKerasObject
{
    /// <inheritdoc/>
    public virtual string ClassName => GetType().Name;

    /// <summary>A new float32 tensor of <paramref name="shape"/>.</summary>
    public abstract Tensor Call(Shape shape);

    /// <inheritdoc/>
    public virtual JsonObject GetConfig() => [];
}
