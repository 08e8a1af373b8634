using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Tokens;

namespace AspNetCore.Saml2Bearer;

/// <summary>
/// "Refresh the keys on an unknown key", once: the refresh of a configuration manager (an identity
/// provider's SAML metadata, the authorization server's discovery document and JWKS) that every caller who
/// met a signature with an unknown key shares. It runs at most once per refresh interval, so that messages
/// signed with keys that are never published cannot make this API fetch on every request, and fail fast.
/// </summary>
/// <remarks>
/// Microsoft.IdentityModel 8.x's <see cref="ConfigurationManager{T}"/> refreshes in the background after
/// <see cref="IConfigurationManager{T}.RequestRefresh"/>, so reading right away would still give the old
/// keys: it is asked again until it answers with another instance, for at most the wait given. Any other
/// manager is asked once. The clock is the system clock on purpose: the manager throttles
/// <see cref="IConfigurationManager{T}.RequestRefresh"/> by it, not by an injected test clock.
/// </remarks>
/// <typeparam name="T">The configuration type.</typeparam>
internal sealed class SigningKeyRefresh<T>
    where T : class
{
    /// <summary>How often a refresh looks whether the manager has fetched the new configuration.</summary>
    internal static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(25);

    private readonly Lock _gate = new();
    private Task<T?>? _refresh;
    private long _started;

    /// <summary>
    /// Returns a configuration newer than <paramref name="stale"/> to verify again with, or
    /// <see langword="null"/> when there is nothing newer to try. Another caller (or the manager's own
    /// schedule) may have refreshed already; otherwise one refresh runs for every caller.
    /// </summary>
    /// <param name="manager">The configuration manager.</param>
    /// <param name="stale">The configuration whose keys did not verify, or <see langword="null"/> when none could be had.</param>
    /// <param name="fallbackInterval">The refresh interval when the manager does not say (it is not a <see cref="BaseConfigurationManager"/>).</param>
    /// <param name="wait">The longest wait for the manager to bring the new configuration, on the real clock.</param>
    /// <param name="cancellationToken">Stops this caller's wait; the shared refresh goes on.</param>
    public async Task<T?> RefreshAsync(IConfigurationManager<T> manager, T? stale, TimeSpan fallbackInterval, TimeSpan wait, CancellationToken cancellationToken)
    {
        if (await TryGetAsync(manager, cancellationToken).ConfigureAwait(false) is { } current && !ReferenceEquals(current, stale))
        {
            return current;
        }

        var interval = (manager as BaseConfigurationManager)?.RefreshInterval ?? fallbackInterval;
        Task<T?> refresh;
        lock (_gate)
        {
            var now = TimeProvider.System.GetTimestamp();
            if (_refresh is null || (_refresh.IsCompleted && TimeProvider.System.GetElapsedTime(_started, now) >= interval))
            {
                _started = now;
                _refresh = RefreshAndWaitAsync(manager, stale, wait);
            }
            else if (_refresh.IsCompleted)
            {
                // Refreshed lately, and this key was not among the new ones either.
                return null;
            }

            refresh = _refresh;
        }

        var refreshed = await refresh.WaitAsync(cancellationToken).ConfigureAwait(false);
        return refreshed is not null && !ReferenceEquals(refreshed, stale) ? refreshed : null;
    }

    private static async Task<T?> RefreshAndWaitAsync(IConfigurationManager<T> manager, T? stale, TimeSpan wait)
    {
        // Out of the lock, and shared by every waiting caller: no single caller's cancellation applies here.
        await Task.Yield();
        manager.RequestRefresh();
        using var timeout = new CancellationTokenSource(wait);
        try
        {
            while (true)
            {
                var configuration = await TryGetAsync(manager, timeout.Token).ConfigureAwait(false);

                // Nothing before: the manager fetched (or backed off) synchronously, there is nothing to wait for.
                if (stale is null || !ReferenceEquals(configuration, stale) || manager is not ConfigurationManager<T>)
                {
                    return configuration;
                }

                await Task.Delay(PollInterval, TimeProvider.System, timeout.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>The manager's configuration, or <see langword="null"/> when it cannot be had (nothing newer, then).</summary>
    private static async Task<T?> TryGetAsync(IConfigurationManager<T> manager, CancellationToken cancellationToken)
    {
        try
        {
            // The manager fetches with CancellationToken.None, one caller at a time: stop waiting when asked.
            return await manager.GetConfigurationAsync(cancellationToken).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
            return null;
        }
        catch (Exception exception) when (exception is IOException or HttpRequestException or SecurityTokenException)
        {
            return null;
        }
    }
}
