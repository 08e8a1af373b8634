namespace AspNetCore.Saml2Bearer.Extraction;

/// <summary>
/// A request feature the SOAP extractor sets on a SOAP request it read: its version (for the SOAP fault
/// of a rejection) and, when the credential came from it, where the Security header is that the gateway
/// and the exchange middleware remove before forwarding (they read the buffered body again to do so).
/// </summary>
internal sealed class Saml2BearerSoapRequest
{
    public Saml2BearerSoapRequest(SoapVersion version)
    {
        Version = version;
    }

    /// <summary>The SOAP version of the request.</summary>
    public SoapVersion Version { get; }

    /// <summary>Whether the body is a SOAP envelope (or could not be read far enough to tell); false for other XML.</summary>
    public bool IsEnvelope { get; init; } = true;

    /// <summary>Which element of the envelope's Header is the Security header the credential came from, or <see langword="null"/>.</summary>
    public int? SecurityHeaderIndex { get; init; }

    /// <summary>Whether the assertion of this request came from its Security header.</summary>
    public bool CredentialFromSecurityHeader { get; init; }
}
