using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using AspNetCore.Saml2Bearer.Testing;
using AspNetCore.Saml2Bearer.TokenExchange;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace AspNetCore.Saml2Bearer.IntegrationTests.Infrastructure;

/// <summary>
/// One in-process API instance (TestServer) wired like samples/ResourceApi with ConnectionStrings:Redis:
/// AddSaml2BearerRedis (its own Redis connection for the distributed cache, the Data Protection key ring
/// and the exchange lock), the SAML scheme exchanging at the loopback token endpoint. GET /whoami answers the name and access token.
/// </summary>
public sealed class ApiInstance : IAsyncDisposable
{
    public const string ApplicationName = "AspNetCore.Saml2Bearer.IntegrationTests";

    private readonly WebApplication _app;

    private ApiInstance(WebApplication app, IConnectionMultiplexer multiplexer, InMemoryLoggerProvider logs)
    {
        _app = app;
        Multiplexer = multiplexer;
        Logs = logs;
        Client = app.GetTestClient();
    }

    public HttpClient Client { get; }

    public IConnectionMultiplexer Multiplexer { get; }

    public InMemoryLoggerProvider Logs { get; }

    public static async Task<ApiInstance> StartAsync(RedisServerFixture redis, LoopbackTokenEndpoint tokenEndpoint, TestSigningKey signingKey, TimeProvider timeProvider, Action<Saml2BearerOptions>? configure = null)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        var logs = new InMemoryLoggerProvider();
        builder.Logging.ClearProviders().AddProvider(logs).SetMinimumLevel(LogLevel.Debug);

        var services = builder.Services;
        services.AddSaml2BearerRedis(redis.Configuration);
        services.AddDataProtection().SetApplicationName(ApplicationName);
        services.AddHttpClient<ISaml2BearerTokenService, LoopbackTokenService>();
        services.AddAuthentication(Saml2BearerDefaults.AuthenticationScheme).AddSaml2Bearer(options =>
        {
            options.TokenEndpoint = tokenEndpoint.TokenUri.ToString();
            options.ClientId = "resource-api";
            options.ClientSecret = "not-used-by-the-loopback-endpoint";
            options.Scope = "orders.read";
            options.TimeProvider = timeProvider;
            options.Assertion.AddIdentityProvider(Saml2AssertionBuilder.DefaultIssuer, signingKey.PublicCertificate);
            options.Assertion.ValidAudiences.Add(Saml2AssertionBuilder.DefaultAudience);
            options.Assertion.ValidRecipients.Add(Saml2AssertionBuilder.DefaultRecipient);
            configure?.Invoke(options);
        });
        services.AddAuthorization();

        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapGet("/whoami", async context => await context.Response.WriteAsJsonAsync(new WhoAmI(
            context.User.Identity?.Name,
            await context.GetTokenAsync("access_token")))).RequireAuthorization();
        await app.StartAsync();

        // The instance's own connection (the one its cache, key ring and lock use), for the tests to look into Redis with.
        var multiplexer = await app.Services.GetRequiredService<IOptions<RedisCacheOptions>>().Value.ConnectionMultiplexerFactory!();

        // Load (or, for the first instance, create) the shared key ring now, so that instances started
        // one after the other never each create a first key of their own.
        var protector = app.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("warm-up");
        protector.Unprotect(protector.Protect([1]));
        return new ApiInstance(app, multiplexer, logs);
    }

    public async Task<(HttpStatusCode Status, WhoAmI? Body)> WhoAmIAsync(string assertion)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/whoami");
        request.Headers.Authorization = new AuthenticationHeaderValue("SAML", assertion);
        using var response = await Client.SendAsync(request);
        return (response.StatusCode, response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<WhoAmI>() : null);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    public sealed record WhoAmI(string? Name, string? AccessToken);
}
