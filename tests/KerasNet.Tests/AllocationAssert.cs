using Xunit;

namespace KerasNet.Tests;

/// <summary>Checks that code allocates nothing on the managed heap, measured with
/// <see cref="GC.GetAllocatedBytesForCurrentThread"/>. The runtime itself now and then allocates a few KB on a
/// thread whose code allocates nothing (its own test of that counter flakes so, dotnet/runtime #63487; here about one
/// full-suite run in 17 saw one such step), so a failing window is measured again, up to three times, and one must
/// be clean. Code that allocates on every call, or every few calls, fails all three; the message gives every
/// window's figures.</summary>
internal static class AllocationAssert
{
    /// <summary>Runs <paramref name="window"/> (already warm) up to three times; one run must allocate 0 bytes.</summary>
    public static void NoneInOneOfThreeWindows(Action window, string what)
    {
        var seen = new List<long>();
        for (int attempt = 0; attempt < 3; attempt++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            window();
            long bytes = GC.GetAllocatedBytesForCurrentThread() - before;
            if (bytes == 0) return;
            seen.Add(bytes);
        }
        Assert.Fail($"{what}: every window allocated managed memory ({string.Join(", ", seen)} bytes)");
    }

    /// <summary>Runs <paramref name="fit"/>, which appends each training step's allocated bytes to
    /// <paramref name="perStep"/>, and checks that every step from <paramref name="from"/> on allocated 0 bytes; a
    /// failing run is repeated (warm: only its first two steps, a new Fit call's first batch, are left out), up to
    /// three runs, and one must be clean.</summary>
    public static void StepsAllocateNothing(List<long> perStep, int from, Action fit, int expectedSteps)
    {
        var failures = new List<string>();
        for (int attempt = 0; attempt < 3; attempt++)
        {
            perStep.Clear();
            fit();
            Assert.Equal(expectedSteps, perStep.Count);
            int skip = attempt == 0 ? from : 2;
            var bad = perStep.Select((bytes, step) => (bytes, step)).Skip(skip).Where(p => p.bytes != 0).ToList();
            if (bad.Count == 0) return;
            failures.Add($"window {attempt + 1}: {string.Join(", ", bad.Select(p => $"step {p.step}: {p.bytes} B"))}");
        }
        Assert.Fail($"Every window had training steps that allocated: {string.Join("; ", failures)}");
    }
}
