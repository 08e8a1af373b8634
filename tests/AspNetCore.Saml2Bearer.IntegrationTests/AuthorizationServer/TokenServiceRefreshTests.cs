using System.Net;
using AspNetCore.Saml2Bearer.Testing;
using AspNetCore.Saml2Bearer.TokenExchange;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace AspNetCore.Saml2Bearer.IntegrationTests.AuthorizationServer;

/// <summary>
/// The library's own token service (<see cref="ISaml2BearerTokenService"/> as <c>AddSaml2Bearer</c> registers it)
/// against the sample authorization server with short-lived access tokens: exchange with <c>offline_access</c>,
/// renew by refresh token with each client authentication method, and the AS's replay refusal of the assertion.
/// </summary>
public sealed class TokenServiceRefreshTests(ShortLivedTokensFixture fixture) : IClassFixture<ShortLivedTokensFixture>
{
    private const string Scope = "orders.read offline_access";

    private AuthorizationServerFixture Server => fixture.Server;

    [Theory]
    [InlineData(Saml2BearerClientAuthenticationMethod.ClientSecretBasic)]
    [InlineData(Saml2BearerClientAuthenticationMethod.ClientSecretPost)]
    [InlineData(Saml2BearerClientAuthenticationMethod.PrivateKeyJwt)]
    public async Task ExchangeThenRefresh_EachClientAuthentication_RenewsWithoutTheAssertionWhichStaysSpent(Saml2BearerClientAuthenticationMethod method)
    {
        await using var services = CreateServices(method);
        var (service, options) = Resolve(services);
        var assertion = Saml2AssertionBuilder.ToBytes(Server.NewAssertion().BuildSigned(Server.IdpKey));

        var exchanged = await service.ExchangeAsync(NewExchange(options, assertion), CancellationToken.None);
        Assert.True(exchanged.Status == Saml2BearerTokenResultStatus.Success, exchanged.Error);
        AssertExpiresIn(exchanged.Response!);
        var refreshToken = exchanged.Response!.RefreshToken;
        Assert.False(string.IsNullOrEmpty(refreshToken));

        var refreshed = await service.RefreshAsync(
            new Saml2BearerRefreshRequest { SchemeName = Saml2BearerDefaults.AuthenticationScheme, Options = options, RefreshToken = refreshToken, Scope = Scope },
            CancellationToken.None);
        var replayed = await service.ExchangeAsync(NewExchange(options, assertion), CancellationToken.None);

        Assert.True(refreshed.Status == Saml2BearerTokenResultStatus.Success, refreshed.Error);
        Assert.NotEqual(exchanged.Response.AccessToken, refreshed.Response!.AccessToken);
        AssertExpiresIn(refreshed.Response);
        Assert.False(string.IsNullOrEmpty(refreshed.Response.RefreshToken));
        Assert.NotEqual(refreshToken, refreshed.Response.RefreshToken);
        var validation = await Server.ValidateJwtAsync(refreshed.Response.AccessToken, AuthorizationServerFixture.Resource);
        Assert.True(validation.IsValid, validation.Exception?.Message);
        Assert.Equal("alice@example.com", ((JsonWebToken)validation.SecurityToken).Subject);
        Assert.Equal(Saml2BearerTokenResultStatus.InvalidGrant, replayed.Status);
        Assert.Equal("invalid_grant", replayed.Error);
    }

    [Fact]
    public async Task Refresh_UnknownRefreshToken_InvalidGrant()
    {
        await using var services = CreateServices(Saml2BearerClientAuthenticationMethod.ClientSecretBasic);
        var (service, options) = Resolve(services);

        var result = await service.RefreshAsync(
            new Saml2BearerRefreshRequest { SchemeName = Saml2BearerDefaults.AuthenticationScheme, Options = options, RefreshToken = "RT-unknown-5c1d" },
            CancellationToken.None);

        Assert.Equal(Saml2BearerTokenResultStatus.InvalidGrant, result.Status);
        Assert.Equal("invalid_grant", result.Error);
    }

    [Fact]
    public async Task AccessTokenLifetime_ConfiguredOnTheFixture_ExchangedAndRefreshedJwtsLiveThatLong()
    {
        var assertion = AuthorizationServerFixture.EncodeBase64Url(Server.NewAssertion().BuildSigned(Server.IdpKey));

        var exchanged = await Server.RequestWithBasicAsync(assertion, Scope);
        Assert.True(exchanged.StatusCode == HttpStatusCode.OK, exchanged.Body.ToString());
        var refreshed = await Server.RefreshWithBasicAsync(exchanged.Get("refresh_token")!);
        Assert.True(refreshed.StatusCode == HttpStatusCode.OK, refreshed.Body.ToString());

        foreach (var accessToken in new[] { exchanged.AccessToken!, refreshed.AccessToken! })
        {
            var jwt = new JsonWebToken(accessToken);
            Assert.Equal(ShortLivedTokensFixture.AccessTokenLifetime, jwt.ValidTo - jwt.IssuedAt);
        }
    }

    private ServiceProvider CreateServices(Saml2BearerClientAuthenticationMethod method)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddAuthentication().AddSaml2Bearer(options =>
        {
            options.TokenEndpoint = Server.TokenEndpoint;
            options.Scope = Scope;
            options.ClientAuthenticationMethod = method;
            options.BackchannelTimeout = TimeSpan.FromSeconds(30);
            options.Assertion.AddIdentityProvider(AuthorizationServerFixture.IdpEntityId, Server.IdpKey.PublicCertificate);
            options.Assertion.ValidAudiences.Add(Server.Issuer);
            if (method == Saml2BearerClientAuthenticationMethod.PrivateKeyJwt)
            {
                options.ClientId = AuthorizationServerFixture.JwtClientId;
                options.ClientAssertionAudience = Server.Issuer;
                options.ClientSigningCredentials = new SigningCredentials(new RsaSecurityKey(Server.ClientKey) { KeyId = "client-key-1" }, SecurityAlgorithms.RsaSha256);
            }
            else
            {
                options.ClientId = AuthorizationServerFixture.SecretClientId;
                options.ClientSecret = Server.ClientSecret;
            }
        });
        return services.BuildServiceProvider();
    }

    private static (ISaml2BearerTokenService Service, Saml2BearerOptions Options) Resolve(ServiceProvider services) =>
        (services.GetRequiredService<ISaml2BearerTokenService>(),
            services.GetRequiredService<IOptionsMonitor<Saml2BearerOptions>>().Get(Saml2BearerDefaults.AuthenticationScheme));

    // OpenIddict answers expires_in as the whole seconds left of the token, so a second or so under its lifetime.
    private static void AssertExpiresIn(Saml2BearerTokenResponse response)
    {
        Assert.NotNull(response.ExpiresIn);
        Assert.InRange(response.ExpiresIn.Value, ShortLivedTokensFixture.AccessTokenLifetime - TimeSpan.FromSeconds(10), ShortLivedTokensFixture.AccessTokenLifetime);
    }

    private static Saml2BearerTokenRequest NewExchange(Saml2BearerOptions options, byte[] assertion) =>
        new() { SchemeName = Saml2BearerDefaults.AuthenticationScheme, Options = options, Assertion = assertion, Scope = options.Scope };
}
