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

    /// <summary>
    /// Creates an identity provider whose signing keys come from its SAML metadata, read from an HTTPS
    /// address or a file and refreshed as <see cref="Saml2MetadataRetriever.CreateConfigurationManager"/>
    /// describes. The metadata's own signature is not verified: trust comes from HTTPS or from the
    /// operator's file.
    /// </summary>
    /// <param name="entityId">The identity provider's entity ID; the metadata must describe it.</param>
    /// <param name="metadataAddress">An <c>https://</c> address, or a file path or <c>file://</c> URI.</param>
    /// <param name="httpClient">The client for an HTTP address; by default a shared client of Microsoft.IdentityModel.</param>
    /// <param name="requireHttps">Whether an HTTP address must be HTTPS. Default: <see langword="true"/>.</param>
    /// <returns>
    /// The identity provider. Its <see cref="MetadataManager"/> is a <see cref="ConfigurationManager{T}"/>;
    /// to change its refresh intervals, create it with <see cref="Saml2MetadataRetriever.CreateConfigurationManager"/>
    /// and assign it to <see cref="MetadataManager"/>.
    /// </returns>
    /// <exception cref="ArgumentException">The address is neither HTTPS (when required), HTTP, nor a file.</exception>
    public static Saml2IdentityProvider FromMetadata(string entityId, string metadataAddress, HttpClient? httpClient = null, bool requireHttps = true) =>
        new()
        {
            EntityId = entityId,
            MetadataManager = Saml2MetadataRetriever.CreateConfigurationManager(entityId, metadataAddress, httpClient, requireHttps),
        };
}
