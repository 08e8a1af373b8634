using System.Globalization;
using System.Security.Claims;
using System.Text.Encodings.Web;
using AspNetCore.Saml2Bearer.Assertions;
using AspNetCore.Saml2Bearer.Caching;
using AspNetCore.Saml2Bearer.Claims;
using AspNetCore.Saml2Bearer.Diagnostics;
using AspNetCore.Saml2Bearer.Events;
using AspNetCore.Saml2Bearer.Extraction;
using AspNetCore.Saml2Bearer.TokenExchange;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace AspNetCore.Saml2Bearer;

/// <summary>
/// Authenticates a request that carries a SAML 2.0 assertion: extract, decode, validate (or take the
/// fast path), obtain the access token (cache or RFC 7522 exchange), build the principal.
/// </summary>
public sealed class Saml2BearerHandler : AuthenticationHandler<Saml2BearerOptions>
{
    private readonly ISaml2BearerTokenService _tokenService;
    private Saml2BearerMetrics? _metrics;

    /// <summary>Creates the handler.</summary>
    /// <param name="options">The options monitor.</param>
    /// <param name="logger">The logger factory.</param>
    /// <param name="encoder">The URL encoder.</param>
    /// <param name="tokenService">The token service that performs the exchange.</param>
    public Saml2BearerHandler(IOptionsMonitor<Saml2BearerOptions> options, ILoggerFactory logger, UrlEncoder encoder, ISaml2BearerTokenService tokenService)
        : base(options, logger, encoder)
    {
        _tokenService = tokenService;
    }

    // Internal types cannot appear in the public constructor, so the singleton comes from the request's services.
    private Saml2BearerMetrics Metrics => _metrics ??= Context.RequestServices.GetRequiredService<Saml2BearerMetrics>();

    /// <summary>The events, as <see cref="Saml2BearerEvents"/>.</summary>
    private new Saml2BearerEvents Events => (Saml2BearerEvents)base.Events!;

    /// <inheritdoc />
    protected override Task<object> CreateEventsAsync() => Task.FromResult<object>(new Saml2BearerEvents());

    /// <inheritdoc />
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        try
        {
            return await AuthenticateAsyncCore().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (Context.RequestAborted.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // Never a 500: an unexpected fault is reported as a temporary failure. Only the type is
            // logged, since an exception message could quote input.
            Saml2BearerLog.AuthorizationServerUnavailable(Logger, LogLevel.Warning, exception.GetType().Name);
            return await FailAsync(ServiceUnavailable("unexpected_error", null)).ConfigureAwait(false);
        }
    }

