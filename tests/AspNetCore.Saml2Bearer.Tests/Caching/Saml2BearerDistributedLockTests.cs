using System.Collections.Concurrent;
using AspNetCore.Saml2Bearer.Caching;
using AspNetCore.Saml2Bearer.Lifecycle;
using AspNetCore.Saml2Bearer.TokenExchange;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace AspNetCore.Saml2Bearer.Tests.Caching;

/// <summary>
/// The exchange lock as the token cache uses it, over a fake <see cref="ISaml2BearerExchangeLock"/>: any
/// fault or silence of the lock means "proceed without it", and the lock keeps instances to one exchange.
/// </summary>
public sealed class Saml2BearerDistributedLockTests
{
    private const string Key = "5e8f3b1c";
    private static readonly TimeSpan Expiry = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Margin = TimeSpan.FromSeconds(60);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly Saml2BearerDistributedCacheCircuit _circuit;
    private int _exchanges;

    public Saml2BearerDistributedLockTests()
    {
        _circuit = new Saml2BearerDistributedCacheCircuit(Saml2BearerDistributedTokenStore.DefaultRetryInterval, NullLogger.Instance, _time, failureThreshold: 1);
    }

    [Fact]
    public async Task TryAcquireAsync_LockFree_AcquiredWithKeyHolderAndExpiry()
    {
        var exchangeLock = new InMemoryExchangeLock();
        var distributedLock = new Saml2BearerDistributedLock(exchangeLock, _circuit, Expiry, TimeSpan.FromSeconds(5));

        var status = await distributedLock.TryAcquireAsync(Key, "holder-1");

        Assert.Equal(Saml2BearerDistributedLockStatus.Acquired, status);
        Assert.Equal(("holder-1", Expiry), exchangeLock.Held[Key]);
    }

    [Fact]
    public async Task TryAcquireAsync_HeldByAnotherHolder_HeldElsewhere()
    {
        var exchangeLock = new InMemoryExchangeLock();
        var distributedLock = new Saml2BearerDistributedLock(exchangeLock, _circuit, Expiry, TimeSpan.FromSeconds(5));
        await distributedLock.TryAcquireAsync(Key, "holder-1");

        var status = await distributedLock.TryAcquireAsync(Key, "holder-2");

        Assert.Equal(Saml2BearerDistributedLockStatus.HeldElsewhere, status);
    }

    [Fact]
    public async Task TryAcquireAsync_LockThrows_UnavailableAndNotAskedAgainUntilTheCircuitCloses()
    {
        var exchangeLock = new InMemoryExchangeLock { Fault = new InvalidOperationException("down") };
        var distributedLock = new Saml2BearerDistributedLock(exchangeLock, _circuit, Expiry, TimeSpan.FromSeconds(5));

        var first = await distributedLock.TryAcquireAsync(Key, "holder-1");
        var second = await distributedLock.TryAcquireAsync(Key, "holder-2");

        Assert.Equal(Saml2BearerDistributedLockStatus.Unavailable, first);
        Assert.Equal(Saml2BearerDistributedLockStatus.Unavailable, second);
        Assert.Equal(1, exchangeLock.Calls);
        Assert.True(_circuit.InOutage);
    }

    [Fact]
    public async Task TryAcquireAsync_LockNeverAnswers_UnavailableAndTheCallIsCancelled()
    {
        var exchangeLock = new InMemoryExchangeLock { NeverAnswer = true };
        var distributedLock = new Saml2BearerDistributedLock(exchangeLock, _circuit, Expiry, TimeSpan.FromMilliseconds(50));

        var status = await distributedLock.TryAcquireAsync(Key, "holder-1");

        Assert.Equal(Saml2BearerDistributedLockStatus.Unavailable, status);
        Assert.True(exchangeLock.LastToken.IsCancellationRequested);
    }

    [Fact]
    public async Task ReleaseAsync_LockThrows_DoesNotThrow()
    {
        var exchangeLock = new InMemoryExchangeLock { Fault = new InvalidOperationException("down") };
        var distributedLock = new Saml2BearerDistributedLock(exchangeLock, _circuit, Expiry, TimeSpan.FromSeconds(5));

        await distributedLock.ReleaseAsync(Key, "holder-1");

        Assert.True(_circuit.InOutage);
    }

