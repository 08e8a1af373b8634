using AspNetCore.Saml2Bearer.Assertions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace AspNetCore.Saml2Bearer.StackExchangeRedis;

/// <summary>
/// The replay store that the instances of an authorization server (or of a resource server enforcing
/// <c>OneTimeUse</c>) share through Redis: one <c>SET key 1 NX PX ttl</c> per assertion, where the key is
/// <see cref="Saml2BearerRedisOptions.ReplayKeyPrefix"/> + SHA-256 of the issuer and the assertion ID, and
/// the time to live lasts until the assertion's <c>NotOnOrAfter</c> plus the skew (at least 1 ms). Redis
/// creates the key for exactly one caller, whichever instance it runs on. Faults (Redis down, a timeout)
/// propagate: the caller refuses the assertion with a temporary error.
/// </summary>
internal sealed class Saml2BearerRedisAssertionReplayStore : ISaml2AssertionReplayStore
{
    private static readonly RedisValue Used = "1";

    private readonly Saml2BearerRedisConnection _connection;
    private readonly TimeProvider _timeProvider;
    private readonly string _keyPrefix;

    public Saml2BearerRedisAssertionReplayStore(Saml2BearerRedisConnection connection, IOptions<Saml2BearerRedisOptions> options, TimeProvider timeProvider)
    {
        _connection = connection;
        _timeProvider = timeProvider;
        _keyPrefix = options.Value.ReplayKeyPrefix;
    }

    public async ValueTask<bool> TryAddAsync(string issuer, string assertionId, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        var key = CreateKey(_keyPrefix, issuer, assertionId);
        var timeToLive = Saml2AssertionReplayKey.TimeToLive(expiresAt, _timeProvider.GetUtcNow());
        var multiplexer = await _connection.ConnectAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        return await multiplexer.GetDatabase().StringSetAsync(key, Used, timeToLive, When.NotExists).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The Redis key of an assertion: the prefix and the hex SHA-256 of its issuer and ID.</summary>
    internal static string CreateKey(string prefix, string issuer, string assertionId) =>
        prefix + Saml2AssertionReplayKey.Create(issuer, assertionId);
}
