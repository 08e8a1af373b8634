using AspNetCore.Saml2Bearer.Caching;
using AspNetCore.Saml2Bearer.Lifecycle;
using AspNetCore.Saml2Bearer.Tests.Infrastructure;
using AspNetCore.Saml2Bearer.TokenExchange;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace AspNetCore.Saml2Bearer.Tests.Caching;

/// <summary>The token cache with a distributed second level (the memory-only behaviour has its own tests).</summary>
public sealed class Saml2BearerTokenCacheDistributedTests : IDisposable
{
    private const string Key = "5e8f3b1c";
    private static readonly TimeSpan Margin = TimeSpan.FromSeconds(60);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));
    private readonly FakeDistributedCache _cache = new();
    private readonly EphemeralDataProtectionProvider _dataProtection = new();
    private readonly InMemoryLoggerProvider _logs = new();
    private int _exchanges;

    private ILogger Logger => _logs.CreateLogger(typeof(Saml2BearerTokenCache).FullName!);

    public void Dispose() => _logs.Dispose();

    [Fact]
    public async Task GetOrCreateAsync_TokenWrittenByAnotherInstance_ReturnsItWithoutExchange()
    {
        using var instanceA = CreateCache();
        using var instanceB = CreateCache();
        await instanceA.GetOrCreateAsync(Key, ExchangeAsync, CancellationToken.None);

        var lookup = await instanceB.GetOrCreateAsync(Key, ExchangeAsync, CancellationToken.None);

        Assert.Equal(1, _exchanges);
        Assert.Equal(Saml2BearerTokenLookupSource.DistributedCache, lookup.Source);
        Assert.Equal("at-1", lookup.Token!.Response.AccessToken);
        Assert.True(instanceB.Cache.TryGet(Key, out _));
    }

    [Fact]
    public async Task GetOrCreateAsync_ConcurrentMissesOnOneInstance_ExchangeOnce()
    {
        using var cache = CreateCache();
        var gate = new TaskCompletionSource();

        var lookups = Enumerable.Range(0, 20)
            .Select(_ => cache.GetOrCreateAsync(Key, async () => { await gate.Task; return await ExchangeAsync(); }, CancellationToken.None))
            .ToArray();
        gate.SetResult();
        await Task.WhenAll(lookups);

        Assert.Equal(1, _exchanges);
        Assert.All(lookups, l => Assert.Equal("at-1", l.Result.Token!.Response.AccessToken));
    }

    [Fact]
    public async Task GetOrCreateAsync_DistributedCacheDown_ExchangesAndServesFromMemory()
    {
        using var cache = CreateCache();
        _cache.Mode = FakeDistributedCacheMode.Throw;

        var first = await cache.GetOrCreateAsync(Key, ExchangeAsync, CancellationToken.None);
        var second = await cache.GetOrCreateAsync(Key, ExchangeAsync, CancellationToken.None);

        Assert.Equal(Saml2BearerTokenLookupSource.Exchanged, first.Source);
        Assert.Equal(Saml2BearerTokenLookupSource.MemoryCache, second.Source);
        Assert.Equal(1, _exchanges);
        Assert.Equal(1, _logs.Count(1100));
    }

    [Fact]
    public async Task GetOrCreateAsync_DistributedEntryStale_Exchanges()
    {
        using var instanceA = CreateCache();
        await instanceA.GetOrCreateAsync(Key, ExchangeAsync, CancellationToken.None);
        _time.Advance(TimeSpan.FromHours(1) - Margin);
        using var instanceB = CreateCache();

        var lookup = await instanceB.GetOrCreateAsync(Key, ExchangeAsync, CancellationToken.None);

        Assert.Equal(Saml2BearerTokenLookupSource.Exchanged, lookup.Source);
        Assert.Equal(2, _exchanges);
    }

    [Fact]
    public async Task RemoveAsync_AfterExchange_EvictsBothLevels()
    {
        using var instanceA = CreateCache();
        await instanceA.GetOrCreateAsync(Key, ExchangeAsync, CancellationToken.None);

        await instanceA.Cache.RemoveAsync(Key);

        Assert.False(instanceA.Cache.TryGet(Key, out _));
        Assert.Null(_cache.Peek(Saml2BearerDistributedTokenStore.StorageKey(Key)));
    }

    [Fact]
    public async Task Remove_AfterExchange_EvictsMemoryAndThenTheDistributedEntry()
    {
        using var instanceA = CreateCache();
        await instanceA.GetOrCreateAsync(Key, ExchangeAsync, CancellationToken.None);

        instanceA.Cache.Remove(Key);

        Assert.False(instanceA.Cache.TryGet(Key, out _));
        await WaitUntilAsync(() => _cache.Peek(Saml2BearerDistributedTokenStore.StorageKey(Key)) is null);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(10);
        }

        Assert.True(condition());
    }

    private Saml2BearerTokenManager CreateCache()
    {
        var circuit = new Saml2BearerDistributedCacheCircuit(Saml2BearerDistributedTokenStore.DefaultRetryInterval, Logger, _time, failureThreshold: 1);
        var store = new Saml2BearerDistributedTokenStore(
            _cache, Saml2BearerDistributedTokenStore.CreateProtector(_dataProtection, "Saml2Bearer"), circuit, Margin, TimeSpan.FromSeconds(5), Logger, _time);
        return new Saml2BearerTokenManager(new Saml2BearerTokenCache(100, Margin, _time, store, distributedLock: null, Logger), new(), _time);
    }

    private Task<Saml2BearerTokenOutcome> ExchangeAsync()
    {
        var number = Interlocked.Increment(ref _exchanges);
        return Task.FromResult(Saml2BearerTokenOutcome.Obtained(Token("at-" + number), Saml2BearerTokenLookupSource.Exchanged));
    }

    private Saml2BearerCachedToken Token(string accessToken) =>
        new(new Saml2BearerTokenResponse { AccessToken = accessToken, TokenType = "Bearer", ExpiresIn = TimeSpan.FromHours(1) }, _time.GetUtcNow() + TimeSpan.FromHours(1), []);
}
