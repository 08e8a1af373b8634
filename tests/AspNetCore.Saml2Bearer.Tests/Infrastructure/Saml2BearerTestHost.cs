using System.Net.Http.Headers;
using System.Net.Http.Json;
using AspNetCore.Saml2Bearer.TokenExchange;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace AspNetCore.Saml2Bearer.Tests.Infrastructure;

/// <summary>What a test host is made of; every part has a working default.</summary>
public sealed class Saml2BearerTestHostSettings
{
    /// <summary>Runs after the defaults of <see cref="Saml2BearerTestHost.ConfigureDefaults"/>.</summary>
    public Action<Saml2BearerOptions>? Configure { get; set; }

    /// <summary>Replaces the default <c>AddSaml2Bearer</c> registration (for several schemes).</summary>
    public Action<AuthenticationBuilder, FakeTimeProvider>? Authentication { get; set; }

    public Action<IServiceCollection>? Services { get; set; }

    /// <summary>In-memory configuration added last.</summary>
    public IDictionary<string, string?>? Configuration { get; set; }

    /// <summary>More endpoints.</summary>
    public Action<WebApplication>? Endpoints { get; set; }

    /// <summary>The default authentication scheme. Default: <see cref="Saml2BearerDefaults.AuthenticationScheme"/>.</summary>
    public string DefaultScheme { get; set; } = Saml2BearerDefaults.AuthenticationScheme;

    /// <summary>Whether the default token service is registered before AddSaml2Bearer.</summary>
    public bool RegisterTokenService { get; set; } = true;
}

/// <summary>
/// A WebApplication on TestServer with the SAML 2.0 bearer scheme, a recording token service, a
/// FakeTimeProvider and an in-memory log. Endpoints: <c>/whoami</c> (authorized; name and claims as
/// JSON), <c>/orders</c> (scope orders.read), <c>/token</c> (the saved access token), <c>/evict</c>.
/// </summary>
public sealed class Saml2BearerTestHost : IAsyncDisposable
{
    public const string TokenEndpoint = Saml2AssertionBuilder.DefaultRecipient;
    public const string ClientId = "resource-api";
    public const string ClientSecret = "client-secret-7f3a92d4e1";
    public const string OrdersPolicy = "orders";

    private Saml2BearerTestHost(WebApplication app, FakeTimeProvider time, RecordingTokenService tokenService, InMemoryLoggerProvider logs, ValidatorFixture fixture)
    {
        App = app;
        Time = time;
        TokenService = tokenService;
        Logs = logs;
        Fixture = fixture;
    }

    private HttpClient? _client;
    private bool _started;

    public WebApplication App { get; }

    /// <summary>The client of the test server; the host must have been started.</summary>
    public HttpClient Client => _client ??= App.GetTestClient();

    public FakeTimeProvider Time { get; }

    public RecordingTokenService TokenService { get; }

    public InMemoryLoggerProvider Logs { get; }

    public ValidatorFixture Fixture { get; }

