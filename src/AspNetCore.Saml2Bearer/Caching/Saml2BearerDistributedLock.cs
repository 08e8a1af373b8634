namespace AspNetCore.Saml2Bearer.Caching;

/// <summary>
/// The cross-instance exchange lock as the token cache uses it: an <see cref="ISaml2BearerExchangeLock"/>
/// (e.g. Redis, from AspNetCore.Saml2Bearer.StackExchangeRedis) asked through the distributed cache's
/// circuit, each call bounded in time. It is an optimization, never a requirement: any error or timeout of
/// the lock means "proceed without it".
/// </summary>
internal sealed class Saml2BearerDistributedLock
{
    private readonly ISaml2BearerExchangeLock _lock;
    private readonly Saml2BearerDistributedCacheCircuit _circuit;
    private readonly TimeSpan _operationTimeout;

    public Saml2BearerDistributedLock(ISaml2BearerExchangeLock exchangeLock, Saml2BearerDistributedCacheCircuit circuit, TimeSpan expiry, TimeSpan operationTimeout)
    {
        _lock = exchangeLock;
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
            var taken = await BoundAsync(cancellationToken => _lock.TryAcquireAsync(key, holder, Expiry, cancellationToken)).ConfigureAwait(false);
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
            await BoundAsync(async cancellationToken =>
            {
                await _lock.ReleaseAsync(key, holder, cancellationToken).ConfigureAwait(false);
                return true;
            }).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            _circuit.ReportFailure("unlock", exception);
        }
    }

    private async Task<bool> BoundAsync(Func<CancellationToken, Task<bool>> operation)
    {
        // The token tells the lock when its answer stops mattering; the wait is bounded whether or not it listens.
        var timeout = new CancellationTokenSource(_operationTimeout);
        var call = operation(timeout.Token);
        try
        {
            var result = await call.WaitAsync(_operationTimeout).ConfigureAwait(false);
            timeout.Dispose();
            return result;
        }
        catch (TimeoutException)
        {
            // Tell the abandoned call its answer no longer matters; it may still hold the token, so the
            // source is left to the garbage collector rather than disposed under it.
            Saml2BearerDistributedTokenStore.ObserveLateFault(timeout.CancelAsync());
            Saml2BearerDistributedTokenStore.ObserveLateFault(call);
            throw;
        }
    }
}
