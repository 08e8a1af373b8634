using AspNetCore.Saml2Bearer.TokenExchange;

namespace AspNetCore.Saml2Bearer.Testing;

/// <summary>
/// An <see cref="ISaml2BearerTokenService"/> for tests: counts every exchange, keeps the most recent
/// requests (at most <see cref="MaxRecordedRequests"/>, so a long soak or load run does not grow without
/// bound) and answers with <see cref="Responder"/> (by default an opaque token valid for an hour with the
/// requested scope); refreshes likewise with <see cref="RefreshCount"/>, <see cref="RefreshRequests"/> and
/// <see cref="RefreshResponder"/>. <c>services.AddSaml2BearerTestIdentityProvider(...)</c> puts it in place of whatever
/// <see cref="ISaml2BearerTokenService"/> is registered, before or after <c>AddSaml2Bearer()</c>, and so works from
/// <c>WebApplicationFactory</c>'s <c>ConfigureTestServices</c>. By hand: register it before <c>AddSaml2Bearer()</c>
/// (which adds the HTTP implementation only when no token service is registered), or replace the registration
/// afterwards (<c>services.Replace(ServiceDescriptor.Singleton&lt;ISaml2BearerTokenService&gt;(fake))</c>).
/// </summary>
public sealed class FakeSaml2BearerTokenService : ISaml2BearerTokenService
{
    private readonly Queue<Saml2BearerTokenRequest> _requests = new();
    private readonly Queue<Saml2BearerRefreshRequest> _refreshRequests = new();
    private readonly Lock _requestsLock = new();
    private int _maxRecordedRequests = 1000;
    private int _exchangeCount;
    private int _refreshCount;

    /// <summary>Produces the result of each exchange. Default: a new opaque token for an hour.</summary>
    public Func<Saml2BearerTokenRequest, Saml2BearerTokenResult> Responder { get; set; } = request =>
        Saml2BearerTokenResult.Success(new Saml2BearerTokenResponse
        {
            AccessToken = "fake-" + Guid.NewGuid().ToString("N"),
            TokenType = "Bearer",
            ExpiresIn = TimeSpan.FromHours(1),
            Scope = request.Scope,
        });

    /// <summary>
    /// Produces the result of each refresh. Default: a new opaque token for an hour with the requested scope and a
    /// new refresh token (rotation). Set it to a responder that throws <see cref="NotSupportedException"/> to play a
    /// token service that cannot refresh, or that returns an <c>invalid_grant</c> failure to play a refused refresh.
    /// </summary>
    public Func<Saml2BearerRefreshRequest, Saml2BearerTokenResult> RefreshResponder { get; set; } = request =>
        Saml2BearerTokenResult.Success(new Saml2BearerTokenResponse
        {
            AccessToken = "fake-" + Guid.NewGuid().ToString("N"),
            TokenType = "Bearer",
            ExpiresIn = TimeSpan.FromHours(1),
            RefreshToken = "fake-refresh-" + Guid.NewGuid().ToString("N"),
            Scope = request.Scope,
        });

    /// <summary>A delay before answering (an exchange or a refresh), to widen race windows in concurrency tests.</summary>
    public TimeSpan Delay { get; set; }

    /// <summary>How many exchanges were requested since this instance was created, recorded or not.</summary>
    public int ExchangeCount => Volatile.Read(ref _exchangeCount);

    /// <summary>How many refreshes were requested since this instance was created, recorded or not.</summary>
    public int RefreshCount => Volatile.Read(ref _refreshCount);

    /// <summary>
    /// How many of the most recent requests <see cref="Requests"/> (and, apart, <see cref="RefreshRequests"/>) keeps;
    /// older ones are dropped (<see cref="ExchangeCount"/> and <see cref="RefreshCount"/> still count them). Default: 1000. <c>0</c> keeps none, for load runs
    /// that only need the count. Lowering it drops the oldest requests at once.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public int MaxRecordedRequests
    {
        get => Volatile.Read(ref _maxRecordedRequests);
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            lock (_requestsLock)
            {
                _maxRecordedRequests = value;
                Trim();
            }
        }
    }

    /// <summary>The most recent requests received (at most <see cref="MaxRecordedRequests"/>), oldest first.</summary>
    public IReadOnlyCollection<Saml2BearerTokenRequest> Requests
    {
        get
        {
            lock (_requestsLock)
            {
                return _requests.ToArray();
            }
        }
    }

    /// <summary>The most recent refresh requests received (at most <see cref="MaxRecordedRequests"/>), oldest first.</summary>
    public IReadOnlyCollection<Saml2BearerRefreshRequest> RefreshRequests
    {
        get
        {
            lock (_requestsLock)
            {
                return _refreshRequests.ToArray();
            }
        }
    }

    /// <inheritdoc />
    public async Task<Saml2BearerTokenResult> RefreshAsync(Saml2BearerRefreshRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        Interlocked.Increment(ref _refreshCount);
        lock (_requestsLock)
        {
            if (_maxRecordedRequests > 0)
            {
                _refreshRequests.Enqueue(request);
                Trim();
            }
        }

        if (Delay > TimeSpan.Zero)
        {
            await Task.Delay(Delay, cancellationToken).ConfigureAwait(false);
        }

        return RefreshResponder(request);
    }

    /// <inheritdoc />
    public async Task<Saml2BearerTokenResult> ExchangeAsync(Saml2BearerTokenRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        Interlocked.Increment(ref _exchangeCount);
        Record(request);
        if (Delay > TimeSpan.Zero)
        {
            await Task.Delay(Delay, cancellationToken).ConfigureAwait(false);
        }

        return Responder(request);
    }

    private void Record(Saml2BearerTokenRequest request)
    {
        lock (_requestsLock)
        {
            if (_maxRecordedRequests > 0)
            {
                _requests.Enqueue(request);
                Trim();
            }
        }
    }

    private void Trim()
    {
        while (_requests.Count > _maxRecordedRequests)
        {
            _requests.Dequeue();
        }

        while (_refreshRequests.Count > _maxRecordedRequests)
        {
            _refreshRequests.Dequeue();
        }
    }
}
