using System.Security.Cryptography.X509Certificates;

namespace AspNetCore.Saml2Bearer.Assertions;

/// <summary>
/// What SAML metadata says about an identity provider that matters here: its entity ID and the
/// certificates of its <c>KeyDescriptor</c>s for signing.
/// </summary>
public sealed class Saml2IdentityProviderMetadata
{
    private IReadOnlyList<Saml2SigningKey>? _keys;

    /// <summary>Creates the metadata.</summary>
    /// <param name="entityId">The <c>entityID</c> of the <c>EntityDescriptor</c>.</param>
    /// <param name="signingCertificates">The certificates usable for signing.</param>
    public Saml2IdentityProviderMetadata(string entityId, IEnumerable<X509Certificate2> signingCertificates)
    {
        ArgumentException.ThrowIfNullOrEmpty(entityId);
        ArgumentNullException.ThrowIfNull(signingCertificates);
        EntityId = entityId;
        SigningCertificates = signingCertificates.ToArray();
    }

    /// <summary>The identity provider's entity ID.</summary>
    public string EntityId { get; }

    /// <summary>The certificates whose keys sign the identity provider's assertions.</summary>
    public IReadOnlyList<X509Certificate2> SigningCertificates { get; }

    /// <summary>The keys, extracted once per metadata document and bound to <paramref name="issuer"/>.</summary>
    internal IReadOnlyList<Saml2SigningKey> GetKeys(string issuer) =>
        _keys ??= SigningCertificates.Select(c => Saml2SigningKey.Create(issuer, c)).ToArray();
}
