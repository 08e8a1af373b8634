using System.Net;
using System.Security.Claims;
using AspNetCore.Saml2Bearer.TokenExchange;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace AspNetCore.Saml2Bearer.Tests.Testing;

/// <summary>
/// <c>AddSaml2BearerTestIdentityProvider</c> makes a scheme trust the test identity provider and exchange with the
/// fake token service, whatever the registration order and whatever the application configured.
/// </summary>
public sealed class Saml2BearerTestingServiceCollectionExtensionsTests
{
    [Fact]
    public async Task AddSaml2BearerTestIdentityProvider_BeforeAddSaml2Bearer_AuthenticatesThroughTheFake()
    {
        using var idp = new TestSaml2IdentityProvider();
        await using var app = await StartAsync(services =>
        {
            services.AddSaml2BearerTestIdentityProvider(idp);
            services.AddAuthentication(Saml2BearerDefaults.AuthenticationScheme).AddSaml2Bearer();
        });

        var (status, name) = await WhoAmIAsync(app, "/whoami", idp.CreateAuthorizationHeader("alice@example.com").ToString());

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("alice@example.com", name);
        Assert.Equal(1, app.Services.GetRequiredService<FakeSaml2BearerTokenService>().ExchangeCount);
    }

    [Fact]
    public async Task AddSaml2BearerTestIdentityProvider_AfterTheAppRegisteredATokenService_ReplacesIt()
    {
        using var idp = new TestSaml2IdentityProvider();
        await using var app = await StartAsync(services =>
        {
            services.AddSingleton<ISaml2BearerTokenService, UnreachableTokenService>();
            services.AddAuthentication(Saml2BearerDefaults.AuthenticationScheme).AddSaml2Bearer(o =>
            {
                // What a production app configures: a real token endpoint and secret, its own identity provider.
                o.TokenEndpoint = "https://as.example.com/oauth2/token";
                o.ClientId = "orders-api";
                o.ClientSecret = "from-a-secret-store";
            });
            services.AddSaml2BearerTestIdentityProvider(idp);
        });

        var (status, _) = await WhoAmIAsync(app, "/whoami", idp.CreateAuthorizationHeader("alice@example.com").ToString());

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.IsType<FakeSaml2BearerTokenService>(app.Services.GetRequiredService<ISaml2BearerTokenService>());
        var request = Assert.Single(app.Services.GetRequiredService<FakeSaml2BearerTokenService>().Requests);
        Assert.Equal(Saml2BearerDefaults.AuthenticationScheme, request.SchemeName);
        Assert.Equal("https://as.example.com/oauth2/token", request.Options.TokenEndpoint);
    }

    [Fact]
    public async Task AddSaml2BearerTestIdentityProvider_AppTrustsAnotherIdentityProvider_BothAreTrusted()
    {
        using var idp = new TestSaml2IdentityProvider();
        using var partner = new TestSaml2IdentityProvider("https://partner.example.com/saml");
        await using var app = await StartAsync(services =>
        {
            services.AddAuthentication(Saml2BearerDefaults.AuthenticationScheme).AddSaml2Bearer(o =>
            {
                partner.Trust(o.Assertion);
                o.Assertion.ValidAudiences.Add(partner.DefaultAudience);
            });
            services.AddSaml2BearerTestIdentityProvider(idp);
        });

        var (fromTest, _) = await WhoAmIAsync(app, "/whoami", idp.CreateAuthorizationHeader("alice@example.com").ToString());
        var (fromPartner, _) = await WhoAmIAsync(app, "/whoami", partner.CreateAuthorizationHeader("bob@example.com").ToString());

        Assert.Equal(HttpStatusCode.OK, fromTest);
        Assert.Equal(HttpStatusCode.OK, fromPartner);
    }

    [Fact]
    public async Task AddSaml2BearerTestIdentityProvider_AppSetsAnAuthority_NoDiscoveryIsNeeded()
    {
        // With the authority kept, every token would be checked against a discovery document that cannot be had.
        using var idp = new TestSaml2IdentityProvider();
        await using var app = await StartAsync(services =>
        {
            services.AddAuthentication(Saml2BearerDefaults.AuthenticationScheme).AddSaml2Bearer(o =>
            {
                o.Authority = "https://as.invalid/";
                o.BackchannelTimeout = TimeSpan.FromSeconds(2);
            });
            services.AddSaml2BearerTestIdentityProvider(idp);
        });

        var (status, _) = await WhoAmIAsync(app, "/whoami", idp.CreateAuthorizationHeader("alice@example.com").ToString());

        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Fact]
    public async Task AddSaml2BearerTestIdentityProvider_NamedScheme_ConfiguresThatSchemeOnly()
    {
        using var idp = new TestSaml2IdentityProvider();
        using var other = new TestSaml2IdentityProvider("https://other.example.com/saml");
        await using var app = await StartAsync(services =>
        {
            services.AddAuthentication(Saml2BearerDefaults.AuthenticationScheme)
                .AddSaml2Bearer()
                .AddSaml2Bearer("Partner", configureOptions: null);
            services.AddSaml2BearerTestIdentityProvider(other);
            services.AddSaml2BearerTestIdentityProvider(idp, "Partner");
        });
        var header = idp.CreateAuthorizationHeader("alice@example.com").ToString();

        var (partnerScheme, name) = await WhoAmIAsync(app, "/partner/whoami", header);
        var (defaultScheme, _) = await WhoAmIAsync(app, "/whoami", header);

        Assert.Equal(HttpStatusCode.OK, partnerScheme);
        Assert.Equal("alice@example.com", name);
        Assert.Equal(HttpStatusCode.Unauthorized, defaultScheme);
        // Both schemes share the one fake; only the accepted assertion reached it.
        Assert.Equal(1, app.Services.GetRequiredService<FakeSaml2BearerTokenService>().ExchangeCount);
    }

    [Fact]
    public async Task AddSaml2BearerTestIdentityProvider_AssertionForAnotherAudience_Returns401()
    {
        using var idp = new TestSaml2IdentityProvider();
        await using var app = await StartAsync(services =>
        {
            services.AddAuthentication(Saml2BearerDefaults.AuthenticationScheme).AddSaml2Bearer();
            services.AddSaml2BearerTestIdentityProvider(idp);
        });

        var (status, _) = await WhoAmIAsync(app, "/whoami", idp.CreateAuthorizationHeader("alice@example.com", d => d.Audiences.Add("https://elsewhere.example.com")).ToString());

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal(0, app.Services.GetRequiredService<FakeSaml2BearerTokenService>().ExchangeCount);
    }

    private static async Task<WebApplication> StartAsync(Action<IServiceCollection> configureServices)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        configureServices(builder.Services);
        builder.Services.AddAuthorization();
        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapGet("/whoami", (ClaimsPrincipal user) => user.Identity!.Name).RequireAuthorization();
        app.MapGet("/partner/whoami", (ClaimsPrincipal user) => user.Identity!.Name)
            .RequireAuthorization(new AuthorizeAttribute { AuthenticationSchemes = "Partner" });
        await app.StartAsync();
        return app;
    }

    private static async Task<(HttpStatusCode Status, string Body)> WhoAmIAsync(WebApplication app, string path, string authorization)
    {
        using var client = app.GetTestClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation("Authorization", authorization);
        using var response = await client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private sealed class UnreachableTokenService : ISaml2BearerTokenService
    {
        public Task<Saml2BearerTokenResult> ExchangeAsync(Saml2BearerTokenRequest request, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("The application's own token service must have been replaced.");
    }
}
