using KerasNet.Callbacks;
using Xunit;

namespace KerasNet.Tests.Callbacks;

/// <summary>The Python str.format used for checkpoint names. Every expected string is CPython 3.11's
/// <c>template.format(**values)</c> (scripts/golden/callbacks_format.py prints these lines); float32 values are
/// passed as C# floats, as the logs hold them.</summary>
public class PythonFormatTests
{
    public static readonly (string Template, string Expected, (string Key, object Value)[] Values)[] Cases =
    [
        ("ckpt-{epoch:02d}-{val_loss:.4f}.keras", "ckpt-03-0.1235.keras", [("epoch", 3), ("val_loss", 0.123456f)]),
        ("{epoch:02d}", "12", [("epoch", 12)]),
        ("{epoch:03d}", "007", [("epoch", 7)]),
        ("{epoch}", "7", [("epoch", 7)]),
        ("{loss:.2e}", "1.23e-04", [("loss", 0.000123456f)]),
        ("{loss:.2e}", "1.23e+04", [("loss", 12345.678f)]),
        ("{loss:.2e}", "0.00e+00", [("loss", 0.0d)]),
        ("{loss:.3E}", "1.000E-10", [("loss", 1e-10f)]),
        ("{x:.2f}", "0.12", [("x", 0.125d)]),
        ("{x:.2f}", "0.38", [("x", 0.375d)]),
        ("{x:.0f}", "2", [("x", 2.5d)]),
        ("{x:.0f}", "4", [("x", 3.5d)]),
        ("{x:.1f}", "0.2", [("x", 0.25f)]),
        ("{x:.2f}", "1.00", [("x", 1.005f)]),
        ("{x}", "0.10000000149011612", [("x", 0.1f)]),
        ("{x}", "1e-05", [("x", 1e-05d)]),
        ("{x}", "1.0", [("x", 1.0d)]),
        ("{x}", "1e+16", [("x", 1e+16d)]),
        ("{x}", "123456789012345.0", [("x", 123456789012345.0d)]),
        ("{x}", "nan", [("x", double.NaN)]),
        ("{x}", "inf", [("x", double.PositiveInfinity)]),
        ("{x:.4f}", "-inf", [("x", double.NegativeInfinity)]),
        ("{x:.2f}", "nan", [("x", double.NaN)]),
        ("{x:g}", "0.1", [("x", 0.1f)]),
        ("{x:g}", "1.23457e+06", [("x", 1234567.0d)]),
        ("{x:g}", "0.0001", [("x", 0.0001d)]),
        ("{x:g}", "1e-05", [("x", 1e-05d)]),
        ("{x:.3g}", "2", [("x", 2.0f)]),
        ("{x:.3}", "1.23e+02", [("x", 123.0d)]),
        ("{x:.3}", "12.0", [("x", 12.0d)]),
        ("{x:.3}", "0.5", [("x", 0.5f)]),
        ("{x:8.3f}|{x:<8.3f}|{x:^9.2f}|{x:+.1f}|{x: .1f}|{x:*>10.2f}", "   3.142|3.142   |  3.14   |+3.1| 3.1|******3.14", [("x", 3.14159f)]),
        ("{x:010.3f}", "-00003.142", [("x", -3.14159f)]),
        ("{x:,.2f}", "1,234,567.89", [("x", 1234567.891d)]),
        ("{n:,d}", "1,234,567", [("n", 1234567)]),
        ("{n:_d}", "1_234_567", [("n", 1234567)]),
        ("{n:5d}|{n:<5d}|{n:^5d}|{n:+d}|{n:x}|{n:#x}|{n:X}|{n:o}|{n:b}|{n:#b}", "   42|42   | 42  |+42|2a|0x2a|2A|52|101010|0b101010", [("n", 42)]),
        ("{n:.2f}", "3.00", [("n", 3)]),
        ("{n:e}", "3.000000e+00", [("n", 3)]),
        ("{n:%}", "100.000000%", [("n", 1)]),
        ("{x:.1%}", "25.6%", [("x", 0.256f)]),
        ("{{literal}} {epoch}", "{literal} 1", [("epoch", 1)]),
        ("{x:.{p}f}", "0.667", [("x", 0.6666666666666666f), ("p", 3)]),
        ("{x:e}", "1.000000e+01", [("x", 9.9999999f)]),
        ("{x:.2e}", "9.99e+00", [("x", 9.995d)]),
        ("{x:.2e}", "1.00e+01", [("x", 9.996f)]),
        ("{x:.10f}", "0.1000000015", [("x", 0.1f)]),
        ("{x:.20f}", "0.10000000000000000555", [("x", 0.1d)]),
        ("{x:.1f}", "-0.0", [("x", -0.04d)]),
        ("{x:z.1f}", "0.0", [("x", -0.04d)]),
        ("{s}|{s:>6}|{s:.2}|{s!r}", "abc|   abc|ab|'abc'", [("s", "abc")]),
        ("{x!s}", "0.5", [("x", 0.5f)]),
        ("{x:f}", "0.000000", [("x", 5e-324d)]),
        ("{x:.3e}", "4.941e-324", [("x", 5e-324d)]),
        ("{x}", "5e-324", [("x", 5e-324d)]),
        ("{x}", "1.7976931348623157e+308", [("x", 1.7976931348623157e+308d)]),
        ("{x:#.0f}|{x:#.0e}|{x:#g}", "2.|2.e+00|2.00000", [("x", 2.0d)]),
        ("{x:G}", "1E-20", [("x", 1e-20d)]),
        ("{x:n}", "0.3", [("x", 0.3f)]),
    ];

