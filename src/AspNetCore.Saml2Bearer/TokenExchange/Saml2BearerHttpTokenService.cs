using System.Buffers.Text;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using AspNetCore.Saml2Bearer.Diagnostics;
using Microsoft.Extensions.Logging;

namespace AspNetCore.Saml2Bearer.TokenExchange;

/// <summary>
/// The default <see cref="ISaml2BearerTokenService"/>: posts the RFC 7522 token request (or, with
/// <see cref="Saml2BearerTokenExchangeProtocol.Rfc8693"/>, the RFC 8693 token exchange request), or the RFC 6749
/// section 6 refresh request, through the scheme's named <see cref="HttpClient"/> and maps the answer (RFC 6749
/// sections 5.1 and 5.2) to a <see cref="Saml2BearerTokenResult"/>. Both grants share one path: endpoint, client
/// authentication, optional parameters, the one transmission, response reading and error mapping. Server faults,
/// timeouts and malformed answers become <see cref="Saml2BearerTokenResultStatus.ServiceUnavailable"/>; only the
/// caller's cancellation throws.
/// </summary>
internal sealed class Saml2BearerHttpTokenService : ISaml2BearerTokenService
{
    private static readonly MediaTypeWithQualityHeaderValue JsonMediaType = new("application/json");

    /// <summary>The <c>Retry-After</c> of an exchange refused because too many are in flight: a slot frees up soon, or the circuit opens.</summary>
    private static readonly TimeSpan ExchangeLimitRetryAfter = TimeSpan.FromSeconds(1);

    /// <summary>The <c>Retry-After</c> while the circuit's trial request is under way: it decides soon.</summary>
    private static readonly TimeSpan HalfOpenRetryAfter = TimeSpan.FromSeconds(1);

    private readonly IHttpClientFactory _httpClientFactory;
    private readonly ILogger _logger;
    private readonly Saml2BearerTokenEndpointMonitor? _endpointMonitor;

    /// <param name="httpClientFactory">The factory of the scheme's named client.</param>
    /// <param name="logger">The logger.</param>
    /// <param name="endpointMonitor">The circuit state of each scheme, for the time left of a break; registered with the scheme.</param>
    public Saml2BearerHttpTokenService(IHttpClientFactory httpClientFactory, ILogger<Saml2BearerHttpTokenService> logger, Saml2BearerTokenEndpointMonitor? endpointMonitor = null)
    {
        ArgumentNullException.ThrowIfNull(httpClientFactory);
        ArgumentNullException.ThrowIfNull(logger);
        _httpClientFactory = httpClientFactory;
        _logger = logger;
        _endpointMonitor = endpointMonitor;
    }

