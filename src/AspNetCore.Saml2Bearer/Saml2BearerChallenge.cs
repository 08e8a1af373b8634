using System.Text;

namespace AspNetCore.Saml2Bearer;

/// <summary>
/// Formats the <c>WWW-Authenticate</c> challenge in RFC 6750 section 3 style with the <c>SAML</c> scheme.
/// </summary>
internal static class Saml2BearerChallenge
{
    public static string Format(string? error, string? errorDescription)
    {
        if (error is null && errorDescription is null)
        {
            return Saml2BearerDefaults.HeaderScheme;
        }

        var builder = new StringBuilder(Saml2BearerDefaults.HeaderScheme);
        var separator = ' ';
        if (error is not null)
        {
            builder.Append(separator).Append("error=\"").Append(Quote(error)).Append('"');
            separator = ',';
        }

        if (errorDescription is not null)
        {
            builder.Append(separator).Append(separator == ',' ? " " : string.Empty).Append("error_description=\"").Append(Quote(errorDescription)).Append('"');
        }

        return builder.ToString();
    }

    /// <summary>RFC 6750 allows %x20-21 / %x23-5B / %x5D-7E in these values; anything else is dropped.</summary>
    private static string Quote(string value)
    {
        var builder = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            if (c is >= ' ' and <= '~' && c != '"' && c != '\\')
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }
}
