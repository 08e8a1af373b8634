using System.Security.Cryptography;
using System.Xml;

namespace AspNetCore.Saml2Bearer.Assertions;

/// <summary>
/// Reads the enveloped signature of an assertion under a strict profile of XML-DSig: one SignedInfo,
/// one Reference to the assertion itself, the transforms enveloped-signature then exclusive c14n and
/// nothing else, allowed algorithms only, no Object, no Manifest.
/// </summary>
internal static class Saml2SignatureReader
{
    public static Saml2AssertionFailureReason Read(
        XmlElement signature,
        string assertionId,
        bool allowSha1,
        out Saml2AssertionSignature? result)
    {
        result = null;
        if (!HasOnlyIdAttribute(signature))
        {
            return Saml2AssertionFailureReason.MalformedSignature;
        }

        XmlElement? signedInfo = null, signatureValue = null, keyInfo = null;
        foreach (var child in ChildElements(signature))
        {
            if (child.NamespaceURI != Saml2Constants.XmlDsigNamespace)
            {
                return Saml2AssertionFailureReason.MalformedSignature;
            }

            switch (child.LocalName)
            {
                case "SignedInfo" when signedInfo is null && signatureValue is null:
                    signedInfo = child;
                    break;
                case "SignatureValue" when signedInfo is not null && signatureValue is null:
                    signatureValue = child;
                    break;
                case "KeyInfo" when signatureValue is not null && keyInfo is null:
                    keyInfo = child;
                    break;
                default:
                    return Saml2AssertionFailureReason.MalformedSignature;
            }
        }

        if (signedInfo is null || signatureValue is null || !HasOnlyIdAttribute(signatureValue))
        {
            return Saml2AssertionFailureReason.MalformedSignature;
        }

        XmlElement? canonicalizationMethod = null, signatureMethod = null;
        var references = new List<XmlElement>(1);
        foreach (var child in ChildElements(signedInfo))
        {
            if (child.NamespaceURI != Saml2Constants.XmlDsigNamespace)
            {
                return Saml2AssertionFailureReason.MalformedSignature;
            }

            switch (child.LocalName)
            {
                case "CanonicalizationMethod" when canonicalizationMethod is null && signatureMethod is null && references.Count == 0:
                    canonicalizationMethod = child;
                    break;
                case "SignatureMethod" when canonicalizationMethod is not null && signatureMethod is null && references.Count == 0:
                    signatureMethod = child;
                    break;
                case "Reference" when signatureMethod is not null:
                    references.Add(child);
                    break;
                default:
                    return Saml2AssertionFailureReason.MalformedSignature;
            }
        }

        if (canonicalizationMethod is null || signatureMethod is null)
        {
            return Saml2AssertionFailureReason.MalformedSignature;
        }

        if (references.Count != 1)
        {
            return Saml2AssertionFailureReason.ReferenceCountInvalid;
        }

        var reason = ReadCanonicalizationMethod(canonicalizationMethod, out var signedInfoIncludesComments, out var signedInfoPrefixes);
        if (reason != Saml2AssertionFailureReason.None)
        {
            return reason;
        }

        if (HasChildElements(signatureMethod))
        {
            // HMACOutputLength and anything else a signature method could carry.
            return Saml2AssertionFailureReason.UnsupportedSignatureAlgorithm;
        }

        var algorithm = Saml2SignatureAlgorithm.FindSignatureAlgorithm(signatureMethod.GetAttribute("Algorithm"), allowSha1);
        if (algorithm is null)
        {
            return Saml2AssertionFailureReason.UnsupportedSignatureAlgorithm;
        }

        reason = ReadReference(references[0], assertionId, allowSha1, out var digestAlgorithm, out var digestValue, out var referencePrefixes);
        if (reason != Saml2AssertionFailureReason.None)
        {
            return reason;
        }

        var signatureBytes = DecodeBase64(signatureValue);
        if (signatureBytes is null)
        {
            return Saml2AssertionFailureReason.MalformedSignature;
        }

        result = new Saml2AssertionSignature
        {
            SignatureElement = signature,
            SignedInfo = signedInfo,
            SignedInfoIncludesComments = signedInfoIncludesComments,
            SignedInfoInclusivePrefixes = signedInfoPrefixes,
            SignatureAlgorithm = algorithm,
            SignatureValue = signatureBytes,
            DigestAlgorithm = digestAlgorithm!,
            DigestValue = digestValue!,
            ReferenceInclusivePrefixes = referencePrefixes!,
            KeyInfo = keyInfo,
        };
        return Saml2AssertionFailureReason.None;
    }

