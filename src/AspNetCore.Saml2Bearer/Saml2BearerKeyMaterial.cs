using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using AspNetCore.Saml2Bearer.Assertions;
using Microsoft.IdentityModel.Tokens;

namespace AspNetCore.Saml2Bearer;

/// <summary>
/// Reads certificates and private keys from configuration values in the forms operators hold them: a
/// file path (relative to the content root), inline PEM, or (certificates) base64 DER. Errors are
/// <see cref="InvalidOperationException"/>s that name the configuration key and the file, never the
/// value's content (a private key is a secret; a pasted certificate is just noise in a log).
/// </summary>
internal static class Saml2BearerKeyMaterial
{
    private const string PemMarker = "-----BEGIN";
    private const int MinimumRsaKeySize = 2048;

    /// <summary>The certificates of one <c>SigningCertificates</c> value.</summary>
    public static IReadOnlyList<X509Certificate2> LoadCertificates(string value, string key, string contentRootPath)
    {
        if (value.Contains(PemMarker, StringComparison.Ordinal))
        {
            try
            {
                return Saml2SigningCertificates.FromPem(value);
            }
            catch (InvalidOperationException ex)
            {
                throw new InvalidOperationException($"'{key}' holds inline PEM: {ex.Message}", ex);
            }
        }

        var path = Resolve(value, contentRootPath);
        if (path is not null && File.Exists(path))
        {
            try
            {
                return Saml2SigningCertificates.LoadPemFile(path);
            }
            catch (InvalidOperationException ex)
            {
                throw new InvalidOperationException($"'{key}': {ex.Message}", ex);
            }
        }

        if (LooksLikeBase64(value))
        {
            try
            {
                return [Saml2SigningCertificates.FromBase64Der(value)];
            }
            catch (InvalidOperationException ex)
            {
                throw new InvalidOperationException(
                    $"'{key}' is neither an existing file nor a base64 DER certificate ({ex.Message})", ex);
            }
        }

        throw new InvalidOperationException(
            $"'{key}' names the signing certificate file{Describe(path)}, which does not exist. A relative path is resolved against the content root; the value may also be an inline PEM certificate or base64 DER.");
    }

