using System.Net;
using System.Text.Json;
using AspNetCore.Saml2Bearer.Testing;
using AuthorizationServer;
using Microsoft.IdentityModel.JsonWebTokens;

namespace AspNetCore.Saml2Bearer.IntegrationTests.AuthorizationServer;

/// <summary>
/// RFC 8693 token exchange with a SAML subject token at the sample authorization server
/// (<c>Saml2BearerGrantOptions.AllowTokenExchange</c>): the same validator, replay store and sign-in as
/// the RFC 7522 grant; the subject token type must match the assertion's version; delegation is refused.
/// </summary>
[Collection(AuthorizationServerGroup.Name)]
public sealed class Saml2TokenExchangeGrantTests(AuthorizationServerFixture server)
{
    private const string TokenExchange = "urn:ietf:params:oauth:grant-type:token-exchange";
    private const string Saml2Type = "urn:ietf:params:oauth:token-type:saml2";
    private const string Saml1Type = "urn:ietf:params:oauth:token-type:saml1";
    private const string AccessTokenType = "urn:ietf:params:oauth:token-type:access_token";

    private string NewSaml2SubjectToken(string? id = null, string nameId = "alice@example.com")
    {
        var builder = server.NewAssertion();
        builder.NameId = nameId;
        if (id is not null)
        {
            builder.Id = id;
        }

        return AuthorizationServerFixture.EncodeBase64Url(builder.BuildSigned(server.IdpKey));
    }

    private string NewSaml11SubjectToken()
    {
        var builder = new Saml11AssertionBuilder(DateTimeOffset.UtcNow) { Issuer = AuthorizationServerFixture.IdpEntityId };
        builder.AudienceRestrictions.Clear();
        builder.AudienceRestrictions.Add([server.Issuer]);
        return System.Buffers.Text.Base64Url.EncodeToString(builder.BuildBytes(server.IdpKey));
    }

    private Task<TokenResponse> ExchangeAsync(string subjectToken, string subjectTokenType, params (string Name, string Value)[] extra) =>
        server.SendFormAsync(
        [
            ("grant_type", TokenExchange),
            ("subject_token", subjectToken),
            ("subject_token_type", subjectTokenType),
            ("requested_token_type", AccessTokenType),
            ("scope", "orders.read"),
            ("client_id", AuthorizationServerFixture.SecretClientId),
            ("client_secret", server.ClientSecret),
            .. extra,
        ]);

    [Fact]
    public async Task TokenExchange_Saml2SubjectToken_IssuesAnAccessTokenForTheNameIdWithIssuedTokenType()
    {
        var response = await ExchangeAsync(NewSaml2SubjectToken(), Saml2Type);

        Assert.True(response.StatusCode == HttpStatusCode.OK, response.Body.ToString());
        Assert.Equal(AccessTokenType, response.Get("issued_token_type"));
        Assert.Equal("Bearer", response.Get("token_type"));
        var validation = await server.ValidateJwtAsync(response.AccessToken!, AuthorizationServerFixture.Resource);
        Assert.True(validation.IsValid, validation.Exception?.Message);
        Assert.Equal("alice@example.com", ((JsonWebToken)validation.SecurityToken).Subject);
    }

    [Fact]
    public async Task TokenExchange_Saml11SubjectTokenAsSaml1_IsAccepted()
    {
        var response = await ExchangeAsync(NewSaml11SubjectToken(), Saml1Type);

        Assert.True(response.StatusCode == HttpStatusCode.OK, response.Body.ToString());
        Assert.Equal(AccessTokenType, response.Get("issued_token_type"));
    }

    [Fact]
    public async Task TokenExchange_Saml2AssertionDeclaredSaml1_ReturnsInvalidGrant()
    {
        var response = await ExchangeAsync(NewSaml2SubjectToken(), Saml1Type);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_grant", response.Error);
        Assert.Null(response.AccessToken);
    }

    [Fact]
    public async Task TokenExchange_Saml11AssertionDeclaredSaml2_ReturnsInvalidGrant()
    {
        var response = await ExchangeAsync(NewSaml11SubjectToken(), Saml2Type);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_grant", response.Error);
    }

    [Fact]
    public async Task TokenExchange_ReplayedAssertion_SecondIsInvalidGrant()
    {
        var subjectToken = NewSaml2SubjectToken();

        var first = await ExchangeAsync(subjectToken, Saml2Type);
        var second = await ExchangeAsync(subjectToken, Saml2Type);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, second.StatusCode);
        Assert.Equal("invalid_grant", second.Error);
        Assert.Null(second.AccessToken);
    }

    [Fact]
    public async Task TokenExchange_AssertionAlreadyUsedWithSaml2Bearer_IsAReplay()
    {
        // One replay store for both grants: the ID burnt by RFC 7522 cannot be spent again through RFC 8693.
        var id = "_" + Guid.NewGuid().ToString("N");
        var first = await server.RequestWithBasicAsync(NewSaml2SubjectToken(id), "orders.read");

        var second = await ExchangeAsync(NewSaml2SubjectToken(id, "mallory@example.com"), Saml2Type);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, second.StatusCode);
        Assert.Equal("invalid_grant", second.Error);
    }

    [Fact]
    public async Task TokenExchange_TamperedAssertion_ReturnsInvalidGrant()
    {
        var builder = server.NewAssertion();
        var document = builder.BuildSigned(server.IdpKey);
        var nameId = document.GetElementsByTagName("NameID", "urn:oasis:names:tc:SAML:2.0:assertion")[0]!;
        nameId.InnerText = "admin@example.com";

        var response = await ExchangeAsync(AuthorizationServerFixture.EncodeBase64Url(document), Saml2Type);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_grant", response.Error);
        Assert.DoesNotContain("admin@example.com", response.Body.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TokenExchange_WithActorToken_ReturnsInvalidRequest()
    {
        var response = await ExchangeAsync(
            NewSaml2SubjectToken(), Saml2Type, ("actor_token", NewSaml2SubjectToken()), ("actor_token_type", Saml2Type));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.AccessToken);
    }

    [Fact]
    public async Task TokenExchange_SamlAssertionAsAccessTokenType_IsNotAccepted()
    {
        // Declared as an OpenIddict access token, the assertion goes to OpenIddict's own validation, which refuses it.
        var response = await ExchangeAsync(NewSaml2SubjectToken(), AccessTokenType);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.AccessToken);
    }

    [Fact]
    public async Task TokenExchange_WrongClientSecret_IsRefusedBeforeTheAssertionIsBurnt()
    {
        var subjectToken = NewSaml2SubjectToken();

        var refused = await server.SendFormAsync(
            ("grant_type", TokenExchange),
            ("subject_token", subjectToken),
            ("subject_token_type", Saml2Type),
            ("client_id", AuthorizationServerFixture.SecretClientId),
            ("client_secret", "wrong"));
        var accepted = await ExchangeAsync(subjectToken, Saml2Type);

        Assert.Equal("invalid_client", refused.Error);
        Assert.True(accepted.StatusCode == HttpStatusCode.OK, accepted.Body.ToString());
    }

    [Fact]
    public async Task Discovery_ListsTheTokenExchangeGrantType()
    {
        using var document = JsonDocument.Parse(await server.Http.GetStringAsync(server.Issuer + AuthorizationServerApp.ConfigurationEndpointPath));

        var grantTypes = document.RootElement.GetProperty("grant_types_supported").EnumerateArray().Select(e => e.GetString()).ToList();

        Assert.Contains(TokenExchange, grantTypes);
    }
}
