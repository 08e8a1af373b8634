using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using AspNetCore.Saml2Bearer.Diagnostics;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Logging;

namespace AspNetCore.Saml2Bearer.Caching;

/// <summary>
/// The second level of the token cache: entries in an <see cref="IDistributedCache"/> (Redis), encrypted
/// and authenticated with Data Protection under a purpose per scheme, stored under
/// <c>saml2bearer:</c> + the hashed cache key. Every call is bounded by a short timeout; a failing cache is
/// skipped for a while (<see cref="Saml2BearerDistributedCacheCircuit"/>). Nothing here throws to the
/// caller: an unreachable cache, a corrupt, undecryptable, misplaced or stale entry are all misses.
/// An entry that is a Data Protection payload this instance cannot decrypt (another instance's key, e.g.
/// while instances converge on one key ring after a Redis flush) is left in place for the next exchange
/// to overwrite, and reported once per key id, not once per entry.
/// </summary>
internal sealed class Saml2BearerDistributedTokenStore
{
    /// <summary>The Data Protection purpose; the scheme name is the second purpose.</summary>
    public const string Purpose = "AspNetCore.Saml2Bearer.TokenCache.v1";

    /// <summary>The prefix of every entry's key in the distributed cache.</summary>
    public const string KeyPrefix = "saml2bearer:";

    /// <summary>The bound of one distributed cache call.</summary>
    public static readonly TimeSpan DefaultOperationTimeout = TimeSpan.FromMilliseconds(500);

    /// <summary>How long a failed distributed cache is skipped.</summary>
    public static readonly TimeSpan DefaultRetryInterval = TimeSpan.FromSeconds(5);

    private readonly IDistributedCache _cache;
    private readonly IDataProtector _protector;
    private readonly TimeSpan _margin;
    private readonly TimeSpan _operationTimeout;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;

    /// <summary>The Data Protection key ids whose undecryptable entries were reported, bounded.</summary>
    private readonly ConcurrentDictionary<Guid, bool> _reportedKeyIds = new();

    /// <summary>How many key ids <see cref="_reportedKeyIds"/> remembers; past that, reports go to Debug.</summary>
    internal const int ReportedKeyIdLimit = 32;

    /// <summary>The magic header of a Data Protection payload (version 0), before the 16-byte key id.</summary>
    private const uint DataProtectionMagicHeader = 0x09F0C9F0;

    public Saml2BearerDistributedTokenStore(
        IDistributedCache cache,
        IDataProtector protector,
        Saml2BearerDistributedCacheCircuit circuit,
        TimeSpan margin,
        TimeSpan operationTimeout,
        ILogger logger,
        TimeProvider timeProvider)
    {
        _cache = cache;
        _protector = protector;
        Circuit = circuit;
        _margin = margin;
        _operationTimeout = operationTimeout;
        _logger = logger;
        _timeProvider = timeProvider;
    }

    /// <summary>The health of the distributed cache, shared with the cross-instance lock.</summary>
    public Saml2BearerDistributedCacheCircuit Circuit { get; }

    /// <summary>The protector of one scheme's entries.</summary>
    public static IDataProtector CreateProtector(IDataProtectionProvider provider, string scheme) =>
        provider.CreateProtector(Purpose, scheme);

    /// <summary>The key of an entry in the distributed cache.</summary>
    public static string StorageKey(string key) => KeyPrefix + key;

    /// <summary>
    /// The usable token stored for <paramref name="key"/> (with <paramref name="includeRenewable"/>, also one
    /// that may still be renewed), or <see langword="null"/> for any kind of miss.
    /// </summary>
    public async Task<Saml2BearerCachedToken?> GetAsync(string key, bool includeRenewable = false)
    {
        if (!Circuit.AllowsCalls)
        {
            return null;
        }

        byte[]? protectedBytes;
        try
        {
            protectedBytes = await BoundAsync(token => _cache.GetAsync(StorageKey(key), token)).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            Circuit.ReportFailure("read", exception);
            return null;
        }

        Circuit.ReportSuccess();
        if (protectedBytes is null)
        {
            return null;
        }

        var token = Open(key, protectedBytes, includeRenewable, out var discarded);
        if (discarded)
        {
            // An entry nobody can use (not a Data Protection payload, malformed, or written for another
            // key): remove it, so that it is reported once, not at every read until the next exchange
            // overwrites it.
            await RemoveAsync(key).ConfigureAwait(false);
        }

        return token;
    }

