namespace AspNetCore.Saml2Bearer.TokenExchange;

/// <summary>
/// How the assertion is encoded in the token request's <c>assertion</c> field.
/// </summary>
public enum Saml2BearerAssertionEncoding
{
    /// <summary>base64url without padding or line breaks, as RFC 7522 section 2.1 prescribes. The default.</summary>
    Base64Url = 0,

    /// <summary>Standard base64, which some authorization servers' guides show (Okta, Microsoft Entra).</summary>
    Base64 = 1,
}