    private async Task<AuthenticateResult> AuthenticateAsyncCore()
    {
        var messageReceived = new MessageReceivedContext(Context, Scheme, Options);
        await Events.MessageReceived(messageReceived).ConfigureAwait(false);
        if (messageReceived.Result is not null)
        {
            return messageReceived.Result;
        }

        var credential = messageReceived.Assertion is { } supplied
            ? Saml2BearerCredential.FromEncoded(Saml2BearerCredentialSource.MessageReceived, supplied.AsMemory())
            : await Saml2BearerCredentialExtractor.ExtractAsync(Request, Options).ConfigureAwait(false);
        if (credential.IsEmpty)
        {
            Saml2BearerLog.AssertionNotFound(Logger);
            return AuthenticateResult.NoResult();
        }

        var state = Options.State!;
        var fullValidation = Options.AssertionValidationMode == Saml2BearerAssertionValidationMode.Full;
        using var measurement = new Saml2BearerValidationMeasurement(Metrics, TimeProvider, Scheme.Name);
        var input = Saml2BearerAssertionInput.Read(credential, state, useFastPath: fullValidation && Options.EnableAssertionCache);
        if (input.FailureReason != Saml2AssertionFailureReason.None)
        {
            measurement.Rejected(input.FailureReason);
            return await RejectAssertionAsync(input.FailureReason).ConfigureAwait(false);
        }

        var entry = input.FastPathEntry;
        Saml2Assertion? assertion = null;
        string tokenKey;
        if (fullValidation)
        {
            if (entry is not null)
            {
                assertion = entry.Assertion;
                if (Logger.IsEnabled(LogLevel.Debug))
                {
                    Saml2BearerLog.AssertionCacheHit(Logger, entry.LogHandle);
                }

                measurement.Validated(assertion.Issuer, fastPath: true);
            }
            else
            {
                // A SOAP envelope's assertion comes already securely loaded: its bytes are not parsed again.
                var validation = input.Document is { } loaded
                    ? await state.Validator.ValidateLoadedAsync(loaded, input.Xml!, Context.RequestAborted).ConfigureAwait(false)
                    : await state.Validator.ValidateDecodedAsync(input.Xml!, Context.RequestAborted).ConfigureAwait(false);
                if (!validation.IsValid)
                {
                    measurement.Rejected(validation.FailureReason);
                    return await RejectAssertionAsync(validation.FailureReason, input.Xml).ConfigureAwait(false);
                }

                assertion = validation.Assertion;
                if (Logger.IsEnabled(LogLevel.Debug))
                {
                    Saml2BearerLog.AssertionValidated(Logger, Saml2BearerLog.AssertionHandle(input.Xml), assertion.Issuer);
                }

                measurement.Validated(assertion.Issuer, fastPath: false);
            }

            var assertionValidated = new AssertionValidatedContext(Context, Scheme, Options, assertion);
            await Events.AssertionValidated(assertionValidated).ConfigureAwait(false);
            if (assertionValidated.Result is not null)
            {
                return assertionValidated.Result;
            }

            if (entry is not null)
            {
                tokenKey = entry.TokenKey;
            }
            else
            {
                tokenKey = Saml2BearerTokenCacheKey.ForSubject(
                    Scheme.Name, AuthorizationServer, Options.ClientId, assertion.Issuer, assertion.NameId.Format, assertion.NameId.Value, Options.Scope, Options.TokenAudience ?? Options.Resource);

                // Only now, after the event accepted it: bytes an event refused never reach the fast path.
                if (Options.EnableAssertionCache)
                {
                    entry = state.AssertionCache.Set(input.Xml!, assertion, tokenKey);
                }
            }
        }
        else
        {
            measurement.Dispose();
            if (!Options.Assertion.AllowSaml11 && Saml2DocumentStructure.IsSaml11Document(input.Xml!))
            {
                // Forwarded unread, but the SAML 1.1 opt-in still holds: the AS is never called.
                return await RejectAssertionAsync(Saml2AssertionFailureReason.Saml11NotAllowed).ConfigureAwait(false);
            }

            tokenKey = Saml2BearerTokenCacheKey.ForAssertion(
                Scheme.Name, AuthorizationServer, Options.ClientId, input.Xml, Options.Scope, Options.TokenAudience ?? Options.Resource);
        }

        var token = input.CachedToken;
        var vetted = true;
        if (token is not null)
        {
            ObtainedToken(tokenKey, Saml2BearerTokenLookupSource.MemoryCache);
        }
        else
        {
            var xml = input.Xml!;
            var validatedAssertion = assertion;
            var lookup = await state.TokenCache.GetOrExchangeAsync(tokenKey, () => ExchangeAsync(xml, validatedAssertion), Context.RequestAborted).ConfigureAwait(false);
            ObtainedToken(tokenKey, lookup.Source);
            if (lookup.EventResult is not null)
            {
                return lookup.EventResult;
            }

            if (lookup.Token is null)
            {
                return await FailAsync(MapExchangeFailure(lookup.Failure!)).ConfigureAwait(false);
            }

            token = lookup.Token;
            if (lookup.Unvetted)
            {
                // The request that started the exchange left before the token arrived: this request vets it.
                var tokenReceived = await RaiseTokenReceivedAsync(assertion, token.Response).ConfigureAwait(false);
                if (tokenReceived.Result is not null)
                {
                    return tokenReceived.Result;
                }

                token = token with { Response = tokenReceived.TokenResponse };
                await state.TokenCache.SetAsync(tokenKey, token).ConfigureAwait(false);
                vetted = false;
            }
        }

        ClaimsPrincipal principal;
        AuthenticationProperties properties;
        if (entry is not null && vetted)
        {
            // Repeat requests copy what the first one built for this assertion and token.
            if (!entry.TryGetTemplate(token, out var template))
            {
                template = new Saml2BearerPrincipalTemplate(
                    token, (ClaimsIdentity)Saml2BearerPrincipalFactory.Create(Scheme.Name, Options, assertion, token).Identity!, CreateProperties(token, tokenKey));
                entry.SetTemplate(template);
            }

            principal = template.CreatePrincipal();
            properties = template.CreateProperties();
        }
        else
        {
            principal = Saml2BearerPrincipalFactory.Create(Scheme.Name, Options, assertion, token);
            properties = CreateProperties(token, tokenKey);
        }

        var tokenValidated = new TokenValidatedContext(Context, Scheme, Options, assertion, token.Response)
        {
            Principal = principal,
            Properties = properties,
        };
        await Events.TokenValidated(tokenValidated).ConfigureAwait(false);
        if (tokenValidated.Result is not null)
        {
            return tokenValidated.Result;
        }

        tokenValidated.Success();
        return tokenValidated.Result!;
    }

