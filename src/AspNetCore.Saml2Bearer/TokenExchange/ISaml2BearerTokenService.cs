namespace AspNetCore.Saml2Bearer.TokenExchange;

/// <summary>
/// Exchanges a validated SAML 2.0 assertion for an access token at an OAuth authorization server
/// (RFC 7522). The default implementation posts the RFC 7522 form through <c>IHttpClientFactory</c>;
/// register your own in DI to replace it.
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
}
