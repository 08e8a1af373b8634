using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AspNetCore.Saml2Bearer.Caching;

/// <summary>
/// Where one scheme keeps its tokens: memory with a size limit, entries usable until their expiry minus a
/// margin, and, with a distributed store (L2), a second level shared by instances, with the cross-instance
/// exchange lock. A token that carries a refresh token is kept past its expiry, as long as it may be renewed
/// (<see cref="Saml2BearerCachedToken.RenewableUntil"/>). Failures are never stored. The token lifecycle
/// (single flight, exchange or renewal) is <see cref="Lifecycle.Saml2BearerTokenManager"/>'s.
/// </summary>
internal sealed class Saml2BearerTokenCache : IDisposable
{
    private readonly MemoryCache _memory;
    private readonly TimeProvider _timeProvider;
    private readonly TimeSpan _margin;

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
        Distributed = distributed;
        DistributedLock = distributed is null ? null : distributedLock;
        Logger = logger ?? NullLogger.Instance;
    }

    /// <summary>How often an instance that waits for another instance's exchange looks for its token.</summary>
    internal static TimeSpan LockPollInterval { get; } = TimeSpan.FromMilliseconds(50);

    /// <summary>The distributed store (L2), or <see langword="null"/> when tokens live in memory only.</summary>
    internal Saml2BearerDistributedTokenStore? Distributed { get; }

    /// <summary>The cross-instance exchange lock, or <see langword="null"/>.</summary>
    internal Saml2BearerDistributedLock? DistributedLock { get; }

    /// <summary>The logger of the distributed level.</summary>
    internal ILogger Logger { get; }

    /// <summary>The margin before a token's expiry from which it is no longer used.</summary>
    public TimeSpan Margin => _margin;

    /// <summary>The number of tokens held in memory.</summary>
    public int Count => _memory.Count;

    /// <summary>Returns a cached token that is still usable (its expiry minus the margin is ahead).</summary>
    public bool TryGet(string key, out Saml2BearerCachedToken? token)
    {
        if (_memory.TryGetValue(key, out Saml2BearerCachedToken? entry) && entry is not null && IsUsable(entry))
        {
            token = entry;
            return true;
        }

        token = null;
        return false;
    }

    /// <summary>
    /// Returns the token held for <paramref name="key"/> in memory that may still be renewed with its
    /// refresh token, usable or not.
    /// </summary>
    public bool TryGetRenewable(string key, out Saml2BearerCachedToken? token)
    {
        if (_memory.TryGetValue(key, out Saml2BearerCachedToken? entry) && entry is not null && entry.CanRenewAt(_timeProvider.GetUtcNow()))
        {
            token = entry;
            return true;
        }

        token = null;
        return false;
    }

    /// <summary>Whether <paramref name="token"/> is usable now: its expiry minus the margin is ahead.</summary>
    public bool IsUsable(Saml2BearerCachedToken token) => _timeProvider.GetUtcNow() < token.ExpiresAt - _margin;

    /// <summary>
    /// Stores a token until its expiry minus the margin, or as long as it may be renewed; a token that is
    /// neither usable nor renewable is not stored.
    /// </summary>
    public void Set(string key, Saml2BearerCachedToken token)
    {
        var keepFor = token.KeepUntil(_margin) - _timeProvider.GetUtcNow();
        if (keepFor <= TimeSpan.Zero)
        {
            return;
        }

        _memory.Set(key, token, new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = keepFor, Size = 1 });
    }

    /// <summary>Stores a token in memory and, when there is one, in the distributed store.</summary>
    internal async Task SetAsync(string key, Saml2BearerCachedToken token)
    {
        Set(key, token);
        if (Distributed is not null)
        {
            await Distributed.SetAsync(key, token).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The token the distributed store holds for <paramref name="key"/> (usable, or with
    /// <paramref name="includeRenewable"/> also one that may be renewed), copied to memory; or <see langword="null"/>.
    /// </summary>
    internal async Task<Saml2BearerCachedToken?> GetDistributedAsync(string key, bool includeRenewable = false)
    {
        if (Distributed is null)
        {
            return null;
        }

        var token = await Distributed.GetAsync(key, includeRenewable).ConfigureAwait(false);
        if (token is not null)
        {
            Set(key, token);
        }

        return token;
    }

    /// <summary>
    /// Evicts a key (after <c>invalid_grant</c>, or a downstream 401) from memory now and from the
    /// distributed store in the background; <see cref="RemoveAsync"/> waits for both.
    /// </summary>
    public void Remove(string key)
    {
        _memory.Remove(key);
        if (Distributed is not null)
        {
            // Never throws: the store records its failures.
            _ = Distributed.RemoveAsync(key);
        }
    }

    /// <summary>Evicts a key from memory and from the distributed store.</summary>
    internal async Task RemoveAsync(string key)
    {
        _memory.Remove(key);
        if (Distributed is not null)
        {
            await Distributed.RemoveAsync(key).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Makes the token of <paramref name="key"/> unusable while keeping what renews it (a downstream API
    /// refused the access token): memory and the distributed store then hold it only as renewable. A
    /// token without a refresh token is evicted.
    /// </summary>
    internal async Task ExpireAsync(string key)
    {
        if (!_memory.TryGetValue(key, out Saml2BearerCachedToken? entry) || entry is null || entry.Response.RefreshToken is null)
        {
            await RemoveAsync(key).ConfigureAwait(false);
            return;
        }

        var expired = entry with { ExpiresAt = _timeProvider.GetUtcNow() };
        if (!expired.CanRenewAt(_timeProvider.GetUtcNow()))
        {
            await RemoveAsync(key).ConfigureAwait(false);
            return;
        }

        await SetAsync(key, expired).ConfigureAwait(false);
    }

    public void Dispose() => _memory.Dispose();
}
