using AspNetCore.Saml2Bearer;
using AspNetCore.Saml2Bearer.Diagnostics;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Registers the health check of a SAML 2.0 bearer scheme's authorization server.
/// </summary>
public static class Saml2BearerHealthChecksBuilderExtensions
{
    /// <summary>
    /// Adds a health check of the token endpoint of <paramref name="scheme"/>: Unhealthy while the circuit
    /// breaker of its HTTP client is open or when the authorization server gives no HTTP answer within a few
    /// seconds; Degraded when it answers with a server error or recent token exchanges failed; otherwise
    /// Healthy. The probe is a GET of the discovery document when <see cref="Saml2BearerOptions.Authority"/>
    /// is set, else a HEAD of the token endpoint; it never sends an assertion or a client credential.
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="scheme">The authentication scheme added with <c>AddSaml2Bearer</c>.</param>
    /// <param name="name">The name of the check. Default: <c>saml2bearer-&lt;scheme&gt;</c>.</param>
    /// <param name="failureStatus">
    /// The status reported when the check fails (circuit open, no answer, nothing configured). Default:
    /// <see cref="HealthStatus.Unhealthy"/>. A server error or recent failed exchanges are always Degraded.
    /// </param>
    /// <param name="tags">Tags to filter checks by (for example per endpoint). Default: <c>saml2bearer</c>.</param>
    /// <param name="timeout">
    /// How long the check may run, the probe included. Default: none from the health check service, and the probe
    /// gives up after 5 seconds.
    /// </param>
    /// <returns>The builder.</returns>
    public static IHealthChecksBuilder AddSaml2BearerTokenEndpoint(
        this IHealthChecksBuilder builder,
        string scheme = Saml2BearerDefaults.AuthenticationScheme,
        string? name = null,
        HealthStatus? failureStatus = null,
        IEnumerable<string>? tags = null,
        TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(scheme);

        var services = builder.Services;
        services.TryAddSingleton<Saml2BearerTokenEndpointMonitor>();
        services.AddHttpClient(Saml2BearerTokenEndpointHealthCheck.ProbeClientName(scheme))
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, ConnectTimeout = Saml2BearerTokenEndpointHealthCheck.ProbeTimeout });

        return builder.Add(new HealthCheckRegistration(
            name ?? "saml2bearer-" + scheme,
            services => new Saml2BearerTokenEndpointHealthCheck(
                scheme,
                services.GetRequiredService<IOptionsMonitor<Saml2BearerOptions>>(),
                services.GetRequiredService<IHttpClientFactory>(),
                services.GetRequiredService<Saml2BearerTokenEndpointMonitor>(),
                services.GetRequiredService<ILogger<Saml2BearerTokenEndpointHealthCheck>>()),
            failureStatus,
            tags ?? ["saml2bearer"],
            timeout));
    }
}
