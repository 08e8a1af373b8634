using Microsoft.Extensions.Logging;

namespace AspNetCore.Saml2Bearer.StackExchangeRedis;

/// <summary>The logs of the Redis package, event ids 1300-1399.</summary>
internal static partial class Saml2BearerRedisLog
{
    [LoggerMessage(1300, LogLevel.Warning, "The Data Protection key ring at Redis key {RedisKey} had lost {Count} element(s) this instance knows (a flush or eviction of Redis); they were written back, so that every instance reads the entries protected with them.", EventName = "KeyRingRestored")]
    public static partial void KeyRingRestored(ILogger logger, int count, string redisKey);

    [LoggerMessage(1301, LogLevel.Warning, "Another instance took the lock to create the first Data Protection key at Redis key {RedisKey} but stored none in time; this instance creates its own.", EventName = "KeyRingCreationWaitEnded")]
    public static partial void KeyRingCreationWaitEnded(ILogger logger, string redisKey);

    [LoggerMessage(1302, LogLevel.Information, "Data Protection key {KeyId}, created by another instance, was loaded from the shared key ring to decrypt its data.", EventName = "KeyRingKeyLoaded")]
    public static partial void KeyRingKeyLoaded(ILogger logger, Guid keyId);

    [LoggerMessage(1303, LogLevel.Debug, "Data Protection key {KeyId} is not in the shared key ring either; data protected with it cannot be decrypted here.", EventName = "KeyRingKeyNotFound")]
    public static partial void KeyRingKeyNotFound(ILogger logger, Guid keyId);

    [LoggerMessage(1304, LogLevel.Debug, "The shared Data Protection key ring could not be read ({ErrorType}); data protected with key {KeyId} cannot be decrypted now.", EventName = "KeyRingReadFailed")]
    public static partial void KeyRingReadFailed(ILogger logger, string errorType, Guid keyId);
}