    private void ObtainedToken(string tokenKey, Saml2BearerTokenLookupSource source)
    {
        if (Logger.IsEnabled(LogLevel.Debug))
        {
            Saml2BearerLog.TokenObtained(Logger, Saml2BearerLog.Short(tokenKey), source);
        }

        Metrics.TokenLookup(Scheme.Name, source);
    }

    private string? AuthorizationServer => Options.TokenEndpoint ?? Options.Authority;

    private async Task<Saml2BearerTokenLookup> ExchangeAsync(byte[] assertionXml, Saml2Assertion? assertion)
    {
        using var measurement = new Saml2BearerExchangeMeasurement(
            Metrics, Context.RequestServices.GetRequiredService<Saml2BearerTokenEndpointMonitor>().For(Scheme.Name), TimeProvider, Scheme.Name, assertion?.Issuer);
        var lookup = await ExchangeCoreAsync(assertionXml, assertion).ConfigureAwait(false);
        if (lookup.Failure is { IsLogged: false } failure)
        {
            // Once per exchange, however many requests wait for it: nobody has logged this failure yet.
            Saml2BearerLog.ExchangeFailed(Logger, failure, quiet: false);
        }

        measurement.Completed(lookup.Failure);
        return lookup;
    }

    private async Task<Saml2BearerTokenLookup> ExchangeCoreAsync(byte[] assertionXml, Saml2Assertion? assertion)
    {
        var options = Options;
        var state = options.State!;
        var starterAborted = Context.RequestAborted;

        // The exchange serves every caller waiting for this key: no single caller's cancellation ends it.
        var version = assertion?.Version
            ?? (Saml2DocumentStructure.IsSaml11Document(assertionXml) ? Saml2AssertionVersion.Saml11 : Saml2AssertionVersion.Saml20);
        var result = await _tokenService.ExchangeAsync(
            new Saml2BearerTokenRequest
            {
                SchemeName = Scheme.Name,
                Options = options,
                Assertion = assertionXml,
                Scope = options.Scope,
                GrantType = version == Saml2AssertionVersion.Saml11 ? options.Saml11GrantType : null,
                AssertionVersion = version,
            },
            CancellationToken.None).ConfigureAwait(false);
        if (result.Status != Saml2BearerTokenResultStatus.Success)
        {
            return new Saml2BearerTokenLookup(null, result, Saml2BearerTokenLookupSource.Exchanged);
        }

        var response = result.Response!;
        IReadOnlyList<System.Security.Claims.Claim>? claims;
        try
        {
            claims = await state.TokenClaimsValidator.ValidateAsync(options, response, CancellationToken.None).ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
            // Discovery or JWKS could not be had.
            claims = null;
        }

        if (claims is null)
        {
            Saml2BearerLog.TokenValidationFailed(Logger);
            return new Saml2BearerTokenLookup(null, Saml2BearerTokenResult.LoggedFailure(Saml2BearerTokenResultStatus.ServiceUnavailable, "invalid_token_response"), Saml2BearerTokenLookupSource.Exchanged);
        }

        if (options.AssertionValidationMode == Saml2BearerAssertionValidationMode.TrustAuthorizationServer && !state.TokenClaimsValidator.CanVouch(options, response))
        {
            Saml2BearerLog.TokenDoesNotVouch(Logger);
            return new Saml2BearerTokenLookup(null, Saml2BearerTokenResult.LoggedFailure(Saml2BearerTokenResultStatus.ServiceUnavailable, "invalid_token_response"), Saml2BearerTokenLookupSource.Exchanged);
        }

        var timeProvider = options.TimeProvider ?? TimeProvider.System;
        var expiresAt = timeProvider.GetUtcNow() + (response.ExpiresIn ?? options.DefaultTokenLifetime);

        if (starterAborted.IsCancellationRequested)
        {
            // The request that started the exchange is gone, and its HttpContext with it: nothing is cached,
            // and each waiting request raises the event on its own context.
            return new Saml2BearerTokenLookup(new Saml2BearerCachedToken(response, expiresAt, claims), null, Saml2BearerTokenLookupSource.Exchanged) { Unvetted = true };
        }

        // Inside the exchange, before the token is cached: the event's verdict (or replacement) holds for
        // every caller waiting on this exchange, not only for the request that started it.
        var tokenReceived = await RaiseTokenReceivedAsync(assertion, response).ConfigureAwait(false);
        if (tokenReceived.Result is not null)
        {
            return new Saml2BearerTokenLookup(null, null, Saml2BearerTokenLookupSource.Exchanged) { EventResult = tokenReceived.Result };
        }

        return new Saml2BearerTokenLookup(new Saml2BearerCachedToken(tokenReceived.TokenResponse, expiresAt, claims), null, Saml2BearerTokenLookupSource.Exchanged);
    }