    [Fact]
    public async Task GetOrCreateAsync_TwoInstancesMissAtOnce_OneExchangesTheOtherWaitsForItsToken()
    {
        var shared = new FakeDistributedCache();
        var dataProtection = new EphemeralDataProtectionProvider();
        var exchangeLock = new InMemoryExchangeLock();
        using var instanceA = CreateCache(shared, dataProtection, exchangeLock);
        using var instanceB = CreateCache(shared, dataProtection, exchangeLock);
        var gate = new TaskCompletionSource();

        var onA = instanceA.GetOrCreateAsync(Key, async () => { await gate.Task; return await ExchangeAsync(); }, CancellationToken.None);
        await WaitUntilAsync(() => exchangeLock.Held.ContainsKey(Key));
        var onB = instanceB.GetOrCreateAsync(Key, ExchangeAsync, CancellationToken.None);
        gate.SetResult();
        await Task.WhenAll(onA, onB);

        Assert.Equal(1, _exchanges);
        Assert.Equal(Saml2BearerTokenLookupSource.DistributedCache, (await onB).Source);
        Assert.Equal("at-1", (await onB).Token!.Response.AccessToken);
        Assert.Empty(exchangeLock.Held);
    }

    [Fact]
    public async Task GetOrCreateAsync_LockThrows_ExchangesWithoutIt()
    {
        var exchangeLock = new InMemoryExchangeLock { Fault = new InvalidOperationException("down") };
        using var cache = CreateCache(new FakeDistributedCache(), new EphemeralDataProtectionProvider(), exchangeLock);

        var lookup = await cache.GetOrCreateAsync(Key, ExchangeAsync, CancellationToken.None);

        Assert.Equal("at-1", lookup.Token!.Response.AccessToken);
        Assert.Equal(1, _exchanges);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 500 && !condition(); i++)
        {
            await Task.Delay(10);
        }

        Assert.True(condition());
    }

    private Saml2BearerTokenManager CreateCache(FakeDistributedCache shared, IDataProtectionProvider dataProtection, ISaml2BearerExchangeLock exchangeLock)
    {
        var circuit = new Saml2BearerDistributedCacheCircuit(Saml2BearerDistributedTokenStore.DefaultRetryInterval, NullLogger.Instance, _time, failureThreshold: 1);
        var store = new Saml2BearerDistributedTokenStore(
            shared, Saml2BearerDistributedTokenStore.CreateProtector(dataProtection, "Saml2Bearer"), circuit, Margin, TimeSpan.FromSeconds(5), NullLogger.Instance, _time);
        var distributedLock = new Saml2BearerDistributedLock(exchangeLock, circuit, Expiry, TimeSpan.FromSeconds(5));
        return new Saml2BearerTokenManager(new Saml2BearerTokenCache(100, Margin, _time, store, distributedLock, NullLogger.Instance), new(), _time);
    }

    private Task<Saml2BearerTokenOutcome> ExchangeAsync()
    {
        var number = Interlocked.Increment(ref _exchanges);
        var token = new Saml2BearerCachedToken(
            new Saml2BearerTokenResponse { AccessToken = "at-" + number, TokenType = "Bearer", ExpiresIn = TimeSpan.FromHours(1) },
            _time.GetUtcNow() + TimeSpan.FromHours(1),
            []);
        return Task.FromResult(Saml2BearerTokenOutcome.Obtained(token, Saml2BearerTokenLookupSource.Exchanged));
    }

    /// <summary>A lock in a dictionary, shared by the caches of one test as Redis is by instances.</summary>
    private sealed class InMemoryExchangeLock : ISaml2BearerExchangeLock
    {
        private int _calls;

        public ConcurrentDictionary<string, (string Holder, TimeSpan Expiry)> Held { get; } = new(StringComparer.Ordinal);

        public Exception? Fault { get; init; }

        public bool NeverAnswer { get; init; }

        public int Calls => Volatile.Read(ref _calls);

        public CancellationToken LastToken { get; private set; }

        public Task<bool> TryAcquireAsync(string key, string holder, TimeSpan expiry, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            LastToken = cancellationToken;
            if (Fault is not null)
            {
                return Task.FromException<bool>(Fault);
            }

            return NeverAnswer ? new TaskCompletionSource<bool>().Task : Task.FromResult(Held.TryAdd(key, (holder, expiry)));
        }

        public Task ReleaseAsync(string key, string holder, CancellationToken cancellationToken)
        {
            if (Fault is not null)
            {
                return Task.FromException(Fault);
            }

            if (Held.TryGetValue(key, out var held) && held.Holder == holder)
            {
                Held.TryRemove(key, out _);
            }

            return Task.CompletedTask;
        }
    }
}
