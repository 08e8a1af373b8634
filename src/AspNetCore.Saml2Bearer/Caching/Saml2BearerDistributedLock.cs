using StackExchange.Redis;

namespace AspNetCore.Saml2Bearer.Caching;

/// <summary>
/// A short Redis lock per cache key (<c>saml2bearer:lock:</c> + the hashed key) around the token
/// exchange, so that instances sharing a distributed cache do not all exchange for one subject at once.
/// It is an optimization, never a requirement: any Redis error or timeout means "proceed without it".
/// </summary>
internal sealed class Saml2BearerDistributedLock
{
    /// <summary>The prefix of every lock's key in Redis.</summary>
    public const string KeyPrefix = "saml2bearer:lock:";

    private readonly IConnectionMultiplexer _multiplexer;
    private readonly Saml2BearerDistributedCacheCircuit _circuit;
    private readonly TimeSpan _operationTimeout;

    public Saml2BearerDistributedLock(IConnectionMultiplexer multiplexer, Saml2BearerDistributedCacheCircuit circuit, TimeSpan expiry, TimeSpan operationTimeout)
    {
        _multiplexer = multiplexer;
        _circuit = circuit;
        Expiry = expiry;
        _operationTimeout = operationTimeout;
    }

    /// <summary>How long a lock lives if its holder never releases it; also how long another instance waits for it.</summary>
    public TimeSpan Expiry { get; }

    /// <summary>Tries to take the lock of <paramref name="key"/> under the holder token <paramref name="holder"/>.</summary>
    public async Task<Saml2BearerDistributedLockStatus> TryAcquireAsync(string key, string holder)
    {
        if (!_circuit.AllowsCalls)
        {
            return Saml2BearerDistributedLockStatus.Unavailable;
        }

        try
        {
            var taken = await BoundAsync(_multiplexer.GetDatabase().LockTakeAsync(KeyPrefix + key, holder, Expiry)).ConfigureAwait(false);
            _circuit.ReportSuccess();
            return taken ? Saml2BearerDistributedLockStatus.Acquired : Saml2BearerDistributedLockStatus.HeldElsewhere;
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            _circuit.ReportFailure("lock", exception);
            return Saml2BearerDistributedLockStatus.Unavailable;
        }
    }

    /// <summary>Releases the lock if <paramref name="holder"/> still holds it; errors are ignored (it expires).</summary>
    public async Task ReleaseAsync(string key, string holder)
    {
        try
        {
            await BoundAsync(_multiplexer.GetDatabase().LockReleaseAsync(KeyPrefix + key, holder)).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            _circuit.ReportFailure("unlock", exception);
        }
    }

    private async Task<bool> BoundAsync(Task<bool> call)
    {
        try
        {
            return await call.WaitAsync(_operationTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Saml2BearerDistributedTokenStore.ObserveLateFault(call);
            throw;
        }
    }
}
