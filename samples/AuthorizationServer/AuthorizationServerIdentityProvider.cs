using System.Security.Cryptography.X509Certificates;

namespace AuthorizationServer;

/// <summary>A SAML identity provider whose assertions the authorization server accepts.</summary>
public sealed class AuthorizationServerIdentityProvider
{
    /// <summary>The identity provider's entity ID (the assertion <c>Issuer</c>).</summary>
    public string EntityId { get; set; } = "";

    /// <summary>Path of a PEM file holding the identity provider's signing certificate (public part only).</summary>
    public string? SigningCertificatePath { get; set; }

    /// <summary>Signing certificates passed in code, in addition to <see cref="SigningCertificatePath"/>.</summary>
    public IList<X509Certificate2> SigningCertificates { get; } = new List<X509Certificate2>();
}
