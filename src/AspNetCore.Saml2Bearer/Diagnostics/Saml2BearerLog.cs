using System.Security.Cryptography;
using AspNetCore.Saml2Bearer.Assertions;
using AspNetCore.Saml2Bearer.Caching;
using Microsoft.Extensions.Logging;

namespace AspNetCore.Saml2Bearer.Diagnostics;

/// <summary>
/// The handler's logs. Identifiers are short hashes; assertions, tokens and secrets are never logged.
/// </summary>
internal static partial class Saml2BearerLog
{
    [LoggerMessage(1000, LogLevel.Debug, "No SAML assertion was found in the request.", EventName = "AssertionNotFound")]
    public static partial void AssertionNotFound(ILogger logger);

    [LoggerMessage(1001, LogLevel.Information, "The SAML assertion was rejected: {Reason}.", EventName = "AssertionRejected")]
    public static partial void AssertionRejected(ILogger logger, Saml2AssertionFailureReason reason);

    [LoggerMessage(1012, LogLevel.Information, "The SAML assertion was rejected: {Reason}: the assertion is signed with {Algorithm}, which is refused by default; set Assertion:AllowSha1 to accept it.", EventName = "AssertionRejectedSha1")]
    public static partial void AssertionRejectedSha1(ILogger logger, Saml2AssertionFailureReason reason, string algorithm);

    [LoggerMessage(1002, LogLevel.Debug, "The SAML assertion {AssertionHash} of issuer {Issuer} was validated.", EventName = "AssertionValidated")]
    public static partial void AssertionValidated(ILogger logger, string assertionHash, string issuer);

    [LoggerMessage(1003, LogLevel.Debug, "The SAML assertion {AssertionHash} was validated before (fast path).", EventName = "AssertionCacheHit")]
    public static partial void AssertionCacheHit(ILogger logger, string assertionHash);

    [LoggerMessage(1004, LogLevel.Debug, "Token for subject key {SubjectKey} obtained from {Source}.", EventName = "TokenObtained")]
    public static partial void TokenObtained(ILogger logger, string subjectKey, Saml2BearerTokenLookupSource source);

    // 1005-1007: an exchange's failure, logged once per exchange at the given level: at its own level when
    // nobody logged it before (a custom token service), at Debug when the token service did; and each request's
    // answer to it at Debug.
    [LoggerMessage(EventId = 1005, Message = "The authorization server refused the assertion ({Error}); answering 401.", EventName = "ExchangeGrantRefused")]
    public static partial void GrantRejected(ILogger logger, LogLevel level, string? error);

    [LoggerMessage(EventId = 1006, Message = "The authorization server refused this API as a client ({Error}): check ClientId, the client credentials, the scope and the grant type allowed for the client; answering 503.", EventName = "ExchangeClientRefused")]
    public static partial void ClientRejected(ILogger logger, LogLevel level, string? error);

    [LoggerMessage(EventId = 1007, Message = "The authorization server is unavailable ({Error}); answering 503.", EventName = "AuthorizationServerUnavailable")]
    public static partial void AuthorizationServerUnavailable(ILogger logger, LogLevel level, string? error);

    /// <summary>Logs an exchange failure at its level (Information, Error, Warning), or at Debug when <paramref name="quiet"/>.</summary>
    public static void ExchangeFailed(ILogger logger, TokenExchange.Saml2BearerTokenResult failure, bool quiet)
    {
        switch (failure.Status)
        {
            case TokenExchange.Saml2BearerTokenResultStatus.InvalidGrant:
                GrantRejected(logger, quiet ? LogLevel.Debug : LogLevel.Information, failure.Error);
                break;
            case TokenExchange.Saml2BearerTokenResultStatus.ClientError:
                ClientRejected(logger, quiet ? LogLevel.Debug : LogLevel.Error, failure.Error);
                break;
            default:
                AuthorizationServerUnavailable(logger, quiet ? LogLevel.Debug : LogLevel.Warning, failure.Error);
                break;
        }
    }

    [LoggerMessage(1008, LogLevel.Warning, "A JWT from the authorization server failed validation against its JWKS; answering 503.", EventName = "TokenValidationFailed")]
    public static partial void TokenValidationFailed(ILogger logger);

    [LoggerMessage(1009, LogLevel.Information, "Authentication was rejected by an event.", EventName = "RejectedByEvent")]
    public static partial void RejectedByEvent(ILogger logger);

    [LoggerMessage(1010, LogLevel.Warning, "The authorization server's token response does not vouch for a subject (no valid JWT) in TrustAuthorizationServer mode; answering 503.", EventName = "TokenDoesNotVouch")]
    public static partial void TokenDoesNotVouch(ILogger logger);

    [LoggerMessage(1011, LogLevel.Information, "The cached token for subject key {SubjectKey} was evicted.", EventName = "TokenEvicted")]
    public static partial void TokenEvicted(ILogger logger, string subjectKey);

    [LoggerMessage(1020, LogLevel.Warning, "Authentication failed unexpectedly ({ExceptionType}); answering 503.", EventName = "UnexpectedFailure")]
    public static partial void UnexpectedFailure(ILogger logger, string exceptionType);

    [LoggerMessage(1021, LogLevel.Debug, "The token for subject key {SubjectKey} was renewed with its refresh token (a new refresh token: {Rotated}).", EventName = "TokenRenewed")]
    public static partial void TokenRenewed(ILogger logger, string subjectKey, bool rotated);

    [LoggerMessage(1022, LogLevel.Debug, "The token for subject key {SubjectKey} is not renewed, {Reason}: its refresh token is dropped and the assertion is exchanged.", EventName = "RenewalDeclined")]
    public static partial void RenewalDeclined(ILogger logger, string subjectKey, string reason);

    /// <summary>A short, non-reversible handle for a hash or key: its first 12 hexadecimal characters.</summary>
    public static string Short(string hexHash) => hexHash.Length > 12 ? hexHash[..12] : hexHash;

    /// <summary>The log handle of assertion bytes: the start of their SHA-256, never the assertion.</summary>
    public static string AssertionHandle(ReadOnlySpan<byte> assertionXml) => Short(Convert.ToHexStringLower(SHA256.HashData(assertionXml)));
}
