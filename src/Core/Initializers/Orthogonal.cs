using System.Text.Json.Nodes;
using KerasNet.Saving;

namespace KerasNet.Initializers;

/// <summary>An orthogonal matrix, as keras.initializers.Orthogonal: the shape is flattened to
/// (product of all but the last dimension, last dimension); a normal matrix of shape (max, min) of those is
/// drawn and factored A = QR, Q's columns are multiplied by the signs of R's diagonal (making the draw
/// uniform over orthogonal matrices), Q is transposed when there are fewer rows than columns, reshaped and
/// multiplied by <see cref="Gain"/>. The result has orthonormal columns (rows ≥ columns) or orthonormal rows.
/// The QR factorization (Householder, in double) runs on the host; Ops has no QR.</summary>
[KerasSerializable("Orthogonal", "orthogonal", "OrthogonalInitializer", "orthogonal_initializer")]
public sealed class Orthogonal : RandomInitializer
{
    /// <summary>Creates the initializer.</summary>
    /// <param name="gain">Factor applied to the orthogonal matrix.</param>
    /// <param name="seed">Fixed seed, or null to draw one.</param>
    public Orthogonal(float gain = 1f, long? seed = null) : base(seed) => Gain = gain;

    /// <summary>Factor applied to the orthogonal matrix.</summary>
    public float Gain { get; }

    /// <inheritdoc/>
    public override Tensor Call(Shape shape)
    {
        if (shape.Rank < 2)
            throw new ArgumentException($"The tensor to initialize must be at least two-dimensional. Received: shape={shape} of rank {shape.Rank}.", nameof(shape));
        int cols = shape[-1];
        int rows = checked((int)(shape.Size / Math.Max(cols, 1)));
        int m = Math.Max(rows, cols), n = Math.Min(rows, cols);
        float[] sample;
        using (var a = Ops.RandomNormal(new Shape(m, n), 0f, 1f, NewGenerator())) sample = a.ToArray();
        var q = OrthonormalColumns(sample, m, n);
        var result = new float[(long)rows * cols];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                // Q is (m, n); with fewer rows than columns the result is Qᵀ, (n, m) = (rows, cols).
                int index = rows >= cols ? i * cols + j : j * cols + i;
                result[index] = (float)(Gain * q[i * n + j]);
            }
        return Tensor.FromArray<float>(result, shape);
    }

    /// <summary>The Q of A = QR (A is m×n row-major, m ≥ n) with each column multiplied by the sign of R's
    /// diagonal entry, computed by Householder reflections in double.</summary>
    internal static double[] OrthonormalColumns(float[] a, int m, int n)
    {
        var r = new double[m * n];
        for (int i = 0; i < r.Length; i++) r[i] = a[i];
        var vs = new double[n][];
        for (int k = 0; k < n; k++)
        {
            var v = new double[m - k];
            double norm = 0;
            for (int i = k; i < m; i++) { v[i - k] = r[i * n + k]; norm += v[i - k] * v[i - k]; }
            norm = Math.Sqrt(norm);
            double alpha = v[0] >= 0 ? -norm : norm;
            v[0] -= alpha;
            double vNorm = 0;
            foreach (var x in v) vNorm += x * x;
            vNorm = Math.Sqrt(vNorm);
            if (vNorm > 0) for (int i = 0; i < v.Length; i++) v[i] /= vNorm;
            vs[k] = v;
            if (vNorm == 0) continue;
            for (int j = k; j < n; j++)
            {
                double dot = 0;
                for (int i = k; i < m; i++) dot += v[i - k] * r[i * n + j];
                for (int i = k; i < m; i++) r[i * n + j] -= 2 * dot * v[i - k];
            }
        }
        // Q = H0 H1 ... H(n-1) applied to the first n columns of the identity.
        var q = new double[m * n];
        for (int j = 0; j < n; j++) q[j * n + j] = 1;
        for (int k = n - 1; k >= 0; k--)
        {
            var v = vs[k];
            for (int j = 0; j < n; j++)
            {
                double dot = 0;
                for (int i = k; i < m; i++) dot += v[i - k] * q[i * n + j];
                for (int i = k; i < m; i++) q[i * n + j] -= 2 * dot * v[i - k];
            }
        }
        for (int j = 0; j < n; j++)
        {
            double s = Math.Sign(r[j * n + j]);
            for (int i = 0; i < m; i++) q[i * n + j] *= s;
        }
        return q;
    }

    /// <inheritdoc/>
    public override JsonObject GetConfig()
    {
        var c = base.GetConfig();
        c["gain"] = Gain;
        return c;
    }

    /// <summary>Rebuilds the initializer from its Keras config.</summary>
    public static Orthogonal FromConfig(JsonObject config) => new(config.GetFloat("gain", 1f), ReadSeed(config));
}
