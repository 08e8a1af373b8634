using AspNetCore.Saml2Bearer.Caching;

namespace AspNetCore.Saml2Bearer.StackExchangeRedis;

/// <summary>
/// The cross-instance exchange lock on Redis: <c>saml2bearer:lock:</c> + the hashed cache key, taken with
/// <c>SET NX</c> and an expiry, released only by its holder. Faults propagate: the token cache then
/// exchanges without the lock.
/// </summary>
internal sealed class Saml2BearerRedisExchangeLock : ISaml2BearerExchangeLock
{
    /// <summary>The prefix of every lock's key in Redis.</summary>
    public const string KeyPrefix = "saml2bearer:lock:";

    private readonly Saml2BearerRedisConnection _connection;

    public Saml2BearerRedisExchangeLock(Saml2BearerRedisConnection connection) => _connection = connection;

    public async Task<bool> TryAcquireAsync(string key, string holder, TimeSpan expiry, CancellationToken cancellationToken)
    {
        var multiplexer = await _connection.ConnectAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        return await multiplexer.GetDatabase().LockTakeAsync(KeyPrefix + key, holder, expiry).ConfigureAwait(false);
    }

    public async Task ReleaseAsync(string key, string holder, CancellationToken cancellationToken)
    {
        var multiplexer = await _connection.ConnectAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        await multiplexer.GetDatabase().LockReleaseAsync(KeyPrefix + key, holder).ConfigureAwait(false);
    }
}
