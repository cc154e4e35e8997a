using KerasNet.Backend;
using Xunit;
using static KerasNet.Tests.Conformance.CellKernelKit;

namespace KerasNet.Tests.Conformance;

/// <summary>The fused GRU cell kernels (IBackend.GruCellForward / GruCellBackward, reset_after) against
/// double-precision references written from their documented definitions. Every operand lives in one buffer at its
/// own offset with a row stride longer than its row, so the padding between rows must stay untouched (it holds a
/// sentinel); 11 units exercise both the vector loop and its scalar tail. Tolerance: 2e-6 relative to each
/// element's magnitude scale (a few roundings of the float32 exp/tanh/sigmoid).</summary>
public class GruKernelConformanceTests
{
    public static IEnumerable<object[]> Backends => BackendsUnderTest.Names;

    [Theory]
    [MemberData(nameof(Backends))]
    public void ForwardMatchesTheDefinition(string backendId)
    {
        var backend = BackendsUnderTest.Get(backendId);
        foreach (bool withHPrev in new[] { true, false })
        foreach (bool withBias in new[] { true, false })
        foreach (bool withCopy in new[] { true, false })
        {
            var l = new Layout();
            int u = Units;
            var biasRows = l.Add("bias", 3 * u);
            var p = new GruCellParams
            {
                Batch = Batch, Units = u, Gates = l.Add("gates", 3 * u), Input = l.Add("input", 3 * u),
                Bias = LstmRows.At(biasRows.Offset, 0), HPrev = l.Add("hprev", u), RecurrentH = l.Add("rech", u),
                H = l.Add("h", u), HCopy = l.Add("hcopy", u),
            };
            var rnd = new Random(withHPrev ? 1 : 2);
            var host = new float[l.Size];
            Array.Fill(host, Sentinel);
            for (int r = 0; r < Batch; r++)
            {
                // Pre-activations from tiny (where tanh needs its relative precision) to saturating.
                double scale = (r + 1) % 3 == 0 ? 1e-3 : r == 4 ? 12 : 3;
                for (int j = 0; j < 3 * u; j++)
                {
                    l.Set(host, "gates", r, j, (float)((rnd.NextDouble() * 2 - 1) * scale));
                    l.Set(host, "input", r, j, (float)((rnd.NextDouble() * 2 - 1) * scale));
                    l.Set(host, "bias", r, j, (float)((rnd.NextDouble() * 2 - 1) * (r == 0 ? 0.5 : 100)));
                }
                for (int j = 0; j < u; j++) l.Set(host, "hprev", r, j, (float)(rnd.NextDouble() * 4 - 2));
            }
            var got = Run(backend, host, buf => backend.GruCellForward(p, buf, buf, withBias ? buf : null, withHPrev ? buf : null, buf,
                buf, withCopy ? buf : null));
            for (int r = 0; r < Batch; r++)
            for (int j = 0; j < u; j++)
            {
                // The bias has stride 0: row 0 serves every row.
                double A(int k) => (double)(float)(l.Get(host, "gates", r, k * u + j) + (withBias ? l.Get(host, "bias", 0, k * u + j) : 0));
                double X(int k) => l.Get(host, "input", r, k * u + j);
                double z = Sigmoid((float)(X(0) + A(0))), rr = Sigmoid((float)(X(1) + A(1)));
                double ahf = A(2);
                double pre = X(2) + rr * ahf, hh = Math.Tanh(pre);
                double hp = withHPrev ? l.Get(host, "hprev", r, j) : 0;
                double h = z * hp + (1 - z) * hh;
                string at = $"{backendId} hPrev {withHPrev} bias {withBias} copy {withCopy} row {r} unit {j}";
                Near(z, l.Get(got, "gates", r, j), z, $"z {at}");
                Near(rr, l.Get(got, "gates", r, u + j), rr, $"r {at}");
                Near(hh, l.Get(got, "gates", r, 2 * u + j), Math.Abs(hh) + Math.Abs(ahf) * (1 - hh * hh), $"ĥ {at}");
                Assert.Equal((float)ahf, (float)l.Get(got, "rech", r, j));
                double hScale = Math.Abs(z * hp) + Math.Abs(hh) + Math.Abs(ahf) + 1;
                Near(h, l.Get(got, "h", r, j), hScale, $"h {at}");
                Assert.Equal(withCopy ? l.Get(got, "h", r, j) : Sentinel, l.Get(got, "hcopy", r, j));
                Assert.Equal(l.Get(host, "input", r, j), l.Get(got, "input", r, j));
                Assert.Equal(l.Get(host, "hprev", r, j), l.Get(got, "hprev", r, j));
                Assert.Equal(l.Get(host, "bias", r, j), l.Get(got, "bias", r, j));
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
        // (hPrev, dh, dh2, dhPrev, dhPrev aliases dh, dRecurrent over the gates)
        var variants = new (bool HPrev, bool Dh, bool Dh2, bool DhPrev, bool Alias, bool InPlace)[]
        {
            (true, true, true, true, false, false), (true, true, false, true, true, true), (false, false, true, false, false, false),
            (true, true, true, true, true, false), (false, true, false, true, false, true),
        };
        foreach (var v in variants)
        {
            var l = new Layout();
            int u = Units;
            var dhRows = l.Add("dh", u);
            var gateRows = l.Add("gates", 3 * u);
            var p = new GruCellParams
            {
                Batch = Batch, Units = u, Gates = gateRows, RecurrentH = l.Add("rech", u), HPrev = l.Add("hprev", u),
                H = dhRows, HCopy = l.Add("dh2", u), DHPrev = v.Alias ? dhRows : l.Add("dhprev", u), DInput = l.Add("dinput", 3 * u),
                DRecurrent = v.InPlace ? gateRows : l.Add("drec", 3 * u),
            };
            var rnd = new Random(3);
            var host = new float[l.Size];
            Array.Fill(host, Sentinel);
            for (int r = 0; r < Batch; r++)
            {
                for (int j = 0; j < 3 * u; j++)
                {
                    bool isH = j / u == 2;
                    l.Set(host, "gates", r, j, (float)(isH ? rnd.NextDouble() * 2 - 1 : rnd.NextDouble()));
                }
                foreach (var name in new[] { "rech", "hprev", "dh", "dh2" })
                    for (int j = 0; j < u; j++) l.Set(host, name, r, j, (float)(rnd.NextDouble() * 4 - 2));
            }
            var got = Run(backend, host, buf => backend.GruCellBackward(p, buf, buf, v.HPrev ? buf : null, v.Dh ? buf : null,
                v.Dh2 ? buf : null, v.DhPrev ? buf : null, buf, buf));
            string dRecName = v.InPlace ? "gates" : "drec";
            for (int r = 0; r < Batch; r++)
            for (int j = 0; j < u; j++)
            {
                double G(int k) => l.Get(host, "gates", r, k * u + j);
                double z = G(0), rr = G(1), hh = G(2);
                double a = l.Get(host, "rech", r, j);
                double hp = v.HPrev ? l.Get(host, "hprev", r, j) : 0;
                double dh = (v.Dh ? l.Get(host, "dh", r, j) : 0) + (v.Dh2 ? l.Get(host, "dh2", r, j) : 0);
                double dz = dh * (hp - hh) * z * (1 - z);
                double dhh = dh * (1 - z) * (1 - hh * hh);
                double dr = dhh * a * rr * (1 - rr);
                double s = Math.Abs(dh) * 2 + 1e-3;
                string at = $"{backendId} {v} row {r} unit {j}";
                Near(dz, l.Get(got, "dinput", r, j), s * (Math.Abs(hp) + 1), $"dx_z {at}");
                Near(dr, l.Get(got, "dinput", r, u + j), s * Math.Abs(a), $"dx_r {at}");
                Near(dhh, l.Get(got, "dinput", r, 2 * u + j), s, $"dx_h {at}");
                Near(dz, l.Get(got, dRecName, r, j), s * (Math.Abs(hp) + 1), $"da_z {at}");
                Near(dr, l.Get(got, dRecName, r, u + j), s * Math.Abs(a), $"da_r {at}");
                Near(dhh * rr, l.Get(got, dRecName, r, 2 * u + j), s, $"da_h {at}");
                string dhpName = v.Alias ? "dh" : "dhprev";
                if (v.DhPrev) Near(dh * z, l.Get(got, dhpName, r, j), s, $"dhPrev {at}");
                else Assert.Equal(v.Alias ? l.Get(host, "dh", r, j) : Sentinel, l.Get(got, dhpName, r, j));
                if (!v.InPlace) Assert.Equal(l.Get(host, "gates", r, j), l.Get(got, "gates", r, j));
                Assert.Equal(l.Get(host, "rech", r, j), l.Get(got, "rech", r, j));
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
            var p = new GruCellParams
            {
                Batch = 2, Units = 4, Gates = LstmRows.At(0, 12), Input = LstmRows.At(24, 12), RecurrentH = LstmRows.At(48, 4),
                H = LstmRows.At(60, 4),
            };
            var e = Assert.ThrowsAny<ArgumentException>(() => backend.GruCellForward(p, buffer, buffer, null, null, buffer, buffer, null));
            Assert.Equal("h", e.ParamName);
            var q = p with { H = default, Bias = LstmRows.At(56, 0) };
            e = Assert.ThrowsAny<ArgumentException>(() => backend.GruCellForward(q, buffer, buffer, buffer, null, buffer, null, null));
            Assert.Equal("bias", e.ParamName);
            var d = new GruCellParams
            {
                Batch = 2, Units = 4, Gates = LstmRows.At(0, 12), RecurrentH = LstmRows.At(24, 4), DInput = LstmRows.At(48, 12),
                DRecurrent = LstmRows.At(0, 12),
            };
            e = Assert.ThrowsAny<ArgumentException>(() => backend.GruCellBackward(d, buffer, buffer, null, null, null, null, buffer, buffer));
            Assert.Equal("dInput", e.ParamName);
        }
        finally
        {
            backend.Recycle(buffer);
        }
    }
}