    private async Task<TokenReceivedContext> RaiseTokenReceivedAsync(Saml2Assertion? assertion, Saml2BearerTokenResponse response)
    {
        var tokenReceived = new TokenReceivedContext(Context, Scheme, Options, assertion, response);
        await Events.TokenReceived(tokenReceived).ConfigureAwait(false);
        return tokenReceived;
    }

    private AuthenticationProperties CreateProperties(Saml2BearerCachedToken token, string tokenKey)
    {
        var properties = new AuthenticationProperties { ExpiresUtc = token.ExpiresAt };
        properties.Items[Saml2BearerTokenEviction.TokenKeyItem] = tokenKey;
        if (Options.SaveTokens)
        {
            var tokens = new List<AuthenticationToken>
            {
                new() { Name = "access_token", Value = token.Response.AccessToken },
                new() { Name = "token_type", Value = token.Response.TokenType },
                new() { Name = "expires_at", Value = token.ExpiresAt.ToString("o", CultureInfo.InvariantCulture) },
            };
            if (token.Response.RefreshToken is { } refreshToken)
            {
                tokens.Add(new() { Name = "refresh_token", Value = refreshToken });
            }

            if (token.Response.IdToken is { } idToken)
            {
                tokens.Add(new() { Name = "id_token", Value = idToken });
            }

            properties.StoreTokens(tokens);
        }

        return properties;
    }

