"""Expected strings of PythonFormatTests: CPython's str.format on the same templates and values.

Values marked F(...) are float32 (as Keras's logs are: float32 results turned into Python floats); the C#
test passes them as floats. Run: python3 scripts/golden/callbacks_format.py (prints the C# case lines).
"""
import struct


class F(float):
    """A float32 value, widened to a Python float as Keras's logs are."""

    def __new__(cls, x):
        obj = super().__new__(cls, struct.unpack("f", struct.pack("f", x))[0])
        obj.literal = repr(x)
        return obj


CASES = [
    ("ckpt-{epoch:02d}-{val_loss:.4f}.keras", dict(epoch=3, val_loss=F(0.123456))),
    ("{epoch:02d}", dict(epoch=12)), ("{epoch:03d}", dict(epoch=7)), ("{epoch}", dict(epoch=7)),
    ("{loss:.2e}", dict(loss=F(0.000123456))), ("{loss:.2e}", dict(loss=F(12345.678))),
    ("{loss:.2e}", dict(loss=0.0)), ("{loss:.3E}", dict(loss=F(1e-10))),
    ("{x:.2f}", dict(x=0.125)), ("{x:.2f}", dict(x=0.375)), ("{x:.0f}", dict(x=2.5)), ("{x:.0f}", dict(x=3.5)),
    ("{x:.1f}", dict(x=F(0.25))), ("{x:.2f}", dict(x=F(1.005))),
    ("{x}", dict(x=F(0.1))), ("{x}", dict(x=1e-05)), ("{x}", dict(x=1.0)), ("{x}", dict(x=1e16)),
    ("{x}", dict(x=123456789012345.0)),
    ("{x}", dict(x=float("nan"))), ("{x}", dict(x=float("inf"))), ("{x:.4f}", dict(x=float("-inf"))),
    ("{x:.2f}", dict(x=float("nan"))),
    ("{x:g}", dict(x=F(0.1))), ("{x:g}", dict(x=1234567.0)), ("{x:g}", dict(x=0.0001)), ("{x:g}", dict(x=0.00001)),
    ("{x:.3g}", dict(x=F(2.0))),
    ("{x:.3}", dict(x=123.0)), ("{x:.3}", dict(x=12.0)), ("{x:.3}", dict(x=F(0.5))),
    ("{x:8.3f}|{x:<8.3f}|{x:^9.2f}|{x:+.1f}|{x: .1f}|{x:*>10.2f}", dict(x=F(3.14159))),
    ("{x:010.3f}", dict(x=F(-3.14159))), ("{x:,.2f}", dict(x=1234567.891)), ("{n:,d}", dict(n=1234567)),
    ("{n:_d}", dict(n=1234567)),
    ("{n:5d}|{n:<5d}|{n:^5d}|{n:+d}|{n:x}|{n:#x}|{n:X}|{n:o}|{n:b}|{n:#b}", dict(n=42)),
    ("{n:.2f}", dict(n=3)), ("{n:e}", dict(n=3)), ("{n:%}", dict(n=1)), ("{x:.1%}", dict(x=F(0.256))),
    ("{{literal}} {epoch}", dict(epoch=1)), ("{x:.{p}f}", dict(x=F(2.0 / 3.0), p=3)),
    ("{x:e}", dict(x=F(9.9999999))), ("{x:.2e}", dict(x=9.995)), ("{x:.2e}", dict(x=F(9.996))),
    ("{x:.10f}", dict(x=F(0.1))), ("{x:.20f}", dict(x=0.1)), ("{x:.1f}", dict(x=-0.04)), ("{x:z.1f}", dict(x=-0.04)),
    ("{s}|{s:>6}|{s:.2}|{s!r}", dict(s="abc")), ("{x!s}", dict(x=F(0.5))),
    ("{x:f}", dict(x=5e-324)), ("{x:.3e}", dict(x=5e-324)), ("{x}", dict(x=5e-324)),
    ("{x}", dict(x=1.7976931348623157e308)),
    ("{x:#.0f}|{x:#.0e}|{x:#g}", dict(x=2.0)), ("{x:G}", dict(x=1e-20)), ("{x:n}", dict(x=F(0.3))),
]


def cs(value):
    if isinstance(value, F):
        return value.literal + "f"
    if isinstance(value, float):
        special = {"nan": "double.NaN", "inf": "double.PositiveInfinity", "-inf": "double.NegativeInfinity"}
        return special.get(repr(value), repr(value) + "d")
    if isinstance(value, int):
        return str(value)
    return '"' + value + '"'


for template, values in CASES:
    args = ", ".join(f'("{k}", {cs(v)})' for k, v in values.items())
    print(f'        ("{template}", "{template.format(**values)}", [{args}]),')
