using System.Net.Http.Headers;
using System.Security.Claims;
using AspNetCore.Saml2Bearer.IntegrationTests.EndToEnd;
using AspNetCore.Saml2Bearer.IntegrationTests.Infrastructure;
using AspNetCore.Saml2Bearer.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AspNetCore.Saml2Bearer.IntegrationTests.Faults;

/// <summary>
/// An API in process (TestServer) protected by the real handler (default token service, resilience pipeline,
/// caches), trusting a test identity provider's assertions. <c>GET /whoami</c> answers the name and the
/// claims. Its logs are recorded; a test configures the scheme (token endpoint or authority, timeouts).
/// </summary>
public sealed class FaultApiHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FaultApiHost(WebApplication app, InMemoryLoggerProvider logs)
    {
        _app = app;
        Logs = logs;
        Client = app.GetTestClient();
        Client.Timeout = TimeSpan.FromMinutes(2);
    }

    public HttpClient Client { get; }

    public InMemoryLoggerProvider Logs { get; }

    /// <summary>The scheme's options as the handler uses them; a test may point them elsewhere mid-run.</summary>
    public Saml2BearerOptions Options => _app.Services.GetRequiredService<IOptionsMonitor<Saml2BearerOptions>>().Get(Saml2BearerDefaults.AuthenticationScheme);

    /// <param name="idp">The identity provider whose assertions the API trusts.</param>
    /// <param name="configure">Points the scheme at the authorization server under test.</param>
    /// <param name="configureHost">What the host itself adds to its services (before and after the scheme), e.g. HTTP client defaults.</param>
    public static async Task<FaultApiHost> StartAsync(TestSaml2IdentityProvider idp, Action<Saml2BearerOptions> configure, Action<IServiceCollection>? configureHost = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        var logs = new InMemoryLoggerProvider();
        // The library's fault events, all warnings and up. The handler's per-request information lines and
        // the resilience pipeline's attempt warnings (a stack trace per failed attempt) are left out.
        builder.Logging.ClearProviders().AddProvider(logs).SetMinimumLevel(LogLevel.Warning).AddFilter("Polly", LogLevel.Error);

        builder.Services.AddAuthentication(Saml2BearerDefaults.AuthenticationScheme).AddSaml2Bearer(options =>
        {
            options.ClientId = FaultyAuthorizationServer.Audience;
            options.ClientSecret = "fault-api-secret";
            options.Scope = "orders.read";
            options.Assertion.AddIdentityProvider(idp.EntityId, idp.SigningCertificate);
            options.Assertion.ValidAudiences.Add(idp.DefaultAudience);
            options.Assertion.ValidRecipients.Add(idp.DefaultRecipient);
            configure(options);
        });
        builder.Services.AddAuthorization();
        configureHost?.Invoke(builder.Services);

        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapGet("/whoami", (ClaimsPrincipal user) => Results.Json(new
        {
            name = user.Identity?.Name,
            claims = user.Claims.Select(c => new { type = c.Type, value = c.Value }),
        })).RequireAuthorization();
        await app.StartAsync();
        return new FaultApiHost(app, logs);
    }

    public async Task<ApiResponse> WhoAmIAsync(string assertion)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/whoami");
        request.Headers.Authorization = new AuthenticationHeaderValue(Saml2BearerDefaults.HeaderScheme, assertion);
        using var response = await Client.SendAsync(request);
        return new ApiResponse(
            response.StatusCode,
            await response.Content.ReadAsStringAsync(),
            response.Headers.WwwAuthenticate.Select(h => h.ToString()).ToList(),
            response.Headers.RetryAfter);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(timeout.Token);
        await _app.DisposeAsync();
    }
}
