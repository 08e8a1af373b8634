using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text;
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
/// <remarks>
/// A second index finds an entry from the encoded characters a caller sent, so that a repeat request
/// neither decodes nor hashes the decoded bytes. It holds only aliases of entries: an encoded form is
/// added (<see cref="Alias"/>) when its decoded bytes were found among the entries, and it hits only when
/// the characters are identical, compared in full, to the ones that decoded to those bytes. Decoding is a
/// function of the characters and the scheme's decoding options, which are fixed for this cache (one per
/// scheme state, so one per options instance): identical characters decode to identical bytes, so an
/// alias hit answers exactly what decoding and the byte lookup would have answered.
/// </remarks>
internal sealed class Saml2AssertionCache : IDisposable
{
    private readonly MemoryCache _memory;
    private readonly MemoryCache _aliases;
    private readonly TimeProvider _timeProvider;

    public Saml2AssertionCache(int sizeLimit, TimeProvider timeProvider)
    {
        _memory = new MemoryCache(new MemoryCacheOptions { SizeLimit = sizeLimit });
        _aliases = new MemoryCache(new MemoryCacheOptions { SizeLimit = sizeLimit });
        _timeProvider = timeProvider;
    }

    public bool TryGet(ReadOnlySpan<byte> assertionXml, out Saml2AssertionCacheEntry? entry)
    {
        if (_memory.TryGetValue(XxHash128.HashToUInt128(assertionXml), out Saml2AssertionCacheEntry? found) && found is not null
            && assertionXml.SequenceEqual(found.AssertionXml)
            && IsCurrent(found))
        {
            entry = found;
            return true;
        }

        entry = null;
        return false;
    }

    /// <summary>
    /// Finds the entry of the bytes that <paramref name="encoded"/> (the characters as received, trimmed)
    /// decodes to, when those exact characters were seen decoding to an entry's bytes before.
    /// </summary>
    public bool TryGetEncoded(ReadOnlySpan<char> encoded, out Saml2AssertionCacheEntry? entry)
    {
        if (_aliases.TryGetValue(EncodedHash(encoded), out Saml2AssertionCacheAlias? alias) && alias is not null
            && Ascii.Equals(alias.Encoded, encoded)
            && IsCurrent(alias.Entry))
        {
            entry = alias.Entry;
            return true;
        }

        entry = null;
        return false;
    }

    /// <summary>
    /// Remembers that <paramref name="encoded"/> decodes to the bytes of <paramref name="entry"/>, an
    /// entry this cache answered for those bytes, until the entry's assertion expires. Only ASCII
    /// characters (every base64 form) are remembered; other input always takes the decoding path.
    /// Returns the alias stored, or <see langword="null"/> when nothing was.
    /// </summary>
    public Saml2AssertionCacheAlias? Alias(ReadOnlySpan<char> encoded, Saml2AssertionCacheEntry entry)
    {
        var remaining = entry.Assertion.ValidTo - _timeProvider.GetUtcNow();
        if (remaining <= TimeSpan.Zero || encoded.IsEmpty || !Ascii.IsValid(encoded))
        {
            return null;
        }

        var ascii = new byte[encoded.Length];
        Ascii.FromUtf16(encoded, ascii, out _);
        var alias = new Saml2AssertionCacheAlias(ascii, entry);
        _aliases.Set(EncodedHash(encoded), alias, new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = remaining, Size = 1 });
        return alias;
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

    public void Dispose()
    {
        _memory.Dispose();
        _aliases.Dispose();
    }

    private static UInt128 EncodedHash(ReadOnlySpan<char> encoded) => XxHash128.HashToUInt128(MemoryMarshal.AsBytes(encoded));

    /// <summary>The assertion's own expiry, checked on every hit: the cache's eviction is not relied upon.</summary>
    private bool IsCurrent(Saml2AssertionCacheEntry entry) => _timeProvider.GetUtcNow() < entry.Assertion.ValidTo;
}
