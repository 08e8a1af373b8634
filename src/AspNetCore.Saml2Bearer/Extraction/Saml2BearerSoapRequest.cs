using System.Xml;

namespace AspNetCore.Saml2Bearer.Extraction;

/// <summary>
/// A request feature the SOAP extractor sets on a SOAP request it read: its version (for the SOAP fault
/// of a rejection) and, when the credential came from it, the Security header the gateway and the
/// exchange middleware remove before forwarding.
/// </summary>
internal sealed class Saml2BearerSoapRequest
{
    public Saml2BearerSoapRequest(SoapVersion version, XmlDocument? envelope, XmlElement? securityHeader)
    {
        Version = version;
        Envelope = envelope;
        SecurityHeader = securityHeader;
    }

    /// <summary>The SOAP version of the request.</summary>
    public SoapVersion Version { get; }

    /// <summary>Whether the body is a SOAP envelope (or could not be read far enough to tell); false for other XML.</summary>
    public bool IsEnvelope { get; init; } = true;

    /// <summary>The parsed envelope, or <see langword="null"/> when it was refused before or while parsing.</summary>
    public XmlDocument? Envelope { get; }

    /// <summary>The Security header the credential came from, or <see langword="null"/>.</summary>
    public XmlElement? SecurityHeader { get; }

    /// <summary>Whether the assertion of this request came from its Security header.</summary>
    public bool CredentialFromSecurityHeader { get; init; }

    /// <summary>The envelope without the Security header, or <see langword="null"/> when the credential did not come from one.</summary>
    public byte[]? CreateEnvelopeWithoutSecurityHeader() =>
        CredentialFromSecurityHeader && Envelope is not null && SecurityHeader is not null
            ? SoapEnvelopeReader.WithoutSecurityHeader(Envelope, SecurityHeader)
            : null;
}