    /// <summary>
    /// The <c>private_key_jwt</c> signing credentials from a PEM private key (a file or inline; PKCS#8,
    /// PKCS#1 RSA or SEC1 EC), with <paramref name="keyId"/> as <c>kid</c> (default: the RFC 7638 JWK
    /// thumbprint) and <paramref name="algorithm"/> (default: RS256, or ES256/384/512 by curve).
    /// </summary>
    public static SigningCredentials LoadSigningCredentials(string value, string? keyId, string? algorithm, string key, string contentRootPath)
    {
        string pem;
        if (value.Contains(PemMarker, StringComparison.Ordinal))
        {
            pem = value;
        }
        else
        {
            var path = Resolve(value, contentRootPath);
            if (path is null || !File.Exists(path))
            {
                throw new InvalidOperationException(
                    $"'{key}' names the private key file{Describe(path)}, which does not exist. A relative path is resolved against the content root; the value may also be an inline PEM private key.");
            }

            try
            {
                pem = File.ReadAllText(path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new InvalidOperationException($"'{key}': the private key file '{path}' could not be read: {ex.GetType().Name}.", ex);
            }
        }

        var securityKey = ReadPrivateKey(pem, key);
        securityKey.KeyId = string.IsNullOrEmpty(keyId) ? Base64UrlEncoder.Encode(securityKey.ComputeJwkThumbprint()) : keyId;
        return new SigningCredentials(securityKey, ChooseAlgorithm(securityKey, algorithm, key));
    }

    private static AsymmetricSecurityKey ReadPrivateKey(string pem, string key)
    {
        var remaining = pem.AsSpan();
        while (PemEncoding.TryFind(remaining, out var fields))
        {
            var label = remaining[fields.Label].ToString();
            if (label.EndsWith("PRIVATE KEY", StringComparison.Ordinal))
            {
                if (label.StartsWith("ENCRYPTED", StringComparison.Ordinal))
                {
                    throw new InvalidOperationException($"'{key}' holds an encrypted private key, which is not supported: keep the unencrypted PEM key in a secret store instead.");
                }

                var der = Convert.FromBase64String(remaining[fields.Base64Data].ToString());
                try
                {
                    return label switch
                    {
                        "RSA PRIVATE KEY" => Rsa(r => r.ImportRSAPrivateKey(der, out _), key),
                        "EC PRIVATE KEY" => Ec(e => e.ImportECPrivateKey(der, out _)),
                        _ => (AsymmetricSecurityKey?)TryRsaPkcs8(der, key) ?? Ec(e => e.ImportPkcs8PrivateKey(der, out _)),
                    };
                }
                catch (CryptographicException ex)
                {
                    throw new InvalidOperationException($"'{key}' holds a PEM private key that is neither an RSA nor an EC key: {ex.GetType().Name}.", ex);
                }
            }

            remaining = remaining[fields.Location.End..];
        }

        throw new InvalidOperationException($"'{key}' holds no PEM private key: expected a '-----BEGIN PRIVATE KEY-----' block.");
    }

    private static RsaSecurityKey? TryRsaPkcs8(byte[] der, string key)
    {
        using var probe = RSA.Create();
        try
        {
            probe.ImportPkcs8PrivateKey(der, out _);
        }
        catch (CryptographicException)
        {
            return null;
        }

        return Rsa(r => r.ImportPkcs8PrivateKey(der, out _), key);
    }

    private static RsaSecurityKey Rsa(Action<RSA> import, string key)
    {
        var rsa = RSA.Create();
        import(rsa);
        var keySize = rsa.KeySize;
        if (keySize < MinimumRsaKeySize)
        {
            rsa.Dispose();
            throw new InvalidOperationException($"'{key}' holds a {keySize}-bit RSA key: at least {MinimumRsaKeySize} bits are required.");
        }

        return new RsaSecurityKey(rsa);
    }

    private static ECDsaSecurityKey Ec(Action<ECDsa> import)
    {
        var ecdsa = ECDsa.Create();
        import(ecdsa);
        return new ECDsaSecurityKey(ecdsa);
    }

    private static string ChooseAlgorithm(AsymmetricSecurityKey securityKey, string? algorithm, string key)
    {
        // An EC key signs with the one algorithm of its curve (RFC 7518 section 3.4).
        string[] allowed = securityKey is ECDsaSecurityKey ec
            ? [ec.ECDsa.KeySize switch
            {
                384 => SecurityAlgorithms.EcdsaSha384,
                521 => SecurityAlgorithms.EcdsaSha512,
                _ => SecurityAlgorithms.EcdsaSha256,
            }]
            : [SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSha384, SecurityAlgorithms.RsaSha512, SecurityAlgorithms.RsaSsaPssSha256, SecurityAlgorithms.RsaSsaPssSha384, SecurityAlgorithms.RsaSsaPssSha512];
        if (string.IsNullOrEmpty(algorithm))
        {
            return allowed[0];
        }

        return allowed.FirstOrDefault(a => string.Equals(a, algorithm, StringComparison.Ordinal))
            ?? throw new InvalidOperationException(
                $"'{key}': the algorithm '{algorithm}' does not fit this {(securityKey is RsaSecurityKey ? "RSA" : "EC")} key; use one of {string.Join(", ", allowed)}.");
    }

    private static string? Resolve(string value, string contentRootPath)
    {
        try
        {
            return Path.GetFullPath(value, contentRootPath);
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            return null;
        }
    }

    private static string Describe(string? path) => path is null ? string.Empty : $" '{path}'";

    // Base64 of a DER certificate is several hundred characters of the base64 alphabet; a path has a dot
    // or is short.
    private static bool LooksLikeBase64(string value) =>
        value.Length >= 64 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '/' or '=' || char.IsWhiteSpace(c));
}
