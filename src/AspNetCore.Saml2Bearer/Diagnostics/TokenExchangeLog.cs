using System.Text;
using AspNetCore.Saml2Bearer.TokenExchange;
using Microsoft.Extensions.Logging;

namespace AspNetCore.Saml2Bearer.Diagnostics;

/// <summary>
/// The token exchange's log messages (event ids 2000-2099). They carry status codes, error codes,
/// durations and setting names; never the assertion, a token, a client secret or a client assertion.
/// Server-controlled text (<c>error_description</c>) only goes through <see cref="SanitizeDescription"/>, at Debug.
/// Each failure of an exchange is logged here once, at Warning (Error for a client refusal, Information for
/// <c>invalid_grant</c>), with the detail only this layer sees; the handler then logs its answer at Debug.
/// </summary>
internal static partial class TokenExchangeLog
{
    /// <summary>The most characters of a server's <c>error_description</c> that reach a log.</summary>
    public const int MaximumLoggedDescriptionLength = 100;

    /// <summary>Logs the token endpoint's authority and path only: a query string could carry something secret.</summary>
    public static void TokenRequestSending(ILogger logger, string schemeName, Uri tokenEndpoint, Saml2BearerClientAuthenticationMethod clientAuthenticationMethod) =>
        TokenRequestSendingCore(logger, schemeName, tokenEndpoint.Authority, tokenEndpoint.AbsolutePath, clientAuthenticationMethod);

    [LoggerMessage(EventId = 2000, EventName = "TokenRequestSending", Level = LogLevel.Debug,
        Message = "Scheme {SchemeName}: requesting a token at {TokenEndpointAuthority}{TokenEndpointPath} with client authentication {ClientAuthenticationMethod}.")]
    private static partial void TokenRequestSendingCore(ILogger logger, string schemeName, string tokenEndpointAuthority, string tokenEndpointPath, Saml2BearerClientAuthenticationMethod clientAuthenticationMethod);

