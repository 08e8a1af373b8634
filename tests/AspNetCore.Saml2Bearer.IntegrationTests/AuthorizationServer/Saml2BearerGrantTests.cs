using System.Net;
using AspNetCore.Saml2Bearer.Testing;
using Microsoft.IdentityModel.JsonWebTokens;

namespace AspNetCore.Saml2Bearer.IntegrationTests.AuthorizationServer;

/// <summary>The saml2-bearer grant at the sample authorization server's token endpoint, over HTTP.</summary>
[Collection(AuthorizationServerGroup.Name)]
public sealed class Saml2BearerGrantTests(AuthorizationServerFixture server)
{
    [Fact]
    public async Task TokenRequest_ValidAssertion_ReturnsJwtAccessTokenVerifiedByJwks()
    {
        var assertion = AuthorizationServerFixture.EncodeBase64Url(server.NewAssertion().BuildSigned(server.IdpKey));

        var response = await server.RequestWithBasicAsync(assertion, "orders.read orders.write");

        Assert.True(response.StatusCode == HttpStatusCode.OK, response.Body.ToString());
        Assert.Equal("Bearer", response.Get("token_type"), StringComparer.OrdinalIgnoreCase);
        var validation = await server.ValidateJwtAsync(response.AccessToken!, AuthorizationServerFixture.Resource);
        Assert.True(validation.IsValid, validation.Exception?.Message);
        var token = (JsonWebToken)validation.SecurityToken;
        Assert.Equal("alice@example.com", token.Subject);
        Assert.Equal("orders.read orders.write", token.GetClaim("scope").Value);
        Assert.Equal(AuthorizationServerFixture.SecretClientId, token.GetClaim("client_id").Value);
        Assert.Null(response.Get("id_token"));
        Assert.Null(response.Get("refresh_token"));
    }

    [Fact]
    public async Task TokenRequest_ValidAssertion_CopiesAttributesIntoAccessToken()
    {
        var assertion = AuthorizationServerFixture.EncodeBase64Url(server.NewAssertion().BuildSigned(server.IdpKey));

        var response = await server.RequestWithBasicAsync(assertion, "orders.read");

        Assert.True(response.StatusCode == HttpStatusCode.OK, response.Body.ToString());
        var token = new JsonWebToken(response.AccessToken!);
        Assert.Equal("alice@example.com", token.GetClaim("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress").Value);
    }

    [Fact]
    public async Task TokenRequest_StandardBase64Assertion_IsAccepted()
    {
        var assertion = server.NewAssertion().BuildEncoded(server.IdpKey);

        var response = await server.RequestWithBasicAsync(assertion, "orders.read");

        Assert.True(response.StatusCode == HttpStatusCode.OK, response.Body.ToString());
    }

