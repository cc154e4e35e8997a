using System.Globalization;

namespace KerasNet.Visualization;

/// <summary>An axis range widened to "nice" bounds, with ticks on a 1-2-5 step (…, 0.1, 0.2, 0.5, 1, 2, 5,
/// 10, …), as chart libraries choose them.</summary>
public sealed class NiceScale
{
    /// <summary>Lower bound of the axis (a multiple of <see cref="Step"/>, or the data minimum for integer
    /// axes padded by half a unit).</summary>
    public double Min { get; }

    /// <summary>Upper bound of the axis.</summary>
    public double Max { get; }

    /// <summary>Distance between ticks: 1, 2 or 5 times a power of ten.</summary>
    public double Step { get; }

    /// <summary>Tick values, ascending, all within [<see cref="Min"/>, <see cref="Max"/>].</summary>
    public IReadOnlyList<double> Ticks { get; }

    private NiceScale(double min, double max, double step, IReadOnlyList<double> ticks)
    {
        Min = min;
        Max = max;
        Step = step;
        Ticks = ticks;
    }

    /// <summary>The smallest step of the form {1, 2, 5} × 10^k that is at least <paramref name="rough"/>.</summary>
    public static double NiceStep(double rough)
    {
        if (!(rough > 0) || double.IsInfinity(rough)) throw new ArgumentOutOfRangeException(nameof(rough), rough, "A tick step must be positive and finite.");
        double exponent = Math.Floor(Math.Log10(rough));
        double power = Math.Pow(10, exponent);
        double fraction = rough / power;
        // Guard against 10^k computed a hair below rough (fraction 1.0000000002 would jump to 2).
        double nice = fraction <= 1 + 1e-9 ? 1 : fraction <= 2 + 1e-9 ? 2 : fraction <= 5 + 1e-9 ? 5 : 10;
        return nice * power;
    }

    /// <summary>A value axis covering [<paramref name="min"/>, <paramref name="max"/>] with about
    /// <paramref name="maxTicks"/> ticks: the bounds are widened outward to multiples of the step. A zero-width
    /// range is widened around its value first.</summary>
    public static NiceScale ForValues(double min, double max, int maxTicks = 6)
    {
        if (!double.IsFinite(min) || !double.IsFinite(max)) throw new ArgumentException($"The axis range must be finite (got [{min}, {max}]).");
        if (maxTicks < 2) throw new ArgumentOutOfRangeException(nameof(maxTicks), maxTicks, "An axis needs at least 2 ticks.");
        if (min > max) (min, max) = (max, min);
        if (max - min < 1e-12 * Math.Max(1, Math.Abs(max)))
        {
            double pad = Math.Abs(min) > 1e-9 ? Math.Abs(min) * 0.1 : 1;
            min -= pad;
            max += pad;
        }
        double step = NiceStep((max - min) / (maxTicks - 1));
        double lo = Math.Floor(min / step + 1e-9) * step;
        double hi = Math.Ceiling(max / step - 1e-9) * step;
        return new NiceScale(lo, hi, step, MakeTicks(lo, hi, step));
    }

    /// <summary>An integer axis (epochs) covering [<paramref name="min"/>, <paramref name="max"/>]: ticks are
    /// integers on a 1-2-5 step of at least 1, the bounds stay at the data range (half a unit either side
    /// when it is a single value).</summary>
    public static NiceScale ForIntegers(int min, int max, int maxTicks = 10)
    {
        if (min > max) (min, max) = (max, min);
        if (maxTicks < 2) throw new ArgumentOutOfRangeException(nameof(maxTicks), maxTicks, "An axis needs at least 2 ticks.");
        if (min == max) return new NiceScale(min - 0.5, max + 0.5, 1, [min]);
        double step = Math.Max(1, NiceStep((max - min) / (double)(maxTicks - 1)));
        var ticks = new List<double>();
        for (double t = Math.Ceiling(min / step) * step; t <= max + 1e-9; t += step) ticks.Add(Math.Round(t));
        return new NiceScale(min, max, step, ticks);
    }

    private static List<double> MakeTicks(double lo, double hi, double step)
    {
        var ticks = new List<double>();
        int n = (int)Math.Round((hi - lo) / step);
        for (int i = 0; i <= n; i++)
        {
            double t = lo + i * step;
            // Snap away the drift of repeated additions (0.30000000000000004 -> 0.3).
            ticks.Add(Math.Round(t / step) * step);
        }
        return ticks;
    }

    /// <summary>Formats <paramref name="value"/> with as many decimals as the step needs (step 0.05 gives
    /// "0.15"), or in scientific notation ("2.5e-5") when the axis's values are all tiny (below 0.001), huge
    /// (a million or more) or would need more than 6 decimals.</summary>
    public string Format(double value)
    {
        if (Math.Abs(value) < Step * 1e-6) value = 0; // -0 and drift at zero
        double magnitude = Math.Max(Math.Abs(Min), Math.Abs(Max));
        int decimals = Math.Max(0, (int)Math.Ceiling(-Math.Log10(Step) - 1e-9));
        if (magnitude >= 1e6 || magnitude < 1e-3 || decimals > 6)
            return value == 0 ? "0" : value.ToString("0.##e+0", CultureInfo.InvariantCulture);
        return value.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    }
}
