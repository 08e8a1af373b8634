using System.Net;
using System.Text.Json;
using AspNetCore.Saml2Bearer.OpenIddict;
using AspNetCore.Saml2Bearer.Testing;
using Microsoft.IdentityModel.JsonWebTokens;

namespace AspNetCore.Saml2Bearer.IntegrationTests.AuthorizationServer;

/// <summary>
/// The identity provider's session (SAML core 2.7.2, <c>SessionNotOnOrAfter</c>) at the sample authorization
/// server, on a fake clock: no access, identity or refresh token outlives it, whether issued for the assertion or
/// refreshed from its refresh token; once it has ended the refresh token grant is <c>invalid_grant</c>. Assertions
/// without it (and SAML 1.1, which has none) keep OpenIddict's lifetimes.
/// </summary>
public sealed class SamlSessionLifetimeTests(SessionClockFixture fixture) : IClassFixture<SessionClockFixture>
{
    private const string Saml11GrantType = "urn:ietf:params:oauth:grant-type:saml1_1-bearer";
    private const string TokenExchange = "urn:ietf:params:oauth:grant-type:token-exchange";
    private const string Saml2SubjectTokenType = "urn:ietf:params:oauth:token-type:saml2";
    private const string AccessTokenType = "urn:ietf:params:oauth:token-type:access_token";

    // OpenIddict's defaults, which the sample server keeps.
    private static readonly long DefaultAccessTokenSeconds = (long)TimeSpan.FromHours(1).TotalSeconds;

    private AuthorizationServerFixture Server => fixture.Server;

    private DateTimeOffset Now => fixture.Clock.GetUtcNow();

    private string NewAssertion(DateTimeOffset? sessionNotOnOrAfter, params KeyValuePair<string, string[]>[] attributes)
    {
        var builder = Server.NewAssertion();
        builder.SessionNotOnOrAfter = sessionNotOnOrAfter;
        builder.Attributes.AddRange(attributes);
        return AuthorizationServerFixture.EncodeBase64Url(builder.BuildSigned(Server.IdpKey));
    }

    private Task<TokenResponse> RequestSaml11Async()
    {
        var builder = new Saml11AssertionBuilder(Now) { Issuer = AuthorizationServerFixture.IdpEntityId };
        builder.AudienceRestrictions.Clear();
        builder.AudienceRestrictions.Add([Server.Issuer]);

        return Server.SendFormAsync(
            ("grant_type", Saml11GrantType),
            ("assertion", Convert.ToBase64String(builder.BuildBytes(Server.IdpKey))),
            ("scope", "orders.read offline_access"),
            ("client_id", AuthorizationServerFixture.SecretClientId),
            ("client_secret", Server.ClientSecret));
    }

    private static long ExpiresIn(TokenResponse response) =>
        response.Body.TryGetProperty("expires_in", out var value) && value.ValueKind == JsonValueKind.Number
            ? value.GetInt64()
            : throw new InvalidOperationException("No expires_in: " + response.Body);

    private static long Expiration(string jwt) => new JsonWebToken(jwt).GetPayloadValue<long>("exp");

    private static void AssertOk(TokenResponse response) =>
        Assert.True(response.StatusCode == HttpStatusCode.OK, response.Body.ToString());

