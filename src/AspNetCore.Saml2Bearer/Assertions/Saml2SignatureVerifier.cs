using System.Security.Cryptography;
using System.Security.Cryptography.Xml;
using System.Xml;

namespace AspNetCore.Saml2Bearer.Assertions;

/// <summary>
/// The cryptographic half of XML-DSig for one enveloped signature over the document element:
/// canonicalize SignedInfo and verify it with a configured key, then digest the document without the
/// signature and compare. Canonicalization is <see cref="XmlDsigExcC14NTransform"/>; keys never come
/// from the message.
/// </summary>
internal static class Saml2SignatureVerifier
{
    /// <summary>
    /// Verifies the SignedInfo signature with each candidate key in turn.
    /// </summary>
    /// <returns>The key that verified, or <see langword="null"/>.</returns>
    public static Saml2SigningKey? VerifySignedInfo(Saml2AssertionSignature signature, IReadOnlyList<Saml2SigningKey> candidates)
    {
        if (candidates.Count == 0)
        {
            return null;
        }

        // Canonicalize SignedInfo as its own document, carrying the namespace declarations in scope
        // at its place in the assertion, as XML-DSig section 3.2.2 prescribes.
        var document = new XmlDocument { PreserveWhitespace = true, XmlResolver = null };
        var signedInfo = (XmlElement)document.ImportNode(signature.SignedInfo, deep: true);
        document.AppendChild(signedInfo);
        Saml2DocumentStructure.CopyInScopeNamespaceDeclarations(signature.SignedInfo, signedInfo);

        var transform = new XmlDsigExcC14NTransform(signature.SignedInfoIncludesComments, signature.SignedInfoPrefixList);
        transform.LoadInput(document);
        byte[] hash;
        using (var hashAlgorithm = signature.SignatureAlgorithm.CreateHash())
        {
            hash = transform.GetDigestedOutput(hashAlgorithm);
        }

        foreach (var key in candidates)
        {
            if (key.Verify(signature.SignatureAlgorithm, hash, signature.SignatureValue))
            {
                return key;
            }
        }

        return null;
    }

    /// <summary>
    /// Applies the enveloped-signature transform (removes the signature from the document, which the
    /// caller owns) and exclusive c14n, and compares the digest with the signed DigestValue.
    /// </summary>
    /// <remarks>
    /// A same-document bare-name reference never includes comments (XML-DSig section 4.3.3.3), so the
    /// digest always uses the comment-free form, whichever exclusive c14n variant the Transform names.
    /// </remarks>
    public static bool VerifyDigest(XmlDocument document, Saml2AssertionSignature signature)
    {
        signature.SignatureElement.ParentNode!.RemoveChild(signature.SignatureElement);
        var transform = new XmlDsigExcC14NTransform(includeComments: false, signature.ReferencePrefixList);
        transform.LoadInput(document);
        byte[] digest;
        using (var hashAlgorithm = signature.DigestAlgorithm.CreateHash())
        {
            digest = transform.GetDigestedOutput(hashAlgorithm);
        }

        return CryptographicOperations.FixedTimeEquals(digest, signature.DigestValue);
    }
}
