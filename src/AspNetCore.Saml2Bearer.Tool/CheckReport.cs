using System.Globalization;
using System.Text;

namespace AspNetCore.Saml2Bearer.Tool;

/// <summary>
/// The report's layout: one block per check, a status mark, then labelled lines. Values that came from the
/// assertion are made printable first (control characters escaped, long values cut), so an assertion cannot
/// drive the operator's terminal.
/// </summary>
internal sealed class CheckReport(TextWriter output)
{
    private const int LabelWidth = 20;
    private const int MaximumValueLength = 300;

    public void Heading(string label, string text) => output.WriteLine($"{label,-12}{text}");

    public void Check(CheckStatus status, string name, IReadOnlyList<(string Label, string Text)> lines)
    {
        var mark = status switch
        {
            CheckStatus.Pass => "[ ok ]",
            CheckStatus.Fail => "[FAIL]",
            _ => "[ -- ]",
        };
        for (var i = 0; i < lines.Count; i++)
        {
            var prefix = i == 0 ? $"{mark} {name,-12} " : new string(' ', 20);
            output.WriteLine(prefix + lines[i].Label.PadRight(LabelWidth) + lines[i].Text);
        }

        if (lines.Count == 0)
        {
            output.WriteLine($"{mark} {name}");
        }
    }

    public void Blank() => output.WriteLine();

    /// <summary>A value from the assertion, printable: quoted, control characters escaped, cut when long.</summary>
    public static string Untrusted(string? value)
    {
        if (value is null)
        {
            return "(none)";
        }

        var builder = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value.Length > MaximumValueLength ? value[..MaximumValueLength] : value)
        {
            // Control characters, line separators and bidirectional overrides would let the text rewrite the terminal.
            if (char.IsControl(c) || c is '\u2028' or '\u2029' or (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069'))
            {
                builder.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
            }
            else
            {
                builder.Append(c);
            }
        }

        builder.Append('"');
        if (value.Length > MaximumValueLength)
        {
            builder.Append(CultureInfo.InvariantCulture, $"... ({value.Length} characters)");
        }

        return builder.ToString();
    }

    public static string Time(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static string Span(TimeSpan value) => value.ToString(value < TimeSpan.Zero ? "'-'c" : "c", CultureInfo.InvariantCulture);
}

/// <summary>How one check of the report came out.</summary>
internal enum CheckStatus
{
    /// <summary>Not applicable, or not reached by the validator.</summary>
    NotChecked,

    /// <summary>The check holds.</summary>
    Pass,

    /// <summary>The check fails.</summary>
    Fail,
}