    public async Task<Saml2BearerTokenResult> ExchangeAsync(Saml2BearerTokenRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return await SendAsync(request.SchemeName, request.Options, refreshToken: null, () => CreateForm(request), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Presents the refresh token (<c>grant_type=refresh_token</c>) with the exchange's client authentication,
    /// <c>audience</c>, <c>resource</c> and additional parameters, under either protocol: RFC 8693 has no refresh
    /// of its own, and its response is an RFC 6749 one (no <c>issued_token_type</c> is required of it).
    /// </summary>
    public async Task<Saml2BearerTokenResult> RefreshAsync(Saml2BearerRefreshRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrEmpty(request.RefreshToken, nameof(request));
        return await SendAsync(request.SchemeName, request.Options, request.RefreshToken, () => CreateForm(request), cancellationToken).ConfigureAwait(false);
    }

    // The one path of every token request: createForm gives the grant's form (optional parameters included),
    // client authentication is added here, once the endpoint is known. refreshToken is the refresh's credential
    // (null for an exchange): it picks the refresh's log lines and is masked in a server's error_description.
    private async Task<Saml2BearerTokenResult> SendAsync(string schemeName, Saml2BearerOptions options, string? refreshToken, Func<List<KeyValuePair<string, string>>> createForm, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();

        if (options.BackchannelTimeout <= TimeSpan.Zero && options.BackchannelTimeout != Timeout.InfiniteTimeSpan)
        {
            throw new InvalidOperationException($"{nameof(Saml2BearerOptions)}.{nameof(Saml2BearerOptions.BackchannelTimeout)} must be positive (or infinite) for scheme '{schemeName}'.");
        }

        if (options.MaximumTokenResponseSize <= 0)
        {
            throw new InvalidOperationException($"{nameof(Saml2BearerOptions)}.{nameof(Saml2BearerOptions.MaximumTokenResponseSize)} must be positive for scheme '{schemeName}'.");
        }

        var timeProvider = options.TimeProvider ?? TimeProvider.System;
        var started = timeProvider.GetTimestamp();

        // One deadline for the whole exchange, discovery included, on the injected clock. Linked with the
        // caller's token so that the two can be told apart afterwards.
        using var timeout = new CancellationTokenSource(options.BackchannelTimeout, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            return await SendCoreAsync(schemeName, options, refreshToken, createForm, timeProvider, started, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Our deadline, or the named client's own HttpClient.Timeout: either way the server was too slow.
            TokenExchangeLog.TokenEndpointTimedOut(_logger, schemeName, ElapsedMilliseconds(timeProvider, started), options.BackchannelTimeout);
            return Unavailable(OAuthErrorCodes.TemporarilyUnavailable, options.DefaultRetryAfter);
        }
    }

    private async Task<Saml2BearerTokenResult> SendCoreAsync(string schemeName, Saml2BearerOptions options, string? refreshToken, Func<List<KeyValuePair<string, string>>> createForm, TimeProvider timeProvider, long started, CancellationToken cancellationToken)
    {
        var tokenEndpoint = await ResolveTokenEndpointAsync(options, schemeName, cancellationToken).ConfigureAwait(false);
        if (tokenEndpoint is null)
        {
            return Unavailable(OAuthErrorCodes.TemporarilyUnavailable, options.DefaultRetryAfter);
        }

        var form = createForm();
        AuthenticationHeaderValue? authorization;
        try
        {
            if (!ClientAuthentication.TryApply(options, tokenEndpoint, timeProvider, form, out authorization, out var missingSetting))
            {
                TokenExchangeLog.ClientCredentialsMissing(_logger, schemeName, options.ClientAuthenticationMethod, missingSetting!);
                return Saml2BearerTokenResult.LoggedFailure(Saml2BearerTokenResultStatus.ClientError, OAuthErrorCodes.InvalidClient);
            }
        }
#pragma warning disable CA1031 // Signing can fail in many ways (unsupported key, disposed key, HSM); all are configuration faults.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            TokenExchangeLog.ClientAssertionFailed(_logger, schemeName, exception);
            return Saml2BearerTokenResult.LoggedFailure(Saml2BearerTokenResultStatus.ClientError, OAuthErrorCodes.InvalidClient);
        }

        using var message = new HttpRequestMessage(HttpMethod.Post, tokenEndpoint)
        {
            Content = new FormUrlEncodedContent(form),
        };
        message.Headers.Accept.Add(JsonMediaType);
        message.Headers.Authorization = authorization;
        message.Options.Set(TokenRequestTransmission.OptionsKey, new TokenRequestTransmission());

        if (refreshToken is not null)
        {
            TokenExchangeLog.RefreshRequestSending(_logger, schemeName, tokenEndpoint, options.ClientAuthenticationMethod);
        }
        else
        {
            TokenExchangeLog.TokenRequestSending(_logger, schemeName, tokenEndpoint, options.ClientAuthenticationMethod);
        }

        var client = _httpClientFactory.CreateClient(Saml2BearerDefaults.HttpClientNamePrefix + schemeName);

        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException exception)
        {
            TokenExchangeLog.TokenEndpointUnreachable(_logger, schemeName, ElapsedMilliseconds(timeProvider, started), exception);
            return Unavailable(OAuthErrorCodes.TemporarilyUnavailable, options.DefaultRetryAfter);
        }
        catch (Polly.CircuitBreaker.BrokenCircuitException)
        {
            // The resilience pipeline has seen the server failing: answer at once instead of waiting, and tell the
            // caller when the break ends (not the whole break duration). Once the break is over, a trial request
            // is deciding and others are still refused: that takes moments.
            TokenExchangeLog.CircuitOpen(_logger, schemeName);
            var retryAfter = _endpointMonitor is null
                ? options.CircuitBreakDuration
                : _endpointMonitor.For(schemeName).TimeLeftInBreak(timeProvider.GetUtcNow()) ?? HalfOpenRetryAfter;
            return Unavailable(OAuthErrorCodes.TemporarilyUnavailable, retryAfter);
        }
        catch (Polly.RateLimiting.RateLimiterRejectedException)
        {
            // As many requests as allowed are already waiting for the server: do not add one more.
            TokenExchangeLog.ExchangeLimitReached(_logger, schemeName, options.MaxConcurrentExchanges);
            return Unavailable(OAuthErrorCodes.TemporarilyUnavailable, ExchangeLimitRetryAfter);
        }
        catch (Polly.Timeout.TimeoutRejectedException)
        {
            TokenExchangeLog.TokenEndpointTimedOut(_logger, schemeName, ElapsedMilliseconds(timeProvider, started), options.BackchannelTimeout);
            return Unavailable(OAuthErrorCodes.TemporarilyUnavailable, options.DefaultRetryAfter);
        }
        catch (TokenRequestResentException)
        {
            // A handler the host wrapped around the client retried or hedged the request; the one
            // transmission already happened and its answer was thrown away by that handler.
            TokenExchangeLog.TokenRequestResendRefused(_logger, schemeName);
            return Unavailable(OAuthErrorCodes.TemporarilyUnavailable, options.DefaultRetryAfter);
        }

        using (response)
        {
            try
            {
                return await ReadResponseAsync(response, options, schemeName, refreshToken, timeProvider, started, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is HttpRequestException or IOException)
            {
                // The connection broke while the body was being read.
                TokenExchangeLog.TokenEndpointUnreachable(_logger, schemeName, ElapsedMilliseconds(timeProvider, started), exception);
                return Unavailable(OAuthErrorCodes.TemporarilyUnavailable, RetryAfterReader.Read(response, timeProvider, options.DefaultRetryAfter));
            }
        }
    }

    private async Task<Saml2BearerTokenResult> ReadResponseAsync(HttpResponseMessage response, Saml2BearerOptions options, string schemeName, string? refreshToken, TimeProvider timeProvider, long started, CancellationToken cancellationToken)
    {
        var statusCode = (int)response.StatusCode;
        var isSuccess = response.StatusCode == HttpStatusCode.OK;
        var isErrorResponse = response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.Unauthorized;

        if (!isSuccess && !isErrorResponse)
        {
            // 5xx and 429 are the server saying "later"; anything else is an answer this client cannot use.
            var retryAfter = RetryAfterReader.Read(response, timeProvider, options.DefaultRetryAfter);
            if (statusCode >= 500 || response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                TokenExchangeLog.TokenEndpointFailed(_logger, schemeName, statusCode, ElapsedMilliseconds(timeProvider, started), retryAfter.TotalSeconds);
                return Unavailable(OAuthErrorCodes.TemporarilyUnavailable, retryAfter);
            }

            TokenExchangeLog.UnexpectedStatusCode(_logger, schemeName, statusCode, ElapsedMilliseconds(timeProvider, started));
            return Unavailable(OAuthErrorCodes.InvalidResponse, retryAfter);
        }

        var body = await TokenResponseContentReader.ReadAsync(response.Content, options.MaximumTokenResponseSize, cancellationToken).ConfigureAwait(false);
        if (body is null)
        {
            TokenExchangeLog.TokenResponseTooLarge(_logger, schemeName, statusCode, options.MaximumTokenResponseSize);
            return Unavailable(OAuthErrorCodes.InvalidResponse, RetryAfterReader.Read(response, timeProvider, options.DefaultRetryAfter));
        }

        var elapsed = ElapsedMilliseconds(timeProvider, started);
        string? reason;
        if (isSuccess)
        {
            // A refresh answers an RFC 6749 token response under either protocol: issued_token_type is RFC 8693's.
            if (TokenEndpointResponseParser.TryParseTokenResponse(body, out var tokenResponse, out reason)
                && (refreshToken is not null
                    || options.TokenExchangeProtocol != Saml2BearerTokenExchangeProtocol.Rfc8693
                    || TokenEndpointResponseParser.TryValidateIssuedTokenType(tokenResponse!, out reason)))
            {
                if (refreshToken is not null)
                {
                    TokenExchangeLog.TokenRefreshed(_logger, schemeName, tokenResponse!.TokenType, tokenResponse.ExpiresIn?.TotalSeconds, tokenResponse.RefreshToken is not null, elapsed);
                }
                else
                {
                    TokenExchangeLog.TokenIssued(_logger, schemeName, tokenResponse!.TokenType, tokenResponse.ExpiresIn?.TotalSeconds, elapsed);
                }

                return Saml2BearerTokenResult.Success(tokenResponse);
            }
        }
        else if (TokenEndpointResponseParser.TryParseErrorResponse(body, out var error, out var errorDescription, out reason))
        {
            return MapErrorResponse(response, options, schemeName, refreshToken, timeProvider, statusCode, error!, errorDescription, elapsed);
        }

        TokenExchangeLog.InvalidTokenResponse(_logger, schemeName, statusCode, reason!);
        return Unavailable(OAuthErrorCodes.InvalidResponse, RetryAfterReader.Read(response, timeProvider, options.DefaultRetryAfter));
    }

    private Saml2BearerTokenResult MapErrorResponse(HttpResponseMessage response, Saml2BearerOptions options, string schemeName, string? refreshToken, TimeProvider timeProvider, int statusCode, string error, string? errorDescription, double elapsed)
    {
        if (!OAuthErrorCodes.IsWellFormed(error))
        {
            TokenExchangeLog.InvalidTokenResponse(_logger, schemeName, statusCode, "error is not a well-formed RFC 6749 error code");
            return Unavailable(OAuthErrorCodes.InvalidResponse, RetryAfterReader.Read(response, timeProvider, options.DefaultRetryAfter));
        }

        // A preset knows its server's error shapes: its own codes, and a description reduced to a code.
        errorDescription = options.Preset is { } preset ? preset.ReduceErrorDescription(errorDescription) : errorDescription;
        var status = options.Preset?.ClassifyError(error) ?? OAuthErrorCodes.Classify(error);
        switch (status)
        {
            case Saml2BearerTokenResultStatus.InvalidGrant:
                if (refreshToken is not null)
                {
                    // Expired, revoked or already used: the caller falls back to exchanging the assertion.
                    TokenExchangeLog.RefreshTokenRejected(_logger, schemeName, statusCode, error, elapsed);
                }
                else
                {
                    TokenExchangeLog.GrantRejected(_logger, schemeName, statusCode, error, elapsed);
                }

                TokenExchangeLog.ErrorDescriptionReceived(_logger, schemeName, error, errorDescription, options.ClientSecret, refreshToken);
                return Saml2BearerTokenResult.LoggedFailure(status, error, errorDescription);
            case Saml2BearerTokenResultStatus.ClientError:
                // Not the caller's fault, and nothing the caller can fix: the handler answers 503 (see README, Responses).
                TokenExchangeLog.ClientRejected(_logger, schemeName, statusCode, error, elapsed);
                TokenExchangeLog.ErrorDescriptionReceived(_logger, schemeName, error, errorDescription, options.ClientSecret, refreshToken);
                return Saml2BearerTokenResult.LoggedFailure(status, error, errorDescription, RetryAfterReader.Read(response, timeProvider, options.DefaultRetryAfter));
            default:
                TokenExchangeLog.ErrorResponseUnavailable(_logger, schemeName, statusCode, error, elapsed);
                TokenExchangeLog.ErrorDescriptionReceived(_logger, schemeName, error, errorDescription, options.ClientSecret, refreshToken);
                return Saml2BearerTokenResult.LoggedFailure(
                    Saml2BearerTokenResultStatus.ServiceUnavailable,
                    error,
                    errorDescription,
                    RetryAfterReader.Read(response, timeProvider, options.DefaultRetryAfter));
        }
    }

    private async Task<Uri?> ResolveTokenEndpointAsync(Saml2BearerOptions options, string schemeName, CancellationToken cancellationToken)
    {
        var address = options.TokenEndpoint;
        if (string.IsNullOrEmpty(address))
        {
            if (options.ConfigurationManager is null)
            {
                TokenExchangeLog.TokenEndpointMissing(_logger, schemeName);
                return null;
            }

            try
            {
                // ConfigurationManager fetches with CancellationToken.None (one shared fetch for all callers),
                // so a hanging discovery endpoint would outlive both the caller and the backchannel timeout.
                // Stop waiting for it instead; the shared fetch carries on for later callers.
                var configuration = await options.ConfigurationManager.GetConfigurationAsync(cancellationToken)
                    .WaitAsync(cancellationToken)
                    .ConfigureAwait(false);
                address = configuration.TokenEndpoint;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
#pragma warning disable CA1031 // The manager wraps every retrieval and parsing failure; all of them mean "not discovered".
            catch (Exception exception)
#pragma warning restore CA1031
            {
                // The manager may wrap a cancellation; the caller's or the deadline's must still win.
                cancellationToken.ThrowIfCancellationRequested();
                TokenExchangeLog.DiscoveryFailed(_logger, schemeName, exception);
                return null;
            }

            if (string.IsNullOrEmpty(address))
            {
                TokenExchangeLog.TokenEndpointMissing(_logger, schemeName);
                return null;
            }
        }

        // Never send an assertion and client credentials in clear unless explicitly allowed.
        if (!Uri.TryCreate(address, UriKind.Absolute, out var endpoint)
            || !(endpoint.Scheme == Uri.UriSchemeHttps || (endpoint.Scheme == Uri.UriSchemeHttp && (!options.RequireHttpsMetadata || Saml2BearerOptions.IsLoopback(endpoint)))))
        {
            TokenExchangeLog.TokenEndpointRefused(_logger, schemeName, SafeAddress(address, endpoint), options.RequireHttpsMetadata);
            return null;
        }

        return endpoint;
    }

    internal List<KeyValuePair<string, string>> CreateForm(Saml2BearerTokenRequest request)
    {
        var form = request.Options.TokenExchangeProtocol == Saml2BearerTokenExchangeProtocol.Rfc8693
            ? CreateTokenExchangeGrant(request)
            : CreateAssertionGrant(request);
        AddOptionalParameters(form, request.SchemeName, request.Options, request.Scope, isRefresh: false);
        return form;
    }

    // RFC 6749 section 6: the refresh token is the grant.
    internal List<KeyValuePair<string, string>> CreateForm(Saml2BearerRefreshRequest request)
    {
        List<KeyValuePair<string, string>> form =
        [
            new(OAuthParameterNames.GrantType, OAuthParameterNames.RefreshTokenGrantType),
            new(OAuthParameterNames.RefreshToken, request.RefreshToken),
        ];
        AddOptionalParameters(form, request.SchemeName, request.Options, request.Scope, isRefresh: true);
        return form;
    }

    // What every grant carries after its own fields: scope, audience, resource, then the additional parameters
    // that replace none of the fields the token service owns (the refresh token too, in a refresh).
    private void AddOptionalParameters(List<KeyValuePair<string, string>> form, string schemeName, Saml2BearerOptions options, string? scope, bool isRefresh)
    {
        AddIfPresent(form, OAuthParameterNames.Scope, scope);
        AddIfPresent(form, OAuthParameterNames.Audience, options.TokenAudience);
        AddIfPresent(form, OAuthParameterNames.Resource, options.Resource);

        foreach (var (name, value) in options.AdditionalTokenRequestParameters)
        {
            if (OAuthParameterNames.IsReserved(name, options.TokenExchangeProtocol)
                || (isRefresh && string.Equals(name, OAuthParameterNames.RefreshToken, StringComparison.OrdinalIgnoreCase))
                || form.Exists(field => string.Equals(field.Key, name, StringComparison.Ordinal)))
            {
                TokenExchangeLog.AdditionalParameterIgnored(_logger, schemeName, name);
                continue;
            }

            form.Add(new(name, value));
        }
    }

    // RFC 7522 section 2.1: the assertion itself is the grant (saml1_1-bearer, or as configured, for SAML 1.1).
    private static List<KeyValuePair<string, string>> CreateAssertionGrant(Saml2BearerTokenRequest request)
    {
        var assertion = request.Options.AssertionEncoding == Saml2BearerAssertionEncoding.Base64
            ? Convert.ToBase64String(request.Assertion.Span)
            : Base64Url.EncodeToString(request.Assertion.Span);

        return
        [
            new(OAuthParameterNames.GrantType, request.GrantType ?? Saml2BearerDefaults.GrantType),
            new(OAuthParameterNames.Assertion, assertion),
        ];
    }

    // RFC 8693 section 2.1: the assertion is the subject token, base64url-encoded as section 3 defines the SAML
    // token types (AssertionEncoding is RFC 7522's choice and does not apply), and an access token is requested.
    private static List<KeyValuePair<string, string>> CreateTokenExchangeGrant(Saml2BearerTokenRequest request) =>
    [
        new(OAuthParameterNames.GrantType, TokenExchangeTypes.GrantType),
        new(OAuthParameterNames.SubjectToken, Base64Url.EncodeToString(request.Assertion.Span)),
        new(OAuthParameterNames.SubjectTokenType, TokenExchangeTypes.SubjectTokenType(request.AssertionVersion)),
        new(OAuthParameterNames.RequestedTokenType, TokenExchangeTypes.AccessTokenType),
    ];

    private static void AddIfPresent(List<KeyValuePair<string, string>> form, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            form.Add(new(name, value));
        }
    }

    private static Saml2BearerTokenResult Unavailable(string error, TimeSpan retryAfter) =>
        Saml2BearerTokenResult.LoggedFailure(Saml2BearerTokenResultStatus.ServiceUnavailable, error, errorDescription: null, retryAfter);

    private static double ElapsedMilliseconds(TimeProvider timeProvider, long started) =>
        Math.Round(timeProvider.GetElapsedTime(started).TotalMilliseconds, 1);

    // A configured address is not a secret, but keep any query string (which might carry one) out of logs.
    private static string SafeAddress(string address, Uri? endpoint) =>
        endpoint is not null
            ? endpoint.GetLeftPart(UriPartial.Path)
            : string.Create(CultureInfo.InvariantCulture, $"<not an absolute URI, {address.Length} characters>");
}
