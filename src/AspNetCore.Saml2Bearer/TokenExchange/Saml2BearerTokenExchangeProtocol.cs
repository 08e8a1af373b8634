namespace AspNetCore.Saml2Bearer.TokenExchange;

/// <summary>
/// Which OAuth grant the token request uses to present the assertion.
/// </summary>
public enum Saml2BearerTokenExchangeProtocol
{
    /// <summary>
    /// The SAML 2.0 bearer assertion grant of RFC 7522: <c>grant_type=urn:ietf:params:oauth:grant-type:saml2-bearer</c>
    /// and the assertion in <c>assertion</c>. The default.
    /// </summary>
    Rfc7522 = 0,

    /// <summary>
    /// OAuth 2.0 Token Exchange (RFC 8693): <c>grant_type=urn:ietf:params:oauth:grant-type:token-exchange</c>, the
    /// assertion base64url-encoded in <c>subject_token</c> with its <c>subject_token_type</c>, an access token requested
    /// (<c>requested_token_type</c>) and the response's <c>issued_token_type</c> checked (PingFederate, Salesforce).
    /// </summary>
    Rfc8693 = 1,
}
