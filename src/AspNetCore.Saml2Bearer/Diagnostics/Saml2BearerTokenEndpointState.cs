using AspNetCore.Saml2Bearer.TokenExchange;

namespace AspNetCore.Saml2Bearer.Diagnostics;

/// <summary>
/// What the health check knows of one scheme's token endpoint: whether the circuit breaker of its named
/// HTTP client is open (from the resilience pipeline's callbacks), and the recent exchange failures that
/// are not the caller's fault (from the handler). Thread-safe; written on the request path, read by the
/// health check.
/// </summary>
internal sealed class Saml2BearerTokenEndpointState
{
    private readonly Lock _lock = new();
    private DateTimeOffset? _circuitOpenUntil;
    private DateTimeOffset? _lastFailure;
    private int _consecutiveFailures;

    /// <summary>The circuit opened at <paramref name="now"/> for <paramref name="breakDuration"/>.</summary>
    public void CircuitOpened(DateTimeOffset now, TimeSpan breakDuration)
    {
        lock (_lock)
        {
            _circuitOpenUntil = now + breakDuration;
        }
    }

    /// <summary>The circuit closed, or half-opened to let a trial request through.</summary>
    public void CircuitClosed()
    {
        lock (_lock)
        {
            _circuitOpenUntil = null;
        }
    }

    /// <summary>Whether the circuit is open at <paramref name="now"/>; once its break is over a request may pass, so it no longer counts as open.</summary>
    public bool IsCircuitOpen(DateTimeOffset now)
    {
        lock (_lock)
        {
            return _circuitOpenUntil is { } until && now < until;
        }
    }

    /// <summary>
    /// The time left of the circuit's break at <paramref name="now"/>, or <see langword="null"/> when it is not
    /// open (closed, or its break is over and a trial request decides).
    /// </summary>
    public TimeSpan? TimeLeftInBreak(DateTimeOffset now)
    {
        lock (_lock)
        {
            return _circuitOpenUntil is { } until && now < until ? until - now : null;
        }
    }

    /// <summary>Records an exchange outcome: a success resets the failures; <c>invalid_grant</c> is the caller's fault and is ignored.</summary>
    public void ExchangeCompleted(Saml2BearerTokenResultStatus status, DateTimeOffset now)
    {
        lock (_lock)
        {
            switch (status)
            {
                case Saml2BearerTokenResultStatus.Success:
                    _consecutiveFailures = 0;
                    break;
                case Saml2BearerTokenResultStatus.ClientError or Saml2BearerTokenResultStatus.ServiceUnavailable:
                    _consecutiveFailures++;
                    _lastFailure = now;
                    break;
            }
        }
    }

    /// <summary>The failures since the last success, when the latest of them is no older than <paramref name="window"/>; otherwise 0.</summary>
    public int RecentFailures(DateTimeOffset now, TimeSpan window)
    {
        lock (_lock)
        {
            return _consecutiveFailures > 0 && _lastFailure is { } last && now - last <= window ? _consecutiveFailures : 0;
        }
    }
}
