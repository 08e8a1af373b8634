using System.Text;

namespace AspNetCore.Saml2Bearer.Tool;

/// <summary>
/// What the assertion file holds once the wrapping an operator copies along is removed: an
/// <c>Authorization:</c> prefix, the header scheme (<c>SAML</c>), line breaks of a wrapped base64 text.
/// </summary>
/// <param name="Encoded">The encoded assertion as a caller would send it, or <see langword="null"/> for raw XML.</param>
/// <param name="Xml">The raw XML, or <see langword="null"/> for an encoded assertion.</param>
/// <param name="Form">How the file held it, for the report.</param>
internal sealed record AssertionText(string? Encoded, byte[]? Xml, string Form)
{
    public static AssertionText Parse(string text, IEnumerable<string> headerSchemes)
    {
        var value = text.Trim().TrimStart('\uFEFF');
        var form = new List<string>();
        if (value.StartsWith("Authorization:", StringComparison.OrdinalIgnoreCase))
        {
            value = value["Authorization:".Length..].TrimStart();
            form.Add("an Authorization header line");
        }

        foreach (var scheme in headerSchemes)
        {
            if (value.Length > scheme.Length && value.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) && value[scheme.Length] == ' ')
            {
                value = value[(scheme.Length + 1)..].TrimStart();
                form.Add($"the header scheme '{scheme}'");
                break;
            }
        }

        if (value.StartsWith('<'))
        {
            return new AssertionText(null, new UTF8Encoding(false).GetBytes(value), "raw XML" + Describe(form));
        }

        if (value.AsSpan().IndexOfAny(" \t\r\n") >= 0)
        {
            value = string.Concat(value.Where(c => !char.IsWhiteSpace(c)));
            form.Add("line breaks removed");
        }

        return new AssertionText(value, null, $"encoded, {value.Length} characters" + Describe(form));
    }

    private static string Describe(List<string> form) => form.Count == 0 ? string.Empty : " (" + string.Join(", ", form) + ")";
}
