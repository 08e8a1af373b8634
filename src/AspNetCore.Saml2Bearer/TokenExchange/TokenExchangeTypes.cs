using AspNetCore.Saml2Bearer.Assertions;

namespace AspNetCore.Saml2Bearer.TokenExchange;

/// <summary>
/// The identifiers of RFC 8693 (OAuth 2.0 Token Exchange): its grant type (section 2.1) and the token type
/// identifiers of section 3 that the RFC 8693 token request sends and accepts.
/// </summary>
internal static class TokenExchangeTypes
{
    /// <summary>The grant type of RFC 8693 section 2.1.</summary>
    public const string GrantType = "urn:ietf:params:oauth:grant-type:token-exchange";

    /// <summary>Section 3: an OAuth access token issued by the authorization server in question.</summary>
    public const string AccessTokenType = "urn:ietf:params:oauth:token-type:access_token";

    /// <summary>Section 3: a base64url-encoded SAML 2.0 assertion.</summary>
    public const string Saml2TokenType = "urn:ietf:params:oauth:token-type:saml2";

    /// <summary>Section 3: a base64url-encoded SAML 1.1 assertion.</summary>
    public const string Saml1TokenType = "urn:ietf:params:oauth:token-type:saml1";

    /// <summary>
    /// Section 2.2.1: the <c>token_type</c> of an issued token that is not an access token nor usable as one.
    /// </summary>
    public const string NotApplicableTokenType = "N_A";

    /// <summary>
    /// The <c>subject_token_type</c> of an assertion of <paramref name="version"/>: <see cref="Saml1TokenType"/> for
    /// SAML 1.1, <see cref="Saml2TokenType"/> for SAML 2.0. The one place the assertion's version decides the type.
    /// </summary>
    public static string SubjectTokenType(Saml2AssertionVersion version) =>
        version == Saml2AssertionVersion.Saml11 ? Saml1TokenType : Saml2TokenType;
}
