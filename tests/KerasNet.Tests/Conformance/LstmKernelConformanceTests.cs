using KerasNet.Backend;
using Xunit;
using static KerasNet.Tests.Conformance.CellKernelKit;

namespace KerasNet.Tests.Conformance;

/// <summary>The fused LSTM cell kernels (IBackend.LstmCellForward / LstmCellBackward) against double-precision
/// references written from their documented definitions. Every operand lives in one buffer at its own offset with
/// a row stride longer than its row, so the padding between rows must stay untouched (it holds a sentinel); 11 units
/// exercise both the vector loop and its scalar tail. Tolerance: 2e-6 relative to each element's magnitude scale
/// (a few roundings of the float32 exp/tanh/sigmoid).</summary>
public class LstmKernelConformanceTests
{
    public static IEnumerable<object[]> Backends => BackendsUnderTest.Names;

    [Theory]
    [MemberData(nameof(Backends))]
    public void ForwardMatchesTheDefinition(string backendId)
    {
        var backend = BackendsUnderTest.Get(backendId);
        foreach (bool withCPrev in new[] { true, false })
        foreach (bool withCopies in new[] { true, false })
        {
            var l = new Layout();
            int u = Units;
            var p = new LstmCellParams
            {
                Batch = Batch, Units = u, Gates = l.Add("gates", 4 * u), Input = l.Add("input", 4 * u), CPrev = l.Add("cprev", u),
                C = l.Add("c", u), CCopy = l.Add("ccopy", u), H = l.Add("h", u), HCopy = l.Add("hcopy", u),
            };
            var rnd = new Random(withCPrev ? 1 : 2);
            var host = new float[l.Size];
            Array.Fill(host, Sentinel);
            for (int r = 0; r < Batch; r++)
            {
                // Pre-activations from tiny (where tanh needs its relative precision) to saturating.
                for (int j = 0; j < 4 * u; j++)
                {
                    double scale = (r + 1) % 3 == 0 ? 1e-3 : r == 4 ? 12 : 3;
                    l.Set(host, "gates", r, j, (float)((rnd.NextDouble() * 2 - 1) * scale));
                    l.Set(host, "input", r, j, (float)((rnd.NextDouble() * 2 - 1) * scale));
                }
                for (int j = 0; j < u; j++) l.Set(host, "cprev", r, j, (float)(rnd.NextDouble() * 4 - 2));
            }
            var got = Run(backend, host, buf => backend.LstmCellForward(p, buf, buf, withCPrev ? buf : null, buf,
                withCopies ? buf : null, buf, withCopies ? buf : null));
            for (int r = 0; r < Batch; r++)
            for (int j = 0; j < u; j++)
            {
                double Z(int k) => (double)(float)(l.Get(host, "gates", r, k * u + j) + l.Get(host, "input", r, k * u + j));
                double i = Sigmoid(Z(0)), f = Sigmoid(Z(1)), g = Math.Tanh(Z(2)), o = Sigmoid(Z(3));
                double cp = withCPrev ? l.Get(host, "cprev", r, j) : 0;
                double c = f * cp + i * g, h = o * Math.Tanh(c);
                string at = $"{backendId} cPrev {withCPrev} copies {withCopies} row {r} unit {j}";
                Near(i, l.Get(got, "gates", r, j), i, $"i {at}");
                Near(f, l.Get(got, "gates", r, u + j), f, $"f {at}");
                Near(g, l.Get(got, "gates", r, 2 * u + j), Math.Abs(g), $"g {at}");
                Near(o, l.Get(got, "gates", r, 3 * u + j), o, $"o {at}");
                double cScale = Math.Abs(f * cp) + Math.Abs(i * g);
                Near(c, l.Get(got, "c", r, j), cScale, $"c {at}");
                Near(h, l.Get(got, "h", r, j), o * (Math.Abs(Math.Tanh(c)) + cScale), $"h {at}");
                Assert.Equal(withCopies ? l.Get(got, "c", r, j) : Sentinel, l.Get(got, "ccopy", r, j));
                Assert.Equal(withCopies ? l.Get(got, "h", r, j) : Sentinel, l.Get(got, "hcopy", r, j));
                Assert.Equal(l.Get(host, "input", r, j), l.Get(got, "input", r, j));
                Assert.Equal(l.Get(host, "cprev", r, j), l.Get(got, "cprev", r, j));
            }
            for (long k = 0; k < host.Length; k++)
                if (!l.IsData(k)) Assert.True(got[k] == Sentinel, $"{backendId}: padding element {k} was overwritten with {got[k]}.");
        }
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void BackwardMatchesTheDefinition(string backendId)
    {
        var backend = BackendsUnderTest.Get(backendId);
        // (cPrev, dh, dh2, dc, dcPrev, dcPrev aliases dc)
        var variants = new (bool CPrev, bool Dh, bool Dh2, bool Dc, bool DcPrev, bool Alias)[]
        {
            (true, true, true, true, true, false), (true, true, false, true, true, true), (false, false, true, false, false, false),
            (true, true, false, false, true, false),
        };
        foreach (var v in variants)
        {
            var l = new Layout();
            int u = Units;
            var dcRows = l.Add("dc", u);
            var p = new LstmCellParams
            {
                Batch = Batch, Units = u, Gates = l.Add("gates", 4 * u), CPrev = l.Add("cprev", u), C = l.Add("c", u),
                H = l.Add("dh", u), HCopy = l.Add("dh2", u), DC = dcRows, DCPrev = v.Alias ? dcRows : l.Add("dcprev", u),
                DZ = l.Add("dz", 4 * u),
            };
            var rnd = new Random(3);
            var host = new float[l.Size];
            Array.Fill(host, Sentinel);
            for (int r = 0; r < Batch; r++)
            {
                for (int j = 0; j < 4 * u; j++)
                {
                    bool isG = j / u == 2;
                    l.Set(host, "gates", r, j, (float)(isG ? rnd.NextDouble() * 2 - 1 : rnd.NextDouble()));
                }
                foreach (var name in new[] { "cprev", "c", "dh", "dh2", "dc" })
                    for (int j = 0; j < u; j++) l.Set(host, name, r, j, (float)(rnd.NextDouble() * 4 - 2));
            }
            var got = Run(backend, host, buf => backend.LstmCellBackward(p, buf, v.CPrev ? buf : null, buf, v.Dh ? buf : null,
                v.Dh2 ? buf : null, v.Dc ? buf : null, v.DcPrev ? buf : null, buf));
            for (int r = 0; r < Batch; r++)
            for (int j = 0; j < u; j++)
            {
                double G(int k) => l.Get(host, "gates", r, k * u + j);
                double i = G(0), f = G(1), g = G(2), o = G(3);
                double cp = v.CPrev ? l.Get(host, "cprev", r, j) : 0;
                double tc = Math.Tanh(l.Get(host, "c", r, j));
                double dh = (v.Dh ? l.Get(host, "dh", r, j) : 0) + (v.Dh2 ? l.Get(host, "dh2", r, j) : 0);
                double dcIn = v.Dc ? l.Get(host, "dc", r, j) : 0;
                double dct = dcIn + dh * o * (1 - tc * tc);
                double dctScale = Math.Abs(dcIn) + Math.Abs(dh) * 2;
                string at = $"{backendId} {v} row {r} unit {j}";
                Near(dct * g * i * (1 - i), l.Get(got, "dz", r, j), dctScale, $"dz_i {at}");
                Near(dct * cp * f * (1 - f), l.Get(got, "dz", r, u + j), dctScale * Math.Abs(cp), $"dz_f {at}");
                Near(dct * i * (1 - g * g), l.Get(got, "dz", r, 2 * u + j), dctScale, $"dz_g {at}");
                Near(dh * tc * o * (1 - o), l.Get(got, "dz", r, 3 * u + j), Math.Abs(dh), $"dz_o {at}");
                string dcpName = v.Alias ? "dc" : "dcprev";
                if (v.DcPrev) Near(dct * f, l.Get(got, dcpName, r, j), dctScale, $"dcPrev {at}");
                else Assert.Equal(v.Alias ? l.Get(host, "dc", r, j) : Sentinel, l.Get(got, dcpName, r, j));
            }
            for (long k = 0; k < host.Length; k++)
                if (!l.IsData(k)) Assert.True(got[k] == Sentinel, $"{backendId}: padding element {k} was overwritten with {got[k]}.");
        }
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void RowsOutsideTheBufferAreRejected(string backendId)
    {
        var backend = BackendsUnderTest.Get(backendId);
        var buffer = backend.Allocate(64 * sizeof(float));
        try
        {
            var p = new LstmCellParams
            {
                Batch = 2, Units = 4, Gates = LstmRows.At(0, 16), Input = LstmRows.At(0, 16), C = LstmRows.At(32, 4),
                H = LstmRows.At(60, 4),
            };
            var e = Assert.ThrowsAny<ArgumentException>(() => backend.LstmCellForward(p, buffer, buffer, null, buffer, null, buffer, null));
            Assert.Equal("h", e.ParamName);
            var q = p with { H = LstmRows.At(40, 2) };
            Assert.ThrowsAny<ArgumentException>(() => backend.LstmCellForward(q, buffer, buffer, null, buffer, null, buffer, null));
        }
        finally
        {
            backend.Recycle(buffer);
        }
    }
}
