using Microsoft.AspNetCore.Http;

namespace AspNetCore.Saml2Bearer;

/// <summary>
/// Reads the encoded assertion from the request: the configured header and schemes, then, when enabled,
/// the form field of a POST.
/// </summary>
internal static class Saml2BearerAssertionExtractor
{
    public static async Task<string?> ExtractAsync(HttpRequest request, Saml2BearerOptions options)
    {
        foreach (var value in request.Headers[options.HeaderName])
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                continue;
            }

            if (options.HeaderSchemes.Count == 0)
            {
                return value.Trim();
            }

            foreach (var scheme in options.HeaderSchemes)
            {
                if (value.Length > scheme.Length
                    && value.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)
                    && value[scheme.Length] == ' ')
                {
                    return value[(scheme.Length + 1)..].Trim();
                }
            }
        }

        if (options.AllowFormField && HttpMethods.IsPost(request.Method) && request.HasFormContentType)
        {
            var form = await request.ReadFormAsync(request.HttpContext.RequestAborted).ConfigureAwait(false);
            var field = form[options.FormFieldName];
            if (field.Count == 1 && !string.IsNullOrWhiteSpace(field[0]))
            {
                return field[0];
            }
        }

        return null;
    }
}
