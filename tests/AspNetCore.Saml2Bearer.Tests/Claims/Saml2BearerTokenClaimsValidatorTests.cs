using System.Net;
using System.Security.Claims;
using AspNetCore.Saml2Bearer.Tests.Infrastructure;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace AspNetCore.Saml2Bearer.Tests.Claims;

/// <summary>
/// JWTs from the authorization server, through the handler: validated against the discovered issuer and
/// keys before any claim is used; a JWT that fails is an authorization-server fault (503).
/// </summary>
public sealed class Saml2BearerTokenClaimsValidatorTests(ValidatorFixture fixture) : IClassFixture<ValidatorFixture>
{
    private const string Issuer = "https://as.example.com";

    [Fact]
    public async Task Request_ValidJwtAccessToken_AddsItsClaimsAndScopes()
    {
        await using var host = await StartAsync();
        host.TokenService.Enqueue(RecordingTokenService.Success(Jwt(host, fixture.OtherIdpKey), TimeSpan.FromHours(1), scope: null));

        var whoAmI = await host.WhoAmIAsync(host.Assertion());

        Assert.Equal(["contoso"], whoAmI.Values("tid"));
        Assert.Equal(["orders.read", "orders.admin"], whoAmI.Values(Saml2BearerDefaults.ScopeClaimType));
        Assert.Equal("alice@example.com", whoAmI.Name);
    }

    [Fact]
    public async Task Request_JwtSignedWithAnotherKey_Returns503()
    {
        await using var host = await StartAsync();
        host.TokenService.Enqueue(RecordingTokenService.Success(Jwt(host, fixture.AttackerKey), TimeSpan.FromHours(1)));

        using var response = await host.GetAsync("/whoami", host.Assertion());

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
    }

    [Fact]
    public async Task Request_JwtForAnotherAudience_Returns503()
    {
        await using var host = await StartAsync();
        host.TokenService.Enqueue(RecordingTokenService.Success(Jwt(host, fixture.OtherIdpKey, audience: "someone-else"), TimeSpan.FromHours(1)));

        using var response = await host.GetAsync("/whoami", host.Assertion());

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
    }

    [Fact]
    public async Task Request_ExpiredJwt_Returns503AndIsNotCached()
    {
        await using var host = await StartAsync();
        host.TokenService.Enqueue(RecordingTokenService.Success(Jwt(host, fixture.OtherIdpKey, lifetime: TimeSpan.FromMinutes(-10)), TimeSpan.FromHours(1)));

        using var response = await host.GetAsync("/whoami", host.Assertion());
        using var next = await host.GetAsync("/whoami", host.Assertion());

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        Assert.Equal(2, host.TokenService.Calls);
    }

    [Fact]
    public async Task Request_TrustAuthorizationServerWithOpaqueToken_Returns503()
    {
        await using var host = await StartAsync(o => o.AssertionValidationMode = Saml2BearerAssertionValidationMode.TrustAuthorizationServer);

        using var response = await host.GetAsync("/whoami", host.Assertion());

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(1, host.TokenService.Calls);
    }

    [Fact]
    public async Task Request_TrustAuthorizationServerWithValidJwt_PrincipalComesFromTheJwtOnly()
    {
        await using var host = await StartAsync(o => o.AssertionValidationMode = Saml2BearerAssertionValidationMode.TrustAuthorizationServer);
        host.TokenService.Enqueue(RecordingTokenService.Success(Jwt(host, fixture.OtherIdpKey), TimeSpan.FromHours(1)));

        var whoAmI = await host.WhoAmIAsync(host.Assertion());

        Assert.Equal(["as-subject-1"], whoAmI.Values("sub"));
        Assert.Empty(whoAmI.Values(ClaimTypes.NameIdentifier));
        Assert.Empty(whoAmI.Values(Saml2BearerDefaults.AssertionIssuerClaimType));
    }

    private Task<Saml2BearerTestHost> StartAsync(Action<Saml2BearerOptions>? configure = null)
    {
        var configuration = new OpenIdConnectConfiguration { Issuer = Issuer, TokenEndpoint = Saml2BearerTestHost.TokenEndpoint };
        configuration.SigningKeys.Add(new X509SecurityKey(fixture.OtherIdpKey.PublicCertificate));
        return Saml2BearerTestHost.StartAsync(fixture, o =>
        {
            o.Authority = Issuer;
            o.ConfigurationManager = new StaticConfigurationManager<OpenIdConnectConfiguration>(configuration);
            configure?.Invoke(o);
        });
    }

    private static string Jwt(Saml2BearerTestHost host, TestSigningKey key, string audience = Saml2BearerTestHost.ClientId, TimeSpan? lifetime = null)
    {
        var now = host.Time.GetUtcNow().UtcDateTime;
        var expires = now + (lifetime ?? TimeSpan.FromHours(1));
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = audience,
            IssuedAt = expires.AddHours(-1) < now ? expires.AddHours(-1) : now,
            NotBefore = expires.AddHours(-1) < now ? expires.AddHours(-1) : now,
            Expires = expires,
            Claims = new Dictionary<string, object> { ["sub"] = "as-subject-1", ["tid"] = "contoso", ["scp"] = "orders.read orders.admin" },
            SigningCredentials = new SigningCredentials(new X509SecurityKey(key.Certificate), SecurityAlgorithms.RsaSha256),
        });
    }
}