    private static Dictionary<string, object?> Values((string Key, object Value)[] values) =>
        values.ToDictionary(v => v.Key, v => (object?)v.Value);

    [Fact]
    public void MatchesCPythonOnEveryGoldenCase()
    {
        var failures = new List<string>();
        foreach (var (template, expected, values) in Cases)
        {
            string actual = PythonFormat.Format(template, Values(values));
            if (actual != expected) failures.Add($"{template}: expected \"{expected}\", got \"{actual}\"");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public void AMissingKeyNamesItAndListsTheAvailableKeys()
    {
        var ex = Assert.Throws<KeyNotFoundException>(() => PythonFormat.Format("ckpt-{epoch:02d}-{val_acc:.2f}.keras",
            new Dictionary<string, object?> { ["epoch"] = 1, ["loss"] = 0.5f, ["val_loss"] = 0.6f }));
        Assert.Contains("'val_acc'", ex.Message);
        Assert.Contains("Available keys: epoch, loss, val_loss", ex.Message);
    }

    [Theory]
    [InlineData("{epoch", "Unclosed")]
    [InlineData("epoch}", "Single '}'")]
    [InlineData("{}", "positional")]
    [InlineData("{0}", "positional")]
    [InlineData("{loss.real}", "attribute or index")]
    [InlineData("{loss:d}", "Unknown format code 'd' for a float")]
    [InlineData("{epoch:.2d}", "Precision not allowed")]
    [InlineData("{loss:.f}", "missing precision")]
    [InlineData("{loss:.2fx}", "Invalid format specifier")]
    [InlineData("{loss!x}", "Unknown conversion")]
    public void MalformedTemplatesAndMismatchedSpecsThrowFormatExceptions(string template, string message)
    {
        var values = new Dictionary<string, object?> { ["epoch"] = 1, ["loss"] = 0.5f };
        var ex = Assert.Throws<FormatException>(() => PythonFormat.Format(template, values));
        Assert.Contains(message, ex.Message);
    }

    [Theory]
    [InlineData(0.1f, "0.10000000149011612")]
    [InlineData(0.6931472f, "0.6931471824645996")]
    [InlineData(1f, "1.0")]
    [InlineData(1e-5f, "9.999999747378752e-06")]
    [InlineData(float.NaN, "nan")]
    [InlineData(float.NegativeInfinity, "-inf")]
    public void ReprOfAFloat32IsPythonsReprOfTheWidenedDouble(float value, string expected) =>
        // As Python's repr(float(np.float32(value))), which is what Keras's logs print as.
        Assert.Equal(expected, PythonFormat.Repr(value));
}
