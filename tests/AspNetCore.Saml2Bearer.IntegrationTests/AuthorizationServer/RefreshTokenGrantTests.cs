using System.Net;
using AspNetCore.Saml2Bearer.Testing;
using Microsoft.IdentityModel.JsonWebTokens;

namespace AspNetCore.Saml2Bearer.IntegrationTests.AuthorizationServer;

/// <summary>
/// Renewal at the sample authorization server: a saml2-bearer or saml1_1-bearer grant asking for
/// <c>offline_access</c> gets a refresh token, the refresh_token grant renews it (rotating the refresh token) for the
/// client it was issued to only, and the assertion stays spent: presenting it again is a replay.
/// </summary>
[Collection(AuthorizationServerGroup.Name)]
public sealed class RefreshTokenGrantTests(AuthorizationServerFixture server)
{
    private const string Saml11GrantType = "urn:ietf:params:oauth:grant-type:saml1_1-bearer";

    [Fact]
    public async Task RefreshTokenGrant_AfterSaml2BearerWithOfflineAccess_NewAccessTokenRotatedRefreshTokenAndAssertionStillSpent()
    {
        var assertion = AuthorizationServerFixture.EncodeBase64Url(server.NewAssertion().BuildSigned(server.IdpKey));
        var exchanged = await server.RequestWithBasicAsync(assertion, "orders.read offline_access");
        Assert.True(exchanged.StatusCode == HttpStatusCode.OK, exchanged.Body.ToString());
        var refreshToken = exchanged.Get("refresh_token");
        Assert.False(string.IsNullOrEmpty(refreshToken));

        var refreshed = await server.RefreshWithBasicAsync(refreshToken);
        var replayed = await server.RequestWithBasicAsync(assertion, "orders.read offline_access");

        Assert.True(refreshed.StatusCode == HttpStatusCode.OK, refreshed.Body.ToString());
        Assert.NotEqual(exchanged.AccessToken, refreshed.AccessToken);
        var rotated = refreshed.Get("refresh_token");
        Assert.False(string.IsNullOrEmpty(rotated));
        Assert.NotEqual(refreshToken, rotated);
        var validation = await server.ValidateJwtAsync(refreshed.AccessToken!, AuthorizationServerFixture.Resource);
        Assert.True(validation.IsValid, validation.Exception?.Message);
        var token = (JsonWebToken)validation.SecurityToken;
        Assert.Equal("alice@example.com", token.Subject);
        Assert.Contains("orders.read", token.GetClaim("scope").Value.Split(' '));
        Assert.Equal(AuthorizationServerFixture.SecretClientId, token.GetClaim("client_id").Value);
        Assert.Equal(HttpStatusCode.BadRequest, replayed.StatusCode);
        Assert.Equal("invalid_grant", replayed.Error);
    }

    [Fact]
    public async Task RefreshTokenGrant_ChainOfRefreshes_EachRenewsAndRotates()
    {
        // One assertion, one exchange, then as many renewals as the caller needs: no assertion is presented again.
        var assertion = AuthorizationServerFixture.EncodeBase64Url(server.NewAssertion().BuildSigned(server.IdpKey));
        var response = await server.RequestWithBasicAsync(assertion, "orders.read offline_access");
        Assert.True(response.StatusCode == HttpStatusCode.OK, response.Body.ToString());
        var seen = new HashSet<string>(StringComparer.Ordinal) { response.Get("refresh_token")! };

        for (var i = 0; i < 3; i++)
        {
            response = await server.RefreshWithBasicAsync(response.Get("refresh_token")!);

            Assert.True(response.StatusCode == HttpStatusCode.OK, response.Body.ToString());
            Assert.Equal("alice@example.com", new JsonWebToken(response.AccessToken!).Subject);
            Assert.True(seen.Add(response.Get("refresh_token")!), "the refresh token was not rotated");
        }
    }