    private static Saml2AssertionFailureReason ReadCanonicalizationMethod(XmlElement method, out bool includesComments, out string[] prefixes)
    {
        includesComments = false;
        prefixes = [];
        switch (method.GetAttribute("Algorithm"))
        {
            case Saml2Constants.ExclusiveC14N:
                break;
            case Saml2Constants.ExclusiveC14NWithComments:
                includesComments = true;
                break;
            default:
                return Saml2AssertionFailureReason.UnsupportedCanonicalizationMethod;
        }

        return ReadInclusiveNamespaces(method, out prefixes)
            ? Saml2AssertionFailureReason.None
            : Saml2AssertionFailureReason.UnsupportedCanonicalizationMethod;
    }

    private static Saml2AssertionFailureReason ReadReference(
        XmlElement reference,
        string assertionId,
        bool allowSha1,
        out Saml2SignatureAlgorithm? digestAlgorithm,
        out byte[]? digestValue,
        out string[]? prefixes)
    {
        digestAlgorithm = null;
        digestValue = null;
        prefixes = null;

        var uri = reference.GetAttributeNode("URI")?.Value;
        if (uri is null || uri.Length < 2 || uri[0] != '#' || !string.Equals(uri.AsSpan(1).ToString(), assertionId, StringComparison.Ordinal))
        {
            return Saml2AssertionFailureReason.ReferenceNotAssertion;
        }

        XmlElement? transforms = null, digestMethod = null, digestValueElement = null;
        foreach (var child in ChildElements(reference))
        {
            if (child.NamespaceURI != Saml2Constants.XmlDsigNamespace)
            {
                return Saml2AssertionFailureReason.MalformedSignature;
            }

            switch (child.LocalName)
            {
                case "Transforms" when transforms is null && digestMethod is null:
                    transforms = child;
                    break;
                case "DigestMethod" when digestMethod is null:
                    digestMethod = child;
                    break;
                case "DigestValue" when digestMethod is not null && digestValueElement is null:
                    digestValueElement = child;
                    break;
                default:
                    return Saml2AssertionFailureReason.MalformedSignature;
            }
        }

        if (digestMethod is null || digestValueElement is null)
        {
            return Saml2AssertionFailureReason.MalformedSignature;
        }

        // The only transform chain that SAML needs: enveloped-signature, then exclusive c14n. Without
        // an explicit exclusive c14n the node-set would be serialised with inclusive c14n.
        if (transforms is null)
        {
            return Saml2AssertionFailureReason.UnsupportedTransform;
        }

        var transformElements = ChildElements(transforms).ToList();
        if (transformElements.Count != 2
            || transformElements.Any(t => t.NamespaceURI != Saml2Constants.XmlDsigNamespace || t.LocalName != "Transform"))
        {
            return Saml2AssertionFailureReason.UnsupportedTransform;
        }

        var enveloped = transformElements[0];
        var canonicalization = transformElements[1];
        if (enveloped.GetAttribute("Algorithm") != Saml2Constants.EnvelopedSignatureTransform || HasChildElements(enveloped))
        {
            return Saml2AssertionFailureReason.UnsupportedTransform;
        }

        var c14n = canonicalization.GetAttribute("Algorithm");
        if ((c14n != Saml2Constants.ExclusiveC14N && c14n != Saml2Constants.ExclusiveC14NWithComments)
            || !ReadInclusiveNamespaces(canonicalization, out prefixes))
        {
            return Saml2AssertionFailureReason.UnsupportedTransform;
        }

        if (HasChildElements(digestMethod))
        {
            return Saml2AssertionFailureReason.UnsupportedDigestAlgorithm;
        }

        digestAlgorithm = Saml2SignatureAlgorithm.FindDigestAlgorithm(digestMethod.GetAttribute("Algorithm"), allowSha1);
        if (digestAlgorithm is null)
        {
            return Saml2AssertionFailureReason.UnsupportedDigestAlgorithm;
        }

        digestValue = DecodeBase64(digestValueElement);
        return digestValue is null || HasChildElements(digestValueElement)
            ? Saml2AssertionFailureReason.MalformedSignature
            : Saml2AssertionFailureReason.None;
    }

