using AspNetCore.Saml2Bearer.TokenExchange;

namespace AspNetCore.Saml2Bearer.LoadTarget;

/// <summary>
/// An in-process token service that keeps nothing but a count, so a soak of 100,000 subjects measures
/// the cache and nothing else (FakeSaml2BearerTokenService also keeps its last requests).
/// </summary>
public sealed class SimpleTokenService : ISaml2BearerTokenService
{
    private int _count;

    public int ExchangeCount => Volatile.Read(ref _count);

    public Task<Saml2BearerTokenResult> ExchangeAsync(Saml2BearerTokenRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        Interlocked.Increment(ref _count);
        return Task.FromResult(Saml2BearerTokenResult.Success(new Saml2BearerTokenResponse
        {
            AccessToken = "soak-" + Guid.NewGuid().ToString("N"),
            TokenType = "Bearer",
            ExpiresIn = TimeSpan.FromHours(1),
            Scope = request.Scope,
        }));
    }
}
