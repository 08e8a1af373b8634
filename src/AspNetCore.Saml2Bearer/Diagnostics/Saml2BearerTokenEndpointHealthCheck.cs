using System.Globalization;
using System.Net;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AspNetCore.Saml2Bearer.Diagnostics;

/// <summary>
/// Reports whether a scheme's authorization server can be used: the registration's failure status (Unhealthy
/// by default) while the circuit breaker of the scheme's token endpoint client is open, or when the server gives
/// no HTTP answer; Degraded when it
/// answers with a server error, or after recent exchange failures that were not the caller's fault;
/// otherwise Healthy. The probe is a GET of the discovery document when <see cref="Saml2BearerOptions.Authority"/>
/// is set, else a HEAD of the token endpoint (any HTTP answer means reachable). It never posts an assertion
/// or a client credential, and goes through its own client, so it cannot trip the exchange's circuit breaker.
/// </summary>
internal sealed class Saml2BearerTokenEndpointHealthCheck : IHealthCheck
{
    /// <summary>How long the probe may take when the registration sets no timeout.</summary>
    internal static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(5);

    /// <summary>How long an exchange failure keeps the check Degraded.</summary>
    internal static readonly TimeSpan FailureWindow = TimeSpan.FromMinutes(1);

    private readonly string _scheme;
    private readonly IOptionsMonitor<Saml2BearerOptions> _options;
    private readonly IHttpClientFactory _httpClientFactory;
    private readonly Saml2BearerTokenEndpointMonitor _monitor;
    private readonly ILogger _logger;

    public Saml2BearerTokenEndpointHealthCheck(
        string scheme,
        IOptionsMonitor<Saml2BearerOptions> options,
        IHttpClientFactory httpClientFactory,
        Saml2BearerTokenEndpointMonitor monitor,
        ILogger<Saml2BearerTokenEndpointHealthCheck> logger)
    {
        _scheme = scheme;
        _options = options;
        _httpClientFactory = httpClientFactory;
        _monitor = monitor;
        _logger = logger;
    }

    /// <summary>The name of the plain client (no retry, no circuit breaker, no redirects) the probe uses.</summary>
    internal static string ProbeClientName(string scheme) => Saml2BearerDefaults.HttpClientNamePrefix + scheme + ".HealthCheck";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var failureStatus = context.Registration?.FailureStatus ?? HealthStatus.Unhealthy;
        var options = _options.Get(_scheme);
        var now = (options.TimeProvider ?? TimeProvider.System).GetUtcNow();
        var state = _monitor.For(_scheme);
        if (state.IsCircuitOpen(now))
        {
            HealthCheckLog.CircuitOpen(_logger, _scheme);
            return new HealthCheckResult(failureStatus, "The circuit breaker of the token endpoint is open: token exchanges fail fast.", data: Data("circuit", "open"));
        }

        var probe = ProbeAddress(options);
        if (probe is null)
        {
            return new HealthCheckResult(failureStatus, "No token endpoint or authority is configured.");
        }

        var (method, address) = probe.Value;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // The registration's timeout, when set, bounds the whole check (the health check service cancels it);
        // without one, the probe gives up on its own.
        if (context.Registration is not { Timeout: var registered } || registered == Timeout.InfiniteTimeSpan)
        {
            timeout.CancelAfter(ProbeTimeout);
        }
        int statusCode;
        try
        {
            using var request = new HttpRequestMessage(method, address);
            using var response = await _httpClientFactory.CreateClient(ProbeClientName(_scheme))
                .SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token)
                .ConfigureAwait(false);
            statusCode = (int)response.StatusCode;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            HealthCheckLog.ProbeFailed(_logger, _scheme, address.Authority, address.AbsolutePath, "timeout");
            return new HealthCheckResult(failureStatus, "The authorization server did not answer in time.", data: Data("probe", "timeout"));
        }
        catch (HttpRequestException exception)
        {
            var error = exception.HttpRequestError.ToString();
            HealthCheckLog.ProbeFailed(_logger, _scheme, address.Authority, address.AbsolutePath, error);
            return new HealthCheckResult(failureStatus, "The authorization server could not be reached.", data: Data("probe", error));
        }

        var data = Data("status_code", statusCode);
        if (statusCode >= (int)HttpStatusCode.InternalServerError)
        {
            return HealthCheckResult.Degraded(
                string.Create(CultureInfo.InvariantCulture, $"The authorization server answered HTTP {statusCode}."), data: data);
        }

        var failures = state.RecentFailures(now, FailureWindow);
        if (failures > 0)
        {
            return HealthCheckResult.Degraded(
                string.Create(CultureInfo.InvariantCulture, $"The authorization server is reachable, but the last {failures} token exchange(s) failed."),
                data: Data("recent_failures", failures));
        }

        return HealthCheckResult.Healthy("The authorization server is reachable.", data);
    }

    /// <summary>The discovery document when an authority is set, else the token endpoint; only absolute HTTP(S) addresses.</summary>
    internal static (HttpMethod Method, Uri Address)? ProbeAddress(Saml2BearerOptions options)
    {
        if (!string.IsNullOrEmpty(options.TokenEndpoint) && string.IsNullOrEmpty(options.Authority))
        {
            return IsHttp(options.TokenEndpoint, out var tokenEndpoint) ? (HttpMethod.Head, tokenEndpoint!) : null;
        }

        var metadata = options.MetadataAddress;
        if (string.IsNullOrEmpty(metadata) && !string.IsNullOrEmpty(options.Authority))
        {
            metadata = options.Authority.TrimEnd('/') + "/.well-known/openid-configuration";
        }

        return IsHttp(metadata, out var metadataAddress) ? (HttpMethod.Get, metadataAddress!) : null;
    }

    private static bool IsHttp(string? address, out Uri? uri) =>
        Uri.TryCreate(address, UriKind.Absolute, out uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp);

    private static Dictionary<string, object> Data(string key, object value) => new(StringComparer.Ordinal) { [key] = value };
}
