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

    /// <summary>This request joined an exchange another request was running.</summary>
    JoinedExchange,
}
