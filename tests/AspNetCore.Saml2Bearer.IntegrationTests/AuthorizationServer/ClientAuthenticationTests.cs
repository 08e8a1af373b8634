using System.Net;
using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;

namespace AspNetCore.Saml2Bearer.IntegrationTests.AuthorizationServer;

/// <summary>Client authentication at the token endpoint is OpenIddict's, and it runs before the assertion is looked at.</summary>
[Collection(AuthorizationServerGroup.Name)]
public sealed class ClientAuthenticationTests(AuthorizationServerFixture server)
{
    private string NewAssertion() =>
        AuthorizationServerFixture.EncodeBase64Url(server.NewAssertion().BuildSigned(server.IdpKey));

    [Fact]
    public async Task ClientSecretBasic_ValidSecret_IssuesToken()
    {
        var response = await server.RequestWithBasicAsync(NewAssertion(), "orders.read");

        Assert.True(response.StatusCode == HttpStatusCode.OK, response.Body.ToString());
        Assert.Equal(AuthorizationServerFixture.SecretClientId, new JsonWebToken(response.AccessToken!).GetClaim("client_id").Value);
    }

    [Fact]
    public async Task ClientSecretPost_ValidSecret_IssuesToken()
    {
        var response = await server.RequestWithPostAsync(NewAssertion(), "orders.read");

        Assert.True(response.StatusCode == HttpStatusCode.OK, response.Body.ToString());
        Assert.Equal(AuthorizationServerFixture.SecretClientId, new JsonWebToken(response.AccessToken!).GetClaim("client_id").Value);
    }

    [Fact]
    public async Task PrivateKeyJwt_SignedWithRegisteredKey_IssuesToken()
    {
        var response = await server.RequestWithPrivateKeyJwtAsync(NewAssertion(), "orders.read");

        Assert.True(response.StatusCode == HttpStatusCode.OK, response.Body.ToString());
        Assert.Equal(AuthorizationServerFixture.JwtClientId, new JsonWebToken(response.AccessToken!).GetClaim("client_id").Value);
    }

    [Fact]
    public async Task PrivateKeyJwt_SignedWithAnotherKey_ReturnsInvalidClient()
    {
        using var otherKey = RSA.Create(2048);

        var response = await server.RequestWithPrivateKeyJwtAsync(NewAssertion(), "orders.read", otherKey);

        Assert.Equal("invalid_client", response.Error);
    }

    [Fact]
    public async Task UnknownClient_ReturnsInvalidClient()
    {
        var response = await server.RequestWithBasicAsync(NewAssertion(), "orders.read", clientId: "no-such-client");

        Assert.Contains(response.StatusCode, new[] { HttpStatusCode.BadRequest, HttpStatusCode.Unauthorized });
        Assert.Equal("invalid_client", response.Error);
    }

    [Fact]
    public async Task WrongSecret_ReturnsInvalidClient_AndDoesNotBurnTheAssertion()
    {
        var assertion = NewAssertion();

        var rejected = await server.RequestWithPostAsync(assertion, "orders.read", secret: "wrong-secret");
        var accepted = await server.RequestWithPostAsync(assertion, "orders.read");

        Assert.Equal("invalid_client", rejected.Error);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
    }
}
