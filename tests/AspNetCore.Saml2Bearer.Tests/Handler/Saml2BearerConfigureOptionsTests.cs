using System.Net;
using System.Security.Claims;
using AspNetCore.Saml2Bearer.Assertions;
using AspNetCore.Saml2Bearer.Tests.Infrastructure;
using AspNetCore.Saml2Bearer.TokenExchange;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AspNetCore.Saml2Bearer.Tests.Handler;

public sealed class Saml2BearerConfigureOptionsTests(ValidatorFixture fixture) : IClassFixture<ValidatorFixture>, IDisposable
{
    private const string Section = "Authentication:Schemes:Saml2Bearer:";
    private readonly string _directory = Directory.CreateTempSubdirectory("saml2bearer-tests-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Configure_EveryKey_IsBound()
    {
        var idpPem = WritePem("idp.pem", fixture.IdpKey);
        var otherPem = WritePem("other.pem", fixture.OtherIdpKey);
        var settings = new Dictionary<string, string?>
        {
            [Section + "TokenEndpoint"] = "https://as.example.com/oauth2/token",
            [Section + "Authority"] = "https://as.example.com",
            [Section + "MetadataAddress"] = "https://as.example.com/.well-known/oauth-authorization-server",
            [Section + "RequireHttpsMetadata"] = "false",
            [Section + "ClientId"] = "api",
            [Section + "ClientSecret"] = "s3cret",
            [Section + "ClientAuthenticationMethod"] = "ClientSecretPost",
            [Section + "Scope"] = "orders.read profile",
            [Section + "TokenAudience"] = "https://api.example.com",
            [Section + "Resource"] = "https://orders.example.com",
            [Section + "AssertionEncoding"] = "Base64",
            [Section + "AssertionValidationMode"] = "Full",
            [Section + "HeaderName"] = "X-Assertion",
            [Section + "HeaderSchemes:0"] = "SAML2",
            [Section + "HeaderSchemes:1"] = "SAML",
            [Section + "AllowFormField"] = "true",
            [Section + "FormFieldName"] = "saml_assertion",
            [Section + "BackchannelTimeout"] = "00:00:07",
            [Section + "CircuitBreakDuration"] = "00:00:03",
            [Section + "MaxConcurrentExchanges"] = "7",
            [Section + "TokenExpirationMargin"] = "00:00:30",
            [Section + "DefaultTokenLifetime"] = "00:10:00",
            [Section + "DefaultRetryAfter"] = "00:00:12",
            [Section + "TokenCacheSizeLimit"] = "123",
            [Section + "AssertionCacheSizeLimit"] = "45",
            [Section + "EnableAssertionCache"] = "false",
            [Section + "MaximumTokenResponseSize"] = "2048",
            [Section + "SaveTokens"] = "false",
            [Section + "IncludeErrorDetails"] = "false",
            [Section + "MapAccessTokenClaims"] = "false",
            [Section + "NameClaimType"] = "email",
            [Section + "RoleClaimType"] = "groups",
            [Section + "AttributeClaimTypeMap:0:Attribute"] = "urn:oid:1.3.6.1.4.1.5923.1.1.1.7",
            [Section + "AttributeClaimTypeMap:0:ClaimType"] = "groups",
            [Section + "AttributeClaimTypeMap:1:Attribute"] = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
            [Section + "AttributeClaimTypeMap:1:ClaimType"] = "email",
            [Section + "AdditionalTokenRequestParameters:tenant"] = "contoso",
            [Section + "ValidTokenAudiences:0"] = "api://orders",
            [Section + "Assertion:ValidIssuers:0"] = Saml2AssertionBuilder.DefaultIssuer,
            [Section + "Assertion:SigningCertificates:0"] = idpPem,
            [Section + "Assertion:ValidAudiences:0"] = "https://as.example.com",
            [Section + "Assertion:ValidAudiences:1"] = "https://api.example.com",
            [Section + "Assertion:ValidRecipients:0"] = "https://as.example.com/token",
            [Section + "Assertion:ClockSkew"] = "00:02:00",
            [Section + "Assertion:MaximumLifetime"] = "00:30:00",
            [Section + "Assertion:AllowSha1"] = "true",
            [Section + "Assertion:AllowResponseWrapper"] = "true",
            [Section + "Assertion:AllowedEncodings"] = "Base64, RawXml",
            [Section + "Assertion:MaximumEncodedLength"] = "1000",
            [Section + "Assertion:MaximumDecodedLength"] = "2000",
            [Section + "Assertion:IdentityProviders:0:EntityId"] = ValidatorFixture.OtherIssuer,
            [Section + "Assertion:IdentityProviders:0:SigningCertificates:0"] = otherPem,
        };

        var options = Bind(settings);

        Assert.Equal("https://as.example.com/oauth2/token", options.TokenEndpoint);
        Assert.Equal("https://as.example.com", options.Authority);
        Assert.Equal("https://as.example.com/.well-known/oauth-authorization-server", options.MetadataAddress);
        Assert.False(options.RequireHttpsMetadata);
        Assert.Equal("api", options.ClientId);
        Assert.Equal("s3cret", options.ClientSecret);
        Assert.Equal(Saml2BearerClientAuthenticationMethod.ClientSecretPost, options.ClientAuthenticationMethod);
        Assert.Equal("orders.read profile", options.Scope);
        Assert.Equal("https://api.example.com", options.TokenAudience);
        Assert.Equal("https://orders.example.com", options.Resource);
        Assert.Equal(Saml2BearerAssertionEncoding.Base64, options.AssertionEncoding);
        Assert.Equal(Saml2BearerAssertionValidationMode.Full, options.AssertionValidationMode);
        Assert.Equal("X-Assertion", options.HeaderName);
        Assert.Equal(["SAML2", "SAML"], options.HeaderSchemes);
        Assert.True(options.AllowFormField);
        Assert.Equal("saml_assertion", options.FormFieldName);
        Assert.Equal(TimeSpan.FromSeconds(7), options.BackchannelTimeout);
        Assert.Equal(TimeSpan.FromSeconds(3), options.CircuitBreakDuration);
        Assert.Equal(7, options.MaxConcurrentExchanges);
        Assert.Equal(TimeSpan.FromSeconds(30), options.TokenExpirationMargin);
        Assert.Equal(TimeSpan.FromMinutes(10), options.DefaultTokenLifetime);
        Assert.Equal(TimeSpan.FromSeconds(12), options.DefaultRetryAfter);
        Assert.Equal(123, options.TokenCacheSizeLimit);
        Assert.Equal(45, options.AssertionCacheSizeLimit);
        Assert.False(options.EnableAssertionCache);
        Assert.Equal(2048, options.MaximumTokenResponseSize);
        Assert.False(options.SaveTokens);
        Assert.False(options.IncludeErrorDetails);
        Assert.False(options.MapAccessTokenClaims);
        Assert.Equal("email", options.NameClaimType);
        Assert.Equal("groups", options.RoleClaimType);
        Assert.Equal("groups", options.AttributeClaimTypeMap["urn:oid:1.3.6.1.4.1.5923.1.1.1.7"]);
        Assert.Equal("email", options.AttributeClaimTypeMap["http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"]);
        Assert.Equal("contoso", options.AdditionalTokenRequestParameters["tenant"]);
        Assert.Equal(["api://orders"], options.TokenValidationParameters.ValidAudiences);

        var assertion = options.Assertion;
        Assert.Equal(["https://as.example.com", "https://api.example.com"], assertion.ValidAudiences);
        Assert.Equal(["https://as.example.com/token"], assertion.ValidRecipients);
        Assert.Equal(TimeSpan.FromMinutes(2), assertion.ClockSkew);
        Assert.Equal(TimeSpan.FromMinutes(30), assertion.MaximumLifetime);
        Assert.True(assertion.AllowSha1);
        Assert.True(assertion.AllowResponseWrapper);
        Assert.Equal(Saml2AssertionEncodings.Base64 | Saml2AssertionEncodings.RawXml, assertion.AllowedEncodings);
        Assert.Equal(1000, assertion.MaximumEncodedLength);
        Assert.Equal(2000, assertion.MaximumDecodedLength);
        Assert.Equal([Saml2AssertionBuilder.DefaultIssuer, ValidatorFixture.OtherIssuer], assertion.IdentityProviders.Select(i => i.EntityId));
        Assert.Equal(fixture.IdpKey.Certificate.Thumbprint, Assert.Single(assertion.IdentityProviders[0].SigningCertificates).Thumbprint);
        Assert.Equal(fixture.OtherIdpKey.Certificate.Thumbprint, Assert.Single(assertion.IdentityProviders[1].SigningCertificates).Thumbprint);
        Assert.NotNull(options.ConfigurationManager);
        Assert.Empty(options.UnknownConfigurationKeys);
    }

    [Fact]
    public void Configure_NoSection_KeepsTheDefaultsAndCodeConfiguration()
    {
        var options = Bind(new Dictionary<string, string?>(), o =>
        {
            o.TokenEndpoint = Saml2BearerTestHost.TokenEndpoint;
            o.ClientAuthenticationMethod = Saml2BearerClientAuthenticationMethod.None;
            o.Assertion.AddIdentityProvider(Saml2AssertionBuilder.DefaultIssuer, fixture.IdpKey.PublicCertificate);
            o.Assertion.ValidAudiences.Add(Saml2AssertionBuilder.DefaultAudience);
        });

        Assert.Equal(["SAML"], options.HeaderSchemes);
        Assert.Equal(Saml2AssertionValidationParameters.DefaultClockSkew, options.Assertion.ClockSkew);
        Assert.Equal([Saml2BearerTestHost.TokenEndpoint], options.Assertion.ValidRecipients);
    }

    [Fact]
    public void Configure_CodeConfigurationRunsAfterBinding_CodeWins()
    {
        var settings = MinimalSettings(WritePem("idp.pem", fixture.IdpKey));
        settings[Section + "Scope"] = "from-configuration";

        var options = Bind(settings, o => o.Scope = "from-code");

        Assert.Equal("from-code", options.Scope);
    }

    [Theory]
    [InlineData("RequireHttpsMetadata", "yes", "true or false")]
    [InlineData("TokenCacheSizeLimit", "many", "a whole number")]
    [InlineData("DefaultRetryAfter", "soon", "TimeSpan")]
    [InlineData("ClientAuthenticationMethod", "1", "ClientSecretBasic")]
    [InlineData("ClientAuthenticationMethod", "Kerberos", "ClientSecretBasic")]
    [InlineData("Assertion:ClockSkew", "5 minutes", "TimeSpan")]
    public void Configure_InvalidValue_ThrowsNamingTheKey(string key, string value, string expected)
    {
        var settings = MinimalSettings(WritePem("idp.pem", fixture.IdpKey));
        settings[Section + key] = value;

        var exception = Assert.Throws<InvalidOperationException>(() => Bind(settings));

        Assert.Contains("Authentication:Schemes:Saml2Bearer:" + key, exception.Message, StringComparison.Ordinal);
        Assert.Contains(expected, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Configure_MissingCertificateFile_ThrowsNamingThePath()
    {
        var path = Path.Combine(_directory, "missing.pem");

        var exception = Assert.Throws<InvalidOperationException>(() => Bind(MinimalSettings(path)));

        Assert.Contains(path, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Configure_FileThatIsNotACertificate_Throws()
    {
        var path = Path.Combine(_directory, "not-a-cert.pem");
        File.WriteAllText(path, "hello");

        var exception = Assert.Throws<InvalidOperationException>(() => Bind(MinimalSettings(path)));

        Assert.Contains(path, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Request_SchemeConfiguredOnlyFromConfiguration_AuthenticatesWithThePemCertificate()
    {
        var settings = MinimalSettings(WritePem("idp.pem", fixture.IdpKey));
        settings[Section + "AttributeClaimTypeMap:0:Attribute"] = "urn:oid:1.3.6.1.4.1.5923.1.1.1.7";
        settings[Section + "AttributeClaimTypeMap:0:ClaimType"] = ClaimTypes.Role;
        await using var host = await Saml2BearerTestHost.StartAsync(fixture, new Saml2BearerTestHostSettings
        {
            Configuration = settings,
            Authentication = (authentication, time) => authentication.AddSaml2Bearer(o => o.TimeProvider = time),
        });

        var whoAmI = await host.WhoAmIAsync(host.Assertion());
        using var untrusted = await host.GetAsync("/whoami", host.Assertion(b => b.Issuer = ValidatorFixture.OtherIssuer, fixture.OtherIdpKey));

        Assert.Equal("alice@example.com", whoAmI.Name);
        Assert.Equal(["orders.read", "orders.write"], whoAmI.Values(ClaimTypes.Role));
        Assert.Equal(HttpStatusCode.Unauthorized, untrusted.StatusCode);
        Assert.Equal("client-from-configuration", Assert.Single(host.TokenService.Requests).Options.ClientId);
    }

    [Fact]
    public async Task Request_TwoSchemesFromConfiguration_EachUsesItsOwnOptions()
    {
        var settings = new Dictionary<string, string?>();
        foreach (var (key, value) in MinimalSettings(WritePem("idp.pem", fixture.IdpKey)))
        {
            settings[key.Replace(":Saml2Bearer:", ":Partner:", StringComparison.Ordinal)] = value;
        }

        settings["Authentication:Schemes:Partner:Scope"] = "partner.read";
        settings["Authentication:Schemes:Legacy:TokenEndpoint"] = "https://legacy-as.example.com/token";
        settings["Authentication:Schemes:Legacy:ClientId"] = "legacy";
        settings["Authentication:Schemes:Legacy:ClientSecret"] = "legacy-secret";
        settings["Authentication:Schemes:Legacy:Scope"] = "legacy.read";
        settings["Authentication:Schemes:Legacy:HeaderName"] = "X-Legacy-Assertion";
        settings["Authentication:Schemes:Legacy:Assertion:ValidIssuers:0"] = ValidatorFixture.OtherIssuer;
        settings["Authentication:Schemes:Legacy:Assertion:SigningCertificates:0"] = WritePem("other.pem", fixture.OtherIdpKey);
        settings["Authentication:Schemes:Legacy:Assertion:ValidAudiences:0"] = Saml2AssertionBuilder.DefaultAudience;
        settings["Authentication:Schemes:Legacy:Assertion:ValidRecipients:0"] = Saml2AssertionBuilder.DefaultRecipient;
        await using var host = await Saml2BearerTestHost.StartAsync(fixture, new Saml2BearerTestHostSettings
        {
            Configuration = settings,
            DefaultScheme = "Partner",
            Authentication = (authentication, time) => authentication
                .AddSaml2Bearer("Partner", null, o => o.TimeProvider = time)
                .AddSaml2Bearer("Legacy", null, o =>
                {
                    o.TimeProvider = time;
                    o.HeaderSchemes.Clear();
                }),
            Endpoints = app =>
            {
                app.MapGet("/partner", (HttpContext c) => c.User.FindFirst("scope")?.Value).RequireAuthorization(new AuthorizeAttribute { AuthenticationSchemes = "Partner" });
                app.MapGet("/legacy", (HttpContext c) => c.User.FindFirst("scope")?.Value).RequireAuthorization(new AuthorizeAttribute { AuthenticationSchemes = "Legacy" });
            },
        });
        var partnerAssertion = host.Assertion();
        var legacyAssertion = host.Assertion(b => b.Issuer = ValidatorFixture.OtherIssuer, fixture.OtherIdpKey);
        host.TokenService.Scope = null;

        using var partner = await host.GetAsync("/partner", partnerAssertion);
        using var legacyRequest = new HttpRequestMessage(HttpMethod.Get, new Uri("/legacy", UriKind.Relative));
        legacyRequest.Headers.Add("X-Legacy-Assertion", legacyAssertion);
        using var legacy = await host.Client.SendAsync(legacyRequest);
        using var crossedRequest = new HttpRequestMessage(HttpMethod.Get, new Uri("/legacy", UriKind.Relative));
        crossedRequest.Headers.Add("X-Legacy-Assertion", partnerAssertion);
        using var crossed = await host.Client.SendAsync(crossedRequest);

        Assert.Equal("partner.read", await partner.Content.ReadAsStringAsync());
        Assert.Equal("legacy.read", await legacy.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, crossed.StatusCode);
        Assert.Equal(["Legacy", "Partner"], host.TokenService.Requests.Select(r => r.SchemeName).Order(StringComparer.Ordinal));
        var monitor = host.App.Services.GetRequiredService<IOptionsMonitor<Saml2BearerOptions>>();
        Assert.Equal("X-Legacy-Assertion", monitor.Get("Legacy").HeaderName);
        Assert.Equal("Authorization", monitor.Get("Partner").HeaderName);
    }

    private static Dictionary<string, string?> MinimalSettings(string pemPath) => new()
    {
        [Section + "TokenEndpoint"] = Saml2BearerTestHost.TokenEndpoint,
        [Section + "ClientId"] = "client-from-configuration",
        [Section + "ClientSecret"] = "secret-from-configuration",
        [Section + "Scope"] = "orders.read",
        [Section + "Assertion:ValidIssuers:0"] = Saml2AssertionBuilder.DefaultIssuer,
        [Section + "Assertion:SigningCertificates:0"] = pemPath,
        [Section + "Assertion:ValidAudiences:0"] = Saml2AssertionBuilder.DefaultAudience,
        [Section + "Assertion:ClockSkew"] = "00:01:00",
    };

    private string WritePem(string name, TestSigningKey key)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, key.PublicCertificate.ExportCertificatePem());
        return path;
    }

    private static Saml2BearerOptions Bind(Dictionary<string, string?> settings, Action<Saml2BearerOptions>? configure = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging();
        services.AddSingleton<ISaml2BearerTokenService>(new RecordingTokenService());
        services.AddAuthentication().AddSaml2Bearer(o => configure?.Invoke(o));
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptionsMonitor<Saml2BearerOptions>>().Get(Saml2BearerDefaults.AuthenticationScheme);
    }
}
