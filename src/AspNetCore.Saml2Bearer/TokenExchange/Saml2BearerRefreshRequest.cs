namespace AspNetCore.Saml2Bearer.TokenExchange;

/// <summary>
/// One refresh request (RFC 6749 section 6): the refresh token an earlier token response carried, presented with
/// <c>grant_type=refresh_token</c> and the same client authentication, <c>audience</c> and <c>resource</c> as the
/// scheme's exchange. The same grant is sent whatever <see cref="Saml2BearerOptions.TokenExchangeProtocol"/> says:
/// RFC 8693 defines no refresh of its own.
/// </summary>
public sealed class Saml2BearerRefreshRequest
{
    /// <summary>The authentication scheme on whose behalf the refresh runs.</summary>
    public required string SchemeName { get; init; }

    /// <summary>The options of that scheme (token endpoint, client credentials, audience, resource...).</summary>
    public required Saml2BearerOptions Options { get; init; }

    /// <summary>The refresh token to present. A credential: never log it.</summary>
    public required string RefreshToken { get; init; }

    /// <summary>
    /// The scope to request, or <see langword="null"/> to send none: the server then grants the scope of the
    /// original grant (RFC 6749 section 6). It may not exceed that scope.
    /// </summary>
    public string? Scope { get; init; }
}
