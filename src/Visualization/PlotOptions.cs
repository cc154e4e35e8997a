namespace KerasNet.Visualization;

/// <summary>How a training-history chart looks: its title, the size of each panel, how many panels go
/// in a row, the two series colours and whether points get markers.</summary>
public sealed class PlotOptions
{
    /// <summary>The chart's title, drawn above the panels.</summary>
    public string Title { get; set; } = "Training history";

    /// <summary>Width of one panel in pixels.</summary>
    public int PanelWidth { get; set; } = 460;

    /// <summary>Height of one panel in pixels.</summary>
    public int PanelHeight { get; set; } = 320;

    /// <summary>At most this many panels side by side; further panels start a new row.</summary>
    public int MaxColumns { get; set; } = 2;

    /// <summary>Colour of the training series (solid lines).</summary>
    public string TrainingColor { get; set; } = "#1f77b4";

    /// <summary>Colour of the validation series (dashed lines).</summary>
    public string ValidationColor { get; set; } = "#ff7f0e";

    /// <summary>Whether each point gets a marker: <c>null</c> (the default) draws them for up to 40 epochs,
    /// so that a single epoch still shows as a dot.</summary>
    public bool? Markers { get; set; }

    internal void Validate()
    {
        if (PanelWidth < 200) throw new ArgumentOutOfRangeException(nameof(PanelWidth), PanelWidth, "A panel needs at least 200 pixels of width for its axes and labels.");
        if (PanelHeight < 150) throw new ArgumentOutOfRangeException(nameof(PanelHeight), PanelHeight, "A panel needs at least 150 pixels of height for its axes and labels.");
        if (MaxColumns < 1) throw new ArgumentOutOfRangeException(nameof(MaxColumns), MaxColumns, "MaxColumns must be at least 1.");
    }
}
