using System.Security.Cryptography;
using System.Xml;

namespace AspNetCore.Saml2Bearer.Assertions;

/// <summary>
/// The cryptographic half of XML-DSig for one enveloped signature over the document element:
/// canonicalize SignedInfo and verify it with a configured key, then digest the document element without
/// the signature and compare. Canonicalization is <see cref="Saml2ExclusiveCanonicalizer"/>, hashed as it
/// is written; keys never come from the message.
/// </summary>
internal static class Saml2SignatureVerifier
{
    /// <summary>The largest hash of the allowed algorithms (SHA-512).</summary>
    private const int MaximumHashSize = 64;

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

        // SignedInfo is canonicalized in place, as if it were its own document carrying the namespace
        // declarations in scope at its place in the assertion (XML-DSig section 3.2.2).
        Span<byte> hash = stackalloc byte[MaximumHashSize];
        if (!Saml2ExclusiveCanonicalizer.TryHash(
            signature.SignedInfo,
            signature.SignedInfoIncludesComments,
            signature.SignedInfoInclusivePrefixes,
            signature.SignatureAlgorithm.HashAlgorithm,
            hash,
            out var hashLength))
        {
            return null;
        }

        hash = hash[..hashLength];
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
    /// caller owns, so every value read afterwards comes from what was digested) and exclusive c14n, and
    /// compares the digest with the signed DigestValue.
    /// </summary>
    /// <remarks>
    /// A same-document bare-name reference never includes comments (XML-DSig section 4.3.3.3), so the
    /// digest always uses the comment-free form, whichever exclusive c14n variant the Transform names.
    /// Nodes beside the document element are outside the reference: only the element is canonicalized.
    /// </remarks>
    public static bool VerifyDigest(XmlDocument document, Saml2AssertionSignature signature)
    {
        signature.SignatureElement.ParentNode!.RemoveChild(signature.SignatureElement);
        Span<byte> digest = stackalloc byte[MaximumHashSize];
        return Saml2ExclusiveCanonicalizer.TryHash(
                document.DocumentElement!,
                includeComments: false,
                signature.ReferenceInclusivePrefixes,
                signature.DigestAlgorithm.HashAlgorithm,
                digest,
                out var digestLength)
            && CryptographicOperations.FixedTimeEquals(digest[..digestLength], signature.DigestValue);
    }
}
