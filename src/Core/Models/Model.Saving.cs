using KerasNet.Saving;

namespace KerasNet.Models;

public partial class Model
{
    /// <summary>Saves the model to a <c>.keras</c> file (Keras's <c>model.save</c>): the architecture
    /// (config.json), every weight, the compile configuration and the optimizer state, with the weights in
    /// safetensors. The write is atomic: a failed save leaves the destination as it was. Load it with
    /// <see cref="Keras.LoadModel"/>.</summary>
    /// <param name="path">The destination; it must end in ".keras".</param>
    /// <param name="overwrite">Whether an existing file may be replaced.</param>
    public void Save(string path, bool overwrite = true) => ModelIO.SaveModel(this, path, overwrite);

    /// <summary>Saves every weight (and, once compiled, the optimizer state) to a <c>.weights.safetensors</c>
    /// file (Keras's <c>save_weights</c>, which writes <c>.weights.h5</c>), atomically.</summary>
    /// <param name="path">The destination; it must end in ".weights.safetensors".</param>
    /// <param name="overwrite">Whether an existing file may be replaced.</param>
    public void SaveWeights(string path, bool overwrite = true) => ModelIO.SaveWeights(this, path, overwrite);

    /// <summary>Sets every weight from a <c>.weights.safetensors</c> or <c>.keras</c> file (Keras's
    /// <c>load_weights</c>); a compiled model also gets the optimizer state the file holds. The weights are
    /// matched by path ("dense/kernel"); a missing weight or a different shape is an error that names it,
    /// and nothing is assigned then.</summary>
    /// <param name="path">A ".weights.safetensors" or ".keras" file.</param>
    public void LoadWeights(string path) => ModelIO.LoadWeights(this, path);
}
