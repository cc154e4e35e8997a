namespace KerasNet.Bench;

/// <summary>Benchmark entry point: <c>dotnet run -c Release --project bench/KerasNet.Bench -- &lt;suite&gt; [options]</c>.</summary>
public static class Program
{
    /// <summary>Dispatches on the suite name in the first argument.</summary>
    public static int Main(string[] args)
    {
        string suite = args.Length > 0 ? args[0] : "";
        string[] rest = args.Length > 0 ? args[1..] : [];
        switch (suite)
        {
            case "gemm":
                return GemmBench.Run(rest);
            default:
                PrintUsage(suite);
                return 2;
        }
    }

    private static void PrintUsage(string suite)
    {
        if (suite.Length > 0) Console.Error.WriteLine($"Unknown benchmark suite '{suite}'.");
        Console.Error.WriteLine("""
            Usage: dotnet run -c Release --project bench/KerasNet.Bench -- <suite> [options]

            Suites:
              gemm    single-precision GEMM: square sizes and the example models' shapes, 1 and 2 threads,
                      side by side with OpenBLAS's cblas_sgemm; one JSON line per case.

            Options (gemm):
              --quick           fewer, shorter repetitions (smoke run)
              --filter <text>   only cases whose name contains <text>
              --threads <list>  thread counts to measure, comma separated (default 1,2)
              --isa <name>      force the kernel family: avx512, avx2, vector
              --path <name>     force the loop strategy: direct, packed
            """);
    }
}
