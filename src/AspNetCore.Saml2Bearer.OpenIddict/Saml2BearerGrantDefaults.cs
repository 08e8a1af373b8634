namespace AspNetCore.Saml2Bearer.OpenIddict;

/// <summary>
/// Constants of the SAML 2.0 bearer assertion grant (RFC 7522) as an OpenIddict server speaks it.
/// </summary>
public static class Saml2BearerGrantDefaults
{
    /// <summary>The grant type URN of RFC 7522 section 2.1.</summary>
    public const string GrantType = "urn:ietf:params:oauth:grant-type:saml2-bearer";

    /// <summary>
    /// The grant type of a SAML 1.1 assertion, as Microsoft Entra ID names it; accepted when
    /// <see cref="Saml2BearerGrantOptions.Assertion"/>'s <see cref="Assertions.Saml2AssertionValidationParameters.AllowSaml11"/> is on.
    /// </summary>
    public const string Saml11GrantType = "urn:ietf:params:oauth:grant-type:saml1_1-bearer";

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

    /// <summary>The error description returned when an assertion ID is presented a second time.</summary>
    public const string ReplayedAssertionDescription = "The SAML 2.0 assertion has already been used.";

    /// <summary>
    /// The error description returned (with <c>temporarily_unavailable</c>, HTTP 503) when the replay store
    /// cannot tell whether the assertion was used before: the client may retry the same assertion.
    /// </summary>
    public const string ReplayCheckUnavailableDescription = "The SAML 2.0 assertion could not be checked for replay; try again later.";

    /// <summary>Whether <paramref name="grantType"/> is one this grant handles (OpenIddict has already refused a grant type it does not allow).</summary>
    internal static bool IsSaml2BearerGrant(string? grantType) =>
        string.Equals(grantType, GrantType, StringComparison.Ordinal) || string.Equals(grantType, Saml11GrantType, StringComparison.Ordinal);
}
