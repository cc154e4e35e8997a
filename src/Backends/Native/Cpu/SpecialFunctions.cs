using System.Runtime.CompilerServices;
namespace KerasNet.Backends.Native.Cpu;

/// <summary>Scalar special functions the BCL lacks, accurate to better than float32 precision.</summary>
internal static class SpecialFunctions
{
    /// <summary>The error function: a Maclaurin series near 0 (keeps relative accuracy for tiny x) and the
    /// Chebyshev-fitted erfc of Numerical Recipes (fractional error below 1.2e-7) elsewhere.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Erf(double x)
    {
        double ax = Math.Abs(x);
        if (ax < 0.5)
        {
            // erf x = 2/sqrt(pi) * sum (-1)^n x^(2n+1) / (n! (2n+1))
            double term = x, sum = x, x2 = x * x;
            for (int n = 1; n < 20; n++)
            {
                term *= -x2 / n;
                double add = term / (2 * n + 1);
                sum += add;
                if (Math.Abs(add) < 1e-17 * Math.Abs(sum)) break;
            }
            return sum * 1.1283791670955126;
        }
        double t = 1.0 / (1.0 + 0.5 * ax);
        double erfc = t * Math.Exp(-ax * ax - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
            t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? 1 - erfc : erfc - 1;
    }
}