    /// <summary>
    /// Reads an optional single <c>ec:InclusiveNamespaces</c> child into its prefixes; anything else fails,
    /// and so does a prefix listed twice (on which <see cref="System.Security.Cryptography.Xml.XmlDsigExcC14NTransform"/> throws).
    /// </summary>
    private static bool ReadInclusiveNamespaces(XmlElement method, out string[] prefixes)
    {
        prefixes = [];
        var seen = false;
        foreach (var child in ChildElements(method))
        {
            if (seen
                || child.NamespaceURI != Saml2Constants.ExclusiveC14NNamespace
                || child.LocalName != "InclusiveNamespaces"
                || HasChildElements(child)
                || Saml2ExclusiveCanonicalizer.ParsePrefixList(child.GetAttribute("PrefixList")) is not { } parsed)
            {
                return false;
            }

            seen = true;
            prefixes = parsed;
        }

        return true;
    }

    /// <summary>
    /// SHA-256 hashes of the certificates a KeyInfo names: hints for diagnosing a signature no trusted key
    /// verified, never trusted, so read only then.
    /// </summary>
    public static List<byte[]> ReadKeyInfoCertificateHashes(XmlElement? keyInfo)
    {
        var hashes = new List<byte[]>();
        if (keyInfo is null)
        {
            return hashes;
        }

        foreach (XmlNode node in keyInfo.GetElementsByTagName("X509Certificate", Saml2Constants.XmlDsigNamespace))
        {
            if (node is XmlElement element && DecodeBase64(element) is { } der)
            {
                hashes.Add(SHA256.HashData(der));
            }
        }

        return hashes;
    }

    private static byte[]? DecodeBase64(XmlElement element)
    {
        try
        {
            var bytes = Convert.FromBase64String(element.InnerText);
            return bytes.Length == 0 ? null : bytes;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    internal static IEnumerable<XmlElement> ChildElements(XmlElement parent)
    {
        for (var node = parent.FirstChild; node is not null; node = node.NextSibling)
        {
            if (node is XmlElement element)
            {
                yield return element;
            }
        }
    }

    /// <summary>
    /// Whether <paramref name="element"/> carries no attribute but <c>Id</c> and namespace declarations,
    /// as the XML-DSig schema allows for <c>Signature</c> and <c>SignatureValue</c>. Neither element is
    /// covered by the signature, so anything else there is unsigned, and <see cref="System.Security.Cryptography.Xml.SignedXml"/>
    /// rejects it as malformed too.
    /// </summary>
    private static bool HasOnlyIdAttribute(XmlElement element)
    {
        foreach (XmlAttribute attribute in element.Attributes)
        {
            if (attribute.NamespaceURI != Saml2Constants.XmlnsNamespace
                && !(attribute.NamespaceURI.Length == 0 && attribute.LocalName == "Id"))
            {
                return false;
            }
        }

        return true;
    }

    private static bool HasChildElements(XmlElement element)
    {
        for (var node = element.FirstChild; node is not null; node = node.NextSibling)
        {
            if (node.NodeType == XmlNodeType.Element)
            {
                return true;
            }
        }

        return false;
    }
}
