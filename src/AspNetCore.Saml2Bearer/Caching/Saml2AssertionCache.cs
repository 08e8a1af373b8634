using System.IO.Hashing;
using AspNetCore.Saml2Bearer.Assertions;
using Microsoft.Extensions.Caching.Memory;

namespace AspNetCore.Saml2Bearer.Caching;

/// <summary>
/// The repeat-assertion fast path: decoded assertion bytes that already passed validation map to the
/// validated assertion (and what was derived from it), in memory only, never past the assertion's own
/// expiry. A lookup hits only when the bytes are identical to the validated ones, compared in full: the
/// 128-bit XxHash that finds the entry is an index, not the proof, so no hash collision can make
/// unvalidated bytes hit. Bytes that were never validated cannot be in it, because nothing else writes to it.
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

    public bool TryGet(ReadOnlySpan<byte> assertionXml, out Saml2AssertionCacheEntry? entry)
    {
        if (_memory.TryGetValue(XxHash128.HashToUInt128(assertionXml), out Saml2AssertionCacheEntry? found) && found is not null
            && assertionXml.SequenceEqual(found.AssertionXml)
            && _timeProvider.GetUtcNow() < found.Assertion.ValidTo)
        {
            entry = found;
            return true;
        }

        entry = null;
        return false;
    }

    /// <summary>
    /// Remembers the validated <paramref name="assertionXml"/> (the caller hands the array over and does
    /// not change it) until the assertion's expiry and returns the entry; OneTimeUse assertions and
    /// expired ones are never remembered (<see langword="null"/>).
    /// </summary>
    public Saml2AssertionCacheEntry? Set(byte[] assertionXml, Saml2Assertion assertion, string tokenKey)
    {
        var remaining = assertion.ValidTo - _timeProvider.GetUtcNow();
        if (assertion.Conditions.OneTimeUse || remaining <= TimeSpan.Zero)
        {
            return null;
        }

        var entry = new Saml2AssertionCacheEntry(assertionXml, assertion, tokenKey);
        _memory.Set(XxHash128.HashToUInt128(assertionXml), entry, new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = remaining, Size = 1 });
        return entry;
    }

    public void Dispose() => _memory.Dispose();
}
