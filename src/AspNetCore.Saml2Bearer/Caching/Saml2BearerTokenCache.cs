using System.Collections.Concurrent;
using AspNetCore.Saml2Bearer.TokenExchange;
using Microsoft.Extensions.Caching.Memory;

namespace AspNetCore.Saml2Bearer.Caching;

/// <summary>
/// The per-subject token cache of one scheme: memory with a size limit, entries held until their
/// expiry minus a margin, and single-flight exchanges: concurrent misses for one key share one
/// exchange, which no single caller's cancellation cancels. Failures are never cached.
/// </summary>
internal sealed class Saml2BearerTokenCache : IDisposable
{
    private readonly MemoryCache _memory;
    private readonly ConcurrentDictionary<string, Lazy<Task<Saml2BearerTokenLookup>>> _flights = new(StringComparer.Ordinal);
    private readonly TimeProvider _timeProvider;
    private readonly TimeSpan _margin;

    public Saml2BearerTokenCache(int sizeLimit, TimeSpan margin, TimeProvider timeProvider)
    {
        _memory = new MemoryCache(new MemoryCacheOptions { SizeLimit = sizeLimit });
        _margin = margin;
        _timeProvider = timeProvider;
    }

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

    /// <summary>Evicts a key (after <c>invalid_grant</c>, or a downstream 401).</summary>
    public void Remove(string key) => _memory.Remove(key);

    private async Task<Saml2BearerTokenLookup> RunFlightAsync(string key, Func<Task<Saml2BearerTokenLookup>> exchange)
    {
        try
        {
            // A flight that finished between this caller's miss and its GetOrAdd has already cached the token.
            if (TryGet(key, out var cached))
            {
                return new Saml2BearerTokenLookup(cached, null, Saml2BearerTokenLookupSource.MemoryCache);
            }

            var lookup = await exchange().ConfigureAwait(false);
            if (lookup.Token is not null && !lookup.Unvetted)
            {
                Set(key, lookup.Token);
            }
            else if (lookup.Failure?.Status == Saml2BearerTokenResultStatus.InvalidGrant)
            {
                Remove(key);
            }

            return lookup;
        }
        finally
        {
            _flights.TryRemove(key, out _);
        }
    }

    public void Dispose() => _memory.Dispose();
}
