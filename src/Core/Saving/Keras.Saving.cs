using KerasNet.Saving;

namespace KerasNet.Models;

public static partial class Keras
{
    /// <summary>Loads a model saved with <see cref="Model.Save"/> (keras.saving.load_model): architecture,
    /// weights and, when <paramref name="compile"/>, the compile configuration and optimizer state.</summary>
    /// <param name="path">A ".keras" file.</param>
    /// <param name="compile">Whether to compile the model from its saved compile_config and restore the
    /// optimizer state; false returns an uncompiled model (and ignores the optimizer variables).</param>
    public static Model LoadModel(string path, bool compile = true) => ModelIO.LoadModel(path, compile);
}
