using System.Net;
using System.Text.Json;
using AspNetCore.Saml2Bearer.Testing;
using AuthorizationServer;
using Microsoft.IdentityModel.JsonWebTokens;

namespace AspNetCore.Saml2Bearer.IntegrationTests.AuthorizationServer;

/// <summary>
/// The saml1_1-bearer grant at the sample authorization server (which enables SAML 1.1): the same validator
/// as saml2-bearer, replays refused by AssertionID, advertised in discovery.
/// </summary>
[Collection(AuthorizationServerGroup.Name)]
public sealed class Saml11BearerGrantTests(AuthorizationServerFixture server)
{
    private const string Saml11GrantType = "urn:ietf:params:oauth:grant-type:saml1_1-bearer";

    private Saml11AssertionBuilder NewSaml11Assertion()
    {
        var builder = new Saml11AssertionBuilder(DateTimeOffset.UtcNow) { Issuer = AuthorizationServerFixture.IdpEntityId };
        builder.AudienceRestrictions.Clear();
        builder.AudienceRestrictions.Add([server.Issuer]);
        return builder;
    }

    private Task<TokenResponse> RequestAsync(string grantType, string assertion) =>
        server.SendFormAsync(
            ("grant_type", grantType),
            ("assertion", assertion),
            ("scope", "orders.read"),
            ("client_id", AuthorizationServerFixture.SecretClientId),
            ("client_secret", server.ClientSecret));

    [Fact]
    public async Task TokenRequest_Saml11Assertion_ReturnsJwtForTheNameIdentifier()
    {
        var assertion = Convert.ToBase64String(NewSaml11Assertion().BuildBytes(server.IdpKey));

        var response = await RequestAsync(Saml11GrantType, assertion);

        Assert.True(response.StatusCode == HttpStatusCode.OK, response.Body.ToString());
        var validation = await server.ValidateJwtAsync(response.AccessToken!, AuthorizationServerFixture.Resource);
        Assert.True(validation.IsValid, validation.Exception?.Message);
        var token = (JsonWebToken)validation.SecurityToken;
        Assert.Equal("alice@example.com", token.Subject);
        Assert.Equal("alice@example.com", token.GetClaim("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress").Value);
    }

    [Fact]
    public async Task TokenRequest_Saml11AssertionUnderSaml2Bearer_IsAccepted()
    {
        // Entra's page shows both spellings; a client may send saml2-bearer for both versions.
        var assertion = Convert.ToBase64String(NewSaml11Assertion().BuildBytes(server.IdpKey));

        var response = await RequestAsync("urn:ietf:params:oauth:grant-type:saml2-bearer", assertion);

        Assert.True(response.StatusCode == HttpStatusCode.OK, response.Body.ToString());
    }

    [Fact]
    public async Task TokenRequest_Saml20AssertionUnderSaml11Bearer_ReturnsInvalidGrant()
    {
        var assertion = AuthorizationServerFixture.EncodeBase64Url(server.NewAssertion().BuildSigned(server.IdpKey));

        var response = await RequestAsync(Saml11GrantType, assertion);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_grant", response.Error);
    }

    [Fact]
    public async Task TokenRequest_ReplayedAssertionId_ReturnsInvalidGrant()
    {
        var id = "_" + Guid.NewGuid().ToString("N");
        var first = NewSaml11Assertion();
        first.AssertionId = id;
        var second = NewSaml11Assertion();
        second.AssertionId = id;
        second.NameIdentifier = "mallory@example.com";

        var accepted = await RequestAsync(Saml11GrantType, Convert.ToBase64String(first.BuildBytes(server.IdpKey)));
        var replayed = await RequestAsync(Saml11GrantType, Convert.ToBase64String(second.BuildBytes(server.IdpKey)));

        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, replayed.StatusCode);
        Assert.Equal("invalid_grant", replayed.Error);
    }

    [Fact]
    public async Task TokenRequest_Saml11SubjectConfusion_ReturnsInvalidGrant()
    {
        var builder = NewSaml11Assertion();
        builder.BeforeSigning = document =>
            document.GetElementsByTagName("NameIdentifier", Saml11AssertionBuilder.AssertionNs)[1]!.InnerText = "admin@example.com";

        var response = await RequestAsync(Saml11GrantType, Convert.ToBase64String(builder.BuildBytes(server.IdpKey)));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_grant", response.Error);
    }

    [Fact]
    public async Task Discovery_ListsSaml11GrantType()
    {
        using var document = JsonDocument.Parse(await server.Http.GetStringAsync(server.Issuer + AuthorizationServerApp.ConfigurationEndpointPath));

        var grantTypes = document.RootElement.GetProperty("grant_types_supported").EnumerateArray().Select(e => e.GetString()).ToList();

        Assert.Contains(Saml11GrantType, grantTypes);
    }
}
