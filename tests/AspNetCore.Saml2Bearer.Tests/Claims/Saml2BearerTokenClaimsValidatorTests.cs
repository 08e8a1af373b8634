using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json;
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

    // What an OpenIddict server puts in its access tokens for its own bookkeeping.
    private static readonly Dictionary<string, object> OpenIddictPrivateClaims = new()
    {
        ["oi_tkn_id"] = "c9b1d0e2-token-id",
        ["oi_au_id"] = "5e7f0a13-authorization-id",
        ["oi_prst"] = "resource-api",
        ["oi_crt_dt"] = "2026-11-26T12:00:00Z",
    };

    [Fact]
    public async Task Request_JwtWithOpenIddictPrivateClaims_PrivateClaimsNotInThePrincipal()
    {
        await using var host = await StartAsync();
        host.TokenService.Enqueue(RecordingTokenService.Success(Jwt(host, fixture.OtherIdpKey, moreClaims: OpenIddictPrivateClaims), TimeSpan.FromHours(1), scope: null));

        var whoAmI = await host.WhoAmIAsync(host.Assertion());

        Assert.DoesNotContain(whoAmI.Claims, c => c.Type.StartsWith("oi_", StringComparison.Ordinal));
        Assert.Equal(["contoso"], whoAmI.Values("tid"));
        Assert.Equal(["as-subject-1"], whoAmI.Values("sub"));
    }

    [Fact]
    public async Task Request_JwtWithOpenIddictPrivateClaimsWhenMapped_PrivateClaimsInThePrincipal()
    {
        await using var host = await StartAsync(o => o.MapOpenIddictPrivateClaims = true);
        host.TokenService.Enqueue(RecordingTokenService.Success(Jwt(host, fixture.OtherIdpKey, moreClaims: OpenIddictPrivateClaims), TimeSpan.FromHours(1), scope: null));

        var whoAmI = await host.WhoAmIAsync(host.Assertion());

        Assert.Equal(["c9b1d0e2-token-id"], whoAmI.Values("oi_tkn_id"));
        Assert.Equal(["5e7f0a13-authorization-id"], whoAmI.Values("oi_au_id"));
        Assert.Equal(["resource-api"], whoAmI.Values("oi_prst"));
        Assert.Equal(["contoso"], whoAmI.Values("tid"));
    }

    [Fact]
    public async Task Request_ClaimMerelyContainingOi_IsKept()
    {
        // Only the prefix is OpenIddict's: a claim such as "choice_oi_x" or "Oi_region" is the user's.
        await using var host = await StartAsync();
        host.TokenService.Enqueue(RecordingTokenService.Success(
            Jwt(host, fixture.OtherIdpKey, moreClaims: new Dictionary<string, object> { ["choice_oi_x"] = "kept", ["Oi_region"] = "eu" }), TimeSpan.FromHours(1), scope: null));

        var whoAmI = await host.WhoAmIAsync(host.Assertion());

        Assert.Equal(["kept"], whoAmI.Values("choice_oi_x"));
        Assert.Equal(["eu"], whoAmI.Values("Oi_region"));
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

    [Fact]
    public async Task Request_JwtSignedWithRotatedKey_RefreshesTheKeysAndReturns200()
    {
        using var oldKey = RSA.Create(2048);
        using var newKey = RSA.Create(2048);
        var documents = new RotatingDocuments(("old-key", oldKey));
        await using var host = await StartAsync(documents);
        host.TokenService.Enqueue(RecordingTokenService.Success(Jwt(host, "old-key", oldKey), TimeSpan.FromHours(1)));
        using var beforeRotation = await host.GetAsync("/whoami", host.Assertion(b => b.NameId = "before@example.com"));
        documents.Publish(("old-key", oldKey), ("new-key", newKey));
        host.TokenService.Enqueue(RecordingTokenService.Success(Jwt(host, "new-key", newKey), TimeSpan.FromHours(1)));

        var whoAmI = await host.WhoAmIAsync(host.Assertion(b => b.NameId = "after@example.com"));

        Assert.Equal(HttpStatusCode.OK, beforeRotation.StatusCode);
        Assert.Equal(["new-key"], whoAmI.Values("signed_with"));
        Assert.Equal(2, documents.JwksRequests);
    }

    [Fact]
    public async Task Request_JwtSignedWithKeyNeverPublished_Returns503AndRefreshesOnlyOncePerRefreshInterval()
    {
        using var publishedKey = RSA.Create(2048);
        using var rogueKey = RSA.Create(2048);
        var documents = new RotatingDocuments(("published", publishedKey));
        await using var host = await StartAsync(documents);
        host.TokenService.Enqueue(RecordingTokenService.Success(Jwt(host, "rogue", rogueKey), TimeSpan.FromHours(1)));
        host.TokenService.Enqueue(RecordingTokenService.Success(Jwt(host, "rogue", rogueKey), TimeSpan.FromHours(1)));

        using var first = await host.GetAsync("/whoami", host.Assertion(b => b.NameId = "first@example.com"));
        using var second = await host.GetAsync("/whoami", host.Assertion(b => b.NameId = "second@example.com"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, first.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, second.StatusCode);
        Assert.Equal(2, documents.JwksRequests);   // the first fetch, and one refresh for the unknown key
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

    private Task<Saml2BearerTestHost> StartAsync(RotatingDocuments documents) =>
        Saml2BearerTestHost.StartAsync(fixture, o =>
        {
            o.Authority = Issuer;
            o.ConfigurationManager = new ConfigurationManager<OpenIdConnectConfiguration>(
                Issuer + "/.well-known/openid-configuration", new OpenIdConnectConfigurationRetriever(), documents);
        });

    private static string Jwt(Saml2BearerTestHost host, string keyId, RSA key)
    {
        var now = host.Time.GetUtcNow().UtcDateTime;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Saml2BearerTestHost.ClientId,
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddHours(1),
            Claims = new Dictionary<string, object> { ["sub"] = "as-subject-1", ["signed_with"] = keyId },
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(key) { KeyId = keyId }, SecurityAlgorithms.RsaSha256),
        });
    }

    private static string Jwt(
        Saml2BearerTestHost host, TestSigningKey key, string audience = Saml2BearerTestHost.ClientId, TimeSpan? lifetime = null, IReadOnlyDictionary<string, object>? moreClaims = null)
    {
        var claims = new Dictionary<string, object> { ["sub"] = "as-subject-1", ["tid"] = "contoso", ["scp"] = "orders.read orders.admin" };
        foreach (var (type, value) in moreClaims ?? new Dictionary<string, object>())
        {
            claims[type] = value;
        }

        var now = host.Time.GetUtcNow().UtcDateTime;
        var expires = now + (lifetime ?? TimeSpan.FromHours(1));
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = audience,
            IssuedAt = expires.AddHours(-1) < now ? expires.AddHours(-1) : now,
            NotBefore = expires.AddHours(-1) < now ? expires.AddHours(-1) : now,
            Expires = expires,
            Claims = claims,
            SigningCredentials = new SigningCredentials(new X509SecurityKey(key.Certificate), SecurityAlgorithms.RsaSha256),
        });
    }

    /// <summary>The authorization server's discovery document and a JWKS that a test can change, counting JWKS fetches.</summary>
    private sealed class RotatingDocuments((string KeyId, RSA Key) key) : IDocumentRetriever
    {
        private string _jwks = Jwks([key]);
        private int _jwksRequests;

        public int JwksRequests => Volatile.Read(ref _jwksRequests);

        public void Publish(params (string KeyId, RSA Key)[] keys) => Volatile.Write(ref _jwks, Jwks(keys));

        public Task<string> GetDocumentAsync(string address, CancellationToken cancel)
        {
            if (address.EndsWith("/jwks", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref _jwksRequests);
                return Task.FromResult(Volatile.Read(ref _jwks));
            }

            return Task.FromResult($$"""{"issuer":"{{Issuer}}","token_endpoint":"{{Saml2BearerTestHost.TokenEndpoint}}","jwks_uri":"{{Issuer}}/jwks"}""");
        }

        private static string Jwks((string KeyId, RSA Key)[] keys) => JsonSerializer.Serialize(new
        {
            keys = keys.Select(k =>
            {
                var parameters = k.Key.ExportParameters(includePrivateParameters: false);
                return new { kty = "RSA", use = "sig", kid = k.KeyId, n = Base64UrlEncoder.Encode(parameters.Modulus), e = Base64UrlEncoder.Encode(parameters.Exponent) };
            }),
        });
    }
}
