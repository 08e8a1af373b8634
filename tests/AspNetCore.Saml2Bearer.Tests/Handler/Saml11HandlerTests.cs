using System.Net;
using System.Security.Claims;
using AspNetCore.Saml2Bearer.Assertions;
using AspNetCore.Saml2Bearer.Tests.Infrastructure;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace AspNetCore.Saml2Bearer.Tests.Handler;

/// <summary>
/// SAML 1.1 through the real handler: off by default (row 54: 401, the authorization server never called),
/// and when allowed, exchanged with <c>saml1_1-bearer</c> (or the configured grant type) and turned into
/// the same principal as SAML 2.0, with the version visible.
/// </summary>
public sealed class Saml11HandlerTests(ValidatorFixture fixture) : IClassFixture<ValidatorFixture>
{
    private const string Section = "Authentication:Schemes:" + Saml2BearerDefaults.AuthenticationScheme + ":";

    private static string Saml11Assertion(Saml2BearerTestHost host, Action<Saml11AssertionBuilder>? configure = null)
    {
        var builder = new Saml11AssertionBuilder(host.Time.GetUtcNow());
        configure?.Invoke(builder);
        return builder.BuildEncoded(host.Fixture.IdpKey);
    }

    [Fact]
    public async Task Request_Saml11WhileNotAllowed_Returns401InvalidTokenAndDoesNotExchange()
    {
        await using var host = await Saml2BearerTestHost.StartAsync(fixture);

        using var response = await host.GetAsync("/whoami", Saml11Assertion(host));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(
            "SAML error=\"invalid_token\", error_description=\"SAML 1.1 assertions are not accepted.\"",
            Assert.Single(response.Headers.WwwAuthenticate).ToString());
        Assert.Equal(0, host.TokenService.Calls);
    }

    [Fact]
    public async Task Request_Saml11Allowed_ExchangesWithSaml11GrantTypeAndBuildsThePrincipal()
    {
        await using var host = await Saml2BearerTestHost.StartAsync(fixture, options => options.Assertion.AllowSaml11 = true);

        var whoAmI = await host.WhoAmIAsync(Saml11Assertion(host));

        Assert.Equal("alice@example.com", whoAmI.Name);
        Assert.Equal(["1.1"], whoAmI.Values(Saml2BearerDefaults.AssertionVersionClaimType));
        Assert.Equal(["alice@example.com"], whoAmI.Values(ClaimTypes.NameIdentifier));
        Assert.Equal(["alice@example.com"], whoAmI.Values("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"));
        Assert.Equal(["orders.read", "orders.write"], whoAmI.Values("http://schemas.microsoft.com/ws/2008/06/identity/claims/role"));
        Assert.Equal([Saml11AssertionBuilder.PasswordMethod], whoAmI.Values(Saml2BearerDefaults.AuthenticationContextClassClaimType));
        var request = Assert.Single(host.TokenService.Requests);
        Assert.Equal(Saml2BearerDefaults.Saml11GrantType, request.GrantType);
        Assert.Equal("urn:ietf:params:oauth:grant-type:saml1_1-bearer", Saml2BearerDefaults.Saml11GrantType);
    }

    [Fact]
    public async Task Request_Saml20WhileSaml11Allowed_ExchangesWithSaml2GrantType()
    {
        await using var host = await Saml2BearerTestHost.StartAsync(fixture, options => options.Assertion.AllowSaml11 = true);

        var whoAmI = await host.WhoAmIAsync(host.Assertion());

        Assert.Equal(["2.0"], whoAmI.Values(Saml2BearerDefaults.AssertionVersionClaimType));
        Assert.Null(Assert.Single(host.TokenService.Requests).GrantType);
    }

