namespace AspNetCore.Saml2Bearer.Caching;

/// <summary>
/// One encoded form (the characters a caller sent, as ASCII) of assertion bytes already on the fast
/// path, and the entry those characters decode to. The characters are kept whole, so that a lookup
/// compares them in full: the hash that finds the alias is an index, never the proof.
/// </summary>
internal sealed class Saml2AssertionCacheAlias
{
    public Saml2AssertionCacheAlias(byte[] encoded, Saml2AssertionCacheEntry entry)
    {
        Encoded = encoded;
        Entry = entry;
    }

    /// <summary>The encoded characters exactly as received (trimmed), narrowed to ASCII.</summary>
    public byte[] Encoded { get; }

    /// <summary>The entry of the bytes that <see cref="Encoded"/> decodes to under the scheme's options.</summary>
    public Saml2AssertionCacheEntry Entry { get; }
}
