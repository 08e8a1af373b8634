using AspNetCore.Saml2Bearer.Diagnostics;
using Microsoft.Extensions.Logging;

namespace AspNetCore.Saml2Bearer.Caching;

/// <summary>
/// The health of the distributed cache as one scheme sees it: after a failure the cache is skipped for
/// a retry interval, one warning marks the start of an outage and one information its end, however many
/// requests run in between.
/// </summary>
internal sealed class Saml2BearerDistributedCacheCircuit
{
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private long _closedFromUtcTicks;
    private int _inOutage;

    public Saml2BearerDistributedCacheCircuit(TimeSpan retryInterval, ILogger logger, TimeProvider timeProvider)
    {
        RetryInterval = retryInterval;
        _logger = logger;
        _timeProvider = timeProvider;
    }

    /// <summary>How long the cache is skipped after a failure.</summary>
    public TimeSpan RetryInterval { get; }

    /// <summary>Whether the cache may be called now (no failure inside the last retry interval).</summary>
    public bool AllowsCalls => _timeProvider.GetUtcNow().UtcTicks >= Interlocked.Read(ref _closedFromUtcTicks);

    /// <summary>Whether an outage is in progress (a failure not yet followed by a success).</summary>
    public bool InOutage => Volatile.Read(ref _inOutage) == 1;

    /// <summary>Records a failed call: skips the cache for the retry interval; warns when an outage starts.</summary>
    /// <param name="operation">The operation that failed (a fixed name).</param>
    /// <param name="error">The failure; only its type name is logged, since messages can quote hosts or keys.</param>
    public void ReportFailure(string operation, Exception error)
    {
        Interlocked.Exchange(ref _closedFromUtcTicks, (_timeProvider.GetUtcNow() + RetryInterval).UtcTicks);
        if (Interlocked.Exchange(ref _inOutage, 1) == 0)
        {
            Saml2BearerLog.DistributedCacheUnavailable(_logger, error.GetType().Name, operation, RetryInterval);
        }
    }

    /// <summary>Records a successful call; tells when it ends an outage.</summary>
    public void ReportSuccess()
    {
        if (Volatile.Read(ref _inOutage) == 1 && Interlocked.Exchange(ref _inOutage, 0) == 1)
        {
            Saml2BearerLog.DistributedCacheRecovered(_logger);
        }
    }
}
