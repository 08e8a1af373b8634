namespace AspNetCore.Saml2Bearer.Assertions;

/// <summary>
/// Remembers the assertions already used, so that one assertion is accepted once: at an authorization
/// server, one assertion buys one token response (RFC 7522 section 3, item 10); at a resource server with
/// <see cref="Saml2AssertionValidationParameters.EnforceOneTimeUse"/> on, an assertion carrying the
/// <c>OneTimeUse</c> condition (SAML core 2.5.1.5) authenticates one request. The default keeps them in
/// memory, which protects one instance only; when several instances share the load, register a shared store:
/// AspNetCore.Saml2Bearer.StackExchangeRedis (Redis) or AspNetCore.Saml2Bearer.EntityFrameworkCore (the
/// application's database).
/// </summary>
/// <remarks>
/// A store that cannot answer (its server down or slow) throws: the caller then refuses the assertion
/// with a temporary error and never accepts it unchecked.
/// </remarks>
public interface ISaml2AssertionReplayStore
{
    /// <summary>
    /// Records an assertion as used, atomically: of concurrent calls with the same issuer and ID, across
    /// every instance sharing the store, exactly one returns <see langword="true"/>.
    /// </summary>
    /// <param name="issuer">The assertion's issuer (identity provider entity ID).</param>
    /// <param name="assertionId">The assertion's <c>ID</c> (SAML 1.1: <c>AssertionID</c>).</param>
    /// <param name="expiresAt">When the record may be forgotten: the assertion's <c>NotOnOrAfter</c> plus the clock skew, after which it is rejected as expired anyway.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see langword="true"/> when this is the first use; <see langword="false"/> for a replay.</returns>
    ValueTask<bool> TryAddAsync(string issuer, string assertionId, DateTimeOffset expiresAt, CancellationToken cancellationToken);
}
