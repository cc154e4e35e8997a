using Xunit;

namespace KerasNet.Tests;

/// <summary>Tests that measure process-wide state (managed allocations per step, thread counts, timings)
/// run in this collection: after the parallel tests, one at a time. The device buffer pool is shared, so a
/// parallel test holding buffers would make a steady-state step allocate new ones.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialCollection
{
    public const string Name = "Serial (allocation and thread-count measurements)";
}
