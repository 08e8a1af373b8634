using System.Security.Cryptography.X509Certificates;
using System.Security.Cryptography.Xml;
using System.Xml;

namespace AspNetCore.Saml2Bearer.LoadTarget;

/// <summary>
/// The baseline: what an API does without this library and without caching — decode the
/// base64 assertion, load it and run <see cref="SignedXml.CheckSignature(X509Certificate2, bool)"/> on
/// every request (and nothing else: no issuer/audience/time checks, no token exchange).
/// </summary>
public static class NaiveSignedXml
{
    public static bool Check(string encoded, X509Certificate2 certificate)
    {
        var xml = Convert.FromBase64String(encoded);
        var document = new XmlDocument { PreserveWhitespace = true, XmlResolver = null };
        using (var stream = new MemoryStream(xml, writable: false))
        using (var reader = XmlReader.Create(stream, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null }))
        {
            document.Load(reader);
        }

        if (document.GetElementsByTagName("Signature", SignedXml.XmlDsigNamespaceUrl) is not { Count: 1 } signatures)
        {
            return false;
        }

        var signedXml = new SignedXml(document);
        signedXml.LoadXml((XmlElement)signatures[0]!);
        return signedXml.CheckSignature(certificate, verifySignatureOnly: true);
    }
}
