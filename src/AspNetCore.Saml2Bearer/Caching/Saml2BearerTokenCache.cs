using System.Collections.Concurrent;
using System.Diagnostics;
using AspNetCore.Saml2Bearer.Diagnostics;
using AspNetCore.Saml2Bearer.TokenExchange;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AspNetCore.Saml2Bearer.Caching;

/// <summary>
/// The per-subject token cache of one scheme: memory with a size limit, entries held until their
/// expiry minus a margin, and single-flight exchanges: concurrent misses for one key share one
/// exchange, which no single caller's cancellation cancels. Failures are never cached.
/// With a distributed store (L2), a miss in memory looks there before exchanging, and an exchanged token
/// is written to both levels; with a distributed lock, instances sharing the store exchange once per key.
/// </summary>
internal sealed class Saml2BearerTokenCache : IDisposable
{
    private readonly MemoryCache _memory;
    private readonly ConcurrentDictionary<string, Lazy<Task<Saml2BearerTokenLookup>>> _flights = new(StringComparer.Ordinal);
    private readonly TimeProvider _timeProvider;
    private readonly TimeSpan _margin;
    private readonly Saml2BearerDistributedTokenStore? _distributed;
    private readonly Saml2BearerDistributedLock? _distributedLock;
    private readonly ILogger _logger;

    public Saml2BearerTokenCache(int sizeLimit, TimeSpan margin, TimeProvider timeProvider)
        : this(sizeLimit, margin, timeProvider, distributed: null, distributedLock: null, logger: null)
    {
    }

    public Saml2BearerTokenCache(
        int sizeLimit,
        TimeSpan margin,
        TimeProvider timeProvider,
        Saml2BearerDistributedTokenStore? distributed,
        Saml2BearerDistributedLock? distributedLock,
        ILogger? logger)
    {
        _memory = new MemoryCache(new MemoryCacheOptions { SizeLimit = sizeLimit });
        _margin = margin;
        _timeProvider = timeProvider;
        _distributed = distributed;
        _distributedLock = distributed is null ? null : distributedLock;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>How often an instance that waits for another instance's exchange looks for its token.</summary>
    internal static TimeSpan LockPollInterval { get; } = TimeSpan.FromMilliseconds(50);

    /// <summary>The distributed store (L2), or <see langword="null"/> when tokens live in memory only.</summary>
    internal Saml2BearerDistributedTokenStore? Distributed => _distributed;

    /// <summary>The number of tokens held in memory.</summary>
    public int Count => _memory.Count;

    /// <summary>
    /// Returns the cached token for <paramref name="key"/>, or runs <paramref name="exchange"/> once for
    /// all concurrent callers and caches its success.
    /// </summary>
    public async Task<Saml2BearerTokenLookup> GetOrExchangeAsync(
        string key,
        Func<Task<Saml2BearerTokenLookup>> exchange,
        CancellationToken cancellationToken)
    {
        if (TryGet(key, out var cached))
        {
            return new Saml2BearerTokenLookup(cached, null, Saml2BearerTokenLookupSource.MemoryCache);
        }

        var leader = false;
        var flight = _flights.GetOrAdd(key, _ => new Lazy<Task<Saml2BearerTokenLookup>>(
            () =>
            {
                leader = true;
                return RunFlightAsync(key, exchange);
            },
            LazyThreadSafetyMode.ExecutionAndPublication));

        var lookup = await flight.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        return leader || lookup.Token is null || lookup.Source != Saml2BearerTokenLookupSource.Exchanged
            ? lookup
            : lookup with { Source = Saml2BearerTokenLookupSource.JoinedExchange };
    }

    /// <summary>Returns a cached token that is still usable (its expiry minus the margin is ahead).</summary>
    public bool TryGet(string key, out Saml2BearerCachedToken? token)
    {
        if (_memory.TryGetValue(key, out Saml2BearerCachedToken? entry) && entry is not null
            && _timeProvider.GetUtcNow() < entry.ExpiresAt - _margin)
        {
            token = entry;
            return true;
        }

        token = null;
        return false;
    }

    /// <summary>Stores a token until its expiry minus the margin; a token already inside the margin is not stored.</summary>
    public void Set(string key, Saml2BearerCachedToken token)
    {
        var usableFor = token.ExpiresAt - _margin - _timeProvider.GetUtcNow();
        if (usableFor <= TimeSpan.Zero)
        {
            return;
        }

        _memory.Set(key, token, new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = usableFor, Size = 1 });
    }

