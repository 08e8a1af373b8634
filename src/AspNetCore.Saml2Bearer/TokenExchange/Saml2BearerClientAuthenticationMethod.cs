namespace AspNetCore.Saml2Bearer.TokenExchange;

/// <summary>
/// How the API authenticates itself, as an OAuth client, at the token endpoint.
/// </summary>
public enum Saml2BearerClientAuthenticationMethod
{
    /// <summary>HTTP Basic with the client ID and secret (RFC 6749 section 2.3.1). The default.</summary>
    ClientSecretBasic = 0,

    /// <summary>The client ID and secret as form fields (RFC 6749 section 2.3.1).</summary>
    ClientSecretPost = 1,

    /// <summary>A JWT client assertion signed with the client's private key (RFC 7523, OpenID Connect <c>private_key_jwt</c>).</summary>
    PrivateKeyJwt = 2,

    /// <summary>No client authentication: only <c>client_id</c> is sent, when a client ID is configured.</summary>
    None = 3,
}