    /// <summary>Logs a success; <c>token_type</c> is server-controlled text, so it is sanitized like a description.</summary>
    public static void TokenIssued(ILogger logger, string schemeName, string tokenType, double? expiresInSeconds, double elapsedMilliseconds)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
#pragma warning disable CA1873 // Guarded by the IsEnabled check above, which the analyzer does not see through.
            TokenIssuedCore(logger, schemeName, SanitizeDescription(tokenType)!, expiresInSeconds, elapsedMilliseconds);
#pragma warning restore CA1873
        }
    }

    [LoggerMessage(EventId = 2001, EventName = "TokenIssued", Level = LogLevel.Debug,
        Message = "Scheme {SchemeName}: the token endpoint issued a {TokenType} token (expires_in {ExpiresInSeconds}s) in {ElapsedMilliseconds} ms.")]
    private static partial void TokenIssuedCore(ILogger logger, string schemeName, string tokenType, double? expiresInSeconds, double elapsedMilliseconds);

    [LoggerMessage(EventId = 2002, EventName = "GrantRejected", Level = LogLevel.Information,
        Message = "Scheme {SchemeName}: the token endpoint refused the assertion: HTTP {StatusCode}, error {Error}, in {ElapsedMilliseconds} ms.")]
    public static partial void GrantRejected(ILogger logger, string schemeName, int statusCode, string error, double elapsedMilliseconds);

    [LoggerMessage(EventId = 2003, EventName = "ClientRejected", Level = LogLevel.Error,
        Message = "Scheme {SchemeName}: the token endpoint refused this API as a client (HTTP {StatusCode}, error {Error}, in {ElapsedMilliseconds} ms): check ClientId, the client credentials, Scope and the grant types allowed for the client. Callers get 503 until it is fixed.")]
    public static partial void ClientRejected(ILogger logger, string schemeName, int statusCode, string error, double elapsedMilliseconds);

    [LoggerMessage(EventId = 2004, EventName = "ErrorResponseUnavailable", Level = LogLevel.Warning,
        Message = "Scheme {SchemeName}: the token endpoint answered an error treated as a service fault: HTTP {StatusCode}, error {Error}, in {ElapsedMilliseconds} ms.")]
    public static partial void ErrorResponseUnavailable(ILogger logger, string schemeName, int statusCode, string error, double elapsedMilliseconds);

    /// <summary>
    /// Logs the server's <c>error_description</c> at Debug only: it is server-controlled text that may quote what
    /// it was sent (a NameID, part of the assertion), so it is sanitized, cut, cleared of the client secret (and of
    /// the refresh token, in a refresh), and
    /// kept out of the Information-and-above lines an operator ships by default.
    /// </summary>
    public static void ErrorDescriptionReceived(ILogger logger, string schemeName, string error, string? errorDescription, string? clientSecret, string? refreshToken = null)
    {
        if (errorDescription is not null && logger.IsEnabled(LogLevel.Debug))
        {
            if (!string.IsNullOrEmpty(clientSecret))
            {
                errorDescription = errorDescription.Replace(clientSecret, "***", StringComparison.Ordinal);
            }

            if (!string.IsNullOrEmpty(refreshToken))
            {
                errorDescription = errorDescription.Replace(refreshToken, "***", StringComparison.Ordinal);
            }

#pragma warning disable CA1873 // Guarded by the IsEnabled check above, which the analyzer does not see through.
            ErrorDescriptionReceivedCore(logger, schemeName, error, SanitizeDescription(errorDescription)!);
#pragma warning restore CA1873
        }
    }

    [LoggerMessage(EventId = 2019, EventName = "ErrorDescriptionReceived", Level = LogLevel.Debug,
        Message = "Scheme {SchemeName}: the token endpoint described its error {Error} as \"{ErrorDescription}\".")]
    private static partial void ErrorDescriptionReceivedCore(ILogger logger, string schemeName, string error, string errorDescription);

    [LoggerMessage(EventId = 2005, EventName = "TokenEndpointFailed", Level = LogLevel.Warning,
        Message = "Scheme {SchemeName}: the token endpoint failed with HTTP {StatusCode} in {ElapsedMilliseconds} ms; answering 503, retry after {RetryAfterSeconds}s.")]
    public static partial void TokenEndpointFailed(ILogger logger, string schemeName, int statusCode, double elapsedMilliseconds, double retryAfterSeconds);

    [LoggerMessage(EventId = 2006, EventName = "UnexpectedStatusCode", Level = LogLevel.Warning,
        Message = "Scheme {SchemeName}: the token endpoint answered the unexpected HTTP {StatusCode} in {ElapsedMilliseconds} ms.")]
    public static partial void UnexpectedStatusCode(ILogger logger, string schemeName, int statusCode, double elapsedMilliseconds);

    [LoggerMessage(EventId = 2007, EventName = "TokenEndpointTimedOut", Level = LogLevel.Warning,
        Message = "Scheme {SchemeName}: the token request timed out after {ElapsedMilliseconds} ms (backchannel timeout {BackchannelTimeout}).")]
    public static partial void TokenEndpointTimedOut(ILogger logger, string schemeName, double elapsedMilliseconds, TimeSpan backchannelTimeout);

    [LoggerMessage(EventId = 2008, EventName = "TokenEndpointUnreachable", Level = LogLevel.Warning,
        Message = "Scheme {SchemeName}: the token endpoint could not be reached or the connection failed after {ElapsedMilliseconds} ms.")]
    public static partial void TokenEndpointUnreachable(ILogger logger, string schemeName, double elapsedMilliseconds, Exception exception);

    [LoggerMessage(EventId = 2009, EventName = "TokenResponseTooLarge", Level = LogLevel.Warning,
        Message = "Scheme {SchemeName}: the token endpoint's HTTP {StatusCode} response exceeds {MaximumTokenResponseSize} bytes; it was not read.")]
    public static partial void TokenResponseTooLarge(ILogger logger, string schemeName, int statusCode, int maximumTokenResponseSize);

    [LoggerMessage(EventId = 2010, EventName = "InvalidTokenResponse", Level = LogLevel.Warning,
        Message = "Scheme {SchemeName}: the token endpoint's HTTP {StatusCode} response is unusable: {Reason}.")]
    public static partial void InvalidTokenResponse(ILogger logger, string schemeName, int statusCode, string reason);

    [LoggerMessage(EventId = 2011, EventName = "DiscoveryFailed", Level = LogLevel.Warning,
        Message = "Scheme {SchemeName}: the token endpoint could not be discovered.")]
    public static partial void DiscoveryFailed(ILogger logger, string schemeName, Exception exception);

    [LoggerMessage(EventId = 2012, EventName = "TokenEndpointMissing", Level = LogLevel.Error,
        Message = "Scheme {SchemeName}: no token endpoint: set TokenEndpoint, or Authority so that it is discovered.")]
    public static partial void TokenEndpointMissing(ILogger logger, string schemeName);

    [LoggerMessage(EventId = 2013, EventName = "TokenEndpointRefused", Level = LogLevel.Error,
        Message = "Scheme {SchemeName}: the token endpoint {TokenEndpoint} is not an absolute HTTPS URI (RequireHttpsMetadata is {RequireHttpsMetadata}); the assertion was not sent.")]
    public static partial void TokenEndpointRefused(ILogger logger, string schemeName, string tokenEndpoint, bool requireHttpsMetadata);

    [LoggerMessage(EventId = 2014, EventName = "ClientCredentialsMissing", Level = LogLevel.Error,
        Message = "Scheme {SchemeName}: client authentication {ClientAuthenticationMethod} needs {Setting}; the assertion was not sent.")]
    public static partial void ClientCredentialsMissing(ILogger logger, string schemeName, Saml2BearerClientAuthenticationMethod clientAuthenticationMethod, string setting);

    [LoggerMessage(EventId = 2015, EventName = "AdditionalParameterIgnored", Level = LogLevel.Warning,
        Message = "Scheme {SchemeName}: the additional token request parameter {ParameterName} was ignored: the token service sets that field itself.")]
    public static partial void AdditionalParameterIgnored(ILogger logger, string schemeName, string parameterName);

    [LoggerMessage(EventId = 2016, EventName = "ClientAssertionFailed", Level = LogLevel.Error,
        Message = "Scheme {SchemeName}: the private_key_jwt client assertion could not be signed; the assertion was not sent.")]
    public static partial void ClientAssertionFailed(ILogger logger, string schemeName, Exception exception);

    [LoggerMessage(EventId = 2017, EventName = "CircuitOpen", Level = LogLevel.Warning,
        Message = "The token endpoint of scheme {SchemeName} is failing: the circuit breaker is open and requests fail fast.")]
    public static partial void CircuitOpen(ILogger logger, string schemeName);

    [LoggerMessage(EventId = 2018, EventName = "ExchangeLimitReached", Level = LogLevel.Warning,
        Message = "Scheme {SchemeName}: {MaxConcurrentExchanges} token requests are already in flight (MaxConcurrentExchanges); this one was answered 503 at once.")]
    public static partial void ExchangeLimitReached(ILogger logger, string schemeName, int maxConcurrentExchanges);

    [LoggerMessage(EventId = 2030, EventName = "TokenRequestResendRefused", Level = LogLevel.Error,
        Message = "Scheme {SchemeName}: a handler outside this library's pipeline (an IHttpMessageHandlerBuilderFilter, or one added to the token endpoint client by name) tried to send the token request a second time; it was refused. Remove that retry or hedging handler from the client.")]
    public static partial void TokenRequestResendRefused(ILogger logger, string schemeName);

    /// <summary>Logs a refresh's token endpoint like <see cref="TokenRequestSending"/>; never the refresh token.</summary>
    public static void RefreshRequestSending(ILogger logger, string schemeName, Uri tokenEndpoint, Saml2BearerClientAuthenticationMethod clientAuthenticationMethod) =>
        RefreshRequestSendingCore(logger, schemeName, tokenEndpoint.Authority, tokenEndpoint.AbsolutePath, clientAuthenticationMethod);

    [LoggerMessage(EventId = 2040, EventName = "RefreshRequestSending", Level = LogLevel.Debug,
        Message = "Scheme {SchemeName}: renewing a token with a refresh token at {TokenEndpointAuthority}{TokenEndpointPath} with client authentication {ClientAuthenticationMethod}.")]
    private static partial void RefreshRequestSendingCore(ILogger logger, string schemeName, string tokenEndpointAuthority, string tokenEndpointPath, Saml2BearerClientAuthenticationMethod clientAuthenticationMethod);

    /// <summary>Logs a renewal; whether a new refresh token came (rotation), never the token itself.</summary>
    public static void TokenRefreshed(ILogger logger, string schemeName, string tokenType, double? expiresInSeconds, bool refreshTokenRotated, double elapsedMilliseconds)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
