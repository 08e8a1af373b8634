using AspNetCore.Saml2Bearer.Assertions;
using Microsoft.Extensions.Caching.Memory;

namespace AspNetCore.Saml2Bearer.Caching;

/// <summary>
/// The repeat-assertion fast path: the SHA-256 of exact decoded bytes that already passed validation
/// maps to the validated assertion, in memory only, never past the assertion's own expiry. Bytes that
/// were never validated cannot hit it, because nothing else writes to it.
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

    public bool TryGet(string assertionHash, out Saml2Assertion? assertion)
    {
        if (_memory.TryGetValue(assertionHash, out Saml2Assertion? entry) && entry is not null && _timeProvider.GetUtcNow() < entry.ValidTo)
        {
            assertion = entry;
            return true;
        }

        assertion = null;
        return false;
    }

    /// <summary>Remembers a validated assertion until its expiry. OneTimeUse assertions are never remembered.</summary>
    public void Set(string assertionHash, Saml2Assertion assertion)
    {
        var remaining = assertion.ValidTo - _timeProvider.GetUtcNow();
        if (assertion.Conditions.OneTimeUse || remaining <= TimeSpan.Zero)
        {
            return;
        }

        _memory.Set(assertionHash, assertion, new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = remaining, Size = 1 });
    }

    public void Dispose() => _memory.Dispose();
}
