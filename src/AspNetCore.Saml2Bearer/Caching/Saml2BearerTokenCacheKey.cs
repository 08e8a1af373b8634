using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace AspNetCore.Saml2Bearer.Caching;

/// <summary>
/// Builds token cache keys: SHA-256 over length-prefixed fields, so no NameID appears in a key and no two
/// field combinations collide.
/// </summary>
internal static class Saml2BearerTokenCacheKey
{
    /// <summary>The key of a subject's token: scheme, AS, client, IdP issuer, NameID format and value, scope, audience.</summary>
    public static string ForSubject(
        string scheme,
        string? authorizationServer,
        string? clientId,
        string issuer,
        string? nameIdFormat,
        string nameId,
        string? scope,
        string? audience) =>
        Hash("subject", scheme, authorizationServer, clientId, issuer, nameIdFormat, nameId, scope, audience);

    /// <summary>The key of a token obtained for exactly these assertion bytes (TrustAuthorizationServer mode).</summary>
    public static string ForAssertion(string scheme, string? authorizationServer, string? clientId, ReadOnlySpan<byte> assertionXml, string? scope, string? audience) =>
        Hash("assertion", scheme, authorizationServer, clientId, Convert.ToHexString(SHA256.HashData(assertionXml)), scope, audience);

    private static string Hash(params string?[] fields)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> length = stackalloc byte[4];
        foreach (var field in fields)
        {
            if (field is null)
            {
                BinaryPrimitives.WriteInt32BigEndian(length, -1);
                hash.AppendData(length);
                continue;
            }

            var bytes = Encoding.UTF8.GetBytes(field);
            BinaryPrimitives.WriteInt32BigEndian(length, bytes.Length);
            hash.AppendData(length);
            hash.AppendData(bytes);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