#pragma warning disable CA1873 // Guarded by the IsEnabled check above, which the analyzer does not see through.
            TokenRefreshedCore(logger, schemeName, SanitizeDescription(tokenType)!, expiresInSeconds, refreshTokenRotated, elapsedMilliseconds);
#pragma warning restore CA1873
        }
    }

    [LoggerMessage(EventId = 2041, EventName = "TokenRefreshed", Level = LogLevel.Debug,
        Message = "Scheme {SchemeName}: the token endpoint renewed a {TokenType} token (expires_in {ExpiresInSeconds}s, new refresh token {RefreshTokenRotated}) in {ElapsedMilliseconds} ms.")]
    private static partial void TokenRefreshedCore(ILogger logger, string schemeName, string tokenType, double? expiresInSeconds, bool refreshTokenRotated, double elapsedMilliseconds);

    [LoggerMessage(EventId = 2042, EventName = "RefreshTokenRejected", Level = LogLevel.Information,
        Message = "Scheme {SchemeName}: the token endpoint refused the refresh token (expired, revoked or already used): HTTP {StatusCode}, error {Error}, in {ElapsedMilliseconds} ms.")]
    public static partial void RefreshTokenRejected(ILogger logger, string schemeName, int statusCode, string error, double elapsedMilliseconds);

    /// <summary>
    /// Makes server-controlled text fit for a log line: control and line-separator characters removed
    /// (no forged log lines), at most <see cref="MaximumLoggedDescriptionLength"/> characters (a cut one ends
    /// in <c>...</c>), never a split surrogate pair.
    /// </summary>
    public static string? SanitizeDescription(string? text)
    {
        if (text is null)
        {
            return null;
        }

        var builder = new StringBuilder(Math.Min(text.Length, MaximumLoggedDescriptionLength + 1));
        foreach (var c in text)
        {
            if (char.IsControl(c) || c is '\u2028' or '\u2029')
            {
                continue;
            }

            builder.Append(c);
            if (builder.Length > MaximumLoggedDescriptionLength)
            {
                builder.Length = MaximumLoggedDescriptionLength - 3;
                if (char.IsHighSurrogate(builder[^1]))
                {
                    builder.Length--;
                }

                return builder.Append("...").ToString();
            }
        }

        return builder.ToString();
    }
}
