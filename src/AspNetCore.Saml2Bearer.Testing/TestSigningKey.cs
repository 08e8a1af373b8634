using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace AspNetCore.Saml2Bearer.Testing;

/// <summary>
/// A key pair generated for one test run, with a self-signed certificate. Nothing is checked in.
/// </summary>
public sealed class TestSigningKey : IDisposable
{
    private TestSigningKey(AsymmetricAlgorithm privateKey, X509Certificate2 certificate)
    {
        PrivateKey = privateKey;
        Certificate = certificate;
    }

    /// <summary>The private key.</summary>
    public AsymmetricAlgorithm PrivateKey { get; }

    /// <summary>The certificate with the private key attached.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The certificate without the private key, as a relying party would hold it.</summary>
    public X509Certificate2 PublicCertificate => X509CertificateLoader.LoadCertificate(Certificate.RawData);

    /// <summary>Whether the key is an ECDSA key.</summary>
    public bool IsEcdsa => PrivateKey is ECDsa;

    /// <summary>Wraps a certificate that carries its RSA or ECDSA private key.</summary>
    /// <returns>The key, or <see langword="null"/> when the certificate carries neither.</returns>
    internal static TestSigningKey? FromCertificate(X509Certificate2 certificate)
    {
        AsymmetricAlgorithm? privateKey = certificate.GetRSAPrivateKey();
        privateKey ??= certificate.GetECDsaPrivateKey();
        return privateKey is null ? null : new TestSigningKey(privateKey, certificate);
    }

    /// <summary>Generates an RSA key and a self-signed certificate.</summary>
    /// <param name="subject">The subject.</param>
    /// <param name="keySize">The keySize.</param>
    /// <returns>The result.</returns>
    public static TestSigningKey CreateRsa(string subject = "CN=Test IdP", int keySize = 2048)
    {
        var rsa = RSA.Create(keySize);
        var request = new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        return new TestSigningKey(rsa, certificate);
    }

    /// <summary>Generates an ECDSA key and a self-signed certificate.</summary>
    /// <param name="subject">The subject.</param>
    /// <param name="curve">The curve.</param>
    /// <returns>The result.</returns>
    public static TestSigningKey CreateEcdsa(string subject = "CN=Test IdP EC", ECCurve? curve = null)
    {
        var ecdsa = ECDsa.Create(curve ?? ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, ecdsa, HashAlgorithmName.SHA256);
        var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        return new TestSigningKey(ecdsa, certificate);
    }

    /// <summary>Disposes the key and the certificate.</summary>
    public void Dispose()
    {
        Certificate.Dispose();
        PrivateKey.Dispose();
    }
}
