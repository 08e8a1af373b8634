namespace AspNetCore.Saml2Bearer.Caching;

/// <summary>Where a token came from.</summary>
internal enum Saml2BearerTokenLookupSource
{
    /// <summary>Found in memory.</summary>
    MemoryCache,

    /// <summary>Found in the distributed cache.</summary>
    DistributedCache,

    /// <summary>This request ran the exchange.</summary>
    Exchanged,

    /// <summary>This request renewed the token with its refresh token.</summary>
    Refreshed,

    /// <summary>This request joined an exchange (or renewal) another request was running.</summary>
    JoinedExchange,
}
