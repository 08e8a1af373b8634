using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.Options;

namespace AspNetCore.Saml2Bearer.StackExchangeRedis;

/// <summary>Points the Redis distributed cache at the shared connection, with the configured key prefix.</summary>
internal sealed class Saml2BearerRedisConfigureCache : IConfigureOptions<RedisCacheOptions>
{
    private readonly Saml2BearerRedisConnection _connection;
    private readonly Saml2BearerRedisOptions _options;

    public Saml2BearerRedisConfigureCache(Saml2BearerRedisConnection connection, IOptions<Saml2BearerRedisOptions> options)
    {
        _connection = connection;
        _options = options.Value;
    }

    public void Configure(RedisCacheOptions options)
    {
        options.ConnectionMultiplexerFactory = _connection.ConnectAsync;
        options.InstanceName = _options.InstanceName;
    }
}
