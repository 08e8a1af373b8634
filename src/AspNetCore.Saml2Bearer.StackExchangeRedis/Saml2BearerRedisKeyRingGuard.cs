using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AspNetCore.Saml2Bearer.StackExchangeRedis;

/// <summary>
/// Checks once a minute that the shared key ring in Redis still holds the keys this instance knows, and
/// writes back those it lost (a flush of a Redis without persistence), before an instance that starts
/// later finds the ring empty and makes a key of its own. Only while the key ring is in
/// <see cref="Saml2BearerRedisXmlRepository"/>. Failures (Redis down) wait for the next round.
/// </summary>
internal sealed class Saml2BearerRedisKeyRingGuard : BackgroundService
{
    /// <summary>How often the ring is checked.</summary>
    internal static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    private readonly Saml2BearerRedisXmlRepository _repository;
    private readonly IOptions<KeyManagementOptions> _keyManagementOptions;

    public Saml2BearerRedisKeyRingGuard(Saml2BearerRedisXmlRepository repository, IOptions<KeyManagementOptions> keyManagementOptions)
    {
        _repository = repository;
        _keyManagementOptions = keyManagementOptions;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!ReferenceEquals(_keyManagementOptions.Value.XmlRepository, _repository))
        {
            return;
        }

        using var timer = new PeriodicTimer(Interval);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                // Synchronous Redis calls: off the timer's continuation, on the thread pool.
                await Task.Run(_repository.Restore, stoppingToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is not OutOfMemoryException and not OperationCanceledException)
            {
                // Redis down or slow: the next round tries again.
            }
        }
    }
}
