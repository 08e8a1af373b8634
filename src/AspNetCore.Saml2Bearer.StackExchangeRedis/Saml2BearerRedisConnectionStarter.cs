using Microsoft.Extensions.Hosting;

namespace AspNetCore.Saml2Bearer.StackExchangeRedis;

/// <summary>
/// Connects to Redis while the host starts, so that no request waits for the first connection. With
/// Redis down, the start waits the connect timeout once and the connection goes on retrying.
/// </summary>
internal sealed class Saml2BearerRedisConnectionStarter : IHostedService
{
    private readonly Saml2BearerRedisConnection _connection;

    public Saml2BearerRedisConnectionStarter(Saml2BearerRedisConnection connection) => _connection = connection;

    public Task StartAsync(CancellationToken cancellationToken) => _connection.ConnectAsync().WaitAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
