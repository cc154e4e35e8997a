using KerasNet.Interactive;

namespace KerasNet.Tests.Notebooks;

/// <summary>A notebook display that records what it was asked to show: each output with the values it
/// showed, in order, and which "cell" was running.</summary>
public sealed class FakeNotebookDisplay : INotebookDisplay
{
    public sealed class Output : INotebookDisplayHandle
    {
        public Output(object? cell, object value)
        {
            Cell = cell;
            Values.Add(value.ToString()!);
        }

        public object? Cell { get; }
        public List<string> Values { get; } = [];
        public string Current => Values[^1];
        public void Update(object value) => Values.Add(value.ToString()!);
    }

    public List<Output> Outputs { get; } = [];

    public object? CurrentCell { get; set; } = new object();

    public INotebookDisplayHandle Display(object value)
    {
        var output = new Output(CurrentCell, value);
        Outputs.Add(output);
        return output;
    }
}
