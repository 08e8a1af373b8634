using AspNetCore.Saml2Bearer.Assertions;
using AspNetCore.Saml2Bearer.TokenExchange;
using OpenIddict.Abstractions;

namespace AspNetCore.Saml2Bearer.OpenIddict;

/// <summary>
/// Constants of the SAML 2.0 bearer assertion grant (RFC 7522) as an OpenIddict server speaks it.
/// </summary>
public static class Saml2BearerGrantDefaults
{
    /// <summary>The grant type URN of RFC 7522 section 2.1.</summary>
    public const string GrantType = Saml2BearerDefaults.GrantType;

    /// <summary>
    /// The grant type of a SAML 1.1 assertion, as Microsoft Entra ID names it; accepted when
    /// <see cref="Saml2BearerGrantOptions.Assertion"/>'s <see cref="Assertions.Saml2AssertionValidationParameters.AllowSaml11"/> is on.
    /// </summary>
    public const string Saml11GrantType = Saml2BearerDefaults.Saml11GrantType;

    /// <summary>
    /// The grant type of RFC 8693 (OAuth 2.0 Token Exchange); a SAML assertion is accepted under it, as
    /// <c>subject_token</c>, when <see cref="Saml2BearerGrantOptions.AllowTokenExchange"/> is on.
    /// </summary>
    public const string TokenExchangeGrantType = TokenExchangeTypes.GrantType;

    /// <summary>RFC 8693 section 3: the <c>subject_token_type</c> of a base64url-encoded SAML 2.0 assertion.</summary>
    public const string Saml2SubjectTokenType = TokenExchangeTypes.Saml2TokenType;

    /// <summary>RFC 8693 section 3: the <c>subject_token_type</c> of a base64url-encoded SAML 1.1 assertion.</summary>
    public const string Saml1SubjectTokenType = TokenExchangeTypes.Saml1TokenType;

    /// <summary>The token request parameter that carries the base64url-encoded assertion.</summary>
    public const string AssertionParameter = "assertion";

    /// <summary>
    /// The key under which the validated <see cref="Assertions.Saml2Assertion"/> is stored in the
    /// OpenIddict transaction properties between the validation and the handling of a token request.
    /// </summary>
    public const string AssertionTransactionProperty = "AspNetCore.Saml2Bearer.OpenIddict:Assertion";

    /// <summary>The error description returned when the <c>assertion</c> parameter is missing or repeated.</summary>
    public const string MissingAssertionDescription = "The mandatory 'assertion' parameter is missing or repeated.";

    /// <summary>The error description returned when the assertion fails validation. It never echoes the assertion.</summary>
    public const string InvalidAssertionDescription = "The SAML 2.0 assertion is invalid.";

    /// <summary>The error description returned when a SAML token exchange carries an <c>actor_token</c> (delegation is not supported).</summary>
    public const string ActorTokenNotSupportedDescription = "The 'actor_token' parameter is not supported with a SAML subject token.";

    /// <summary>The error description returned when an assertion ID is presented a second time.</summary>
    public const string ReplayedAssertionDescription = "The SAML 2.0 assertion has already been used.";

    /// <summary>
    /// The error description returned (with <c>temporarily_unavailable</c>, HTTP 503) when the replay store
    /// cannot tell whether the assertion was used before: the client may retry the same assertion.
    /// </summary>
    public const string ReplayCheckUnavailableDescription = "The SAML 2.0 assertion could not be checked for replay; try again later.";

    /// <summary>
    /// The claim that carries the assertion's <c>SessionNotOnOrAfter</c> (SAML core section 2.7.2), in seconds
    /// since the Unix epoch, in the principal signed in for a SAML 2.0 assertion that has one. It has no
    /// destination, so it never reaches an access or identity token; OpenIddict keeps every claim of the
    /// principal in the refresh token, so a refresh token grant finds it again and no token issued from the
    /// assertion, or from any refresh token descending from it, outlives the identity provider's session.
    /// </summary>
    public const string SessionNotOnOrAfterClaim = "saml_session_not_on_or_after";

    /// <summary>
    /// The error description returned (with <c>invalid_grant</c>) when the identity provider's session of the
    /// assertion, or of the assertion a refresh token descends from, has ended (its <c>SessionNotOnOrAfter</c> has passed).
    /// </summary>
    public const string SessionEndedDescription = "The SAML session of the assertion has ended.";

    /// <summary>Whether <paramref name="grantType"/> is one of the RFC 7522 grant types this grant handles.</summary>
    internal static bool IsSaml2BearerGrant(string? grantType) =>
        string.Equals(grantType, GrantType, StringComparison.Ordinal) || string.Equals(grantType, Saml11GrantType, StringComparison.Ordinal);

    /// <summary>Whether the request is one this grant handles: an RFC 7522 grant or a token exchange of a SAML assertion.</summary>
    internal static bool IsSamlTokenRequest(OpenIddictRequest request) =>
        IsSaml2BearerGrant(request.GrantType) || IsSamlTokenExchange(request.GrantType, request.SubjectTokenType);

    /// <summary>
    /// The assertion version the request's grant type or subject token type names, or <see langword="null"/>
    /// when it names none (<c>saml2-bearer</c> carries either version).
    /// </summary>
    internal static Saml2AssertionVersion? RequiredVersion(OpenIddictRequest request) => request.GrantType switch
    {
        Saml11GrantType => Saml2AssertionVersion.Saml11,
        TokenExchangeGrantType => string.Equals(request.SubjectTokenType, Saml1SubjectTokenType, StringComparison.Ordinal)
            ? Saml2AssertionVersion.Saml11
            : Saml2AssertionVersion.Saml20,
        _ => null,
    };

    /// <summary>
    /// Whether the request is an RFC 8693 token exchange whose subject token is a SAML assertion (any other
    /// subject token type is OpenIddict's own business).
    /// </summary>
    internal static bool IsSamlTokenExchange(string? grantType, string? subjectTokenType) =>
        string.Equals(grantType, TokenExchangeGrantType, StringComparison.Ordinal)
        && (string.Equals(subjectTokenType, Saml2SubjectTokenType, StringComparison.Ordinal) || string.Equals(subjectTokenType, Saml1SubjectTokenType, StringComparison.Ordinal));
}
