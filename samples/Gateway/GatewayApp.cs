using AspNetCore.Saml2Bearer;
using Yarp.ReverseProxy.Configuration;

namespace Gateway;

/// <summary>
/// A YARP gateway in front of a Bearer-only backend: legacy callers send SAML, the gateway exchanges it
/// with <c>AddSaml2Bearer()</c>, strips the SAML header (or a SOAP envelope's <c>wsse:Security</c> header)
/// and forwards <c>Authorization: Bearer</c>.
/// Requests that fail authentication never reach the backend.
/// </summary>
public static class GatewayApp
{
    /// <summary>The authorization policy every proxied route requires.</summary>
    public const string SamlCallerPolicy = "saml-caller";

    /// <summary>Builds the gateway.</summary>
    /// <param name="args">Command-line arguments.</param>
    /// <param name="backendAddress">The backend base address; default from <c>Gateway:Backend</c>.</param>
    /// <param name="configure">Changes services or configuration before the app is built.</param>
    /// <returns>The application, not yet started.</returns>
    public static WebApplication Build(string[] args, string? backendAddress = null, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        // SOAP callers (a SAML token in a WS-Security header) are accepted and answered with SOAP faults
        // unless configuration turns that off; the backend never sees the Security header.
        var scheme = builder.Configuration.GetSection("Authentication:Schemes:" + Saml2BearerDefaults.AuthenticationScheme);
        builder.Services
            .AddAuthentication(Saml2BearerDefaults.AuthenticationScheme)
            .AddSaml2Bearer(options =>
            {
                options.AllowSoapSecurityHeader = scheme.GetValue(nameof(Saml2BearerOptions.AllowSoapSecurityHeader), true);
                options.SoapFaults = scheme.GetValue(nameof(Saml2BearerOptions.SoapFaults), true);
            });
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(SamlCallerPolicy, policy => policy.AddAuthenticationSchemes(Saml2BearerDefaults.AuthenticationScheme).RequireAuthenticatedUser());

        var backend = backendAddress ?? builder.Configuration["Gateway:Backend"]
            ?? throw new InvalidOperationException("Set Gateway:Backend to the backend's base address.");
        builder.Services.AddReverseProxy()
            .LoadFromMemory(
                [new RouteConfig { RouteId = "backend", ClusterId = "backend", AuthorizationPolicy = SamlCallerPolicy, Match = new RouteMatch { Path = "{**catch-all}" } }],
                [new ClusterConfig { ClusterId = "backend", Destinations = new Dictionary<string, DestinationConfig> { ["backend"] = new() { Address = backend } } }])
            .AddSaml2BearerForwarding();

        configure?.Invoke(builder);

        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapReverseProxy();
        return app;
    }
}
