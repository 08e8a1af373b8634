using System.Xml;
using AspNetCore.Saml2Bearer.Assertions;

namespace AspNetCore.Saml2Bearer.Diagnostics;

/// <summary>
/// Tells an operator whether an assertion refused for its signature or digest algorithm was refused only
/// because it rests on SHA-1, which <see cref="Saml2AssertionValidationParameters.AllowSha1"/> would accept
/// (most IdPs in the field still sign with RSA-SHA1). Read again, with the same secure reader settings, only
/// for that rejection and only when its log line is written; the answer is one of our fixed names, never
/// text from the assertion.
/// </summary>
internal static class Saml2BearerSha1Hint
{
    /// <summary>
    /// <c>RSA-SHA1</c>, <c>ECDSA-SHA1</c> or <c>a SHA-1 digest</c> when <paramref name="reason"/> is an
    /// algorithm refusal, SHA-1 is off, and the signature's method is that SHA-1 algorithm; otherwise <see langword="null"/>.
    /// </summary>
    public static string? Sha1Algorithm(Saml2AssertionFailureReason reason, byte[]? xml, Saml2AssertionValidationParameters parameters)
    {
        var element = reason switch
        {
            Saml2AssertionFailureReason.UnsupportedSignatureAlgorithm => "SignatureMethod",
            Saml2AssertionFailureReason.UnsupportedDigestAlgorithm => "DigestMethod",
            _ => null,
        };
        if (element is null || xml is null || parameters.AllowSha1)
        {
            return null;
        }

        try
        {
            using var reader = XmlReader.Create(new MemoryStream(xml, writable: false), SecureXmlLoader.CreateReaderSettings(parameters.MaximumDecodedLength));
            while (reader.Read())
            {
                // The validator refused the one signature's first such element; the first in document order is it.
                if (reader.NodeType == XmlNodeType.Element && reader.LocalName == element && reader.NamespaceURI == Saml2Constants.XmlDsigNamespace)
                {
                    return reader.GetAttribute("Algorithm") switch
                    {
                        Saml2Constants.RsaSha1 => "RSA-SHA1",
                        Saml2Constants.EcdsaSha1 => "ECDSA-SHA1",
                        Saml2Constants.Sha1 => "a SHA-1 digest",
                        _ => null,
                    };
                }
            }
        }
        catch (XmlException)
        {
            // Not readable after all: no hint.
        }

        return null;
    }
}
