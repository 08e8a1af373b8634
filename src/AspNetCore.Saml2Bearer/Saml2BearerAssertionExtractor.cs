using Microsoft.AspNetCore.Http;

namespace AspNetCore.Saml2Bearer;

/// <summary>
/// Reads the encoded assertion from the request: the configured header and schemes, then, when enabled,
/// the form field of a POST. A header value is returned as a slice of the header string, not a copy.
/// </summary>
internal static class Saml2BearerAssertionExtractor
{
    /// <summary>The encoded assertion, trimmed, or empty when the request carries none.</summary>
    public static ValueTask<ReadOnlyMemory<char>> ExtractAsync(HttpRequest request, Saml2BearerOptions options)
    {
        foreach (var value in request.Headers[options.HeaderName])
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                continue;
            }

            if (options.HeaderSchemes.Count == 0)
            {
                return ValueTask.FromResult(value.AsMemory().Trim());
            }

            foreach (var scheme in options.HeaderSchemes)
            {
                if (value.Length > scheme.Length
                    && value.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)
                    && value[scheme.Length] == ' ')
                {
                    return ValueTask.FromResult(value.AsMemory(scheme.Length + 1).Trim());
                }
            }
        }

        return options.AllowFormField && HttpMethods.IsPost(request.Method) && request.HasFormContentType
            ? ReadFormFieldAsync(request, options)
            : ValueTask.FromResult(ReadOnlyMemory<char>.Empty);
    }

    private static async ValueTask<ReadOnlyMemory<char>> ReadFormFieldAsync(HttpRequest request, Saml2BearerOptions options)
    {
        var form = await request.ReadFormAsync(request.HttpContext.RequestAborted).ConfigureAwait(false);
        var field = form[options.FormFieldName];
        return field.Count == 1 && !string.IsNullOrWhiteSpace(field[0]) ? field[0].AsMemory() : ReadOnlyMemory<char>.Empty;
    }
}