    [Fact]
    public async Task TokenRequest_ReplayedAssertionId_ReturnsInvalidGrant()
    {
        var assertion = AuthorizationServerFixture.EncodeBase64Url(server.NewAssertion().BuildSigned(server.IdpKey));
        var first = await server.RequestWithBasicAsync(assertion, "orders.read");

        var second = await server.RequestWithPostAsync(assertion, "orders.read");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, second.StatusCode);
        Assert.Equal("invalid_grant", second.Error);
    }

    [Fact]
    public async Task TokenRequest_SameIdInANewlySignedAssertion_ReturnsInvalidGrant()
    {
        var id = "_" + Guid.NewGuid().ToString("N");
        var first = server.NewAssertion();
        first.Id = id;
        var second = server.NewAssertion();
        second.Id = id;
        second.NameId = "mallory@example.com";

        var accepted = await server.RequestWithBasicAsync(AuthorizationServerFixture.EncodeBase64Url(first.BuildSigned(server.IdpKey)));
        var replayed = await server.RequestWithBasicAsync(AuthorizationServerFixture.EncodeBase64Url(second.BuildSigned(server.IdpKey)));

        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal("invalid_grant", replayed.Error);
    }

    [Fact]
    public async Task TokenRequest_TamperedAssertion_ReturnsInvalidGrantWithoutEchoingIt()
    {
        var document = server.NewAssertion().BuildSigned(server.IdpKey);
        document.GetElementsByTagName("NameID", Saml2AssertionBuilder.AssertionNs)[0]!.InnerText = "admin@example.com";

        var response = await server.RequestWithBasicAsync(AuthorizationServerFixture.EncodeBase64Url(document));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_grant", response.Error);
        Assert.DoesNotContain("admin@example.com", response.Body.GetRawText(), StringComparison.Ordinal);
        Assert.Equal("The SAML 2.0 assertion is invalid.", response.Get("error_description"));
    }

    [Fact]
    public async Task TokenRequest_ExpiredAssertion_ReturnsInvalidGrant()
    {
        var assertion = AuthorizationServerFixture.EncodeBase64Url(
            server.NewAssertion(DateTimeOffset.UtcNow.AddMinutes(-30)).BuildSigned(server.IdpKey));

        var response = await server.RequestWithBasicAsync(assertion);

        Assert.Equal("invalid_grant", response.Error);
    }

    [Fact]
    public async Task TokenRequest_WrongAudience_ReturnsInvalidGrant()
    {
        var builder = server.NewAssertion();
        builder.AudienceRestrictions.Clear();
        builder.AudienceRestrictions.Add(["https://other-as.example.com/"]);

        var response = await server.RequestWithBasicAsync(AuthorizationServerFixture.EncodeBase64Url(builder.BuildSigned(server.IdpKey)));

        Assert.Equal("invalid_grant", response.Error);
    }

    [Fact]
    public async Task TokenRequest_WrongRecipient_ReturnsInvalidGrant()
    {
        var builder = server.NewAssertion();
        builder.Recipient = server.Issuer + "other/token";

        var response = await server.RequestWithBasicAsync(AuthorizationServerFixture.EncodeBase64Url(builder.BuildSigned(server.IdpKey)));

        Assert.Equal("invalid_grant", response.Error);
    }

    [Fact]
    public async Task TokenRequest_UnknownIssuer_ReturnsInvalidGrant()
    {
        using var otherKey = TestSigningKey.CreateRsa("CN=Unknown IdP");
        var builder = server.NewAssertion();
        builder.Issuer = "https://unknown-idp.example.com/saml";

        var response = await server.RequestWithBasicAsync(AuthorizationServerFixture.EncodeBase64Url(builder.BuildSigned(otherKey)));

        Assert.Equal("invalid_grant", response.Error);
    }

    [Fact]
    public async Task TokenRequest_TrustedIssuerSignedWithUntrustedKey_ReturnsInvalidGrant()
    {
        using var otherKey = TestSigningKey.CreateRsa("CN=Impostor");

        var response = await server.RequestWithBasicAsync(AuthorizationServerFixture.EncodeBase64Url(server.NewAssertion().BuildSigned(otherKey)));

        Assert.Equal("invalid_grant", response.Error);
    }

    [Fact]
    public async Task TokenRequest_NotBase64_ReturnsInvalidGrant()
    {
        var response = await server.RequestWithBasicAsync("this is not an assertion!");

        Assert.Equal("invalid_grant", response.Error);
        Assert.DoesNotContain("not an assertion", response.Body.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TokenRequest_MissingAssertion_ReturnsInvalidRequest()
    {
        var response = await server.SendFormAsync(
            ("grant_type", "urn:ietf:params:oauth:grant-type:saml2-bearer"),
            ("client_id", AuthorizationServerFixture.SecretClientId),
            ("client_secret", server.ClientSecret));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_request", response.Error);
    }

    [Fact]
    public async Task TokenRequest_OpenIdScope_ReturnsIdTokenForTheSubject()
    {
        var assertion = AuthorizationServerFixture.EncodeBase64Url(server.NewAssertion().BuildSigned(server.IdpKey));

        var response = await server.RequestWithBasicAsync(assertion, "openid orders.read");

        Assert.True(response.StatusCode == HttpStatusCode.OK, response.Body.ToString());
        var idToken = response.Get("id_token");
        Assert.NotNull(idToken);
        var validation = await server.ValidateJwtAsync(idToken, AuthorizationServerFixture.SecretClientId);
        Assert.True(validation.IsValid, validation.Exception?.Message);
        Assert.Equal("alice@example.com", ((JsonWebToken)validation.SecurityToken).Subject);
        Assert.Null(response.Get("refresh_token"));
    }

    [Fact]
    public async Task TokenRequest_OfflineAccessScope_ReturnsRefreshTokenThatRefreshes()
    {
        var assertion = AuthorizationServerFixture.EncodeBase64Url(server.NewAssertion().BuildSigned(server.IdpKey));

        var response = await server.RequestWithBasicAsync(assertion, "offline_access orders.read");
        var refreshToken = response.Get("refresh_token");
        var refreshed = await server.SendFormAsync(
            ("grant_type", "refresh_token"),
            ("refresh_token", refreshToken ?? ""),
            ("client_id", AuthorizationServerFixture.SecretClientId),
            ("client_secret", server.ClientSecret));

        Assert.True(response.StatusCode == HttpStatusCode.OK, response.Body.ToString());
        Assert.NotNull(refreshToken);
        Assert.Null(response.Get("id_token"));
        Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
        Assert.Equal("alice@example.com", new JsonWebToken(refreshed.AccessToken!).Subject);
    }
}
