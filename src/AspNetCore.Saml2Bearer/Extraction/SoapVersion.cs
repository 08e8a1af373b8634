namespace AspNetCore.Saml2Bearer.Extraction;

/// <summary>The SOAP version of a request, as its Content-Type announces it.</summary>
internal enum SoapVersion
{
    /// <summary>SOAP 1.1: <c>text/xml</c>, <c>http://schemas.xmlsoap.org/soap/envelope/</c>.</summary>
    Soap11 = 1,

    /// <summary>SOAP 1.2: <c>application/soap+xml</c>, <c>http://www.w3.org/2003/05/soap-envelope</c>.</summary>
    Soap12 = 2,
}
