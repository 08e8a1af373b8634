using System.Security.Cryptography.X509Certificates;
using Microsoft.IdentityModel.Protocols;

namespace AspNetCore.Saml2Bearer.Assertions;

/// <summary>
/// A trusted SAML identity provider: its entity ID (the assertion <c>Issuer</c>) and the keys bound to it.
/// A key trusted for one identity provider never validates an assertion of another.
/// </summary>
public sealed class Saml2IdentityProvider
{
    /// <summary>The entity ID the identity provider writes into <c>saml:Issuer</c>.</summary>
    public required string EntityId { get; set; }

    /// <summary>
    /// The certificates whose public keys verify this identity provider's signatures. Several may be
    /// configured at once for key rollover.
    /// </summary>
    public IList<X509Certificate2> SigningCertificates { get; } = new List<X509Certificate2>();

    /// <summary>
    /// Optional source of SAML metadata (<c>EntityDescriptor</c>) whose signing keys are trusted for
    /// this identity provider in addition to <see cref="SigningCertificates"/>. It is refreshed
    /// periodically and when an assertion is signed with a key it does not know yet.
    /// </summary>
    public IConfigurationManager<Saml2IdentityProviderMetadata>? MetadataManager { get; set; }
}
