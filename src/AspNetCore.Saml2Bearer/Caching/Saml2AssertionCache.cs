using AspNetCore.Saml2Bearer.Assertions;
using Microsoft.Extensions.Caching.Memory;

namespace AspNetCore.Saml2Bearer.Caching;

/// <summary>
/// The repeat-assertion fast path: the SHA-256 of exact decoded bytes that already passed validation
/// maps to the validated assertion (and what was derived from it), in memory only, never past the
/// assertion's own expiry. Bytes that were never validated cannot hit it, because nothing else writes to it.
/// </summary>
internal sealed class Saml2AssertionCache : IDisposable
{
    private readonly MemoryCache _memory;
    private readonly TimeProvider _timeProvider;

    public Saml2AssertionCache(int sizeLimit, TimeProvider timeProvider)
    {
        _memory = new MemoryCache(new MemoryCacheOptions { SizeLimit = sizeLimit });
        _timeProvider = timeProvider;
    }

    public bool TryGet(Saml2AssertionDigest digest, out Saml2AssertionCacheEntry? entry)
    {
        if (_memory.TryGetValue(digest, out Saml2AssertionCacheEntry? found) && found is not null && _timeProvider.GetUtcNow() < found.Assertion.ValidTo)
        {
            entry = found;
            return true;
        }

        entry = null;
        return false;
    }

    /// <summary>
    /// Remembers a validated assertion until its expiry and returns the entry; OneTimeUse assertions and
    /// expired ones are never remembered (<see langword="null"/>).
    /// </summary>
    public Saml2AssertionCacheEntry? Set(Saml2AssertionDigest digest, Saml2Assertion assertion, string tokenKey)
    {
        var remaining = assertion.ValidTo - _timeProvider.GetUtcNow();
        if (assertion.Conditions.OneTimeUse || remaining <= TimeSpan.Zero)
        {
            return null;
        }

        var entry = new Saml2AssertionCacheEntry(assertion, tokenKey);
        _memory.Set(digest, entry, new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = remaining, Size = 1 });
        return entry;
    }

    public void Dispose() => _memory.Dispose();
}
