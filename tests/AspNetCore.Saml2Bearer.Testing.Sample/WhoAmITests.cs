using System.Net;
using AspNetCore.Saml2Bearer.Testing;
using AspNetCore.Saml2Bearer.TokenExchange;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace ResourceApi.Tests;

public sealed class WhoAmITests : IClassFixture<WebApplicationFactory<Program>>, IDisposable
{
    private readonly TestSaml2IdentityProvider _idp = new();
    private readonly WebApplicationFactory<Program> _factory;

    public WhoAmITests(WebApplicationFactory<Program> factory) =>
        _factory = factory.WithWebHostBuilder(builder => builder.ConfigureTestServices(services =>
            services.AddSaml2BearerTestIdentityProvider(_idp)));

    [Fact]
    public async Task WhoAmI_WithAssertion_ReturnsTheUser()
    {
        using var client = _factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = _idp.CreateAuthorizationHeader("alice@example.com");

        var response = await client.GetAsync(new Uri("/whoami", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("alice@example.com", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WhoAmI_WithoutAssertion_Returns401()
    {
        using var client = _factory.CreateClient();

        var response = await client.GetAsync(new Uri("/whoami", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("SAML", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Fact]
    public async Task Orders_WhenTheTokenGrantsTheScope_Returns200()
    {
        var tokens = _factory.Services.GetRequiredService<FakeSaml2BearerTokenService>();
        tokens.Responder = request => Saml2BearerTokenResult.Success(new Saml2BearerTokenResponse
        {
            AccessToken = "test-token",
            TokenType = "Bearer",
            ExpiresIn = TimeSpan.FromHours(1),
            Scope = "orders.read",
        });
        using var client = _factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = _idp.CreateAuthorizationHeader("alice@example.com");

        var response = await client.GetAsync(new Uri("/orders", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, tokens.ExchangeCount);
    }

    public void Dispose()
    {
        _factory.Dispose();
        _idp.Dispose();
    }
}
