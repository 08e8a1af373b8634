using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace AspNetCore.Saml2Bearer.Extraction;

/// <summary>
/// For the exchange middleware and the YARP transform: after a SOAP caller was authenticated from its
/// <c>wsse:Security</c> header, the request body becomes the envelope without that header (when
/// <see cref="Saml2BearerOptions.RemoveSoapSecurityHeader"/> is on), Content-Length fixed, so whatever is
/// forwarded the request to never sees the SAML token.
/// </summary>
internal static class SoapSecurityHeaderRemoval
{
    /// <summary>Rewrites the body; returns its new length, or <see langword="null"/> when nothing was removed.</summary>
    public static long? RemoveFromRequest(HttpContext context, Saml2BearerOptions options)
    {
        if (!options.RemoveSoapSecurityHeader
            || context.Features.Get<Saml2BearerSoapRequest>()?.CreateEnvelopeWithoutSecurityHeader() is not { } envelope)
        {
            return null;
        }

        var request = context.Request;
        request.Body = new MemoryStream(envelope, writable: false);
        request.Headers.Remove(HeaderNames.TransferEncoding);
        request.ContentLength = envelope.Length;
        if (request.ContentType is { } contentType && MediaTypeHeaderValue.TryParse(contentType, out var mediaType) && mediaType.Charset.HasValue)
        {
            // The envelope is written as UTF-8 whatever it came in.
            mediaType.Charset = "utf-8";
            request.ContentType = mediaType.ToString();
        }

        return envelope.Length;
    }
}
