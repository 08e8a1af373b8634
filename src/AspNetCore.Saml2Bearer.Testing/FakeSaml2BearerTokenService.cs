using System.Collections.Concurrent;
using AspNetCore.Saml2Bearer.TokenExchange;

namespace AspNetCore.Saml2Bearer.Testing;

/// <summary>
/// An <see cref="ISaml2BearerTokenService"/> for unit tests: records every request and answers with
/// <see cref="Responder"/> (by default an opaque token valid for an hour with the requested scope).
/// Register it before <c>AddSaml2Bearer()</c> to replace the HTTP implementation.
/// </summary>
public sealed class FakeSaml2BearerTokenService : ISaml2BearerTokenService
{
    private readonly ConcurrentQueue<Saml2BearerTokenRequest> _requests = new();
    private int _exchangeCount;

    /// <summary>Produces the result of each exchange. Default: a new opaque token for an hour.</summary>
    public Func<Saml2BearerTokenRequest, Saml2BearerTokenResult> Responder { get; set; } = request =>
        Saml2BearerTokenResult.Success(new Saml2BearerTokenResponse
        {
            AccessToken = "fake-" + Guid.NewGuid().ToString("N"),
            TokenType = "Bearer",
            ExpiresIn = TimeSpan.FromHours(1),
            Scope = request.Scope,
        });

    /// <summary>A delay before answering, to widen race windows in concurrency tests.</summary>
    public TimeSpan Delay { get; set; }

    /// <summary>How many exchanges were requested.</summary>
    public int ExchangeCount => Volatile.Read(ref _exchangeCount);

    /// <summary>The requests received, in order.</summary>
    public IReadOnlyCollection<Saml2BearerTokenRequest> Requests => _requests.ToArray();

    /// <inheritdoc />
    public async Task<Saml2BearerTokenResult> ExchangeAsync(Saml2BearerTokenRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        Interlocked.Increment(ref _exchangeCount);
        _requests.Enqueue(request);
        if (Delay > TimeSpan.Zero)
        {
            await Task.Delay(Delay, cancellationToken).ConfigureAwait(false);
        }

        return Responder(request);
    }
}
