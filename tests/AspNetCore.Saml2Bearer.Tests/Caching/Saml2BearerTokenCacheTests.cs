using AspNetCore.Saml2Bearer.Caching;
using AspNetCore.Saml2Bearer.Lifecycle;
using AspNetCore.Saml2Bearer.Tests.Infrastructure;
using AspNetCore.Saml2Bearer.TokenExchange;
using Microsoft.Extensions.Time.Testing;

namespace AspNetCore.Saml2Bearer.Tests.Caching;

public sealed class Saml2BearerTokenCacheTests : IDisposable
{
    private static readonly TimeSpan Margin = TimeSpan.FromSeconds(60);
    private readonly FakeTimeProvider _time = Saml2BearerTestHost.CreateTime();
    private readonly Saml2BearerTokenManager _manager;
    private int _exchanges;

    public Saml2BearerTokenCacheTests()
    {
        _manager = new Saml2BearerTokenManager(new Saml2BearerTokenCache(100, Margin, _time), new(), _time);
    }

    public void Dispose() => _manager.Dispose();

    [Fact]
    public async Task TryGet_PastExpiryMinusMargin_Misses()
    {
        await _manager.GetOrCreateAsync("k", () => Exchange(TimeSpan.FromMinutes(10)), CancellationToken.None);
        _time.Advance(TimeSpan.FromMinutes(9) - TimeSpan.FromSeconds(1));
        var beforeMargin = _manager.Cache.TryGet("k", out _);

        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.True(beforeMargin);
        Assert.False(_manager.Cache.TryGet("k", out _));
    }

    [Fact]
    public void Set_TokenAlreadyInsideTheMargin_IsNotStored()
    {
        _manager.Cache.Set("k", Token(TimeSpan.FromSeconds(30)));

        Assert.False(_manager.Cache.TryGet("k", out _));
        Assert.Equal(0, _manager.Cache.Count);
    }

    [Fact]
    public void Remove_CachedKey_Evicts()
    {
        _manager.Cache.Set("k", Token(TimeSpan.FromMinutes(10)));

        _manager.Cache.Remove("k");

        Assert.False(_manager.Cache.TryGet("k", out _));
    }

    private Saml2BearerCachedToken Token(TimeSpan lifetime) =>
        new(new Saml2BearerTokenResponse { AccessToken = "at", TokenType = "Bearer", ExpiresIn = lifetime }, _time.GetUtcNow() + lifetime, []);

    private Task<Saml2BearerTokenOutcome> Exchange(TimeSpan lifetime)
    {
        Interlocked.Increment(ref _exchanges);
        return Task.FromResult(Saml2BearerTokenOutcome.Obtained(Token(lifetime), Saml2BearerTokenLookupSource.Exchanged));
    }
}
