using System.Buffers.Text;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using AspNetCore.Saml2Bearer.Diagnostics;
using Microsoft.Extensions.Logging;

namespace AspNetCore.Saml2Bearer.TokenExchange;

/// <summary>
/// The default <see cref="ISaml2BearerTokenService"/>: posts the RFC 7522 token request (or, with
/// <see cref="Saml2BearerTokenExchangeProtocol.Rfc8693"/>, the RFC 8693 token exchange request) through the
/// scheme's named <see cref="HttpClient"/> and maps the answer (RFC 6749 sections 5.1 and 5.2) to a
/// <see cref="Saml2BearerTokenResult"/>. Server faults, timeouts and malformed answers become
/// <see cref="Saml2BearerTokenResultStatus.ServiceUnavailable"/>; only the caller's cancellation throws.
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
        cancellationToken.ThrowIfCancellationRequested();

        var options = request.Options;
        if (options.BackchannelTimeout <= TimeSpan.Zero && options.BackchannelTimeout != Timeout.InfiniteTimeSpan)
        {
            throw new InvalidOperationException($"{nameof(Saml2BearerOptions)}.{nameof(Saml2BearerOptions.BackchannelTimeout)} must be positive (or infinite) for scheme '{request.SchemeName}'.");
        }

        if (options.MaximumTokenResponseSize <= 0)
        {
            throw new InvalidOperationException($"{nameof(Saml2BearerOptions)}.{nameof(Saml2BearerOptions.MaximumTokenResponseSize)} must be positive for scheme '{request.SchemeName}'.");
        }

        var timeProvider = options.TimeProvider ?? TimeProvider.System;
        var started = timeProvider.GetTimestamp();

        // One deadline for the whole exchange, discovery included, on the injected clock. Linked with the
        // caller's token so that the two can be told apart afterwards.
        using var timeout = new CancellationTokenSource(options.BackchannelTimeout, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            return await ExchangeCoreAsync(request, timeProvider, started, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Our deadline, or the named client's own HttpClient.Timeout: either way the server was too slow.
            TokenExchangeLog.TokenEndpointTimedOut(_logger, request.SchemeName, ElapsedMilliseconds(timeProvider, started), options.BackchannelTimeout);
            return Unavailable(OAuthErrorCodes.TemporarilyUnavailable, options.DefaultRetryAfter);
        }
    }

    private async Task<Saml2BearerTokenResult> ExchangeCoreAsync(Saml2BearerTokenRequest request, TimeProvider timeProvider, long started, CancellationToken cancellationToken)
    {
        var options = request.Options;
        var schemeName = request.SchemeName;

        var tokenEndpoint = await ResolveTokenEndpointAsync(options, schemeName, cancellationToken).ConfigureAwait(false);
        if (tokenEndpoint is null)
        {
            return Unavailable(OAuthErrorCodes.TemporarilyUnavailable, options.DefaultRetryAfter);
        }

        var form = CreateForm(request);
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

        TokenExchangeLog.TokenRequestSending(_logger, schemeName, tokenEndpoint, options.ClientAuthenticationMethod);
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
                return await ReadResponseAsync(response, options, schemeName, timeProvider, started, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is HttpRequestException or IOException)
            {
                // The connection broke while the body was being read.
                TokenExchangeLog.TokenEndpointUnreachable(_logger, schemeName, ElapsedMilliseconds(timeProvider, started), exception);
                return Unavailable(OAuthErrorCodes.TemporarilyUnavailable, RetryAfterReader.Read(response, timeProvider, options.DefaultRetryAfter));
            }
        }
    }

    private async Task<Saml2BearerTokenResult> ReadResponseAsync(HttpResponseMessage response, Saml2BearerOptions options, string schemeName, TimeProvider timeProvider, long started, CancellationToken cancellationToken)
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
            if (TokenEndpointResponseParser.TryParseTokenResponse(body, out var tokenResponse, out reason)
                && (options.TokenExchangeProtocol != Saml2BearerTokenExchangeProtocol.Rfc8693
                    || TokenEndpointResponseParser.TryValidateIssuedTokenType(tokenResponse!, out reason)))
            {
                TokenExchangeLog.TokenIssued(_logger, schemeName, tokenResponse!.TokenType, tokenResponse.ExpiresIn?.TotalSeconds, elapsed);
                return Saml2BearerTokenResult.Success(tokenResponse);
            }
        }
        else if (TokenEndpointResponseParser.TryParseErrorResponse(body, out var error, out var errorDescription, out reason))
        {
            return MapErrorResponse(response, options, schemeName, timeProvider, statusCode, error!, errorDescription, elapsed);
        }

        TokenExchangeLog.InvalidTokenResponse(_logger, schemeName, statusCode, reason!);
        return Unavailable(OAuthErrorCodes.InvalidResponse, RetryAfterReader.Read(response, timeProvider, options.DefaultRetryAfter));
    }

    private Saml2BearerTokenResult MapErrorResponse(HttpResponseMessage response, Saml2BearerOptions options, string schemeName, TimeProvider timeProvider, int statusCode, string error, string? errorDescription, double elapsed)
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
                TokenExchangeLog.GrantRejected(_logger, schemeName, statusCode, error, elapsed);
                TokenExchangeLog.ErrorDescriptionReceived(_logger, schemeName, error, errorDescription, options.ClientSecret);
                return Saml2BearerTokenResult.LoggedFailure(status, error, errorDescription);
            case Saml2BearerTokenResultStatus.ClientError:
                // Not the caller's fault, and nothing the caller can fix: the handler answers 503 (see README, Responses).
                TokenExchangeLog.ClientRejected(_logger, schemeName, statusCode, error, elapsed);
                TokenExchangeLog.ErrorDescriptionReceived(_logger, schemeName, error, errorDescription, options.ClientSecret);
                return Saml2BearerTokenResult.LoggedFailure(status, error, errorDescription, RetryAfterReader.Read(response, timeProvider, options.DefaultRetryAfter));
            default:
                TokenExchangeLog.ErrorResponseUnavailable(_logger, schemeName, statusCode, error, elapsed);
                TokenExchangeLog.ErrorDescriptionReceived(_logger, schemeName, error, errorDescription, options.ClientSecret);
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
        var options = request.Options;
        var form = options.TokenExchangeProtocol == Saml2BearerTokenExchangeProtocol.Rfc8693
            ? CreateTokenExchangeGrant(request)
            : CreateAssertionGrant(request);
        AddIfPresent(form, OAuthParameterNames.Scope, request.Scope);
        AddIfPresent(form, OAuthParameterNames.Audience, options.TokenAudience);
        AddIfPresent(form, OAuthParameterNames.Resource, options.Resource);

        foreach (var (name, value) in options.AdditionalTokenRequestParameters)
        {
            if (OAuthParameterNames.IsReserved(name, options.TokenExchangeProtocol) || form.Exists(field => string.Equals(field.Key, name, StringComparison.Ordinal)))
            {
                TokenExchangeLog.AdditionalParameterIgnored(_logger, request.SchemeName, name);
                continue;
            }

            form.Add(new(name, value));
        }

        return form;
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
