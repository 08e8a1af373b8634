using System.Collections.Concurrent;

namespace AspNetCore.Saml2Bearer.Assertions;

/// <summary>
/// The in-memory <see cref="ISaml2AssertionReplayStore"/>: one entry per used assertion until it expires.
/// Only validated assertions reach it, so its size is bounded by what trusted identity providers issue.
/// It protects one process: instances behind a load balancer need a shared store.
/// </summary>
internal sealed class MemorySaml2AssertionReplayStore : ISaml2AssertionReplayStore
{
    private const int PurgeInterval = 1024;

    private readonly ConcurrentDictionary<string, DateTimeOffset> _used = new(StringComparer.Ordinal);
    private readonly TimeProvider _timeProvider;
    private int _addsSincePurge;

    /// <summary>Creates the store.</summary>
    /// <param name="timeProvider">The clock that tells an expired record from a live one.</param>
    public MemorySaml2AssertionReplayStore(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        _timeProvider = timeProvider;
    }

    public ValueTask<bool> TryAddAsync(string issuer, string assertionId, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(issuer);
        ArgumentNullException.ThrowIfNull(assertionId);
        var key = issuer + "\n" + assertionId;
        var now = _timeProvider.GetUtcNow();
        PurgeOccasionally(now);

        while (true)
        {
            if (_used.TryAdd(key, expiresAt))
            {
                return ValueTask.FromResult(true);
            }

            if (!_used.TryGetValue(key, out var existing))
            {
                continue;
            }

            if (existing > now)
            {
                return ValueTask.FromResult(false);
            }

            // The previous record expired: an assertion with this ID can no longer be valid through it.
            if (_used.TryUpdate(key, expiresAt, existing))
            {
                return ValueTask.FromResult(true);
            }
        }
    }

    private void PurgeOccasionally(DateTimeOffset now)
    {
        if (Interlocked.Increment(ref _addsSincePurge) < PurgeInterval)
        {
            return;
        }

        Interlocked.Exchange(ref _addsSincePurge, 0);
        foreach (var entry in _used)
        {
            if (entry.Value <= now)
            {
                _used.TryRemove(entry);
            }
        }
    }
}
