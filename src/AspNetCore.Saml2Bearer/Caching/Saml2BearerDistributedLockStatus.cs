namespace AspNetCore.Saml2Bearer.Caching;

/// <summary>The outcome of trying to take the cross-instance exchange lock of a key.</summary>
internal enum Saml2BearerDistributedLockStatus
{
    /// <summary>This instance holds the lock and runs the exchange.</summary>
    Acquired,

    /// <summary>Another instance holds the lock: its token should appear in the distributed cache.</summary>
    HeldElsewhere,

    /// <summary>The lock could not be asked for (Redis down or slow): proceed without it.</summary>
    Unavailable,
}
