using System.Text;
using System.Xml;
using Microsoft.AspNetCore.Http;

namespace AspNetCore.Saml2Bearer.Extraction;

/// <summary>
/// With <see cref="Saml2BearerOptions.SoapFaults"/>, answers the challenge of a SOAP request with a SOAP
/// Fault in the request's version: WS-Security 1.0 section 12 codes (<c>wsse:InvalidSecurityToken</c> for
/// an assertion refused locally, <c>wsse:FailedAuthentication</c> otherwise), a Server/Receiver fault for a
/// temporary failure. The text is one of our fixed descriptions; nothing of the request is echoed.
/// </summary>
internal static class SoapFaultWriter
{
    private const string InvalidSecurityTokenText = "An invalid security token was provided";
    private const string FailedAuthenticationText = "The security token could not be authenticated or authorized";
    private const string UnavailableText = "The service is temporarily unavailable.";

    private static readonly XmlWriterSettings WriterSettings = new()
    {
        Encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
        OmitXmlDeclaration = true,
        Indent = false,
    };

    public static Task WriteIfSoapAsync(HttpContext context, Saml2BearerOptions options, Saml2BearerAuthenticationException? failure, string? description)
    {
        if (!options.SoapFaults || context.Response.HasStarted || GetVersion(context) is not { } version)
        {
            return Task.CompletedTask;
        }

        var body = Create(version, failure?.Kind, description);
        context.Response.ContentType = SoapConstants.MediaType(version) + "; charset=utf-8";
        context.Response.ContentLength = body.Length;
        return context.Response.Body.WriteAsync(body, 0, body.Length, context.RequestAborted);
    }

    /// <summary>The version of a SOAP request: what the extractor read, or the Content-Type of a SOAP POST it did not read.</summary>
    private static SoapVersion? GetVersion(HttpContext context)
    {
        if (context.Features.Get<Saml2BearerSoapRequest>() is { } soap)
        {
            return soap.IsEnvelope ? soap.Version : null;
        }

        return HttpMethods.IsPost(context.Request.Method) ? SoapSecurityHeaderExtractor.GetVersion(context.Request.ContentType) : null;
    }

    /// <summary>The fault envelope: <paramref name="kind"/> <see langword="null"/> means no credential was sent.</summary>
    public static byte[] Create(SoapVersion version, Saml2BearerFailureKind? kind, string? description)
    {
        var temporary = kind == Saml2BearerFailureKind.ServiceUnavailable;
        var code = kind == Saml2BearerFailureKind.AssertionRejected ? "InvalidSecurityToken" : "FailedAuthentication";
        var text = temporary ? UnavailableText
            : description is { Length: > 0 } ? description
            : kind == Saml2BearerFailureKind.AssertionRejected ? InvalidSecurityTokenText : FailedAuthenticationText;
        var soap = SoapConstants.EnvelopeNamespace(version);

        using var buffer = new MemoryStream();
        using (var writer = XmlWriter.Create(buffer, WriterSettings))
        {
            writer.WriteStartElement("soap", "Envelope", soap);
            writer.WriteAttributeString("xmlns", "wsse", null, SoapConstants.WsseNamespace);
            writer.WriteStartElement("soap", "Body", soap);
            writer.WriteStartElement("soap", "Fault", soap);
            if (version == SoapVersion.Soap11)
            {
                writer.WriteElementString("faultcode", temporary ? "soap:Server" : "wsse:" + code);
                writer.WriteElementString("faultstring", text);
            }
            else
            {
                writer.WriteStartElement("soap", "Code", soap);
                writer.WriteElementString("soap", "Value", soap, temporary ? "soap:Receiver" : "soap:Sender");
                if (!temporary)
                {
                    writer.WriteStartElement("soap", "Subcode", soap);
                    writer.WriteElementString("soap", "Value", soap, "wsse:" + code);
                    writer.WriteEndElement();
                }

                writer.WriteEndElement();
                writer.WriteStartElement("soap", "Reason", soap);
                writer.WriteStartElement("soap", "Text", soap);
                writer.WriteAttributeString("xml", "lang", null, "en");
                writer.WriteString(text);
                writer.WriteEndElement();
                writer.WriteEndElement();
            }

            writer.WriteEndElement();
            writer.WriteEndElement();
            writer.WriteEndElement();
        }

        return buffer.ToArray();
    }
}
