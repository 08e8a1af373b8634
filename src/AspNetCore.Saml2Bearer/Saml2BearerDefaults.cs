namespace AspNetCore.Saml2Bearer;

/// <summary>
/// Default values of the SAML 2.0 bearer authentication scheme.
/// </summary>
public static class Saml2BearerDefaults
{
    /// <summary>The default authentication scheme name: <c>Saml2Bearer</c>.</summary>
    public const string AuthenticationScheme = "Saml2Bearer";

    /// <summary>The RFC 7522 grant type: <c>urn:ietf:params:oauth:grant-type:saml2-bearer</c>.</summary>
    public const string GrantType = "urn:ietf:params:oauth:grant-type:saml2-bearer";

    /// <summary>
    /// The grant type for a SAML 1.1 assertion, as Microsoft Entra ID names it:
    /// <c>urn:ietf:params:oauth:grant-type:saml1_1-bearer</c>.
    /// </summary>
    public const string Saml11GrantType = "urn:ietf:params:oauth:grant-type:saml1_1-bearer";

    /// <summary>The scheme of the <c>Authorization</c> header that carries an assertion: <c>SAML</c>.</summary>
    public const string HeaderScheme = "SAML";

    /// <summary>The form field that may carry an assertion on POST, when enabled: <c>assertion</c>.</summary>
    public const string FormField = "assertion";

    /// <summary>The claim type of a granted OAuth scope: <c>scope</c>, one claim per scope.</summary>
    public const string ScopeClaimType = "scope";

    /// <summary>The claim type of the NameID format.</summary>
    public const string NameIdFormatClaimType = "http://schemas.xmlsoap.org/claims/nameidformat";

    /// <summary>The claim type of the assertion's issuer (the SAML identity provider).</summary>
    public const string AssertionIssuerClaimType = "urn:aspnetcore-saml2bearer:assertion-issuer";

    /// <summary>The claim type of the assertion's SAML version: <c>2.0</c> or <c>1.1</c>.</summary>
    public const string AssertionVersionClaimType = "urn:aspnetcore-saml2bearer:assertion-version";

    /// <summary>The claim type of the authentication context class of the assertion.</summary>
    public const string AuthenticationContextClassClaimType = "http://schemas.microsoft.com/claims/authnclassreference";

    /// <summary>The name of the <see cref="System.Diagnostics.Metrics.Meter"/> and <see cref="System.Diagnostics.ActivitySource"/>.</summary>
    public const string DiagnosticsName = "AspNetCore.Saml2Bearer";

    /// <summary>The prefix of the named <see cref="System.Net.Http.HttpClient"/> used for the token endpoint; the scheme name follows.</summary>
    public const string HttpClientNamePrefix = "AspNetCore.Saml2Bearer.";
}
