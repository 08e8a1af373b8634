namespace AspNetCore.Saml2Bearer.Extraction;

/// <summary>Namespace URIs, media types and role URIs of SOAP 1.1/1.2 and OASIS WS-Security 1.0/1.1.</summary>
internal static class SoapConstants
{
    public const string Soap11Namespace = "http://schemas.xmlsoap.org/soap/envelope/";
    public const string Soap12Namespace = "http://www.w3.org/2003/05/soap-envelope";

    public const string Soap11MediaType = "text/xml";
    public const string Soap12MediaType = "application/soap+xml";

    /// <summary>SOAP 1.1 section 4.2.2: the first SOAP application that processes the message.</summary>
    public const string Soap11NextActor = "http://schemas.xmlsoap.org/soap/actor/next";

    /// <summary>SOAP 1.2 part 1 section 2.2: every node plays the "next" role.</summary>
    public const string Soap12NextRole = "http://www.w3.org/2003/05/soap-envelope/role/next";

    /// <summary>SOAP 1.2 part 1 section 2.2: the role of the node the message is finally for.</summary>
    public const string Soap12UltimateReceiverRole = "http://www.w3.org/2003/05/soap-envelope/role/ultimateReceiver";

    /// <summary>OASIS WSS 1.0 SOAP Message Security: the <c>wsse</c> namespace, also that of WSS 1.1's Security header.</summary>
    public const string WsseNamespace = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd";

    /// <summary>OASIS WSS 1.1 additions (<c>wsse11</c>), e.g. <c>SignatureConfirmation</c>: allowed beside the token.</summary>
    public const string Wsse11Namespace = "http://docs.oasis-open.org/wss/oasis-wss-wssecurity-secext-1.1.xsd";

    /// <summary>SAML 1.0/1.1 assertions (<c>saml1</c>).</summary>
    public const string Saml1AssertionNamespace = "urn:oasis:names:tc:SAML:1.0:assertion";

    public static string EnvelopeNamespace(SoapVersion version) =>
        version == SoapVersion.Soap11 ? Soap11Namespace : Soap12Namespace;

    public static string MediaType(SoapVersion version) =>
        version == SoapVersion.Soap11 ? Soap11MediaType : Soap12MediaType;
}
