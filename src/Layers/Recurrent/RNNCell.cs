using KerasNet.Models;

namespace KerasNet.Layers;

/// <summary>Base of a recurrent cell, the object <see cref="RNN"/> runs over a sequence (Keras's cell protocol:
/// <c>call(inputs_at_t, states_at_t)</c> returning <c>(output_at_t, states_at_t_plus_1)</c>, with
/// <c>state_size</c> and <c>output_size</c>). A cell is also a layer: called on <c>[inputs, state...]</c> it
/// returns <c>[output, new_state...]</c>.</summary>
/// <remarks>A cell only has to implement <see cref="StateSize"/>, <see cref="Layer.Build(Shape)"/> (for inputs of
/// shape (batch, features)) and <see cref="Step"/>. The built-in cells also override
/// <see cref="BeginSequence"/>, which lets them do the per-sequence work once (the input projection of every time
/// step in one matrix product, the dropout masks shared by all steps) before the loop.</remarks>
public abstract class RNNCell : Layer
{
    /// <summary>Stores the common configuration.</summary>
    /// <param name="name">The cell's name (unique by default).</param>
    /// <param name="trainable">Whether the weights are trained.</param>
    protected RNNCell(string? name, bool trainable) : base(name, trainable) { }

    /// <summary>The size of each state tensor (one entry per state: LSTM has two, h and c).</summary>
    public abstract IReadOnlyList<int> StateSize { get; }

    /// <summary>The size of the output at each step (the first state's size by default).</summary>
    public virtual int OutputSize => StateSize[0];

    /// <summary>One output and one tensor per state.</summary>
    public override int OutputCount => 1 + StateSize.Count;

    /// <summary>One time step: <paramref name="inputs"/> of shape (batch, features) and the states of the previous
    /// step give the output, and the new states are written to <paramref name="newStates"/>.</summary>
    /// <param name="inputs">The inputs at this step, (batch, features).</param>
    /// <param name="states">The states of the previous step, each (batch, size).</param>
    /// <param name="newStates">Receives the states after this step.</param>
    /// <param name="training">Whether dropout applies.</param>
    /// <returns>The output at this step, (batch, <see cref="OutputSize"/>).</returns>
    public abstract Tensor Step(Tensor inputs, ReadOnlySpan<Tensor> states, Span<Tensor> newStates, bool training);

    /// <summary>Prepares a run over a whole sequence of shape (batch, timesteps, features). The default slices
    /// the inputs of each step and calls <see cref="Step"/>; cells override it to precompute what does not
    /// depend on the state.</summary>
    /// <param name="sequences">The whole input sequence, (batch, timesteps, features).</param>
    /// <param name="training">Whether dropout applies.</param>
    public virtual RNNSequence BeginSequence(Tensor sequences, bool training) => new SlicedSequence(this, sequences, training);

    /// <summary>Runs the whole recurrence as one fused op when the cell has one that applies to this call (no mask),
    /// writing the outputs as <see cref="RNN"/> returns them: the sequence (in processing order, or in time order
    /// with <paramref name="sequenceInTimeOrder"/>) or the last output, then the final states with
    /// <paramref name="returnState"/>. Returns false (writing nothing) to run the step loop instead.</summary>
    internal virtual bool TryRunFused(Tensor sequences, ReadOnlySpan<Tensor> initialState, bool training, bool returnSequences, bool goBackwards,
        bool sequenceInTimeOrder, bool returnState, Span<Tensor> outputs) => false;

    /// <summary>Builds from the first input (the step inputs); the states need no weights.</summary>
    public override void Build(IReadOnlyList<Shape> inputShapes)
    {
        ArgumentNullException.ThrowIfNull(inputShapes);
        if (inputShapes.Count != 1 + StateSize.Count)
            throw new ArgumentException($"Cell '{Name}' ({ClassName}) is called on [inputs, {StateSize.Count} state(s)]; got {inputShapes.Count} input(s).");
        Build(inputShapes[0]);
    }

    /// <summary>Called on <c>[inputs, state...]</c>, returns <c>[output, new_state...]</c>.</summary>
    public override void Call(ReadOnlySpan<Tensor> inputs, Span<Tensor> outputs, bool training)
    {
        if (inputs.Length != 1 + StateSize.Count)
            throw new ArgumentException($"Cell '{Name}' ({ClassName}) is called on [inputs, {StateSize.Count} state(s)]; got {inputs.Length} input(s).");
        var newStates = new Tensor[StateSize.Count];
        var output = Step(inputs[0], inputs[1..], newStates, training);
        outputs[0] = output;
        for (int i = 0; i < newStates.Length; i++)
            outputs[1 + i] = newStates[i].Equals(output) ? Ops.Identity(output) : newStates[i];
    }

    /// <inheritdoc/>
    public override Shape[] ComputeOutputShapes(IReadOnlyList<Shape> inputShapes)
    {
        ArgumentNullException.ThrowIfNull(inputShapes);
        int batch = inputShapes.Count > 0 && inputShapes[0].Rank > 0 ? inputShapes[0][0] : -1;
        var result = new Shape[1 + StateSize.Count];
        result[0] = new Shape(batch, OutputSize);
        for (int i = 0; i < StateSize.Count; i++) result[1 + i] = new Shape(batch, StateSize[i]);
        return result;
    }

    /// <summary>The default run: each step's inputs sliced from the sequence, then <see cref="Step"/>.</summary>
    private sealed class SlicedSequence(RNNCell cell, Tensor sequences, bool training) : RNNSequence
    {
        private readonly Tensor[] _steps = RecurrentOps.Unstack(sequences, 1);

        public override Tensor Step(int t, ReadOnlySpan<Tensor> states, Span<Tensor> newStates) =>
            cell.Step(_steps[t], states, newStates, training);
    }
}

/// <summary>One run of a cell over a sequence, made by <see cref="RNNCell.BeginSequence"/>: it holds what the
/// cell computed once for the whole sequence (projected inputs, dropout masks) and computes each step.</summary>
public abstract class RNNSequence
{
    /// <summary>The step at time index <paramref name="t"/> (in the input's order; a backwards run visits the
    /// indices in reverse).</summary>
    /// <param name="t">The time index, in [0, timesteps).</param>
    /// <param name="states">The states of the previous step.</param>
    /// <param name="newStates">Receives the new states.</param>
    /// <returns>The output at this step.</returns>
    public abstract Tensor Step(int t, ReadOnlySpan<Tensor> states, Span<Tensor> newStates);
}