    [Fact]
    public async Task RefreshTokenGrant_PrivateKeyJwtClient_Refreshes()
    {
        var assertion = AuthorizationServerFixture.EncodeBase64Url(server.NewAssertion().BuildSigned(server.IdpKey));
        var exchanged = await server.RequestWithPrivateKeyJwtAsync(assertion, "orders.read offline_access");
        Assert.True(exchanged.StatusCode == HttpStatusCode.OK, exchanged.Body.ToString());

        var refreshed = await server.RefreshWithPrivateKeyJwtAsync(exchanged.Get("refresh_token")!);

        Assert.True(refreshed.StatusCode == HttpStatusCode.OK, refreshed.Body.ToString());
        Assert.Equal(AuthorizationServerFixture.JwtClientId, new JsonWebToken(refreshed.AccessToken!).GetClaim("client_id").Value);
    }

    [Fact]
    public async Task RefreshTokenGrant_RefreshTokenOfAnotherClient_InvalidGrant()
    {
        // A refresh token is bound to the client it was issued to (RFC 6749 section 6).
        var assertion = AuthorizationServerFixture.EncodeBase64Url(server.NewAssertion().BuildSigned(server.IdpKey));
        var exchanged = await server.RequestWithBasicAsync(assertion, "orders.read offline_access");
        Assert.True(exchanged.StatusCode == HttpStatusCode.OK, exchanged.Body.ToString());

        var refreshed = await server.RefreshWithPrivateKeyJwtAsync(exchanged.Get("refresh_token")!);

        Assert.Equal(HttpStatusCode.BadRequest, refreshed.StatusCode);
        Assert.Equal("invalid_grant", refreshed.Error);
        Assert.Null(refreshed.AccessToken);
    }

    [Fact]
    public async Task RefreshTokenGrant_NotARefreshToken_InvalidGrant()
    {
        var refreshed = await server.RefreshWithBasicAsync("not-a-refresh-token");

        Assert.Equal(HttpStatusCode.BadRequest, refreshed.StatusCode);
        Assert.Equal("invalid_grant", refreshed.Error);
    }

    [Fact]
    public async Task RefreshTokenGrant_AccessTokenPresentedAsRefreshToken_InvalidGrant()
    {
        var assertion = AuthorizationServerFixture.EncodeBase64Url(server.NewAssertion().BuildSigned(server.IdpKey));
        var exchanged = await server.RequestWithBasicAsync(assertion, "orders.read offline_access");
        Assert.True(exchanged.StatusCode == HttpStatusCode.OK, exchanged.Body.ToString());

        var refreshed = await server.RefreshWithBasicAsync(exchanged.AccessToken!);

        Assert.Equal(HttpStatusCode.BadRequest, refreshed.StatusCode);
        Assert.Equal("invalid_grant", refreshed.Error);
    }

    [Fact]
    public async Task Saml11BearerGrant_OfflineAccess_ReturnsRefreshTokenThatRefreshes()
    {
        var builder = new Saml11AssertionBuilder(DateTimeOffset.UtcNow) { Issuer = AuthorizationServerFixture.IdpEntityId };
        builder.AudienceRestrictions.Clear();
        builder.AudienceRestrictions.Add([server.Issuer]);
        var assertion = Convert.ToBase64String(builder.BuildBytes(server.IdpKey));
        var exchanged = await server.SendFormAsync(
            ("grant_type", Saml11GrantType),
            ("assertion", assertion),
            ("scope", "orders.read offline_access"),
            ("client_id", AuthorizationServerFixture.SecretClientId),
            ("client_secret", server.ClientSecret));
        Assert.True(exchanged.StatusCode == HttpStatusCode.OK, exchanged.Body.ToString());
        Assert.False(string.IsNullOrEmpty(exchanged.Get("refresh_token")));

        var refreshed = await server.RefreshWithBasicAsync(exchanged.Get("refresh_token")!);

        Assert.True(refreshed.StatusCode == HttpStatusCode.OK, refreshed.Body.ToString());
        Assert.Equal("alice@example.com", new JsonWebToken(refreshed.AccessToken!).Subject);
        Assert.False(string.IsNullOrEmpty(refreshed.Get("refresh_token")));
    }
}
