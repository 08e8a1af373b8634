using System.Globalization;
using System.Security.Claims;
using System.Text.Encodings.Web;
using AspNetCore.Saml2Bearer.Assertions;
using AspNetCore.Saml2Bearer.Caching;
using AspNetCore.Saml2Bearer.Claims;
using AspNetCore.Saml2Bearer.Diagnostics;
using AspNetCore.Saml2Bearer.Events;
using AspNetCore.Saml2Bearer.Extraction;
using AspNetCore.Saml2Bearer.Lifecycle;
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
            var messageReceived = new MessageReceivedContext(Context, Scheme, Options);
            await Events.MessageReceived(messageReceived).ConfigureAwait(false);
            if (messageReceived.Result is not null)
            {
                return messageReceived.Result;
            }

            var credential = await ExtractAsync(messageReceived).ConfigureAwait(false);
            if (credential.IsEmpty)
            {
                Saml2BearerLog.AssertionNotFound(Logger);
                return AuthenticateResult.NoResult();
            }

            var (presented, rejected) = await DecodeAndValidateAsync(credential).ConfigureAwait(false);
            if (rejected is not null)
            {
                return rejected;
            }

            var (token, shared, failed) = await ObtainTokenAsync(presented).ConfigureAwait(false);
            if (failed is not null)
            {
                return failed;
            }

            return await BuildPrincipalAsync(presented, token!, shared).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (Context.RequestAborted.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // Never a 500: the fault is ours or the server's, not the caller's, and may pass; only the
            // type is logged, since an exception message could quote input.
            Saml2BearerLog.UnexpectedFailure(Logger, exception.GetType().Name);
            return await FailAsync(ServiceUnavailable(null)).ConfigureAwait(false);
        }
    }

    /// <summary>Extract: the assertion an event supplied, or the one an extractor finds in the request.</summary>
    private async ValueTask<Saml2BearerCredential> ExtractAsync(MessageReceivedContext messageReceived) =>
        messageReceived.Assertion is { } supplied
            ? Saml2BearerCredential.FromEncoded(Saml2BearerCredentialSource.MessageReceived, supplied.AsMemory())
            : await Saml2BearerCredentialExtractor.ExtractAsync(Request, Options).ConfigureAwait(false);

    /// <summary>
    /// Decode, then validate (or take the fast path for bytes validated before) and raise
    /// <c>AssertionValidated</c>; without local validation, only what forwarding unread allows.
    /// </summary>
    private async ValueTask<(Saml2BearerPresentedAssertion Presented, AuthenticateResult? Rejected)> DecodeAndValidateAsync(Saml2BearerCredential credential)
    {
        var state = Options.State!;
        var fullValidation = Options.AssertionValidationMode == Saml2BearerAssertionValidationMode.Full;
        using var measurement = new Saml2BearerValidationMeasurement(Metrics, TimeProvider, Scheme.Name);
        var input = Saml2BearerAssertionInput.Read(credential, state, useFastPath: fullValidation && Options.EnableAssertionCache);
        if (input.FailureReason != Saml2AssertionFailureReason.None)
        {
            measurement.Rejected(input.FailureReason);
            return (default, await RejectAssertionAsync(input.FailureReason).ConfigureAwait(false));
        }

        if (!fullValidation)
        {
            return await ForwardUnreadAsync(input).ConfigureAwait(false);
        }

        var entry = input.FastPathEntry;
        var (assertion, rejected) = entry is not null ? (entry.Assertion, null) : await ValidateAsync(input, measurement).ConfigureAwait(false);
        if (rejected is not null)
        {
            return (default, rejected);
        }

        if (entry is not null)
        {
            if (Logger.IsEnabled(LogLevel.Debug))
            {
                Saml2BearerLog.AssertionCacheHit(Logger, entry.LogHandle);
            }

            measurement.Validated(assertion!.Issuer, fastPath: true);
        }

        var assertionValidated = new AssertionValidatedContext(Context, Scheme, Options, assertion!);
        await Events.AssertionValidated(assertionValidated).ConfigureAwait(false);
        if (assertionValidated.Result is not null)
        {
            return (default, assertionValidated.Result);
        }

        if (entry is not null)
        {
            return (new(input, assertion, entry, entry.TokenKey), null);
        }

        var tokenKey = Saml2BearerTokenCacheKey.ForSubject(
            Scheme.Name, AuthorizationServer, Options.ClientId, assertion!.Issuer, assertion.NameId.Format, assertion.NameId.Value, Options.Scope, Options.TokenAudience ?? Options.Resource);

        // Only now, after the event accepted it: bytes an event refused never reach the fast path.
        entry = Options.EnableAssertionCache ? state.AssertionCache.Set(input.Xml!, assertion, tokenKey) : null;
        return (new(input, assertion, entry, tokenKey), null);
    }

    /// <summary>Validate: the full checks of the assertion, with a SOAP envelope's already loaded document when there is one.</summary>
    private async ValueTask<(Saml2Assertion? Assertion, AuthenticateResult? Rejected)> ValidateAsync(Saml2BearerAssertionInput input, Saml2BearerValidationMeasurement measurement)
    {
        var validator = Options.State!.Validator;

        // A SOAP envelope's assertion comes already securely loaded: its bytes are not parsed again.
        var validation = input.Document is { } loaded
            ? await validator.ValidateLoadedAsync(loaded, input.Xml!, Context.RequestAborted).ConfigureAwait(false)
            : await validator.ValidateDecodedAsync(input.Xml!, Context.RequestAborted).ConfigureAwait(false);
        if (!validation.IsValid)
        {
            measurement.Rejected(validation.FailureReason);
            return (null, await RejectAssertionAsync(validation.FailureReason, input.Xml).ConfigureAwait(false));
        }

        if (Logger.IsEnabled(LogLevel.Debug))
        {
            Saml2BearerLog.AssertionValidated(Logger, Saml2BearerLog.AssertionHandle(input.Xml), validation.Assertion.Issuer);
        }

        measurement.Validated(validation.Assertion.Issuer, fastPath: false);
        return (validation.Assertion, null);
    }

    /// <summary>TrustAuthorizationServer: the assertion is forwarded unread, but the SAML 1.1 opt-in still holds.</summary>
    private async ValueTask<(Saml2BearerPresentedAssertion Presented, AuthenticateResult? Rejected)> ForwardUnreadAsync(Saml2BearerAssertionInput input)
    {
        if (!Options.Assertion.AllowSaml11 && Saml2DocumentStructure.IsSaml11Document(input.Xml!))
        {
            // The AS is never called.
            return (default, await RejectAssertionAsync(Saml2AssertionFailureReason.Saml11NotAllowed).ConfigureAwait(false));
        }

        var tokenKey = Saml2BearerTokenCacheKey.ForAssertion(
            Scheme.Name, AuthorizationServer, Options.ClientId, input.Xml, Options.Scope, Options.TokenAudience ?? Options.Resource);
        return (new(input, null, null, tokenKey), null);
    }

    /// <summary>
    /// Obtain the token: the subject's token the fast path found in memory, or the token manager's answer
    /// (cache, or one exchange for every concurrent request).
    /// </summary>
    private async ValueTask<(Saml2BearerCachedToken? Token, bool Shared, AuthenticateResult? Failed)> ObtainTokenAsync(Saml2BearerPresentedAssertion presented)
    {
        // A token in memory is the common case: answered here, without the manager's acquisition state.
        if (presented.Input.CachedToken is { } cached || Options.State!.TokenManager.TryGetCachedToken(presented.TokenKey, out cached))
        {
            ObtainedToken(presented.TokenKey, Saml2BearerTokenLookupSource.MemoryCache);
            return (cached!, true, null);
        }

        var acquisition = new Saml2BearerTokenAcquisition
        {
            SchemeName = Scheme.Name,
            Options = Options,
            TokenService = _tokenService,
            AssertionXml = presented.Input.Xml!,
            Assertion = presented.Assertion,
            Logger = Logger,
            Metrics = Metrics,
            EndpointState = Context.RequestServices.GetRequiredService<Saml2BearerTokenEndpointMonitor>().For(Scheme.Name),
            RequestAborted = Context.RequestAborted,
            TokenReceived = response => RaiseTokenReceivedAsync(presented.Assertion, response),
        };
        var outcome = await Options.State!.TokenManager.GetTokenAsync(presented.TokenKey, acquisition, Context.RequestAborted).ConfigureAwait(false);
        ObtainedToken(presented.TokenKey, outcome.Source);
        if (outcome.EventResult is not null)
        {
            return (null, false, outcome.EventResult);
        }

        return outcome.Token is null
            ? (null, false, await FailAsync(MapExchangeFailure(outcome.Failure!)).ConfigureAwait(false))
            : (outcome.Token, outcome.IsShared, null);
    }

    /// <summary>
    /// Build the principal (repeat requests copy what the first one built for this assertion and token),
    /// then raise <c>TokenValidated</c>.
    /// </summary>
    private async ValueTask<AuthenticateResult> BuildPrincipalAsync(Saml2BearerPresentedAssertion presented, Saml2BearerCachedToken token, bool shared)
    {
        ClaimsPrincipal principal;
        AuthenticationProperties properties;
        if (presented.FastPathEntry is { } entry && shared)
        {
            if (!entry.TryGetTemplate(token, out var template))
            {
                template = new Saml2BearerPrincipalTemplate(
                    token, (ClaimsIdentity)Saml2BearerPrincipalFactory.Create(Scheme.Name, Options, presented.Assertion, token).Identity!, CreateProperties(token, presented.TokenKey));
                entry.SetTemplate(template);
            }

            principal = template.CreatePrincipal();
            properties = template.CreateProperties();
        }
        else
        {
            principal = Saml2BearerPrincipalFactory.Create(Scheme.Name, Options, presented.Assertion, token);
            properties = CreateProperties(token, presented.TokenKey);
        }

        var tokenValidated = new TokenValidatedContext(Context, Scheme, Options, presented.Assertion, token.Response)
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
            _ => ServiceUnavailable(failure.RetryAfter),
        };
    }

    private Saml2BearerAuthenticationException ServiceUnavailable(TimeSpan? retryAfter) =>
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
