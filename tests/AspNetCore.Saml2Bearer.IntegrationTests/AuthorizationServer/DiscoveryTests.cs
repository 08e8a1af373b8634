using System.Text.Json;
using AuthorizationServer;

namespace AspNetCore.Saml2Bearer.IntegrationTests.AuthorizationServer;

/// <summary>The discovery document and JWKS of the sample authorization server.</summary>
[Collection(AuthorizationServerGroup.Name)]
public sealed class DiscoveryTests(AuthorizationServerFixture server)
{
    [Fact]
    public async Task Discovery_ListsSaml2BearerGrantType()
    {
        using var document = JsonDocument.Parse(await server.Http.GetStringAsync(server.Issuer + AuthorizationServerApp.ConfigurationEndpointPath));

        var grantTypes = document.RootElement.GetProperty("grant_types_supported").EnumerateArray().Select(e => e.GetString()).ToList();

        Assert.Contains("urn:ietf:params:oauth:grant-type:saml2-bearer", grantTypes);
        Assert.Contains("refresh_token", grantTypes);
        Assert.Equal(server.Issuer, document.RootElement.GetProperty("issuer").GetString());
        Assert.Equal(server.TokenEndpoint, document.RootElement.GetProperty("token_endpoint").GetString());
    }

    [Fact]
    public async Task Jwks_ServesAPublicSigningKeyOnly()
    {
        var keys = await server.GetJsonWebKeySetAsync();

        var key = Assert.Single(keys.Keys);
        Assert.Equal("RSA", key.Kty);
        Assert.False(key.HasPrivateKey);
    }
}
