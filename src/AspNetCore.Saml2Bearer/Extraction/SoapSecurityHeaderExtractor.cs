using AspNetCore.Saml2Bearer.Assertions;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace AspNetCore.Saml2Bearer.Extraction;

/// <summary>
/// The HTTP edge of the SOAP input: a POST with a SOAP Content-Type is read once, held to
/// <see cref="Saml2BearerOptions.MaximumSoapEnvelopeSize"/> before parsing, rewound for the endpoint,
/// and handed to <see cref="SoapEnvelopeReader"/>. The body of any other request is never touched.
/// </summary>
internal static class SoapSecurityHeaderExtractor
{
    /// <summary>The SOAP version a Content-Type announces, or <see langword="null"/> when it is not SOAP.</summary>
    public static SoapVersion? GetVersion(string? contentType)
    {
        if (contentType is null || !MediaTypeHeaderValue.TryParse(contentType, out var mediaType))
        {
            return null;
        }

        return mediaType.MediaType.Equals(SoapConstants.Soap11MediaType, StringComparison.OrdinalIgnoreCase) ? SoapVersion.Soap11
            : mediaType.MediaType.Equals(SoapConstants.Soap12MediaType, StringComparison.OrdinalIgnoreCase) ? SoapVersion.Soap12
            : null;
    }

    public static async ValueTask<Saml2BearerCredential> ExtractAsync(HttpRequest request, Saml2BearerOptions options)
    {
        if (!options.AllowSoapSecurityHeader || !HttpMethods.IsPost(request.Method) || GetVersion(request.ContentType) is not { } version)
        {
            return Saml2BearerCredential.None;
        }

        var context = request.HttpContext;
        var maximum = options.MaximumSoapEnvelopeSize;
        if (request.ContentLength > maximum)
        {
            context.Features.Set(new Saml2BearerSoapRequest(version));
            return Saml2BearerCredential.Refused(Saml2BearerCredentialSource.SoapSecurityHeader, Saml2AssertionFailureReason.SoapEnvelopeTooLarge);
        }

        request.EnableBuffering();

        // Read once and rewound: the endpoint (or the proxy) reads the whole body again from the start.
        using var body = await SoapRequestBody.ReadAsync(request, maximum, context.RequestAborted).ConfigureAwait(false);
        if (body.Length > maximum)
        {
            context.Features.Set(new Saml2BearerSoapRequest(version));
            return Saml2BearerCredential.Refused(Saml2BearerCredentialSource.SoapSecurityHeader, Saml2AssertionFailureReason.SoapEnvelopeTooLarge);
        }

        var result = SoapEnvelopeReader.Read(
            body.Content, version, maximum, options.Assertion.MaximumElementDepth + SoapEnvelopeReader.EnvelopeDepth);
        if (result.Outcome == SoapEnvelopeOutcome.NotAnEnvelope)
        {
            context.Features.Set(new Saml2BearerSoapRequest(version) { IsEnvelope = false });
            return Saml2BearerCredential.None;
        }

        context.Features.Set(new Saml2BearerSoapRequest(version)
        {
            SecurityHeaderIndex = result.SecurityHeaderIndex,
            CredentialFromSecurityHeader = result.Outcome == SoapEnvelopeOutcome.Assertion,
        });
        return result.Outcome switch
        {
            SoapEnvelopeOutcome.Assertion => Saml2BearerCredential.FromXml(Saml2BearerCredentialSource.SoapSecurityHeader, result.AssertionXml!, result.AssertionDocument),
            SoapEnvelopeOutcome.Rejected => Saml2BearerCredential.Refused(Saml2BearerCredentialSource.SoapSecurityHeader, result.FailureReason),
            _ => Saml2BearerCredential.None,
        };
    }
}
