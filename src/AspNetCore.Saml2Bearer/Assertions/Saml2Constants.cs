namespace AspNetCore.Saml2Bearer.Assertions;

/// <summary>
/// Namespace and algorithm URIs of SAML 2.0, SAML 1.1 and XML-DSig that the validator recognises.
/// </summary>
internal static class Saml2Constants
{
    public const string AssertionNamespace = "urn:oasis:names:tc:SAML:2.0:assertion";
    public const string Saml11AssertionNamespace = "urn:oasis:names:tc:SAML:1.0:assertion";
    public const string ProtocolNamespace = "urn:oasis:names:tc:SAML:2.0:protocol";
    public const string MetadataNamespace = "urn:oasis:names:tc:SAML:2.0:metadata";
    public const string XmlDsigNamespace = "http://www.w3.org/2000/09/xmldsig#";
    public const string ExclusiveC14NNamespace = "http://www.w3.org/2001/10/xml-exc-c14n#";
    public const string XmlnsNamespace = "http://www.w3.org/2000/xmlns/";

    public const string BearerMethod = "urn:oasis:names:tc:SAML:2.0:cm:bearer";
    public const string Saml11BearerMethod = "urn:oasis:names:tc:SAML:1.0:cm:bearer";

    public const string EnvelopedSignatureTransform = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
    public const string ExclusiveC14N = "http://www.w3.org/2001/10/xml-exc-c14n#";
    public const string ExclusiveC14NWithComments = "http://www.w3.org/2001/10/xml-exc-c14n#WithComments";

    public const string RsaSha1 = "http://www.w3.org/2000/09/xmldsig#rsa-sha1";
    public const string RsaSha256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
    public const string RsaSha384 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384";
    public const string RsaSha512 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512";
    public const string EcdsaSha1 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha1";
    public const string EcdsaSha256 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256";
    public const string EcdsaSha384 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384";
    public const string EcdsaSha512 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512";

    public const string Sha1 = "http://www.w3.org/2000/09/xmldsig#sha1";
    public const string Sha256 = "http://www.w3.org/2001/04/xmlenc#sha256";
    public const string Sha384 = "http://www.w3.org/2001/04/xmldsig-more#sha384";
    public const string Sha512 = "http://www.w3.org/2001/04/xmlenc#sha512";
}
