using Microsoft.AspNetCore.Http;

namespace AspNetCore.Saml2Bearer.Extraction;

/// <summary>
/// The inputs of a request in order: the configured header (and form field), then, when allowed, the
/// SOAP Security header. A request with a header credential keeps its body untouched.
/// </summary>
internal static class Saml2BearerCredentialExtractor
{
    public static async ValueTask<Saml2BearerCredential> ExtractAsync(HttpRequest request, Saml2BearerOptions options)
    {
        var encoded = await Saml2BearerAssertionExtractor.ExtractAsync(request, options).ConfigureAwait(false);
        if (!encoded.IsEmpty)
        {
            return Saml2BearerCredential.FromEncoded(Saml2BearerCredentialSource.HeaderOrFormField, encoded);
        }

        return await SoapSecurityHeaderExtractor.ExtractAsync(request, options).ConfigureAwait(false);
    }
}
