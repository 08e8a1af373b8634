using Microsoft.IdentityModel.Tokens;

namespace AuthorizationServer;

/// <summary>
/// An OAuth client allowed to use the SAML 2.0 bearer grant: authenticated with a secret
/// (<c>client_secret_basic</c> or <c>client_secret_post</c>) or a JSON Web Key set (<c>private_key_jwt</c>).
/// </summary>
public sealed class AuthorizationServerClient
{
    /// <summary>The client identifier.</summary>
    public string ClientId { get; set; } = "";

    /// <summary>The client secret, or <see langword="null"/> for a client that authenticates with keys only.</summary>
    public string? ClientSecret { get; set; }

    /// <summary>The client's public keys for <c>private_key_jwt</c>, as a JWKS JSON document (from configuration).</summary>
    public string? JsonWebKeySet { get; set; }

    /// <summary>The client's public keys for <c>private_key_jwt</c>, passed in code.</summary>
    public JsonWebKeySet? JsonWebKeys { get; set; }

    /// <summary>
    /// The scopes the client may request. <c>offline_access</c> also allows the refresh token grant.
    /// </summary>
    public IList<string> Scopes { get; } = new List<string>();
}
