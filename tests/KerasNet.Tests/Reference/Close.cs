using System.Globalization;
using Xunit.Sdk;

namespace KerasNet.Tests.Reference;

/// <summary>Element-wise comparison of computed values with a double-precision reference:
/// |actual − expected| ≤ atol + rtol·|expected|, NaN matching NaN and infinities matching exactly.
/// The failure message names the first offending element.</summary>
public static class Close
{
    /// <summary>Asserts every element is within tolerance.</summary>
    public static void All(double[] expected, ReadOnlySpan<float> actual, double rtol, double atol, string what)
    {
        if (expected.Length != actual.Length)
            throw new XunitException($"{what}: expected {expected.Length} elements, got {actual.Length}.");
        int bad = 0, first = -1;
        for (int i = 0; i < expected.Length; i++)
            if (!Within(expected[i], actual[i], rtol, atol))
            {
                bad++;
                if (first < 0) first = i;
            }
        if (bad > 0)
            throw new XunitException(string.Create(CultureInfo.InvariantCulture,
                $"{what}: {bad} of {expected.Length} elements out of tolerance; the first, element {first}: expected {expected[first]:R}, got {actual[first]:R} (|diff| {Math.Abs(actual[first] - expected[first]):E3} > {atol + rtol * Math.Abs(expected[first]):E3})."));
    }

    /// <summary>Asserts one value is within tolerance.</summary>
    public static void One(double expected, double actual, double rtol, double atol, string what)
    {
        if (!Within(expected, actual, rtol, atol))
            throw new XunitException(string.Create(CultureInfo.InvariantCulture,
                $"{what}: expected {expected:R}, got {actual:R} (|diff| {Math.Abs(actual - expected):E3} > {atol + rtol * Math.Abs(expected):E3})."));
    }

    /// <summary>Whether <paramref name="actual"/> is within tolerance of <paramref name="expected"/>.</summary>
    public static bool Within(double expected, double actual, double rtol, double atol)
    {
        if (double.IsNaN(expected)) return double.IsNaN(actual);
        if (double.IsInfinity(expected)) return actual == expected;
        return Math.Abs(actual - expected) <= atol + rtol * Math.Abs(expected);
    }
}
