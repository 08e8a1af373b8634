using AspNetCore.Saml2Bearer.Assertions;

namespace AspNetCore.Saml2Bearer.TokenExchange;

/// <summary>
/// One token request (RFC 7522, or RFC 8693 with <see cref="Saml2BearerOptions.TokenExchangeProtocol"/>): the
/// assertion to present and the options of the scheme that presents it.
/// </summary>
public sealed class Saml2BearerTokenRequest
{
    /// <summary>The authentication scheme on whose behalf the exchange runs.</summary>
    public required string SchemeName { get; init; }

    /// <summary>The options of that scheme (token endpoint, client credentials, scope...).</summary>
    public required Saml2BearerOptions Options { get; init; }

    /// <summary>The assertion's XML bytes, exactly as the caller sent them after decoding.</summary>
    public required ReadOnlyMemory<byte> Assertion { get; init; }

    /// <summary>The scope to request, or <see langword="null"/> for none (the options' <c>Scope</c> by default).</summary>
    public string? Scope { get; init; }

    /// <summary>
    /// The <c>grant_type</c> to send, or <see langword="null"/> for <see cref="Saml2BearerDefaults.GrantType"/>
    /// (the handler sets <see cref="Saml2BearerOptions.Saml11GrantType"/> for a SAML 1.1 assertion).
    /// </summary>
    public string? GrantType { get; init; }

    /// <summary>
    /// The SAML version of the assertion (the handler sets it from the validated assertion): with
    /// <see cref="Saml2BearerTokenExchangeProtocol.Rfc8693"/> it decides the <c>subject_token_type</c>. Default: SAML 2.0.
    /// </summary>
    public Saml2AssertionVersion AssertionVersion { get; init; }
}
