using AspNetCore.Saml2Bearer.Assertions;
using Microsoft.Extensions.Logging;

namespace AspNetCore.Saml2Bearer.OpenIddict;

/// <summary>
/// Source-generated logs of the grant. Assertions, tokens and secrets are never logged: only reason
/// codes, client identifiers and issuers.
/// </summary>
internal static partial class Saml2BearerGrantLog
{
    [LoggerMessage(EventId = 1, EventName = "Saml2BearerGrantAssertionMissing", Level = LogLevel.Information,
        Message = "SAML 2.0 bearer grant rejected for client {ClientId}: the assertion parameter is missing or repeated.")]
    public static partial void AssertionMissing(ILogger logger, string? clientId);

    [LoggerMessage(EventId = 2, EventName = "Saml2BearerGrantAssertionRejected", Level = LogLevel.Information,
        Message = "SAML 2.0 bearer grant rejected for client {ClientId}: {FailureReason} ({FailureCode}).")]
    public static partial void AssertionRejected(ILogger logger, string? clientId, Saml2AssertionFailureReason failureReason, int failureCode);

    [LoggerMessage(EventId = 3, EventName = "Saml2BearerGrantAssertionReplayed", Level = LogLevel.Warning,
        Message = "SAML 2.0 bearer grant rejected for client {ClientId}: an assertion of issuer {Issuer} was presented again.")]
    public static partial void AssertionReplayed(ILogger logger, string? clientId, string issuer);

    [LoggerMessage(EventId = 4, EventName = "Saml2BearerGrantAccepted", Level = LogLevel.Debug,
        Message = "SAML 2.0 bearer grant accepted for client {ClientId}: assertion of issuer {Issuer}.")]
    public static partial void AssertionAccepted(ILogger logger, string? clientId, string issuer);

    [LoggerMessage(EventId = 5, EventName = "Saml2BearerGrantActorTokenRefused", Level = LogLevel.Information,
        Message = "SAML token exchange rejected for client {ClientId}: an actor_token was sent, and delegation is not supported.")]
    public static partial void ActorTokenRefused(ILogger logger, string? clientId);

    [LoggerMessage(EventId = 6, EventName = "Saml2BearerGrantReplayStoreUnavailable", Level = LogLevel.Warning,
        Message = "SAML 2.0 bearer grant refused for client {ClientId} (temporarily_unavailable): the replay store could not record the assertion of issuer {Issuer} ({ExceptionType}).")]
    public static partial void ReplayStoreUnavailable(ILogger logger, string? clientId, string issuer, string exceptionType);

    [LoggerMessage(EventId = 7, EventName = "Saml2BearerGrantSessionEnded", Level = LogLevel.Information,
        Message = "Token request ({GrantType}) refused for client {ClientId}: the SAML session ended at {SessionNotOnOrAfter:O}.")]
    public static partial void SessionEnded(ILogger logger, string? clientId, string? grantType, DateTimeOffset sessionNotOnOrAfter);

    [LoggerMessage(EventId = 8, EventName = "Saml2BearerGrantRefreshTokenSessionEnded", Level = LogLevel.Information,
        Message = "Refresh token of client {ClientId} refused: the SAML session it descends from ended at {SessionNotOnOrAfter:O}.")]
    public static partial void RefreshTokenSessionEnded(ILogger logger, string? clientId, DateTimeOffset sessionNotOnOrAfter);

    [LoggerMessage(EventId = 9, EventName = "Saml2BearerGrantTokensLimitedToSession", Level = LogLevel.Debug,
        Message = "Tokens issued to client {ClientId} ({GrantType}) expire at the SAML session end {SessionNotOnOrAfter:O} at the latest.")]
    public static partial void TokensLimitedToSession(ILogger logger, string? clientId, string? grantType, DateTimeOffset sessionNotOnOrAfter);
}