    private Task<AuthenticateResult> RejectAssertionAsync(Saml2AssertionFailureReason reason, byte[]? xml = null)
    {
        if (Logger.IsEnabled(LogLevel.Information) && Saml2BearerSha1Hint.Sha1Algorithm(reason, xml, Options.State!.Validator.Parameters) is { } sha1)
        {
            Saml2BearerLog.AssertionRejectedSha1(Logger, reason, sha1);
        }
        else
        {
            Saml2BearerLog.AssertionRejected(Logger, reason);
        }

        return FailAsync(new Saml2BearerAuthenticationException(
            Saml2BearerFailureKind.AssertionRejected, Saml2AssertionFailureMessages.Describe(reason), reason));
    }

    private Saml2BearerAuthenticationException MapExchangeFailure(Saml2BearerTokenResult failure)
    {
        // The failure itself was logged once, where it happened; this is only this request's answer.
        Saml2BearerLog.ExchangeFailed(Logger, failure, quiet: true);
        return failure.Status switch
        {
            Saml2BearerTokenResultStatus.InvalidGrant =>
                new Saml2BearerAuthenticationException(Saml2BearerFailureKind.GrantRejected, "The authorization server did not accept the assertion."),

            // Our misconfiguration, not the caller's: a 503 like an unavailable server, never invalid_token.
            Saml2BearerTokenResultStatus.ClientError =>
                new Saml2BearerAuthenticationException(
                    Saml2BearerFailureKind.ClientRejected, "The authorization server is temporarily unavailable.", retryAfter: failure.RetryAfter ?? Options.DefaultRetryAfter),
            _ => ServiceUnavailable(failure.Error, failure.RetryAfter),
        };
    }

    private Saml2BearerAuthenticationException ServiceUnavailable(string? error, TimeSpan? retryAfter) =>
        new(Saml2BearerFailureKind.ServiceUnavailable, "The authorization server is temporarily unavailable.", retryAfter: retryAfter ?? Options.DefaultRetryAfter);

    private async Task<AuthenticateResult> FailAsync(Saml2BearerAuthenticationException failure)
    {
        var failed = new AuthenticationFailedContext(Context, Scheme, Options, failure);
        await Events.AuthenticationFailed(failed).ConfigureAwait(false);
        return failed.Result ?? AuthenticateResult.Fail(failure);
    }

    /// <inheritdoc />
    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var authenticateResult = await HandleAuthenticateOnceSafeAsync().ConfigureAwait(false);
        var failure = authenticateResult.Failure as Saml2BearerAuthenticationException
            ?? (authenticateResult.Failure is null ? null : new Saml2BearerAuthenticationException(Saml2BearerFailureKind.RejectedByEvent, "The request was rejected."));
        var challenge = new ChallengeContext(Context, Scheme, Options, properties) { AuthenticateFailure = failure };
        var unavailable = failure?.Kind is Saml2BearerFailureKind.ServiceUnavailable or Saml2BearerFailureKind.ClientRejected;
        if (failure is not null && !unavailable)
        {
            challenge.Error = "invalid_token";
            challenge.ErrorDescription = Options.IncludeErrorDetails ? failure.Message : null;
        }

        await Events.Challenge(challenge).ConfigureAwait(false);
        if (challenge.Handled)
        {
            return;
        }

        if (unavailable)
        {
            Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            var retryAfter = failure!.RetryAfter ?? Options.DefaultRetryAfter;
            Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }
        else
        {
            Response.StatusCode = StatusCodes.Status401Unauthorized;
            Response.Headers.Append(HeaderNames.WWWAuthenticate, Saml2BearerChallenge.Format(challenge.Error, challenge.ErrorDescription));
        }

        await SoapFaultWriter.WriteIfSoapAsync(Context, Options, failure, challenge.ErrorDescription).ConfigureAwait(false);
    }

    /// <inheritdoc />
    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        var forbidden = new ForbiddenContext(Context, Scheme, Options);
        await Events.Forbidden(forbidden).ConfigureAwait(false);
        await base.HandleForbiddenAsync(properties).ConfigureAwait(false);
    }
}
