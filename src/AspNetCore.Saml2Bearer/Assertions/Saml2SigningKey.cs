using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace AspNetCore.Saml2Bearer.Assertions;

/// <summary>
/// A trusted public key, extracted once from its certificate and bound to one identity provider.
/// </summary>
internal sealed class Saml2SigningKey
{
    private Saml2SigningKey(string issuer, byte[] certificateHash, RSA? rsa, ECDsa? ecdsa)
    {
        Issuer = issuer;
        CertificateHash = certificateHash;
        Rsa = rsa;
        Ecdsa = ecdsa;
    }

    /// <summary>The entity ID of the identity provider the key is bound to.</summary>
    public string Issuer { get; }

    /// <summary>SHA-256 of the certificate's DER bytes, to recognise it when a message names it.</summary>
    public byte[] CertificateHash { get; }

    public RSA? Rsa { get; }

    public ECDsa? Ecdsa { get; }

    public static Saml2SigningKey Create(string issuer, X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var rsa = certificate.GetRSAPublicKey();
        var ecdsa = rsa is null ? certificate.GetECDsaPublicKey() : null;
        if (rsa is null && ecdsa is null)
        {
            throw new InvalidOperationException(
                $"The signing certificate with thumbprint {certificate.Thumbprint} of identity provider '{issuer}' holds neither an RSA nor an ECDSA key.");
        }

        return new Saml2SigningKey(issuer, SHA256.HashData(certificate.RawData), rsa, ecdsa);
    }

    /// <summary>Verifies <paramref name="signature"/> over <paramref name="hash"/> with this key.</summary>
    public bool Verify(Saml2SignatureAlgorithm algorithm, ReadOnlySpan<byte> hash, byte[] signature)
    {
        try
        {
            return algorithm.IsEcdsa
                ? Ecdsa is not null && Ecdsa.VerifyHash(hash, signature)
                : Rsa is not null && Rsa.VerifyHash(hash, signature, algorithm.HashAlgorithm, RSASignaturePadding.Pkcs1);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }
}
