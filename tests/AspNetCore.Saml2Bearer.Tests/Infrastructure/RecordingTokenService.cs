using System.Collections.Concurrent;
using AspNetCore.Saml2Bearer.TokenExchange;

namespace AspNetCore.Saml2Bearer.Tests.Infrastructure;

/// <summary>
/// A token service for handler tests: counts and records exchanges, can wait on a gate or a delay, and
/// answers with queued results, then with a default success. It honours the cancellation token it is
/// given, so a test can tell whether a caller's cancellation reached the shared exchange.
/// </summary>
public sealed class RecordingTokenService : ISaml2BearerTokenService
{
    public const string AccessTokenPrefix = "at-9c1e7b-";

    private readonly ConcurrentQueue<Func<Saml2BearerTokenResult>> _results = new();
    private readonly ConcurrentQueue<Saml2BearerTokenRequest> _requests = new();
    private readonly ConcurrentQueue<CancellationToken> _cancellationTokens = new();
    private readonly ConcurrentQueue<Func<Saml2BearerTokenResult>> _refreshResults = new();
    private readonly ConcurrentQueue<Saml2BearerRefreshRequest> _refreshRequests = new();
    private int _calls;
    private int _refreshCalls;

    /// <summary>The number of exchanges started.</summary>
    public int Calls => Volatile.Read(ref _calls);

    public IReadOnlyCollection<Saml2BearerTokenRequest> Requests => _requests;

    public IReadOnlyCollection<CancellationToken> CancellationTokens => _cancellationTokens;

    /// <summary>Completed when the first exchange starts.</summary>
    public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>When set, every exchange waits for it (with the cancellation token it was given).</summary>
    public TaskCompletionSource? Gate { get; set; }

    /// <summary>A real delay inside each exchange, to widen the window for concurrent callers.</summary>
    public TimeSpan Delay { get; set; }

    /// <summary>The lifetime of the default success. Default: one hour.</summary>
    public TimeSpan? ExpiresIn { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The scope of the default success; <see langword="null"/> omits it.</summary>
    public string? Scope { get; set; } = "orders.read orders.write";

    /// <summary>When set, the default success of an exchange carries a refresh token with this prefix (as with <c>offline_access</c>).</summary>
    public string? RefreshTokenPrefix { get; set; }

    /// <summary>The number of refreshes started.</summary>
    public int RefreshCalls => Volatile.Read(ref _refreshCalls);

    public IReadOnlyCollection<Saml2BearerRefreshRequest> RefreshRequests => _refreshRequests;

    /// <summary>Whether the default success of a refresh carries a new refresh token (rotation). Default: yes.</summary>
    public bool RotateRefreshTokens { get; set; } = true;

    public static Saml2BearerTokenResult Success(string accessToken, TimeSpan? expiresIn = null, string? scope = null, string? refreshToken = null) =>
        Saml2BearerTokenResult.Success(new Saml2BearerTokenResponse { AccessToken = accessToken, TokenType = "Bearer", ExpiresIn = expiresIn, Scope = scope, RefreshToken = refreshToken });

    /// <summary>Queues the answer of the next refresh.</summary>
    public void EnqueueRefresh(Saml2BearerTokenResult result) => _refreshResults.Enqueue(() => result);

    /// <summary>Makes the next refresh throw.</summary>
    public void EnqueueRefreshThrow(Exception exception) => _refreshResults.Enqueue(() => throw exception);

    public Task<Saml2BearerTokenResult> RefreshAsync(Saml2BearerRefreshRequest request, CancellationToken cancellationToken)
    {
        var call = Interlocked.Increment(ref _refreshCalls);
        _refreshRequests.Enqueue(request);
        var number = call.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Task.FromResult(_refreshResults.TryDequeue(out var next)
            ? next()
            : Success(AccessTokenPrefix + "refreshed-" + number, ExpiresIn, Scope, RotateRefreshTokens ? (RefreshTokenPrefix ?? "rt-") + "rotated-" + number : null));
    }

    /// <summary>Queues the answer of the next exchange.</summary>
    public void Enqueue(Saml2BearerTokenResult result) => _results.Enqueue(() => result);

    /// <summary>Makes the next exchange throw.</summary>
    public void EnqueueThrow(Exception exception) => _results.Enqueue(() => throw exception);

    public async Task<Saml2BearerTokenResult> ExchangeAsync(Saml2BearerTokenRequest request, CancellationToken cancellationToken)
    {
        var call = Interlocked.Increment(ref _calls);
        _requests.Enqueue(request);
        _cancellationTokens.Enqueue(cancellationToken);
        Entered.TrySetResult();
        if (Gate is { } gate)
        {
            await gate.Task.WaitAsync(cancellationToken);
        }

        if (Delay > TimeSpan.Zero)
        {
            await Task.Delay(Delay, cancellationToken);
        }

        return _results.TryDequeue(out var next)
            ? next()
            : Success(
                AccessTokenPrefix + call.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ExpiresIn,
                Scope,
                RefreshTokenPrefix is null ? null : RefreshTokenPrefix + call.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
