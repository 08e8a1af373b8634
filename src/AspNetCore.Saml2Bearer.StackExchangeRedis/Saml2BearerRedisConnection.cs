using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace AspNetCore.Saml2Bearer.StackExchangeRedis;

/// <summary>
/// The one Redis connection that the token cache, the Data Protection key ring and the exchange lock
/// share. It connects once, when first asked (the host's start asks, see
/// <see cref="Saml2BearerRedisConnectionStarter"/>), and is disposed with the service provider.
/// </summary>
internal sealed class Saml2BearerRedisConnection : IAsyncDisposable, IDisposable
{
    private readonly Lazy<Task<IConnectionMultiplexer>> _connection;

    public Saml2BearerRedisConnection(IOptions<Saml2BearerRedisOptions> options)
    {
        var configuration = ConfigurationOptions.Parse(options.Value.Configuration!);

        // The API starts, and serves from memory and the exchange, while Redis is down; the connection
        // keeps retrying in the background.
        configuration.AbortOnConnectFail = false;
        _connection = new Lazy<Task<IConnectionMultiplexer>>(
            async () => await ConnectionMultiplexer.ConnectAsync(configuration).ConfigureAwait(false),
            LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The connection; the first call starts connecting.</summary>
    public Task<IConnectionMultiplexer> ConnectAsync() => _connection.Value;

    /// <summary>The database, for the callers that must be synchronous (the Data Protection key repository).</summary>
    public IDatabase GetDatabase() => ConnectAsync().GetAwaiter().GetResult().GetDatabase();

    public async ValueTask DisposeAsync()
    {
        if (_connection.IsValueCreated && _connection.Value.IsCompletedSuccessfully)
        {
            await _connection.Value.Result.DisposeAsync().ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        if (_connection.IsValueCreated && _connection.Value.IsCompletedSuccessfully)
        {
            _connection.Value.Result.Dispose();
        }
    }
}
