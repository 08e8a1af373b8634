namespace AspNetCore.Saml2Bearer.Caching;

/// <summary>
/// A lock shared by the instances of an API that share a distributed token cache, taken around the token
/// exchange of one cache key so that those instances do not all exchange for one subject at once.
/// AspNetCore.Saml2Bearer.StackExchangeRedis registers one (<c>AddSaml2BearerRedis</c>); the handler uses a
/// registered lock only when a distributed cache (L2) is in use.
/// </summary>
/// <remarks>
/// The lock is an optimization, never a requirement: when a call throws or does not answer within the
/// token cache's bound for distributed calls, the exchange proceeds without the lock and the lock is not
/// asked again until the distributed cache's circuit closes. Implementations need not catch their own
/// faults.
/// </remarks>
public interface ISaml2BearerExchangeLock
{
    /// <summary>Tries to take the lock of <paramref name="key"/> for <paramref name="holder"/>.</summary>
    /// <param name="key">The hashed token cache key (lowercase hexadecimal; never a NameID).</param>
    /// <param name="holder">A token unique to this attempt; only the same holder releases the lock.</param>
    /// <param name="expiry">How long the lock lives if its holder never releases it.</param>
    /// <param name="cancellationToken">Cancelled when the caller stops waiting for the answer.</param>
    /// <returns><see langword="true"/> when <paramref name="holder"/> now holds the lock; <see langword="false"/> when another holder does.</returns>
    Task<bool> TryAcquireAsync(string key, string holder, TimeSpan expiry, CancellationToken cancellationToken);

    /// <summary>Releases the lock of <paramref name="key"/> if <paramref name="holder"/> still holds it.</summary>
    /// <param name="key">The key passed to <see cref="TryAcquireAsync"/>.</param>
    /// <param name="holder">The holder passed to <see cref="TryAcquireAsync"/>.</param>
    /// <param name="cancellationToken">Cancelled when the caller stops waiting for the answer.</param>
    /// <returns>A task that completes when the lock is released (or was not held by <paramref name="holder"/>).</returns>
    Task ReleaseAsync(string key, string holder, CancellationToken cancellationToken);
}