    [Fact]
    public async Task Request_Saml11GrantTypeConfigured_SendsTheConfiguredGrantType()
    {
        // A server that wants saml2-bearer for both versions.
        await using var host = await Saml2BearerTestHost.StartAsync(fixture, options =>
        {
            options.Assertion.AllowSaml11 = true;
            options.Saml11GrantType = Saml2BearerDefaults.GrantType;
        });

        using var response = await host.GetAsync("/whoami", Saml11Assertion(host));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Saml2BearerDefaults.GrantType, Assert.Single(host.TokenService.Requests).GrantType);
    }

    [Fact]
    public async Task Request_Saml11SubjectConfusion_Returns401AndDoesNotExchange()
    {
        await using var host = await Saml2BearerTestHost.StartAsync(fixture, options => options.Assertion.AllowSaml11 = true);
        var assertion = Saml11Assertion(host, builder => builder.BeforeSigning = document =>
            document.GetElementsByTagName("NameIdentifier", Saml11AssertionBuilder.AssertionNs)[1]!.InnerText = "admin@example.com");

        using var response = await host.GetAsync("/whoami", assertion);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("different subjects", Assert.Single(response.Headers.WwwAuthenticate).ToString(), StringComparison.Ordinal);
        Assert.Equal(0, host.TokenService.Calls);
    }

    [Fact]
    public async Task Request_SameSaml11AssertionTwice_UsesTheFastPathAndOneExchange()
    {
        await using var host = await Saml2BearerTestHost.StartAsync(fixture, options => options.Assertion.AllowSaml11 = true);
        var assertion = Saml11Assertion(host);

        var first = await host.WhoAmIAsync(assertion);
        var second = await host.WhoAmIAsync(assertion);

        Assert.Equal(first.Name, second.Name);
        Assert.Equal(["1.1"], second.Values(Saml2BearerDefaults.AssertionVersionClaimType));
        Assert.Equal(1, host.TokenService.Calls);
    }

    [Fact]
    public async Task Request_Saml11InTrustAuthorizationServerModeWhileNotAllowed_Returns401AndDoesNotExchange()
    {
        // The bytes are forwarded unvalidated in this mode, but the SAML 1.1 opt-in still holds.
        await using var host = await Saml2BearerTestHost.StartAsync(fixture, TrustAuthorizationServer);

        using var response = await host.GetAsync("/whoami", Saml11Assertion(host));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("SAML 1.1 assertions are not accepted.", Assert.Single(response.Headers.WwwAuthenticate).ToString(), StringComparison.Ordinal);
        Assert.Equal(0, host.TokenService.Calls);
    }

    [Fact]
    public async Task Request_Saml11InTrustAuthorizationServerModeWhileAllowed_ExchangesWithSaml11GrantType()
    {
        await using var host = await Saml2BearerTestHost.StartAsync(fixture, options =>
        {
            TrustAuthorizationServer(options);
            options.Assertion.AllowSaml11 = true;
        });

        // The token is opaque, so the principal cannot be vouched for (503); the request is what counts here.
        using var response = await host.GetAsync("/whoami", Saml11Assertion(host));

        Assert.Equal(Saml2BearerDefaults.Saml11GrantType, Assert.Single(host.TokenService.Requests).GrantType);
    }

    [Fact]
    public async Task Request_Saml20InTrustAuthorizationServerMode_ExchangesWithSaml2GrantType()
    {
        await using var host = await Saml2BearerTestHost.StartAsync(fixture, TrustAuthorizationServer);

        using var response = await host.GetAsync("/whoami", host.Assertion());

        Assert.Null(Assert.Single(host.TokenService.Requests).GrantType);
    }

    private void TrustAuthorizationServer(Saml2BearerOptions options)
    {
        var configuration = new OpenIdConnectConfiguration { Issuer = "https://as.example.com", TokenEndpoint = Saml2BearerTestHost.TokenEndpoint };
        options.Authority = "https://as.example.com";
        options.ConfigurationManager = new StaticConfigurationManager<OpenIdConnectConfiguration>(configuration);
        options.AssertionValidationMode = Saml2BearerAssertionValidationMode.TrustAuthorizationServer;
    }

    [Fact]
    public async Task Configuration_AllowSaml11AndSaml11GrantType_AreBound()
    {
        await using var host = await Saml2BearerTestHost.StartAsync(fixture, new Saml2BearerTestHostSettings
        {
            Configuration = new Dictionary<string, string?>
            {
                [Section + "Assertion:AllowSaml11"] = "true",
                [Section + "Saml11GrantType"] = Saml2BearerDefaults.GrantType,
            },
        });

        var options = host.Options();

        Assert.True(options.Assertion.AllowSaml11);
        Assert.Equal(Saml2BearerDefaults.GrantType, options.Saml11GrantType);
    }

    [Fact]
    public void Options_Defaults_Saml11OffAndEntraGrantType()
    {
        var options = new Saml2BearerOptions();

        Assert.False(options.Assertion.AllowSaml11);
        Assert.Equal(Saml2BearerDefaults.Saml11GrantType, options.Saml11GrantType);
    }

    [Theory]
    [InlineData("")]
    [InlineData("saml1_1-bearer")]
    public async Task Startup_Saml11GrantTypeNotAnAbsoluteUri_Throws(string grantType)
    {
        await using var host = Saml2BearerTestHost.Create(fixture, new Saml2BearerTestHostSettings { Configure = options => options.Saml11GrantType = grantType });

        var exception = await Assert.ThrowsAnyAsync<Exception>(host.StartAsync);
        var messages = new List<string>();
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            messages.Add(e.Message);
        }

        Assert.Contains(messages, m => m.Contains(nameof(Saml2BearerOptions.Saml11GrantType), StringComparison.Ordinal));
    }
}
