using Microsoft.Extensions.Logging;

namespace AspNetCore.Saml2Bearer.Diagnostics;

/// <summary>
/// The logs of the distributed (L2) token cache, event ids 1100-1199. Keys appear as short hashes only.
/// </summary>
internal static partial class Saml2BearerLog
{
    [LoggerMessage(1100, LogLevel.Warning, "The distributed token cache is unavailable ({ErrorType} during {Operation}); tokens come from memory and the token exchange until it answers again (next try in {RetryInterval}).", EventName = "DistributedCacheUnavailable")]
    public static partial void DistributedCacheUnavailable(ILogger logger, string errorType, string operation, TimeSpan retryInterval);

    [LoggerMessage(1101, LogLevel.Information, "The distributed token cache answers again.", EventName = "DistributedCacheRecovered")]
    public static partial void DistributedCacheRecovered(ILogger logger);

    [LoggerMessage(1102, LogLevel.Warning, "The distributed token cache entry for subject key {SubjectKey} was discarded: {Reason}. If instances cannot read each other's entries, check that they share one Data Protection key ring and application name.", EventName = "DistributedCacheEntryDiscarded")]
    public static partial void DistributedCacheEntryDiscarded(ILogger logger, string subjectKey, string reason);

    [LoggerMessage(1105, LogLevel.Warning, "The distributed token cache entry for subject key {SubjectKey} cannot be decrypted: it was protected with Data Protection key {KeyId}, which this instance's key ring does not hold (instances on different key rings or application names, or a key ring lost with a Redis flush), or it was altered. Entries of this key are misses, overwritten by the next exchange with the current key; reported once per key.", EventName = "DistributedCacheEntryUndecryptable")]
    public static partial void DistributedCacheEntryUndecryptable(ILogger logger, string subjectKey, Guid keyId);

    [LoggerMessage(1106, LogLevel.Debug, "The distributed token cache entry for subject key {SubjectKey} cannot be decrypted either (Data Protection key {KeyId}, reported before); a miss.", EventName = "DistributedCacheEntryUndecryptableAgain")]
    public static partial void DistributedCacheEntryUndecryptableAgain(ILogger logger, string subjectKey, Guid keyId);

    [LoggerMessage(1103, LogLevel.Debug, "Another instance is exchanging for subject key {SubjectKey}; waiting for its token.", EventName = "DistributedExchangeWaiting")]
    public static partial void DistributedExchangeWaiting(ILogger logger, string subjectKey);

    [LoggerMessage(1104, LogLevel.Debug, "No token for subject key {SubjectKey} appeared while another instance held the exchange lock; exchanging here.", EventName = "DistributedExchangeWaitEnded")]
    public static partial void DistributedExchangeWaitEnded(ILogger logger, string subjectKey);
}
