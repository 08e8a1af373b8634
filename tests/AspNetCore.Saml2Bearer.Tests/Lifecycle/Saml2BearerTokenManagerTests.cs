using AspNetCore.Saml2Bearer.Caching;
using AspNetCore.Saml2Bearer.Lifecycle;
using AspNetCore.Saml2Bearer.Tests.Infrastructure;
using AspNetCore.Saml2Bearer.TokenExchange;
using Microsoft.Extensions.Time.Testing;

namespace AspNetCore.Saml2Bearer.Tests.Lifecycle;

/// <summary>The token manager's single flight and store, in memory (the distributed level has its own tests).</summary>
public sealed class Saml2BearerTokenManagerTests : IDisposable
{
    private static readonly TimeSpan Margin = TimeSpan.FromSeconds(60);
    private readonly FakeTimeProvider _time = Saml2BearerTestHost.CreateTime();
    private readonly Saml2BearerTokenManager _manager;
    private int _exchanges;

    public Saml2BearerTokenManagerTests()
    {
        _manager = new Saml2BearerTokenManager(new Saml2BearerTokenCache(100, Margin, _time), new(), _time);
    }

    public void Dispose() => _manager.Dispose();

    [Fact]
    public async Task GetOrCreateAsync_Miss_ExchangesAndCaches()
    {
        var first = await _manager.GetOrCreateAsync("k", () => Exchange(TimeSpan.FromMinutes(10)), CancellationToken.None);
        var second = await _manager.GetOrCreateAsync("k", () => Exchange(TimeSpan.FromMinutes(10)), CancellationToken.None);

        Assert.Equal(Saml2BearerTokenLookupSource.Exchanged, first.Source);
        Assert.Equal(Saml2BearerTokenLookupSource.MemoryCache, second.Source);
        Assert.Same(first.Token, second.Token);
        Assert.Equal(1, _exchanges);
        Assert.Equal(1, _manager.Cache.Count);
    }

    [Fact]
    public async Task GetOrCreateAsync_ConcurrentMissesForOneKey_ExchangeOnce()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var lookups = Enumerable.Range(0, 50)
            .Select(_ => _manager.GetOrCreateAsync("k", async () => { await gate.Task; return await Exchange(TimeSpan.FromMinutes(10)); }, CancellationToken.None))
            .ToList();
        gate.SetResult();

        var results = await Task.WhenAll(lookups);

        Assert.Equal(1, _exchanges);
        Assert.All(results, r => Assert.Same(results[0].Token, r.Token));
        Assert.Single(results, r => r.Source == Saml2BearerTokenLookupSource.Exchanged);
        Assert.Equal(49, results.Count(r => r.Source == Saml2BearerTokenLookupSource.JoinedExchange));
    }

    [Fact]
    public async Task GetOrCreateAsync_DifferentKeys_ExchangeEach()
    {
        await _manager.GetOrCreateAsync("a", () => Exchange(TimeSpan.FromMinutes(10)), CancellationToken.None);
        await _manager.GetOrCreateAsync("b", () => Exchange(TimeSpan.FromMinutes(10)), CancellationToken.None);

        Assert.Equal(2, _exchanges);
    }

    [Theory]
    [InlineData(Saml2BearerTokenResultStatus.InvalidGrant)]
    [InlineData(Saml2BearerTokenResultStatus.ClientError)]
    [InlineData(Saml2BearerTokenResultStatus.ServiceUnavailable)]
    public async Task GetOrCreateAsync_Failure_IsNotCached(Saml2BearerTokenResultStatus status)
    {
        var failed = await _manager.GetOrCreateAsync("k", () => Fail(status), CancellationToken.None);
        var next = await _manager.GetOrCreateAsync("k", () => Exchange(TimeSpan.FromMinutes(10)), CancellationToken.None);

        Assert.Null(failed.Token);
        Assert.Equal(status, failed.Failure?.Status);
        Assert.NotNull(next.Token);
        Assert.Equal(2, _exchanges);
    }

    [Fact]
    public async Task GetOrCreateAsync_ExchangeThrows_AllWaitersSeeItAndTheNextCallExchangesAgain()
    {
        await Assert.ThrowsAsync<InvalidOperationException>(() => _manager.GetOrCreateAsync("k", () => throw new InvalidOperationException("boom"), CancellationToken.None));

        var next = await _manager.GetOrCreateAsync("k", () => Exchange(TimeSpan.FromMinutes(10)), CancellationToken.None);

        Assert.Equal(Saml2BearerTokenLookupSource.Exchanged, next.Source);
    }

    [Fact]
    public async Task GetOrCreateAsync_OneWaiterCancelled_ExchangeCompletesForTheOthers()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var cancellation = new CancellationTokenSource();
        Func<Task<Saml2BearerTokenOutcome>> exchange = async () => { await gate.Task; return await Exchange(TimeSpan.FromMinutes(10)); };
        var cancelled = _manager.GetOrCreateAsync("k", exchange, cancellation.Token);
        var other = _manager.GetOrCreateAsync("k", exchange, CancellationToken.None);

        await cancellation.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        gate.SetResult();
        var lookup = await other;

        Assert.NotNull(lookup.Token);
        Assert.Equal(1, _exchanges);
        Assert.True(_manager.Cache.TryGet("k", out _));
    }

    private Saml2BearerCachedToken Token(TimeSpan lifetime) =>
        new(new Saml2BearerTokenResponse { AccessToken = "at", TokenType = "Bearer", ExpiresIn = lifetime }, _time.GetUtcNow() + lifetime, []);

    private Task<Saml2BearerTokenOutcome> Exchange(TimeSpan lifetime)
    {
        Interlocked.Increment(ref _exchanges);
        return Task.FromResult(Saml2BearerTokenOutcome.Obtained(Token(lifetime), Saml2BearerTokenLookupSource.Exchanged));
    }

    private Task<Saml2BearerTokenOutcome> Fail(Saml2BearerTokenResultStatus status)
    {
        Interlocked.Increment(ref _exchanges);
        return Task.FromResult(Saml2BearerTokenOutcome.Failed(Saml2BearerTokenResult.Failure(status, "error"), Saml2BearerTokenLookupSource.Exchanged));
    }
}
