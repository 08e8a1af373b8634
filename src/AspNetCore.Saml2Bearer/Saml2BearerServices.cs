using System.Net;
using AspNetCore.Saml2Bearer.Diagnostics;
using AspNetCore.Saml2Bearer.TokenExchange;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;

namespace AspNetCore.Saml2Bearer;

/// <summary>
/// The services every scheme shares: the token service, and per scheme a named HTTP client for the
/// token endpoint and discovery with its resilience pipeline.
/// </summary>
internal static class Saml2BearerServices
{
    public static void AddTokenService(IServiceCollection services, string authenticationScheme)
    {
        services.TryAddSingleton<ISaml2BearerTokenService, Saml2BearerHttpTokenService>();
        services.AddMetrics();
        services.TryAddSingleton<Saml2BearerMetrics>();
        services.TryAddSingleton<Saml2BearerTokenEndpointMonitor>();
        var client = services.AddHttpClient(Saml2BearerDefaults.HttpClientNamePrefix + authenticationScheme)
            // A redirect would re-post the assertion (and a client_secret_post secret) elsewhere, and send
            // discovery and JWKS reads to another host.
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, ConnectTimeout = TimeSpan.FromSeconds(5) })
            // The client owns its pipeline. What a host adds to every client with ConfigureHttpClientDefaults
            // (the standard resilience or hedging handler of .NET Aspire's ServiceDefaults, a handler of its
            // own) is applied before any named client's configuration, so it is in this list now: drop it.
            // Those handlers retry a POST on a 5xx, and a retried token request re-posts the assertion and
            // the client secret to a server that may already have consumed the assertion.
            .ConfigureAdditionalHttpMessageHandlers(static (handlers, _) => handlers.Clear());
        client.AddResilienceHandler("saml2bearer", (pipeline, context) =>
        {
            var options = context.ServiceProvider.GetRequiredService<IOptionsMonitor<Saml2BearerOptions>>().Get(authenticationScheme);
            var endpointState = context.ServiceProvider.GetRequiredService<Saml2BearerTokenEndpointMonitor>().For(authenticationScheme);
            ConfigurePipeline(pipeline, options, endpointState);
        });
        // The second line: whatever still wraps this pipeline (an IHttpMessageHandlerBuilderFilter, say)
        // cannot make a token request reach the network twice.
        client.AddHttpMessageHandler(static () => new TokenRequestSendGuardHandler());
    }

    /// <summary>
    /// A bulkhead (at most <see cref="Saml2BearerOptions.MaxConcurrentExchanges"/> requests in flight, the
    /// rest refused at once: a hanging server must not collect a connection and a timeout per caller),
    /// the total timeout, then retries only where the request provably never reached the server (the
    /// connection failed), then a circuit breaker that turns a dead server into immediate failures.
    /// An AS may treat a re-sent assertion as a replay, so nothing that may have arrived is re-sent.
    /// </summary>
    internal static void ConfigurePipeline(ResiliencePipelineBuilder<HttpResponseMessage> pipeline, Saml2BearerOptions options, Saml2BearerTokenEndpointState? endpointState = null)
    {
        pipeline.AddConcurrencyLimiter(options.MaxConcurrentExchanges, queueLimit: 0);
        pipeline.AddTimeout(options.BackchannelTimeout);
        pipeline.AddRetry(new HttpRetryStrategyOptions
        {
            MaxRetryAttempts = 2,
            Delay = TimeSpan.FromMilliseconds(100),
            BackoffType = DelayBackoffType.Constant,
            UseJitter = true,
            ShouldHandle = arguments => ValueTask.FromResult(arguments.Outcome.Exception is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError }),
        });
        pipeline.AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions
        {
            FailureRatio = 0.5,
            MinimumThroughput = 5,
            SamplingDuration = TimeSpan.FromSeconds(30),
            BreakDuration = options.CircuitBreakDuration,
            // A timeout reaches the breaker as the cancellation of its attempt (the timeout strategy is outside
            // it, and only there becomes a TimeoutRejectedException). Nobody else cancels these requests: the
            // handler's exchange and discovery run with no caller's token, so a cancellation here is always
            // the deadline, and a server that hangs must open the circuit like one that refuses.
            ShouldHandle = arguments => ValueTask.FromResult(
                arguments.Outcome.Exception is HttpRequestException or OperationCanceledException
                || arguments.Outcome.Result?.StatusCode is >= HttpStatusCode.InternalServerError or HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests),
            // The health check reports the circuit's state.
            OnOpened = arguments =>
            {
                endpointState?.CircuitOpened((options.TimeProvider ?? TimeProvider.System).GetUtcNow(), arguments.BreakDuration);
                return default;
            },
            OnHalfOpened = _ =>
            {
                endpointState?.CircuitClosed();
                return default;
            },
            OnClosed = _ =>
            {
                endpointState?.CircuitClosed();
                return default;
            },
        });
    }
}
