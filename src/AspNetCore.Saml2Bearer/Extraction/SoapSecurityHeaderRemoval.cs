using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace AspNetCore.Saml2Bearer.Extraction;

/// <summary>
/// For the exchange middleware and the YARP transform: after a SOAP caller was authenticated from its
/// <c>wsse:Security</c> header, the request body becomes the envelope without that header (when
/// <see cref="Saml2BearerOptions.RemoveSoapSecurityHeader"/> is on), Content-Length fixed, so whatever is
/// forwarded the request to never sees the SAML token. The extractor keeps no copy of the envelope: the
/// body it buffered is read again, under the same caps.
/// </summary>
internal static class SoapSecurityHeaderRemoval
{
    /// <summary>Rewrites the body; returns its new length, or <see langword="null"/> when nothing was removed.</summary>
    /// <exception cref="InvalidOperationException">The body no longer holds the Security header the credential came from.</exception>
    public static async ValueTask<long?> RemoveFromRequestAsync(HttpContext context, Saml2BearerOptions options)
    {
        if (!options.RemoveSoapSecurityHeader
            || context.Features.Get<Saml2BearerSoapRequest>() is not { CredentialFromSecurityHeader: true, SecurityHeaderIndex: { } index })
        {
            return null;
        }

        var request = context.Request;
        var maximum = options.MaximumSoapEnvelopeSize;
        var envelope = await WithoutSecurityHeaderAsync(request, index, maximum, options.Assertion.MaximumElementDepth + SoapEnvelopeReader.EnvelopeDepth, context.RequestAborted).ConfigureAwait(false)
            ?? throw new InvalidOperationException(
                "The request body was replaced after authentication: the wsse:Security header the credential came from cannot be removed before forwarding.");

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

    /// <summary>
    /// The buffered body read again from its start without the Security header, or <see langword="null"/> when
    /// it cannot be read again, is over the cap, or no longer holds that header.
    /// </summary>
    private static async ValueTask<byte[]?> WithoutSecurityHeaderAsync(HttpRequest request, int securityHeaderIndex, int maximum, int maximumDepth, CancellationToken cancellationToken)
    {
        if (!request.Body.CanSeek)
        {
            return null;
        }

        using var body = await SoapRequestBody.ReadAsync(request, maximum, cancellationToken).ConfigureAwait(false);
        return body.Length > maximum ? null : SoapEnvelopeReader.WithoutSecurityHeader(body.Content, securityHeaderIndex, maximum, maximumDepth);
    }
}
