using AspNetCore.Saml2Bearer.TokenExchange;
using Microsoft.Extensions.DependencyInjection;

namespace AspNetCore.Saml2Bearer.Tests.TokenExchange;

/// <summary>The grant type a token request carries on the wire: the request's, else RFC 7522's.</summary>
public sealed class Saml11GrantTypeTests
{
    [Theory]
    [InlineData(null, "urn:ietf:params:oauth:grant-type:saml2-bearer")]
    [InlineData("urn:ietf:params:oauth:grant-type:saml1_1-bearer", "urn:ietf:params:oauth:grant-type:saml1_1-bearer")]
    public async Task ExchangeAsync_GrantType_IsPostedAsGiven(string? grantType, string expected)
    {
        await using var server = await LoopbackAuthorizationServer.StartAsync();
        var services = new ServiceCollection();
        services.AddHttpClient();
        services.AddLogging();
        await using var provider = services.BuildServiceProvider();
        var service = ActivatorUtilities.CreateInstance<Saml2BearerHttpTokenService>(provider);
        var options = new Saml2BearerOptions
        {
            TokenEndpoint = server.TokenEndpoint.AbsoluteUri,
            RequireHttpsMetadata = false,
            ClientId = "api-client",
            ClientSecret = "s3cret",
        };

        var result = await service.ExchangeAsync(
            new Saml2BearerTokenRequest { SchemeName = "Saml2Bearer", Options = options, Assertion = "<saml:Assertion/>"u8.ToArray(), GrantType = grantType },
            CancellationToken.None);

        Assert.Equal(Saml2BearerTokenResultStatus.Success, result.Status);
        Assert.Equal(expected, Assert.Single(server.TokenRequests).Field("grant_type"));
    }
}
