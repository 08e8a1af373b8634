namespace AspNetCore.Saml2Bearer.TokenExchange;

/// <summary>
/// The names of token request and response parameters (RFC 6749 sections 4.1.3, 5.1 and 5.2; RFC 7521
/// section 4.2; RFC 7522 section 2.1; RFC 8707; RFC 8693 <c>audience</c>).
/// </summary>
internal static class OAuthParameterNames
{
    public const string GrantType = "grant_type";
    public const string Assertion = "assertion";
    public const string Scope = "scope";
    public const string Audience = "audience";
    public const string Resource = "resource";
    public const string ClientId = "client_id";
    public const string ClientSecret = "client_secret";
    public const string ClientAssertionType = "client_assertion_type";
    public const string ClientAssertion = "client_assertion";

    /// <summary>The <c>grant_type</c> value of a refresh (RFC 6749 section 6); the field is <see cref="RefreshToken"/>.</summary>
    public const string RefreshTokenGrantType = "refresh_token";

    // RFC 8693 section 2.1 and 2.2.1.
    public const string SubjectToken = "subject_token";
    public const string SubjectTokenType = "subject_token_type";
    public const string RequestedTokenType = "requested_token_type";
    public const string IssuedTokenType = "issued_token_type";

    public const string AccessToken = "access_token";
    public const string TokenType = "token_type";
    public const string ExpiresIn = "expires_in";
    public const string RefreshToken = "refresh_token";
    public const string IdToken = "id_token";

    public const string Error = "error";
    public const string ErrorDescription = "error_description";
    public const string ErrorUri = "error_uri";

    /// <summary>The RFC 7523 client assertion type: <c>urn:ietf:params:oauth:client-assertion-type:jwt-bearer</c>.</summary>
    public const string JwtBearerClientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

    /// <summary>
    /// Whether <paramref name="name"/> is a field the token service owns: the grant, the assertion and
    /// client authentication, and under RFC 8693 the subject token and the requested token type. Compared
    /// case-insensitively, so <c>Grant_Type</c> cannot smuggle a second grant.
    /// </summary>
    public static bool IsReserved(string name, Saml2BearerTokenExchangeProtocol protocol) =>
        (protocol == Saml2BearerTokenExchangeProtocol.Rfc8693
            && (string.Equals(name, SubjectToken, StringComparison.OrdinalIgnoreCase)
                || string.Equals(name, SubjectTokenType, StringComparison.OrdinalIgnoreCase)
                || string.Equals(name, RequestedTokenType, StringComparison.OrdinalIgnoreCase)))
        || string.Equals(name, GrantType, StringComparison.OrdinalIgnoreCase)
        || string.Equals(name, Assertion, StringComparison.OrdinalIgnoreCase)
        || string.Equals(name, ClientId, StringComparison.OrdinalIgnoreCase)
        || string.Equals(name, ClientSecret, StringComparison.OrdinalIgnoreCase)
        || string.Equals(name, ClientAssertionType, StringComparison.OrdinalIgnoreCase)
        || string.Equals(name, ClientAssertion, StringComparison.OrdinalIgnoreCase);
}