    /// <summary>Stores a token in memory and, when there is one, in the distributed store.</summary>
    internal async Task SetAsync(string key, Saml2BearerCachedToken token)
    {
        Set(key, token);
        if (_distributed is not null)
        {
            await _distributed.SetAsync(key, token).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Evicts a key (after <c>invalid_grant</c>, or a downstream 401) from memory now and from the
    /// distributed store in the background; <see cref="RemoveAsync"/> waits for both.
    /// </summary>
    public void Remove(string key)
    {
        _memory.Remove(key);
        if (_distributed is not null)
        {
            // Never throws: the store records its failures.
            _ = _distributed.RemoveAsync(key);
        }
    }

    /// <summary>Evicts a key from memory and from the distributed store.</summary>
    internal async Task RemoveAsync(string key)
    {
        _memory.Remove(key);
        if (_distributed is not null)
        {
            await _distributed.RemoveAsync(key).ConfigureAwait(false);
        }
    }

    private async Task<Saml2BearerTokenLookup> RunFlightAsync(string key, Func<Task<Saml2BearerTokenLookup>> exchange)
    {
        try
        {
            // A flight that finished between this caller's miss and its GetOrAdd has already cached the token.
            if (TryGet(key, out var cached))
            {
                return new Saml2BearerTokenLookup(cached, null, Saml2BearerTokenLookupSource.MemoryCache);
            }

            if (_distributed is null)
            {
                return await ExchangeAndStoreAsync(key, exchange).ConfigureAwait(false);
            }

            if (await GetDistributedAsync(key).ConfigureAwait(false) is { } shared)
            {
                return shared;
            }

            return _distributedLock is null
                ? await ExchangeAndStoreAsync(key, exchange).ConfigureAwait(false)
                : await ExchangeUnderLockAsync(key, exchange, _distributedLock).ConfigureAwait(false);
        }
        finally
        {
            _flights.TryRemove(key, out _);
        }
    }

    /// <summary>
    /// Exchanges while holding the key's cross-instance lock. An instance that finds the lock taken
    /// waits for the holder's token to appear in the distributed store, and takes the lock itself when it
    /// is released without a token (the holder's exchange failed; failures are never shared). It exchanges
    /// without the lock when Redis cannot be asked, or when the wait outlives the lock's expiry.
    /// </summary>
    private async Task<Saml2BearerTokenLookup> ExchangeUnderLockAsync(string key, Func<Task<Saml2BearerTokenLookup>> exchange, Saml2BearerDistributedLock distributedLock)
    {
        var holder = Guid.NewGuid().ToString("N");

        // Waiting is bounded on the real clock: it limits how long a request waits, whatever the injected clock says.
        var waited = Stopwatch.StartNew();
        var announced = false;
        while (true)
        {
            var status = await distributedLock.TryAcquireAsync(key, holder).ConfigureAwait(false);
            if (status == Saml2BearerDistributedLockStatus.Unavailable)
            {
                return await ExchangeAndStoreAsync(key, exchange).ConfigureAwait(false);
            }

            if (status == Saml2BearerDistributedLockStatus.Acquired)
            {
                try
                {
                    // The previous holder may have stored its token between this instance's miss and now.
                    return await GetDistributedAsync(key).ConfigureAwait(false)
                        ?? await ExchangeAndStoreAsync(key, exchange).ConfigureAwait(false);
                }
                finally
                {
                    await distributedLock.ReleaseAsync(key, holder).ConfigureAwait(false);
                }
            }

            if (!announced)
            {
                Saml2BearerLog.DistributedExchangeWaiting(_logger, Saml2BearerLog.Short(key));
                announced = true;
            }

            if (waited.Elapsed >= distributedLock.Expiry)
            {
                Saml2BearerLog.DistributedExchangeWaitEnded(_logger, Saml2BearerLog.Short(key));
                return await ExchangeAndStoreAsync(key, exchange).ConfigureAwait(false);
            }

            await Task.Delay(LockPollInterval).ConfigureAwait(false);
            if (await GetDistributedAsync(key).ConfigureAwait(false) is { } shared)
            {
                return shared;
            }
        }
    }

    private async Task<Saml2BearerTokenLookup?> GetDistributedAsync(string key)
    {
        var token = await _distributed!.GetAsync(key).ConfigureAwait(false);
        if (token is null)
        {
            return null;
        }

        Set(key, token);
        return new Saml2BearerTokenLookup(token, null, Saml2BearerTokenLookupSource.DistributedCache);
    }

    private async Task<Saml2BearerTokenLookup> ExchangeAndStoreAsync(string key, Func<Task<Saml2BearerTokenLookup>> exchange)
    {
        var lookup = await exchange().ConfigureAwait(false);
        if (lookup.Token is not null && !lookup.Unvetted)
        {
            await SetAsync(key, lookup.Token).ConfigureAwait(false);
        }
        else if (lookup.Failure?.Status == Saml2BearerTokenResultStatus.InvalidGrant)
        {
            await RemoveAsync(key).ConfigureAwait(false);
        }

        return lookup;
    }

    public void Dispose() => _memory.Dispose();
}
