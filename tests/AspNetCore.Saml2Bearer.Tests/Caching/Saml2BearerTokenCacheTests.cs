using AspNetCore.Saml2Bearer.Caching;
using AspNetCore.Saml2Bearer.Tests.Infrastructure;
using AspNetCore.Saml2Bearer.TokenExchange;
using Microsoft.Extensions.Time.Testing;

namespace AspNetCore.Saml2Bearer.Tests.Caching;

public sealed class Saml2BearerTokenCacheTests : IDisposable
{
    private static readonly TimeSpan Margin = TimeSpan.FromSeconds(60);
    private readonly FakeTimeProvider _time = Saml2BearerTestHost.CreateTime();
    private readonly Saml2BearerTokenCache _cache;
    private int _exchanges;

    public Saml2BearerTokenCacheTests()
    {
        _cache = new Saml2BearerTokenCache(100, Margin, _time);
    }

    public void Dispose() => _cache.Dispose();

    [Fact]
    public async Task GetOrExchangeAsync_Miss_ExchangesAndCaches()
    {
        var first = await _cache.GetOrExchangeAsync("k", () => Exchange(TimeSpan.FromMinutes(10)), CancellationToken.None);
        var second = await _cache.GetOrExchangeAsync("k", () => Exchange(TimeSpan.FromMinutes(10)), CancellationToken.None);

        Assert.Equal(Saml2BearerTokenLookupSource.Exchanged, first.Source);
        Assert.Equal(Saml2BearerTokenLookupSource.MemoryCache, second.Source);
        Assert.Same(first.Token, second.Token);
        Assert.Equal(1, _exchanges);
        Assert.Equal(1, _cache.Count);
    }

    [Fact]
    public async Task GetOrExchangeAsync_ConcurrentMissesForOneKey_ExchangeOnce()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var lookups = Enumerable.Range(0, 50)
            .Select(_ => _cache.GetOrExchangeAsync("k", async () => { await gate.Task; return await Exchange(TimeSpan.FromMinutes(10)); }, CancellationToken.None))
            .ToList();
        gate.SetResult();

        var results = await Task.WhenAll(lookups);

        Assert.Equal(1, _exchanges);
        Assert.All(results, r => Assert.Same(results[0].Token, r.Token));
        Assert.Single(results, r => r.Source == Saml2BearerTokenLookupSource.Exchanged);
        Assert.Equal(49, results.Count(r => r.Source == Saml2BearerTokenLookupSource.JoinedExchange));
    }

    [Fact]
    public async Task GetOrExchangeAsync_DifferentKeys_ExchangeEach()
    {
        await _cache.GetOrExchangeAsync("a", () => Exchange(TimeSpan.FromMinutes(10)), CancellationToken.None);
        await _cache.GetOrExchangeAsync("b", () => Exchange(TimeSpan.FromMinutes(10)), CancellationToken.None);

        Assert.Equal(2, _exchanges);
    }

    [Theory]
    [InlineData(Saml2BearerTokenResultStatus.InvalidGrant)]
    [InlineData(Saml2BearerTokenResultStatus.ClientError)]
    [InlineData(Saml2BearerTokenResultStatus.ServiceUnavailable)]
    public async Task GetOrExchangeAsync_Failure_IsNotCached(Saml2BearerTokenResultStatus status)
    {
        var failed = await _cache.GetOrExchangeAsync("k", () => Fail(status), CancellationToken.None);
        var next = await _cache.GetOrExchangeAsync("k", () => Exchange(TimeSpan.FromMinutes(10)), CancellationToken.None);

        Assert.Null(failed.Token);
        Assert.Equal(status, failed.Failure?.Status);
        Assert.NotNull(next.Token);
        Assert.Equal(2, _exchanges);
    }

    [Fact]
    public async Task GetOrExchangeAsync_ExchangeThrows_AllWaitersSeeItAndTheNextCallExchangesAgain()
    {
        await Assert.ThrowsAsync<InvalidOperationException>(() => _cache.GetOrExchangeAsync("k", () => throw new InvalidOperationException("boom"), CancellationToken.None));

        var next = await _cache.GetOrExchangeAsync("k", () => Exchange(TimeSpan.FromMinutes(10)), CancellationToken.None);

        Assert.Equal(Saml2BearerTokenLookupSource.Exchanged, next.Source);
    }

    [Fact]
    public async Task GetOrExchangeAsync_OneWaiterCancelled_ExchangeCompletesForTheOthers()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var cancellation = new CancellationTokenSource();
        Func<Task<Saml2BearerTokenLookup>> exchange = async () => { await gate.Task; return await Exchange(TimeSpan.FromMinutes(10)); };
        var cancelled = _cache.GetOrExchangeAsync("k", exchange, cancellation.Token);
        var other = _cache.GetOrExchangeAsync("k", exchange, CancellationToken.None);

        await cancellation.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        gate.SetResult();
        var lookup = await other;

        Assert.NotNull(lookup.Token);
        Assert.Equal(1, _exchanges);
        Assert.True(_cache.TryGet("k", out _));
    }

    [Fact]
    public async Task TryGet_PastExpiryMinusMargin_Misses()
    {
        await _cache.GetOrExchangeAsync("k", () => Exchange(TimeSpan.FromMinutes(10)), CancellationToken.None);
        _time.Advance(TimeSpan.FromMinutes(9) - TimeSpan.FromSeconds(1));
        var beforeMargin = _cache.TryGet("k", out _);

        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.True(beforeMargin);
        Assert.False(_cache.TryGet("k", out _));
    }

    [Fact]
    public void Set_TokenAlreadyInsideTheMargin_IsNotStored()
    {
        _cache.Set("k", Token(TimeSpan.FromSeconds(30)));

        Assert.False(_cache.TryGet("k", out _));
        Assert.Equal(0, _cache.Count);
    }

    [Fact]
    public void Remove_CachedKey_Evicts()
    {
        _cache.Set("k", Token(TimeSpan.FromMinutes(10)));

        _cache.Remove("k");

        Assert.False(_cache.TryGet("k", out _));
    }

    private Saml2BearerCachedToken Token(TimeSpan lifetime) =>
        new(new Saml2BearerTokenResponse { AccessToken = "at", TokenType = "Bearer", ExpiresIn = lifetime }, _time.GetUtcNow() + lifetime, []);

    private Task<Saml2BearerTokenLookup> Exchange(TimeSpan lifetime)
    {
        Interlocked.Increment(ref _exchanges);
        return Task.FromResult(new Saml2BearerTokenLookup(Token(lifetime), null, Saml2BearerTokenLookupSource.Exchanged));
    }

    private Task<Saml2BearerTokenLookup> Fail(Saml2BearerTokenResultStatus status)
    {
        Interlocked.Increment(ref _exchanges);
        return Task.FromResult(new Saml2BearerTokenLookup(null, Saml2BearerTokenResult.Failure(status, "error"), Saml2BearerTokenLookupSource.Exchanged));
    }
}
