using AspNetCore.Saml2Bearer.Diagnostics;
using Microsoft.Extensions.Logging;

namespace AspNetCore.Saml2Bearer.Caching;

/// <summary>
/// The health of the distributed cache as one scheme sees it. The cache is judged on consecutive
/// failures, not on one call: a single slow answer under CPU saturation must not make every instance
/// skip the shared cache and re-exchange what another instance just stored. After
/// <see cref="FailureThreshold"/> failures in a row the cache is skipped for the break duration; then
/// calls are let through again, and the first one decides (a failure opens the circuit at once, a success
/// closes it). One warning marks the start of an outage and one information its end, however many
/// requests run in between.
/// </summary>
internal sealed class Saml2BearerDistributedCacheCircuit
{
    /// <summary>How many failures in a row open the circuit by default.</summary>
    public const int DefaultFailureThreshold = 3;

    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private long _closedFromUtcTicks;
    private int _consecutiveFailures;
    private int _inOutage;

    /// <param name="retryInterval">How long the cache is skipped once the circuit opens.</param>
    /// <param name="logger">Where the start and the end of an outage are written.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <param name="failureThreshold">How many failures in a row open the circuit (at least 1).</param>
    public Saml2BearerDistributedCacheCircuit(TimeSpan retryInterval, ILogger logger, TimeProvider timeProvider, int failureThreshold)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(failureThreshold, 1);
        RetryInterval = retryInterval;
        FailureThreshold = failureThreshold;
        _logger = logger;
        _timeProvider = timeProvider;
    }

    /// <summary>How long the cache is skipped once the circuit has opened.</summary>
    public TimeSpan RetryInterval { get; }

    /// <summary>How many failures in a row open the circuit.</summary>
    public int FailureThreshold { get; }

    /// <summary>Whether the cache may be called now (the circuit is closed, or its break is over).</summary>
    public bool AllowsCalls => _timeProvider.GetUtcNow().UtcTicks >= Interlocked.Read(ref _closedFromUtcTicks);

    /// <summary>Whether an outage is in progress (the circuit opened, and no call has succeeded since).</summary>
    public bool InOutage => Volatile.Read(ref _inOutage) == 1;

    /// <summary>
    /// Records a failed call. The <see cref="FailureThreshold"/>-th failure in a row, and any failure after
    /// that until a success, skips the cache for the retry interval; the first of them warns.
    /// </summary>
    /// <param name="operation">The operation that failed (a fixed name).</param>
    /// <param name="error">The failure; only its type name is logged, since messages can quote hosts or keys.</param>
    public void ReportFailure(string operation, Exception error)
    {
        if (Interlocked.Increment(ref _consecutiveFailures) < FailureThreshold)
        {
            return;
        }

        Interlocked.Exchange(ref _closedFromUtcTicks, (_timeProvider.GetUtcNow() + RetryInterval).UtcTicks);
        if (Interlocked.Exchange(ref _inOutage, 1) == 0)
        {
            Saml2BearerLog.DistributedCacheUnavailable(_logger, error.GetType().Name, operation, RetryInterval);
        }
    }

    /// <summary>Records a successful call: the count of failures starts again; tells when it ends an outage.</summary>
    public void ReportSuccess()
    {
        if (Volatile.Read(ref _consecutiveFailures) != 0)
        {
            Interlocked.Exchange(ref _consecutiveFailures, 0);
        }

        if (Volatile.Read(ref _inOutage) == 1 && Interlocked.Exchange(ref _inOutage, 0) == 1)
        {
            Saml2BearerLog.DistributedCacheRecovered(_logger);
        }
    }
}
