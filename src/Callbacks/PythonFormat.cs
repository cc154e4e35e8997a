using System.Globalization;
using System.Numerics;
using System.Text;

namespace KerasNet.Callbacks;

/// <summary>Python's <c>str.format</c> with named fields, as Keras fills checkpoint file names:
/// <c>"ckpt-{epoch:02d}-{val_loss:.4f}.keras"</c>. Fields are <c>{name}</c>, <c>{name!r}</c> or
/// <c>{name:spec}</c> with Python's format-spec mini-language
/// (<c>[[fill]align][sign][z][#][0][width][,|_][.precision][type]</c>); <c>{{</c> and <c>}}</c> are literal
/// braces. Floats are rounded exactly as Python rounds them (the exact binary value, ties to even), and a
/// float without a type prints as Python's <c>repr</c> (<c>0.10000000149011612</c>, <c>1e-05</c>).</summary>
public static class PythonFormat
{
    /// <summary>Fills <paramref name="template"/> with <paramref name="values"/> (ints, longs, floats, doubles,
    /// bools or strings). A field naming a missing key throws a <see cref="KeyNotFoundException"/> that lists the
    /// available keys; a malformed template or a spec that does not fit the value (e.g. <c>{loss:d}</c> for a
    /// float) throws a <see cref="FormatException"/>.</summary>
    public static string Format(string template, IReadOnlyDictionary<string, object?> values)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(values);
        var sb = new StringBuilder(template.Length + 16);
        int i = 0;
        while (i < template.Length)
        {
            char c = template[i];
            if (c == '{')
            {
                if (i + 1 < template.Length && template[i + 1] == '{')
                {
                    sb.Append('{');
                    i += 2;
                    continue;
                }
                int end = FindFieldEnd(template, i);
                sb.Append(FormatField(template, template.Substring(i + 1, end - i - 1), values));
                i = end + 1;
            }
            else if (c == '}')
            {
                if (i + 1 < template.Length && template[i + 1] == '}')
                {
                    sb.Append('}');
                    i += 2;
                    continue;
                }
                throw new FormatException($"Single '}}' at position {i} in the format string \"{template}\" (write '}}}}' for a literal brace).");
            }
            else
            {
                sb.Append(c);
                i++;
            }
        }
        return sb.ToString();
    }

    // The index of the '}' closing the field opened at 'start', allowing one level of nested fields in the spec.
    private static int FindFieldEnd(string template, int start)
    {
        int depth = 0;
        for (int j = start + 1; j < template.Length; j++)
        {
            if (template[j] == '{') depth++;
            else if (template[j] == '}')
            {
                if (depth == 0) return j;
                depth--;
            }
        }
        throw new FormatException($"Unclosed '{{' at position {start} in the format string \"{template}\" (write '{{{{' for a literal brace).");
    }

    private static string FormatField(string template, string field, IReadOnlyDictionary<string, object?> values)
    {
        int stop = field.IndexOfAny(['!', ':']);
        string name = stop < 0 ? field : field[..stop];
        char conversion = '\0';
        string spec = "";
        if (stop >= 0 && field[stop] == '!')
        {
            if (stop + 1 >= field.Length || (stop + 2 < field.Length && field[stop + 2] != ':'))
                throw new FormatException($"Invalid conversion in the field {{{field}}} of \"{template}\": expected !s, !r or !a.");
            conversion = field[stop + 1];
            if (conversion is not ('s' or 'r' or 'a'))
                throw new FormatException($"Unknown conversion '!{conversion}' in the field {{{field}}} of \"{template}\": expected !s, !r or !a.");
            if (stop + 2 < field.Length) spec = field[(stop + 3)..];
        }
        else if (stop >= 0) spec = field[(stop + 1)..];

        if (name.Length == 0 || name.All(char.IsAsciiDigit))
            throw new FormatException($"The format string \"{template}\" has a positional field {{{name}}}; only named fields such as {{epoch}} or {{val_loss:.4f}} can be filled. Available keys: {KeyList(values)}.");
        if (name.IndexOfAny(['.', '[']) >= 0)
            throw new FormatException($"The field {{{field}}} of \"{template}\" uses attribute or index access, which is not supported; name a key directly. Available keys: {KeyList(values)}.");
        var value = Lookup(template, name, values);
        if (spec.Contains('{')) spec = Format(spec, values);

        if (conversion != '\0')
        {
            string text = conversion == 's' ? Str(value) : ReprOf(value);
            return FormatString(text, ParseSpec(spec, template, field), template, field);
        }
        var s = ParseSpec(spec, template, field);
        return value switch
        {
            string str => FormatString(str, s, template, field),
            bool b => s.Type == '\0' && s.IsEmpty ? (b ? "True" : "False") : FormatInteger(b ? 1 : 0, s, template, field),
            float f => FormatFloat(f, s, template, field),
            double d => FormatFloat(d, s, template, field),
            decimal m => FormatFloat((double)m, s, template, field),
            sbyte or byte or short or ushort or int or uint or long or ulong => FormatInteger(Convert.ToInt64(value, CultureInfo.InvariantCulture), s, template, field),
            null => FormatString("None", s, template, field),
            _ => FormatString(Convert.ToString(value, CultureInfo.InvariantCulture) ?? "", s, template, field),
        };
    }

    private static object? Lookup(string template, string name, IReadOnlyDictionary<string, object?> values)
    {
        if (values.TryGetValue(name, out var v)) return v;
        throw new KeyNotFoundException($"The format string \"{template}\" names the key '{name}', which is not available. Available keys: {KeyList(values)}.");
    }

    private static string KeyList(IReadOnlyDictionary<string, object?> values) =>
        values.Count == 0 ? "(none)" : string.Join(", ", values.Keys);

    private static string Str(object? value) => value switch
    {
        null => "None",
        string s => s,
        bool b => b ? "True" : "False",
        float f => Repr(f),
        double d => Repr(d),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };

    private static string ReprOf(object? value) => value is string s ? "'" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "'" : Str(value);

    // ----- the format spec -----

    private sealed class Spec
    {
        public char Fill = ' ';
        public char Align;        // '<', '>', '^', '=' or '\0'
        public char Sign;         // '+', '-', ' ' or '\0'
        public bool Z;
        public bool Alternate;
        public int Width = -1;
        public char Grouping;     // ',', '_' or '\0'
        public int Precision = -1;
        public char Type;         // '\0' when absent
        public bool IsEmpty;
    }

    private static Spec ParseSpec(string spec, string template, string field)
    {
        var s = new Spec { IsEmpty = spec.Length == 0 };
        int i = 0;
        static bool IsAlign(char c) => c is '<' or '>' or '^' or '=';
        if (spec.Length >= 2 && IsAlign(spec[1]))
        {
            s.Fill = spec[0];
            s.Align = spec[1];
            i = 2;
        }
        else if (spec.Length >= 1 && IsAlign(spec[0]))
        {
            s.Align = spec[0];
            i = 1;
        }
        if (i < spec.Length && spec[i] is '+' or '-' or ' ') s.Sign = spec[i++];
        if (i < spec.Length && spec[i] == 'z') { s.Z = true; i++; }
        if (i < spec.Length && spec[i] == '#') { s.Alternate = true; i++; }
        if (i < spec.Length && spec[i] == '0')
        {
            if (s.Align == '\0') { s.Fill = '0'; s.Align = '='; }
            i++;
        }
        int w = i;
        while (i < spec.Length && char.IsAsciiDigit(spec[i])) i++;
        if (i > w) s.Width = int.Parse(spec.AsSpan(w, i - w), CultureInfo.InvariantCulture);
        if (i < spec.Length && spec[i] is ',' or '_') s.Grouping = spec[i++];
        if (i < spec.Length && spec[i] == '.')
        {
            int p = ++i;
            while (i < spec.Length && char.IsAsciiDigit(spec[i])) i++;
            if (i == p) throw new FormatException($"Format specifier missing precision in the field {{{field}}} of \"{template}\".");
            s.Precision = int.Parse(spec.AsSpan(p, i - p), CultureInfo.InvariantCulture);
        }
        if (i < spec.Length) s.Type = spec[i++];
        if (i < spec.Length) throw new FormatException($"Invalid format specifier '{spec}' in the field {{{field}}} of \"{template}\".");
        return s;
    }

    private static string FormatString(string text, Spec s, string template, string field)
    {
        if (s.Type is not ('\0' or 's')) throw new FormatException($"Unknown format code '{s.Type}' for a string value in the field {{{field}}} of \"{template}\".");
        if (s.Sign != '\0') throw new FormatException($"Sign not allowed in a string format specifier (the field {{{field}}} of \"{template}\").");
        if (s.Align == '=') throw new FormatException($"'=' alignment not allowed in a string format specifier (the field {{{field}}} of \"{template}\").");
        if (s.Precision >= 0 && text.Length > s.Precision) text = text[..s.Precision];
        return Pad("", text, s, defaultAlign: '<');
    }

    private static string FormatInteger(long value, Spec s, string template, string field)
    {
        switch (s.Type)
        {
            case 'e' or 'E' or 'f' or 'F' or 'g' or 'G' or '%':
                return FormatFloat(value, s, template, field);
            case 's':
                throw new FormatException($"Unknown format code 's' for an integer value in the field {{{field}}} of \"{template}\".");
        }
        if (s.Precision >= 0) throw new FormatException($"Precision not allowed in an integer format specifier (the field {{{field}}} of \"{template}\").");
        var magnitude = BigInteger.Abs(value);
        string digits, prefix = "";
        switch (s.Type)
        {
            case '\0' or 'd' or 'n':
                digits = Group(magnitude.ToString(CultureInfo.InvariantCulture), s.Grouping, 3);
                break;
            case 'x' or 'X':
                digits = Group(ToBase(magnitude, 16, s.Type == 'X'), s.Grouping == '_' ? '_' : '\0', 4);
                if (s.Alternate) prefix = s.Type == 'X' ? "0X" : "0x";
                break;
            case 'o':
                digits = Group(ToBase(magnitude, 8, false), s.Grouping == '_' ? '_' : '\0', 4);
                if (s.Alternate) prefix = "0o";
                break;
            case 'b':
                digits = Group(ToBase(magnitude, 2, false), s.Grouping == '_' ? '_' : '\0', 4);
                if (s.Alternate) prefix = "0b";
                break;
            case 'c':
                digits = char.ConvertFromUtf32((int)value);
                return Pad("", digits, s, defaultAlign: '<');
            default:
                throw new FormatException($"Unknown format code '{s.Type}' for an integer value in the field {{{field}}} of \"{template}\".");
        }
        return Pad(SignOf(value < 0, s) + prefix, digits, s, defaultAlign: '>');
    }

    private static string FormatFloat(double value, Spec s, string template, string field)
    {
        char type = s.Type;
        if (type is not ('\0' or 'e' or 'E' or 'f' or 'F' or 'g' or 'G' or 'n' or '%'))
            throw new FormatException($"Unknown format code '{type}' for a float value in the field {{{field}}} of \"{template}\" (use e.g. {{{NameOf(field)}:.4f}} or {{{NameOf(field)}:.2e}}).");
        bool negative = double.IsNegative(value) && !double.IsNaN(value);
        double a = Math.Abs(value);
        string body;
        if (double.IsNaN(a) || double.IsInfinity(a))
        {
            body = double.IsNaN(a) ? "nan" : "inf";
            if (type is 'E' or 'F' or 'G') body = body.ToUpperInvariant();
            if (type == '%') body += "%";
        }
        else
        {
            body = type switch
            {
                'f' or 'F' => Fixed(a, s.Precision < 0 ? 6 : s.Precision, s.Alternate, s.Grouping),
                '%' => Fixed(a * 100, s.Precision < 0 ? 6 : s.Precision, s.Alternate, s.Grouping) + "%",
                'e' or 'E' => Scientific(a, s.Precision < 0 ? 6 : s.Precision, s.Alternate, type == 'E'),
                'g' or 'G' or 'n' => General(a, s.Precision < 0 ? 6 : s.Precision, s.Alternate, type == 'G', s.Grouping, noTypeRule: false),
                _ => s.Precision < 0 ? ReprBody(a, s.Grouping) : General(a, s.Precision, s.Alternate, false, s.Grouping, noTypeRule: true),
            };
            if (s.Z && negative && IsAllZero(body)) negative = false;
        }
        return Pad(SignOf(negative, s), body, s, defaultAlign: '>');
    }

    private static string NameOf(string field)
    {
        int stop = field.IndexOfAny(['!', ':']);
        return stop < 0 ? field : field[..stop];
    }

    private static bool IsAllZero(string body)
    {
        foreach (char c in body)
        {
            if (c == 'e' || c == 'E') break;
            if (char.IsAsciiDigit(c) && c != '0') return false;
        }
        return true;
    }

    private static string SignOf(bool negative, Spec s) => negative ? "-" : s.Sign switch { '+' => "+", ' ' => " ", _ => "" };

    private static string Pad(string sign, string body, Spec s, char defaultAlign)
    {
        int len = sign.Length + body.Length;
        if (s.Width <= len) return sign + body;
        int pad = s.Width - len;
        char align = s.Align == '\0' ? defaultAlign : s.Align;
        return align switch
        {
            '<' => sign + body + new string(s.Fill, pad),
            '^' => new string(s.Fill, pad / 2) + sign + body + new string(s.Fill, pad - pad / 2),
            '=' => sign + new string(s.Fill, pad) + body,
            _ => new string(s.Fill, pad) + sign + body,
        };
    }

    private static string Group(string digits, char separator, int size)
    {
        if (separator == '\0' || digits.Length <= size) return digits;
        var sb = new StringBuilder();
        int first = digits.Length % size;
        if (first > 0) sb.Append(digits, 0, first);
        for (int i = first; i < digits.Length; i += size)
        {
            if (sb.Length > 0) sb.Append(separator);
            sb.Append(digits, i, size);
        }
        return sb.ToString();
    }

    private static string ToBase(BigInteger n, int radix, bool upper)
    {
        if (n.IsZero) return "0";
        const string lower = "0123456789abcdef";
        var sb = new StringBuilder();
        while (!n.IsZero)
        {
            sb.Insert(0, lower[(int)(n % radix)]);
            n /= radix;
        }
        return upper ? sb.ToString().ToUpperInvariant() : sb.ToString();
    }

    // ----- exact decimal rendering of doubles -----

    // |v| = digits × 10^-scale exactly.
    private static (BigInteger Digits, int Scale) Exact(double v)
    {
        long bits = BitConverter.DoubleToInt64Bits(Math.Abs(v));
        int exponent = (int)((bits >> 52) & 0x7FF);
        long mantissa = bits & ((1L << 52) - 1);
        int e;
        if (exponent == 0) e = -1074;
        else
        {
            mantissa |= 1L << 52;
            e = exponent - 1075;
        }
        if (mantissa == 0) return (BigInteger.Zero, 0);
        return e >= 0 ? (new BigInteger(mantissa) << e, 0) : (mantissa * BigInteger.Pow(5, -e), -e);
    }

    // Divides by 10^k rounding half to even.
    private static BigInteger DivRound(BigInteger n, int k)
    {
        if (k <= 0) return n * BigInteger.Pow(10, -k);
        var div = BigInteger.Pow(10, k);
        var q = BigInteger.DivRem(n, div, out var r);
        int cmp = (r * 2).CompareTo(div);
        if (cmp > 0 || (cmp == 0 && !q.IsEven)) q += 1;
        return q;
    }

    private static int DigitCount(BigInteger n) => n.IsZero ? 1 : n.ToString(CultureInfo.InvariantCulture).Length;

    private static string Fixed(double a, int precision, bool alternate, char grouping)
    {
        var (digits, scale) = Exact(a);
        var q = DivRound(digits, scale - precision);
        string s = q.ToString(CultureInfo.InvariantCulture).PadLeft(precision + 1, '0');
        string intPart = Group(s[..^precision], grouping, 3);
        if (precision == 0) return alternate ? intPart + "." : intPart;
        return intPart + "." + s[^precision..];
    }

    // The significant digits (precision + 1 of them) and the decimal exponent of a, rounded half to even.
    private static (string Digits, int Exponent) Significant(double a, int precision)
    {
        var (digits, scale) = Exact(a);
        if (digits.IsZero) return (new string('0', precision + 1), 0);
        int length = DigitCount(digits);
        int exponent = length - 1 - scale;
        var q = DivRound(digits, length - (precision + 1));
        string s = q.ToString(CultureInfo.InvariantCulture);
        if (s.Length > precision + 1)
        {
            s = s[..(precision + 1)];
            exponent++;
        }
        return (s, exponent);
    }

    private static string Exponent(int exponent, bool upper) =>
        (upper ? "E" : "e") + (exponent < 0 ? "-" : "+") + Math.Abs(exponent).ToString("00", CultureInfo.InvariantCulture);

    private static string Scientific(double a, int precision, bool alternate, bool upper)
    {
        var (s, exponent) = Significant(a, precision);
        string mantissa = s.Length > 1 ? s[..1] + "." + s[1..] : alternate ? s + "." : s;
        return mantissa + Exponent(exponent, upper);
    }

    private static string General(double a, int precision, bool alternate, bool upper, char grouping, bool noTypeRule)
    {
        int p = precision == 0 ? 1 : precision;
        var (_, x) = Significant(a, p - 1);
        // As CPython: exponent notation when the exponent is below -4 or reaches the precision (one less
        // without a type, which then keeps a ".0" on integral values).
        bool scientific = x < -4 || x >= (noTypeRule ? p - 1 : p);
        string text;
        if (!scientific)
        {
            text = Fixed(a, Math.Max(p - 1 - x, 0), alternate, grouping);
            if (!alternate) text = TrimZeros(text);
            if (noTypeRule && !text.Contains('.')) text += ".0";
        }
        else
        {
            text = Scientific(a, p - 1, alternate, upper);
            if (!alternate)
            {
                int e = text.IndexOf(upper ? 'E' : 'e');
                text = TrimZeros(text[..e]) + text[e..];
            }
        }
        return text;
    }

    private static string TrimZeros(string s)
    {
        if (!s.Contains('.')) return s;
        s = s.TrimEnd('0');
        return s.EndsWith('.') ? s[..^1] : s;
    }

    // ----- repr -----

    /// <summary>Python's <c>repr</c> of a float (<c>str()</c> of a Python float is the same): the shortest
    /// digits that read back to the same double, fixed-point between 1e-4 and 1e16 with at least one decimal
    /// ("1.0"), scientific otherwise ("1e-05", "1.5e+16"); "nan", "inf", "-inf".</summary>
    public static string Repr(double value)
    {
        if (double.IsNaN(value)) return "nan";
        if (double.IsInfinity(value)) return value > 0 ? "inf" : "-inf";
        string body = ReprBody(Math.Abs(value), '\0');
        return (double.IsNegative(value) ? "-" : "") + body;
    }

    private static string ReprBody(double a, char grouping)
    {
        var (digits, exponent) = Shortest(a);
        if (exponent < -4 || exponent >= 16)
        {
            string mantissa = digits.Length > 1 ? digits[..1] + "." + digits[1..] : digits;
            return mantissa + Exponent(exponent, upper: false);
        }
        string intPart, frac;
        if (exponent >= 0)
        {
            string padded = digits.PadRight(exponent + 1, '0');
            intPart = padded[..(exponent + 1)];
            frac = padded[(exponent + 1)..];
        }
        else
        {
            intPart = "0";
            frac = new string('0', -exponent - 1) + digits;
        }
        return Group(intPart, grouping, 3) + "." + (frac.Length == 0 ? "0" : frac);
    }

    // The shortest round-trip digits of a (no leading or trailing zeros) and the exponent of the first digit.
    private static (string Digits, int Exponent) Shortest(double a)
    {
        if (a == 0) return ("0", 0);
        string r = a.ToString("R", CultureInfo.InvariantCulture);
        int e = 0;
        int ePos = r.IndexOfAny(['E', 'e']);
        if (ePos >= 0)
        {
            e = int.Parse(r.AsSpan(ePos + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            r = r[..ePos];
        }
        int point = r.IndexOf('.');
        string digits = point < 0 ? r : r.Remove(point, 1);
        int pointPos = point < 0 ? r.Length : point;
        int lead = 0;
        while (lead < digits.Length - 1 && digits[lead] == '0') lead++;
        digits = digits[lead..].TrimEnd('0');
        if (digits.Length == 0) digits = "0";
        return (digits, pointPos - lead - 1 + e);
    }
}