    public static FakeTimeProvider CreateTime() => new(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));

    /// <summary>A token endpoint, client credentials, the fixture's IdPs and audience, and the fake clock.</summary>
    public static void ConfigureDefaults(Saml2BearerOptions options, ValidatorFixture fixture, TimeProvider time)
    {
        options.TokenEndpoint = TokenEndpoint;
        options.ClientId = ClientId;
        options.ClientSecret = ClientSecret;
        options.Scope = "orders.read";
        options.TimeProvider = time;
        options.Assertion.AddIdentityProvider(Saml2AssertionBuilder.DefaultIssuer, fixture.IdpKey.PublicCertificate);
        options.Assertion.AddIdentityProvider(ValidatorFixture.OtherIssuer, fixture.OtherIdpKey.PublicCertificate);
        options.Assertion.ValidAudiences.Add(Saml2AssertionBuilder.DefaultAudience);
    }

    /// <summary>Builds the host without starting it.</summary>
    public static Saml2BearerTestHost Create(ValidatorFixture fixture, Saml2BearerTestHostSettings? settings = null)
    {
        settings ??= new Saml2BearerTestHostSettings();
        var time = CreateTime();
        var tokenService = new RecordingTokenService();
        var logs = new InMemoryLoggerProvider();

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production });
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(logs);
        builder.Logging.SetMinimumLevel(LogLevel.Trace);
        if (settings.Configuration is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings.Configuration);
        }

        if (settings.RegisterTokenService)
        {
            builder.Services.AddSingleton<ISaml2BearerTokenService>(tokenService);
        }

        builder.Services.AddSingleton(time);
        settings.Services?.Invoke(builder.Services);
        var authentication = builder.Services.AddAuthentication(settings.DefaultScheme);
        if (settings.Authentication is not null)
        {
            settings.Authentication(authentication, time);
        }
        else
        {
            authentication.AddSaml2Bearer(options =>
            {
                ConfigureDefaults(options, fixture, time);
                settings.Configure?.Invoke(options);
            });
        }

        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(OrdersPolicy, policy => policy.RequireAuthenticatedUser().RequireClaim(Saml2BearerDefaults.ScopeClaimType, "orders.read"));

        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.Map("/whoami", (HttpContext context) => Results.Json(WhoAmI.From(context.User))).RequireAuthorization();
        app.MapGet("/orders", () => "orders").RequireAuthorization(OrdersPolicy);
        app.MapGet("/token", async (HttpContext context) => await context.GetTokenAsync("access_token") ?? string.Empty).RequireAuthorization();
        app.MapGet("/evict", async (HttpContext context) => (await context.EvictSaml2BearerTokenAsync()) ? "evicted" : "none").RequireAuthorization();
        settings.Endpoints?.Invoke(app);
        return new Saml2BearerTestHost(app, time, tokenService, logs, fixture);
    }

    public static async Task<Saml2BearerTestHost> StartAsync(ValidatorFixture fixture, Saml2BearerTestHostSettings? settings = null)
    {
        var host = Create(fixture, settings);
        await host.StartAsync();
        return host;
    }

    /// <summary>Starts the host; options are validated here.</summary>
    public async Task StartAsync()
    {
        await App.StartAsync();
        _started = true;
    }

    public static Task<Saml2BearerTestHost> StartAsync(ValidatorFixture fixture, Action<Saml2BearerOptions> configure) =>
        StartAsync(fixture, new Saml2BearerTestHostSettings { Configure = configure });

    /// <summary>The options of a scheme after configuration.</summary>
    public Saml2BearerOptions Options(string scheme = Saml2BearerDefaults.AuthenticationScheme) =>
        App.Services.GetRequiredService<IOptionsMonitor<Saml2BearerOptions>>().Get(scheme);

    /// <summary>A new assertion builder at the fake clock's current time.</summary>
    public Saml2AssertionBuilder NewAssertion() => new(Time.GetUtcNow());

    /// <summary>A signed, valid, base64 assertion (fresh ID, so fresh bytes, each call).</summary>
    public string Assertion(Action<Saml2AssertionBuilder>? configure = null, TestSigningKey? key = null)
    {
        var builder = NewAssertion();
        configure?.Invoke(builder);
        return builder.BuildEncoded(key ?? Fixture.IdpKey);
    }

    public Task<HttpResponseMessage> GetAsync(string path, string? assertion = null, CancellationToken cancellationToken = default)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        if (assertion is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue(Saml2BearerDefaults.HeaderScheme, assertion);
        }

        return SendAsync(request, cancellationToken);
    }

    public async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken = default)
    {
        using (request)
        {
            return await Client.SendAsync(request, cancellationToken);
        }
    }

    public async Task<WhoAmI> WhoAmIAsync(string assertion)
    {
        using var response = await GetAsync("/whoami", assertion);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<WhoAmI>())!;
    }

    /// <summary>Every header and the body, to look for text that must not be echoed.</summary>
    public static async Task<string> DumpAsync(HttpResponseMessage response)
    {
        var headers = response.Headers.Concat(response.Content.Headers).Select(h => h.Key + ": " + string.Join(", ", h.Value));
        return string.Join('\n', headers) + "\n\n" + await response.Content.ReadAsStringAsync();
    }

    public async ValueTask DisposeAsync()
    {
        _client?.Dispose();
        if (_started)
        {
            await App.StopAsync();
        }

        await App.DisposeAsync();
        Logs.Dispose();
    }
}
