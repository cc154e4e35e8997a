namespace KerasNet.Callbacks;

/// <summary>Stops training when a batch's loss is NaN or infinite, as keras.callbacks.TerminateOnNaN: it
/// sets <see cref="Models.Model.StopTraining"/> (so every callback still sees the end of training), or with
/// <c>raiseError</c> throws at once.</summary>
public sealed class TerminateOnNaN : Callback
{
    /// <summary>Creates the callback.</summary>
    /// <param name="raiseError">Throw an <see cref="InvalidOperationException"/> instead of stopping gracefully
    /// (the other callbacks then see no end of training).</param>
    public TerminateOnNaN(bool raiseError = false) => RaiseError = raiseError;

    /// <summary>Whether a bad loss throws rather than stops training.</summary>
    public bool RaiseError { get; }

    /// <summary>Where the message goes (the console when null).</summary>
    public TextWriter? Output { get; set; }

    /// <inheritdoc/>
    public override void OnTrainBatchEnd(int batch, IReadOnlyDictionary<string, float> logs)
    {
        if (!logs.TryGetValue("loss", out float loss) || float.IsFinite(loss)) return;
        if (RaiseError)
            throw new InvalidOperationException($"NaN or Inf loss encountered at batch {batch}. Loss value: {PythonFormat.Repr(loss)}. Terminating training immediately.");
        CallbackIO.Print(Output, $"Batch {batch}: Invalid loss, terminating training");
        if (Model is not null) Model.StopTraining = true;
    }
}