    /// <summary>
    /// Stores a token until its expiry minus the margin, or as long as it may be renewed. Failures are
    /// recorded, never thrown.
    /// </summary>
    public async Task SetAsync(string key, Saml2BearerCachedToken token)
    {
        var usableFor = token.KeepUntil(_margin) - _timeProvider.GetUtcNow();
        if (usableFor <= TimeSpan.Zero || !Circuit.AllowsCalls)
        {
            return;
        }

        var protectedBytes = _protector.Protect(Saml2BearerDistributedTokenPayload.Write(key, token));

        // Relative, not absolute: the cache checks an absolute expiry against its own clock, not ours.
        var entryOptions = new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = usableFor };
        try
        {
            await BoundAsync(async cancellationToken =>
            {
                await _cache.SetAsync(StorageKey(key), protectedBytes, entryOptions, cancellationToken).ConfigureAwait(false);
                return true;
            }).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            Circuit.ReportFailure("write", exception);
            return;
        }

        Circuit.ReportSuccess();
    }

    /// <summary>Removes the entry of a key. Failures are recorded, never thrown.</summary>
    public async Task RemoveAsync(string key)
    {
        if (!Circuit.AllowsCalls)
        {
            return;
        }

        try
        {
            await BoundAsync(async cancellationToken =>
            {
                await _cache.RemoveAsync(StorageKey(key), cancellationToken).ConfigureAwait(false);
                return true;
            }).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            Circuit.ReportFailure("remove", exception);
            return;
        }

        Circuit.ReportSuccess();
    }

    private Saml2BearerCachedToken? Open(string key, byte[] protectedBytes, bool includeRenewable, out bool discarded)
    {
        discarded = true;
        byte[] payload;
        try
        {
            payload = _protector.Unprotect(protectedBytes);
        }
        catch (CryptographicException)
        {
            if (!TryReadKeyId(protectedBytes, out var keyId))
            {
                Saml2BearerLog.DistributedCacheEntryDiscarded(_logger, Saml2BearerLog.Short(key), "it is not a Data Protection payload");
                return null;
            }

            // Another key ring's entry (or an altered one): a miss that the next exchange overwrites with
            // the current key. Not removed: the instance that wrote it may still read it.
            discarded = false;
            if (_reportedKeyIds.Count < ReportedKeyIdLimit && _reportedKeyIds.TryAdd(keyId, true))
            {
                Saml2BearerLog.DistributedCacheEntryUndecryptable(_logger, Saml2BearerLog.Short(key), keyId);
            }
            else
            {
                Saml2BearerLog.DistributedCacheEntryUndecryptableAgain(_logger, Saml2BearerLog.Short(key), keyId);
            }

            return null;
        }

        if (!Saml2BearerDistributedTokenPayload.TryRead(payload, out var storedKey, out var token))
        {
            Saml2BearerLog.DistributedCacheEntryDiscarded(_logger, Saml2BearerLog.Short(key), "its content is malformed");
            return null;
        }

        if (!string.Equals(storedKey, key, StringComparison.Ordinal))
        {
            Saml2BearerLog.DistributedCacheEntryDiscarded(_logger, Saml2BearerLog.Short(key), "it was written for another key");
            return null;
        }

        // A stale entry is a plain miss: the distributed cache's own expiry may lag behind ours.
        discarded = false;
        var now = _timeProvider.GetUtcNow();
        return now < token!.ExpiresAt - _margin || (includeRenewable && token.CanRenewAt(now)) ? token : null;
    }

    /// <summary>
    /// The key id of a Data Protection payload: a 4-byte big-endian magic header, then the key id
    /// (https://learn.microsoft.com/aspnet/core/security/data-protection/implementation/authenticated-encryption-details).
    /// </summary>
    internal static bool TryReadKeyId(ReadOnlySpan<byte> protectedBytes, out Guid keyId)
    {
        if (protectedBytes.Length < 4 + 16 || BinaryPrimitives.ReadUInt32BigEndian(protectedBytes) != DataProtectionMagicHeader)
        {
            keyId = Guid.Empty;
            return false;
        }

        keyId = new Guid(protectedBytes.Slice(4, 16));
        return true;
    }

    /// <summary>
    /// Runs one cache call bounded by the operation timeout. The bound is on the real clock, not the
    /// injected one: it limits how long a request waits, and a test clock must not let a hung cache hang it.
    /// </summary>
    private async Task<T> BoundAsync<T>(Func<CancellationToken, Task<T>> operation)
    {
        using var timeout = new CancellationTokenSource(_operationTimeout);
        var task = operation(timeout.Token);
        try
        {
            return await task.WaitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            ObserveLateFault(task);
            throw new TimeoutException("The distributed cache did not answer in time.");
        }
    }

    /// <summary>An abandoned call may still fault later; observe it so it never surfaces as unobserved.</summary>
    internal static void ObserveLateFault(Task task) =>
        _ = task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
}