    private static void AssertSessionEnded(TokenResponse response)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_grant", response.Error);
        Assert.Equal(Saml2BearerGrantDefaults.SessionEndedDescription, response.Get("error_description"));
        Assert.Null(response.AccessToken);
        Assert.Null(response.Get("refresh_token"));
    }

    [Fact]
    public async Task Saml2BearerGrant_SessionEndsInTenMinutes_AccessAndIdentityTokensExpireAtSessionEndAndRefreshTokenIssued()
    {
        var sessionEnd = Now.AddMinutes(10);

        var response = await Server.RequestWithBasicAsync(NewAssertion(sessionEnd), "openid orders.read offline_access");

        AssertOk(response);
        Assert.Equal(600, ExpiresIn(response));
        Assert.Equal(sessionEnd.ToUnixTimeSeconds(), Expiration(response.AccessToken!));
        Assert.Equal(sessionEnd.ToUnixTimeSeconds(), Expiration(response.Get("id_token")!));
        Assert.False(string.IsNullOrEmpty(response.Get("refresh_token")));
        // The session end travels in the refresh token only: it has no destination.
        Assert.False(new JsonWebToken(response.AccessToken!).TryGetClaim(Saml2BearerGrantDefaults.SessionNotOnOrAfterClaim, out _));
        Assert.False(new JsonWebToken(response.Get("id_token")!).TryGetClaim(Saml2BearerGrantDefaults.SessionNotOnOrAfterClaim, out _));
    }

    [Fact]
    public async Task RefreshTokenGrant_AfterSessionEnd_InvalidGrantSessionEndedAndNoToken()
    {
        var sessionEnd = Now.AddMinutes(10);
        var exchanged = await Server.RequestWithBasicAsync(NewAssertion(sessionEnd), "orders.read offline_access");
        AssertOk(exchanged);

        fixture.Clock.Advance(TimeSpan.FromMinutes(10));
        var refreshed = await Server.RefreshWithBasicAsync(exchanged.Get("refresh_token")!);

        AssertSessionEnded(refreshed);
    }

    [Fact]
    public async Task RefreshTokenGrant_ThirtySecondsBeforeSessionEnd_NewTokensExpireAtSessionEndAndRotatedTokenDiesWithIt()
    {
        var sessionEnd = Now.AddMinutes(10);
        var exchanged = await Server.RequestWithBasicAsync(NewAssertion(sessionEnd), "orders.read offline_access");
        AssertOk(exchanged);

        fixture.Clock.Advance(TimeSpan.FromSeconds(570));
        var refreshed = await Server.RefreshWithBasicAsync(exchanged.Get("refresh_token")!);

        AssertOk(refreshed);
        Assert.Equal(30, ExpiresIn(refreshed));
        Assert.Equal(sessionEnd.ToUnixTimeSeconds(), Expiration(refreshed.AccessToken!));
        var rotated = refreshed.Get("refresh_token");
        Assert.False(string.IsNullOrEmpty(rotated));

        // The rotated refresh token still carries the session end: a new lifetime does not start a new session.
        fixture.Clock.Advance(TimeSpan.FromSeconds(31));
        AssertSessionEnded(await Server.RefreshWithBasicAsync(rotated));
    }

    [Fact]
    public async Task Saml2BearerGrant_SessionAlreadyEnded_InvalidGrantSessionEndedAndNoToken()
    {
        // The assertion itself is still valid (Conditions and SubjectConfirmation), its session is not.
        var response = await Server.RequestWithBasicAsync(NewAssertion(Now.AddSeconds(-1)), "orders.read offline_access");

        AssertSessionEnded(response);
    }

    [Fact]
    public async Task TokenExchange_SessionEndsInTenMinutes_IssuedAccessTokenExpiresAtSessionEnd()
    {
        var sessionEnd = Now.AddMinutes(10);

        var response = await Server.SendFormAsync(
            ("grant_type", TokenExchange),
            ("subject_token", NewAssertion(sessionEnd)),
            ("subject_token_type", Saml2SubjectTokenType),
            ("requested_token_type", AccessTokenType),
            ("scope", "orders.read"),
            ("client_id", AuthorizationServerFixture.SecretClientId),
            ("client_secret", Server.ClientSecret));

        AssertOk(response);
        Assert.Equal(600, ExpiresIn(response));
        Assert.Equal(sessionEnd.ToUnixTimeSeconds(), Expiration(response.AccessToken!));
    }

    [Fact]
    public async Task Saml2BearerGrant_NoSessionNotOnOrAfter_OpenIddictLifetimesAndRefreshAfterElevenMinutes()
    {
        var exchanged = await Server.RequestWithBasicAsync(NewAssertion(sessionNotOnOrAfter: null), "orders.read offline_access");
        AssertOk(exchanged);
        Assert.Equal(DefaultAccessTokenSeconds, ExpiresIn(exchanged));

        fixture.Clock.Advance(TimeSpan.FromMinutes(11));
        var refreshed = await Server.RefreshWithBasicAsync(exchanged.Get("refresh_token")!);

        AssertOk(refreshed);
        Assert.Equal(DefaultAccessTokenSeconds, ExpiresIn(refreshed));
        Assert.False(string.IsNullOrEmpty(refreshed.Get("refresh_token")));
    }

    [Fact]
    public async Task Saml11BearerGrant_NoSession_OpenIddictLifetimesAndRefreshAfterElevenMinutes()
    {
        var exchanged = await RequestSaml11Async();
        AssertOk(exchanged);
        Assert.Equal(DefaultAccessTokenSeconds, ExpiresIn(exchanged));

        fixture.Clock.Advance(TimeSpan.FromMinutes(11));
        var refreshed = await Server.RefreshWithBasicAsync(exchanged.Get("refresh_token")!);

        AssertOk(refreshed);
        Assert.Equal(DefaultAccessTokenSeconds, ExpiresIn(refreshed));
    }

    [Fact]
    public async Task Saml2BearerGrant_AttributeNamedLikeTheSessionClaim_IgnoredAndNoSessionLimit()
    {
        // An attribute must not forge the session end: one already past would otherwise refuse the grant.
        var forged = new KeyValuePair<string, string[]>(
            Saml2BearerGrantDefaults.SessionNotOnOrAfterClaim, [Now.AddHours(-1).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture)]);

        var response = await Server.RequestWithBasicAsync(NewAssertion(sessionNotOnOrAfter: null, forged), "orders.read offline_access");

        AssertOk(response);
        Assert.Equal(DefaultAccessTokenSeconds, ExpiresIn(response));
        Assert.False(new JsonWebToken(response.AccessToken!).TryGetClaim(Saml2BearerGrantDefaults.SessionNotOnOrAfterClaim, out _));
    }
}
