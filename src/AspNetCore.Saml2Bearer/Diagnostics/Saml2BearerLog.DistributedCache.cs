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

    [LoggerMessage(1103, LogLevel.Debug, "Another instance is exchanging for subject key {SubjectKey}; waiting for its token.", EventName = "DistributedExchangeWaiting")]
    public static partial void DistributedExchangeWaiting(ILogger logger, string subjectKey);

    [LoggerMessage(1104, LogLevel.Debug, "No token for subject key {SubjectKey} appeared while another instance held the exchange lock; exchanging here.", EventName = "DistributedExchangeWaitEnded")]
    public static partial void DistributedExchangeWaitEnded(ILogger logger, string subjectKey);
}
