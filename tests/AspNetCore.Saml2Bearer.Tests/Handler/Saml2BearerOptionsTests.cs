using AspNetCore.Saml2Bearer.Assertions;
using AspNetCore.Saml2Bearer.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace AspNetCore.Saml2Bearer.Tests.Handler;

public sealed class Saml2BearerOptionsTests(ValidatorFixture fixture) : IClassFixture<ValidatorFixture>
{
    [Fact]
    public async Task Startup_NeitherTokenEndpointNorAuthority_FailsNamingBoth()
    {
        var message = await StartupErrorAsync(o => o.TokenEndpoint = null);

        Assert.Contains(nameof(Saml2BearerOptions.TokenEndpoint), message, StringComparison.Ordinal);
        Assert.Contains(nameof(Saml2BearerOptions.Authority), message, StringComparison.Ordinal);
        Assert.Contains("'Saml2Bearer'", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Startup_HttpTokenEndpointOffLoopbackWithRequireHttpsMetadata_FailsNamingBoth()
    {
        var message = await StartupErrorAsync(o => o.TokenEndpoint = "http://as.example.com/oauth2/token");

        Assert.Contains(nameof(Saml2BearerOptions.TokenEndpoint), message, StringComparison.Ordinal);
        Assert.Contains(nameof(Saml2BearerOptions.RequireHttpsMetadata), message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Startup_HttpAuthorityOffLoopback_FailsNamingAuthority()
    {
        var message = await StartupErrorAsync(o => o.Authority = "http://as.example.com");

        Assert.Contains(nameof(Saml2BearerOptions.Authority), message, StringComparison.Ordinal);
        Assert.Contains(nameof(Saml2BearerOptions.RequireHttpsMetadata), message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Startup_TokenEndpointNotAnAbsoluteHttpUri_FailsNamingIt()
    {
        var message = await StartupErrorAsync(o => o.TokenEndpoint = "ftp://as.example.com/token");

        Assert.Contains(nameof(Saml2BearerOptions.TokenEndpoint), message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://127.0.0.1:5000/oauth2/token")]
    [InlineData("http://localhost:5000/oauth2/token")]
    [InlineData("http://[::1]:5000/oauth2/token")]
    public async Task Startup_HttpLoopbackTokenEndpoint_IsAccepted(string tokenEndpoint)
    {
        await using var host = await Saml2BearerTestHost.StartAsync(fixture, o => o.TokenEndpoint = tokenEndpoint);

        var options = host.Options();

        Assert.Equal(tokenEndpoint, options.TokenEndpoint);
        Assert.Equal([tokenEndpoint], options.Assertion.ValidRecipients);
    }

    [Fact]
    public async Task Startup_HttpTokenEndpointWithRequireHttpsMetadataOff_IsAccepted()
    {
        await using var host = await Saml2BearerTestHost.StartAsync(fixture, o =>
        {
            o.TokenEndpoint = "http://as.example.com/oauth2/token";
            o.RequireHttpsMetadata = false;
        });

        Assert.Equal("http://as.example.com/oauth2/token", host.Options().TokenEndpoint);
    }

    [Theory]
    [InlineData(global::AspNetCore.Saml2Bearer.TokenExchange.Saml2BearerClientAuthenticationMethod.ClientSecretBasic)]
    [InlineData(global::AspNetCore.Saml2Bearer.TokenExchange.Saml2BearerClientAuthenticationMethod.ClientSecretPost)]
    public async Task Startup_ClientSecretMethodWithoutSecret_FailsNamingClientSecret(global::AspNetCore.Saml2Bearer.TokenExchange.Saml2BearerClientAuthenticationMethod method)
    {
        var message = await StartupErrorAsync(o =>
        {
            o.ClientAuthenticationMethod = method;
            o.ClientSecret = null;
        });

        Assert.Contains(nameof(Saml2BearerOptions.ClientSecret), message, StringComparison.Ordinal);
        Assert.Contains(method.ToString(), message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Startup_PrivateKeyJwtWithoutCredentials_FailsNamingClientSigningCredentials()
    {
        var message = await StartupErrorAsync(o => o.ClientAuthenticationMethod = global::AspNetCore.Saml2Bearer.TokenExchange.Saml2BearerClientAuthenticationMethod.PrivateKeyJwt);

        Assert.Contains(nameof(Saml2BearerOptions.ClientSigningCredentials), message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Startup_NoIdentityProviderInFullMode_FailsNamingIdentityProviders()
    {
        var message = await StartupErrorAsync(o => o.Assertion.IdentityProviders.Clear());

        Assert.Contains(nameof(Saml2BearerOptions.Assertion), message, StringComparison.Ordinal);
        Assert.Contains(nameof(Saml2AssertionValidationParameters.IdentityProviders), message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Startup_IdentityProviderWithoutSigningKeys_FailsNamingSigningCertificates()
    {
        var message = await StartupErrorAsync(o =>
        {
            o.Assertion.IdentityProviders.Clear();
            o.Assertion.IdentityProviders.Add(new Saml2IdentityProvider { EntityId = Saml2AssertionBuilder.DefaultIssuer });
        });

        Assert.Contains(nameof(Saml2IdentityProvider.SigningCertificates), message, StringComparison.Ordinal);
        Assert.Contains(Saml2AssertionBuilder.DefaultIssuer, message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Startup_NoValidAudience_FailsNamingValidAudiences()
    {
        var message = await StartupErrorAsync(o => o.Assertion.ValidAudiences.Clear());

        Assert.Contains(nameof(Saml2AssertionValidationParameters.ValidAudiences), message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Startup_TrustAuthorizationServerWithoutAuthority_FailsNamingAuthority()
    {
        var message = await StartupErrorAsync(o => o.AssertionValidationMode = Saml2BearerAssertionValidationMode.TrustAuthorizationServer);

        Assert.Contains(nameof(Saml2BearerOptions.AssertionValidationMode), message, StringComparison.Ordinal);
        Assert.Contains(nameof(Saml2BearerOptions.Authority), message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.4)]
    [InlineData(90_000)]
    public async Task Startup_CircuitBreakDurationOutOfRange_FailsNamingIt(double seconds)
    {
        var message = await StartupErrorAsync(o => o.CircuitBreakDuration = TimeSpan.FromSeconds(seconds));

        Assert.Contains(nameof(Saml2BearerOptions.CircuitBreakDuration), message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Startup_NoConcurrentExchangesAllowed_FailsNamingMaxConcurrentExchanges()
    {
        var message = await StartupErrorAsync(o => o.MaxConcurrentExchanges = 0);

        Assert.Contains(nameof(Saml2BearerOptions.MaxConcurrentExchanges), message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Startup_EmptyHeaderName_FailsNamingHeaderName()
    {
        var message = await StartupErrorAsync(o => o.HeaderName = string.Empty);

        Assert.Contains(nameof(Saml2BearerOptions.HeaderName), message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(AspNetCore.Saml2Bearer.Assertions.Saml2AssertionValidationParameters.MaximumAllowedElementDepth + 1)]
    [InlineData(100_000)]
    public async Task Startup_ElementDepthCapOutOfRange_FailsNamingMaximumElementDepth(int depth)
    {
        var message = await StartupErrorAsync(o => o.Assertion.MaximumElementDepth = depth);

        Assert.Contains(nameof(AspNetCore.Saml2Bearer.Assertions.Saml2AssertionValidationParameters.MaximumElementDepth), message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Startup_NegativeMargin_FailsNamingTokenExpirationMargin()
    {
        var message = await StartupErrorAsync(o => o.TokenExpirationMargin = TimeSpan.FromSeconds(-1));

        Assert.Contains(nameof(Saml2BearerOptions.TokenExpirationMargin), message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Startup_TimeProviderFromDependencyInjection_IsUsedWhenOptionsSetNone()
    {
        var time = Saml2BearerTestHost.CreateTime();
        await using var fromDi = await Saml2BearerTestHost.StartAsync(fixture, new Saml2BearerTestHostSettings
        {
            Services = services => services.AddSingleton<TimeProvider>(time),
            Authentication = (authentication, _) => authentication.AddSaml2Bearer(o =>
            {
                Saml2BearerTestHost.ConfigureDefaults(o, fixture, time);
                o.TimeProvider = null;
            }),
        });

        using var response = await fromDi.GetAsync("/whoami", fromDi.Assertion());

        Assert.Same(time, fromDi.Options().TimeProvider);
        Assert.Same(time, fromDi.Options().Assertion.TimeProvider);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
    }

    private async Task<string> StartupErrorAsync(Action<Saml2BearerOptions> configure)
    {
        await using var host = Saml2BearerTestHost.Create(fixture, new Saml2BearerTestHostSettings { Configure = configure });
        var exception = await Assert.ThrowsAnyAsync<Exception>(host.StartAsync);
        var messages = new List<string>();
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            messages.Add(e.Message);
        }

        Assert.Contains(messages, m => m.Contains("misconfigured", StringComparison.Ordinal));
        return string.Join(" | ", messages);
    }
}
