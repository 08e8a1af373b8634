using System.Security.Cryptography;

namespace AspNetCore.Saml2Bearer.Assertions;

/// <summary>
/// An allowed signature or digest algorithm: the hash it uses, and for signatures the key type.
/// Anything not in these tables (HMAC, MD5, unknown URIs) is refused.
/// </summary>
/// <param name="Uri">The algorithm URI.</param>
/// <param name="HashAlgorithm">The hash function.</param>
/// <param name="IsEcdsa">Whether the signature needs an ECDSA key (otherwise RSA).</param>
/// <param name="IsSha1">Whether the algorithm rests on SHA-1 (accepted only by opt-in).</param>
internal sealed record Saml2SignatureAlgorithm(string Uri, HashAlgorithmName HashAlgorithm, bool IsEcdsa, bool IsSha1)
{
    private static readonly Dictionary<string, Saml2SignatureAlgorithm> SignatureAlgorithms = new(StringComparer.Ordinal)
    {
        [Saml2Constants.RsaSha1] = new(Saml2Constants.RsaSha1, HashAlgorithmName.SHA1, false, true),
        [Saml2Constants.RsaSha256] = new(Saml2Constants.RsaSha256, HashAlgorithmName.SHA256, false, false),
        [Saml2Constants.RsaSha384] = new(Saml2Constants.RsaSha384, HashAlgorithmName.SHA384, false, false),
        [Saml2Constants.RsaSha512] = new(Saml2Constants.RsaSha512, HashAlgorithmName.SHA512, false, false),
        [Saml2Constants.EcdsaSha1] = new(Saml2Constants.EcdsaSha1, HashAlgorithmName.SHA1, true, true),
        [Saml2Constants.EcdsaSha256] = new(Saml2Constants.EcdsaSha256, HashAlgorithmName.SHA256, true, false),
        [Saml2Constants.EcdsaSha384] = new(Saml2Constants.EcdsaSha384, HashAlgorithmName.SHA384, true, false),
        [Saml2Constants.EcdsaSha512] = new(Saml2Constants.EcdsaSha512, HashAlgorithmName.SHA512, true, false),
    };

    private static readonly Dictionary<string, Saml2SignatureAlgorithm> DigestAlgorithms = new(StringComparer.Ordinal)
    {
        [Saml2Constants.Sha1] = new(Saml2Constants.Sha1, HashAlgorithmName.SHA1, false, true),
        [Saml2Constants.Sha256] = new(Saml2Constants.Sha256, HashAlgorithmName.SHA256, false, false),
        [Saml2Constants.Sha384] = new(Saml2Constants.Sha384, HashAlgorithmName.SHA384, false, false),
        [Saml2Constants.Sha512] = new(Saml2Constants.Sha512, HashAlgorithmName.SHA512, false, false),
    };

    public static Saml2SignatureAlgorithm? FindSignatureAlgorithm(string uri, bool allowSha1) =>
        SignatureAlgorithms.TryGetValue(uri, out var algorithm) && (allowSha1 || !algorithm.IsSha1) ? algorithm : null;

    public static Saml2SignatureAlgorithm? FindDigestAlgorithm(string uri, bool allowSha1) =>
        DigestAlgorithms.TryGetValue(uri, out var algorithm) && (allowSha1 || !algorithm.IsSha1) ? algorithm : null;
}
