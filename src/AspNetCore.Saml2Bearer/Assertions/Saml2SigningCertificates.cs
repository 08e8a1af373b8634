using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace AspNetCore.Saml2Bearer.Assertions;

/// <summary>
/// Loads an identity provider's signing certificates from the forms operators hold them in: a PEM file
/// (one or several certificates, for key rollover) or a base64 DER value. Only public certificates come
/// out: a private key found next to a certificate is ignored, never loaded.
/// </summary>
/// <remarks>
/// Errors are <see cref="InvalidOperationException"/>s that name the file, never its content, so they
/// can be logged and acted on at startup.
/// </remarks>
public static class Saml2SigningCertificates
{
    private const string CertificateLabel = "CERTIFICATE";

    /// <summary>
    /// Reads every <c>-----BEGIN CERTIFICATE-----</c> block of a PEM file. Other blocks (a private key,
    /// a CRL) are skipped; the certificates returned never carry a private key.
    /// </summary>
    /// <param name="path">The path of the PEM file.</param>
    /// <returns>The certificates, in file order; at least one.</returns>
    /// <exception cref="InvalidOperationException">
    /// The file cannot be read, holds no certificate block, or a certificate block is not a valid X.509 certificate.
    /// </exception>
    public static IReadOnlyList<X509Certificate2> LoadPemFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string pem;
        try
        {
            pem = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new InvalidOperationException($"The signing certificate file '{path}' could not be read: {ex.GetType().Name}.", ex);
        }

        return ReadPem(pem, $"the signing certificate file '{path}'");
    }

    /// <summary>
    /// Reads every <c>-----BEGIN CERTIFICATE-----</c> block of PEM text, such as a certificate pasted into
    /// configuration or a secret store. Other blocks (a private key, a CRL) are skipped; the certificates
    /// returned never carry a private key.
    /// </summary>
    /// <param name="pem">The PEM text.</param>
    /// <returns>The certificates, in text order; at least one.</returns>
    /// <exception cref="InvalidOperationException">
    /// The text holds no certificate block, or a certificate block is not a valid X.509 certificate.
    /// </exception>
    public static IReadOnlyList<X509Certificate2> FromPem(string pem)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pem);
        return ReadPem(pem, "the signing certificate PEM value");
    }

    private static List<X509Certificate2> ReadPem(string pem, string source)
    {
        var certificates = new List<X509Certificate2>();
        var remaining = pem.AsSpan();
        while (PemEncoding.TryFind(remaining, out var fields))
        {
            if (remaining[fields.Label].SequenceEqual(CertificateLabel))
            {
                var der = Convert.FromBase64String(remaining[fields.Base64Data].ToString());
                certificates.Add(Load(der, () => $"Certificate block {certificates.Count + 1} of {source} is not a valid X.509 certificate."));
            }

            remaining = remaining[fields.Location.End..];
        }

        if (certificates.Count == 0)
        {
            throw new InvalidOperationException(
                $"{char.ToUpperInvariant(source[0])}{source[1..]} holds no PEM certificate: expected at least one '-----BEGIN {CertificateLabel}-----' block.");
        }

        return certificates;
    }

    /// <summary>Reads a certificate given as base64 of its DER encoding (whitespace is ignored).</summary>
    /// <param name="base64Der">The base64 DER certificate, as SAML metadata and many consoles show it.</param>
    /// <returns>The certificate, without a private key.</returns>
    /// <exception cref="InvalidOperationException">The value is not base64 or not an X.509 certificate.</exception>
    public static X509Certificate2 FromBase64Der(string base64Der)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(base64Der);
        byte[] der;
        try
        {
            der = Convert.FromBase64String(base64Der);
        }
        catch (FormatException ex)
        {
            throw new InvalidOperationException("The signing certificate value is not valid base64.", ex);
        }

        return Load(der, static () => "The signing certificate value is not a valid base64 DER X.509 certificate.");
    }

    private static X509Certificate2 Load(byte[] der, Func<string> describeFailure)
    {
        try
        {
            // A DER certificate carries no private key, so the result is a public certificate.
            return X509CertificateLoader.LoadCertificate(der);
        }
        catch (CryptographicException ex)
        {
            throw new InvalidOperationException(describeFailure(), ex);
        }
    }
}
