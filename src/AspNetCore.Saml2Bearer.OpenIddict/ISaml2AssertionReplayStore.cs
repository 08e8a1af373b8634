namespace AspNetCore.Saml2Bearer.OpenIddict;

/// <summary>
/// Remembers the assertions already exchanged, so that one assertion buys one token response
/// (RFC 7522 section 3, item 10). The default keeps them in memory; register another implementation
/// (a distributed store) when several server instances share the load.
/// </summary>
public interface ISaml2AssertionReplayStore
{
    /// <summary>
    /// Records an assertion as used, atomically.
    /// </summary>
    /// <param name="issuer">The assertion's issuer (identity provider entity ID).</param>
    /// <param name="assertionId">The assertion's <c>ID</c>.</param>
    /// <param name="expiresAt">When the record may be forgotten: after this instant the assertion is expired anyway.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see langword="true"/> when this is the first use; <see langword="false"/> for a replay.</returns>
    ValueTask<bool> TryAddAsync(string issuer, string assertionId, DateTimeOffset expiresAt, CancellationToken cancellationToken);
}
