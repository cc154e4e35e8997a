using System.Text.Json.Nodes;
using KerasNet.Saving;

namespace KerasNet.Initializers;

/// <summary>All zeros, as keras.initializers.Zeros.</summary>
[KerasSerializable("Zeros", "zeros", "zero")]
public sealed class Zeros : Initializer
{
    /// <inheritdoc/>
    public override Tensor Call(Shape shape) => Ops.Zeros(shape);

    /// <summary>Rebuilds the initializer from its (empty) Keras config.</summary>
    public static Zeros FromConfig(JsonObject config) => new();
}

/// <summary>All ones, as keras.initializers.Ones.</summary>
[KerasSerializable("Ones", "ones", "one")]
public sealed class Ones : Initializer
{
    /// <inheritdoc/>
    public override Tensor Call(Shape shape) => Ops.Ones(shape);

    /// <summary>Rebuilds the initializer from its (empty) Keras config.</summary>
    public static Ones FromConfig(JsonObject config) => new();
}

/// <summary>Every element <see cref="Value"/>, as keras.initializers.Constant.</summary>
/// <param name="value">The scalar value.</param>
[KerasSerializable("Constant", "constant")]
public sealed class Constant(float value = 0f) : Initializer
{
    /// <summary>The scalar value.</summary>
    public float Value { get; } = value;

    /// <inheritdoc/>
    public override Tensor Call(Shape shape) => Ops.Full(shape, Value);

    /// <inheritdoc/>
    public override JsonObject GetConfig() => new() { ["value"] = Value };

    /// <summary>Rebuilds the initializer from its Keras config.</summary>
    public static Constant FromConfig(JsonObject config) => new(config.GetFloat("value", 0f));
}

/// <summary><see cref="Gain"/> times the identity matrix, as keras.initializers.Identity (2-D shapes only;
/// a rectangular shape gets ones on the main diagonal).</summary>
/// <param name="gain">The diagonal value.</param>
[KerasSerializable("Identity", "identity", "IdentityInitializer", "identity_initializer")]
public sealed class Identity(float gain = 1f) : Initializer
{
    /// <summary>The diagonal value.</summary>
    public float Gain { get; } = gain;

    /// <inheritdoc/>
    public override Tensor Call(Shape shape)
    {
        if (shape.Rank != 2)
            throw new ArgumentException($"The Identity initializer can only be used for 2D matrices. Received: shape={shape} of rank {shape.Rank}.", nameof(shape));
        var eye = Ops.Eye(shape[0], shape[1]);
        if (Gain == 1f) return eye;
        using (eye)
        using (var g = Ops.ScalarLike(eye, Gain))
            return Ops.Multiply(eye, g);
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig() => new() { ["gain"] = Gain };

    /// <summary>Rebuilds the initializer from its Keras config.</summary>
    public static Identity FromConfig(JsonObject config) => new(config.GetFloat("gain", 1f));
}
