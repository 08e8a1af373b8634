namespace AspNetCore.Saml2Bearer.TokenExchange;

/// <summary>
/// Exchanges a validated SAML 2.0 assertion for an access token at an OAuth authorization server
/// (RFC 7522), and renews that token with the refresh token the server issued with it (RFC 6749 section 6).
/// The default implementation posts the forms through <c>IHttpClientFactory</c>; register your own in DI to
/// replace it.
/// </summary>
public interface ISaml2BearerTokenService
{
    /// <summary>
    /// Presents the assertion at the token endpoint. Implementations return failures as results and do
    /// not throw for server errors, timeouts or malformed responses. The handler logs each failure it gets
    /// from an implementation once (Information for <c>invalid_grant</c>, Error for a client refusal, else
    /// Warning), with its <see cref="Saml2BearerTokenResult.Error"/> code only.
    /// </summary>
    /// <param name="request">The assertion and the scheme's options.</param>
    /// <param name="cancellationToken">Cancels the exchange.</param>
    /// <returns>The token response, or a typed failure.</returns>
    Task<Saml2BearerTokenResult> ExchangeAsync(Saml2BearerTokenRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// Presents a refresh token at the token endpoint (<c>grant_type=refresh_token</c>, RFC 6749 section 6) for a
    /// new access token, and maybe a new refresh token that replaces the old one (rotation). Failures are results,
    /// as for <see cref="ExchangeAsync"/>: a refused refresh token (expired, revoked, already used) is
    /// <see cref="Saml2BearerTokenResultStatus.InvalidGrant"/>.
    /// </summary>
    /// <remarks>
    /// The default implementation of this interface member throws <see cref="NotSupportedException"/>, so that a
    /// token service written before renewal existed keeps compiling. The library treats that exception as "this
    /// service cannot refresh": it drops the refresh token and exchanges the request's assertion instead, exactly
    /// as for an expired token without a refresh token. Implement this method to renew without re-presenting the
    /// assertion (needed against an authorization server that refuses replayed assertions).
    /// </remarks>
    /// <param name="request">The refresh token and the scheme's options.</param>
    /// <param name="cancellationToken">Cancels the refresh.</param>
    /// <returns>The token response, or a typed failure.</returns>
    /// <exception cref="NotSupportedException">The implementation cannot refresh (the default).</exception>
    Task<Saml2BearerTokenResult> RefreshAsync(Saml2BearerRefreshRequest request, CancellationToken cancellationToken) =>
        throw new NotSupportedException(
            $"{GetType().FullName} does not implement {nameof(ISaml2BearerTokenService)}.{nameof(RefreshAsync)}: tokens it issues are renewed by exchanging the assertion again, not by refresh token.");
}
