namespace AspNetCore.Saml2Bearer.StackExchangeRedis;

/// <summary>
/// How <c>AddSaml2BearerRedis</c> uses Redis: one connection for the token cache's second level, the Data
/// Protection key ring, the cross-instance exchange lock and the assertion replay store (which
/// <c>AddSaml2BearerRedisReplayStore</c> registers alone, for an authorization server).
/// </summary>
public sealed class Saml2BearerRedisOptions
{
    /// <summary>The default <see cref="DataProtectionKeysKey"/>.</summary>
    public const string DefaultDataProtectionKeysKey = "saml2bearer:dataprotection-keys";

    /// <summary>The default <see cref="ReplayKeyPrefix"/>.</summary>
    public const string DefaultReplayKeyPrefix = "saml2bearer:replay:";

    /// <summary>
    /// The StackExchange.Redis configuration string (e.g. <c>localhost:6379</c>, or the value of
    /// <c>ConnectionStrings:Redis</c>). Required. <c>abortConnect=false</c> is always applied, so the API
    /// starts, and serves from memory and the exchange, while Redis is down.
    /// </summary>
    public string? Configuration { get; set; }

    /// <summary>
    /// A prefix for the token cache's keys in Redis (<c>RedisCacheOptions.InstanceName</c>), for APIs that
    /// share one Redis but not their tokens. Default: none.
    /// </summary>
    public string? InstanceName { get; set; }

    /// <summary>
    /// The Redis key under which the Data Protection key ring is kept, so that every instance can decrypt
    /// the entries of the others. <see langword="null"/> leaves the key ring where the application keeps
    /// it (configure it yourself, e.g. on durable storage). Default: <see cref="DefaultDataProtectionKeysKey"/>.
    /// </summary>
    public string? DataProtectionKeysKey { get; set; } = DefaultDataProtectionKeysKey;

    /// <summary>
    /// The prefix of the replay store's keys: each used assertion is this prefix followed by the SHA-256
    /// (lowercase hex) of its issuer and ID, living until the assertion expires. Give each authorization
    /// server its own prefix when several share one Redis but not their assertions. Default:
    /// <see cref="DefaultReplayKeyPrefix"/>.
    /// </summary>
    public string ReplayKeyPrefix { get; set; } = DefaultReplayKeyPrefix;
}
