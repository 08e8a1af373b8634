using System.Net;
using System.Security.Cryptography;
using AspNetCore.Saml2Bearer.Tests.Infrastructure;
using AspNetCore.Saml2Bearer.TokenExchange;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace AspNetCore.Saml2Bearer.Tests.Handler;

/// <summary>
/// Configuration mistakes are caught at startup, all at once: unknown keys with the nearest setting,
/// every validation error in one exception with its full key, paths relative to the content root,
/// certificates and keys inline, and every option bindable.
/// </summary>
public sealed class Saml2BearerConfigurationCheckTests(ValidatorFixture fixture) : IClassFixture<ValidatorFixture>, IDisposable
{
    private const string Section = "Authentication:Schemes:Saml2Bearer:";
    private const int UnknownConfigurationKeyEventId = 1200;
    private readonly TemporaryDirectory _directory = new();
    private readonly InMemoryLoggerProvider _logs = new();

    public void Dispose()
    {
        _directory.Dispose();
        _logs.Dispose();
    }

    [Fact]
    public async Task Startup_UnknownKey_WarnsWithTheNearestSetting()
    {
        var settings = MinimalSettings();
        settings[Section + "Scopes"] = "orders.read";

        await using var app = CreateApp(settings);
        await app.StartAsync();

        var warning = Assert.Single(_logs.Entries, e => e.EventId.Id == UnknownConfigurationKeyEventId);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains("'Authentication:Schemes:Saml2Bearer:Scopes' is not a setting; did you mean 'Scope'?", warning.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(Saml2BearerOptions.RejectUnknownConfigurationKeys), warning.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("orders.read", warning.AllText, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ClientSecrect", "ClientSecret")]
    [InlineData("Assertion:ValidAudience:0", "ValidAudiences")]
    [InlineData("Assertion:ClockSkw", "ClockSkew")]
    [InlineData("ValidAudiences:0", "Assertion:ValidAudiences")]
    [InlineData("ValidIssuer", "Assertion:ValidIssuers")]
    [InlineData("Assertion:IdentityProviders:0:EntityID2", "EntityId")]
    [InlineData("Assertion:AllowSha", "AllowSha1")]
    public void Configure_MisspelledKey_SuggestsTheSetting(string key, string suggestion)
    {
        var settings = MinimalSettings();
        settings[Section + key] = "x";
        settings[Section + "Assertion:IdentityProviders:0:EntityId"] = ValidatorFixture.OtherIssuer;
        settings[Section + "Assertion:IdentityProviders:0:SigningCertificates:0"] = WritePem("other.pem", fixture.OtherIdpKey);

        Bind(settings);

        var warning = Assert.Single(_logs.Entries, e => e.EventId.Id == UnknownConfigurationKeyEventId);
        Assert.Contains($"did you mean '{suggestion}'?", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Configure_KeyFarFromEverySetting_WarnsWithoutASuggestion()
    {
        var settings = MinimalSettings();
        settings[Section + "Colour"] = "blue";

        Bind(settings);

        var warning = Assert.Single(_logs.Entries, e => e.EventId.Id == UnknownConfigurationKeyEventId);
        Assert.Contains("'Authentication:Schemes:Saml2Bearer:Colour' is not a setting", warning.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("did you mean", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Configure_EveryKnownKeyAndTheKeysAspNetCoreBinds_NoWarning()
    {
        var settings = MinimalSettings();
        settings[Section + "ClaimsIssuer"] = "saml";
        settings[Section + "ForwardChallenge"] = "Other";
        settings[Section + "HeaderSchemes:0"] = "SAML";
        settings[Section + "AdditionalTokenRequestParameters:tenant"] = "contoso";
        settings[Section + "AttributeClaimTypeMap:0:Attribute"] = "urn:oid:1";
        settings[Section + "AttributeClaimTypeMap:0:ClaimType"] = "groups";
        settings[Section + "ValidTokenAudiences:0"] = "api";
        settings[Section + "assertion:clockskew"] = "00:01:00";

        var options = Bind(settings);

        Assert.DoesNotContain(_logs.Entries, e => e.EventId.Id == UnknownConfigurationKeyEventId);
        Assert.Equal("saml", options.ClaimsIssuer);
        Assert.Equal("Other", options.ForwardChallenge);
    }

    [Fact]
    public async Task Startup_UnknownKeyWithRejectUnknownConfigurationKeys_FailsNamingTheKey()
    {
        var settings = MinimalSettings();
        settings[Section + "Scopes"] = "orders.read";
        settings[Section + "RejectUnknownConfigurationKeys"] = "true";

        var message = await StartupErrorAsync(settings);

        Assert.Contains("'Authentication:Schemes:Saml2Bearer:Scopes' is not a setting; did you mean 'Scope'?", message, StringComparison.Ordinal);
        Assert.DoesNotContain(_logs.Entries, e => e.EventId.Id == UnknownConfigurationKeyEventId);
    }

    [Fact]
    public void Configure_RejectUnknownConfigurationKeysSetInCode_FailsToo()
    {
        var settings = MinimalSettings();
        settings[Section + "Assertion:ValidAudience:0"] = "https://as.example.com/";

        var exception = Assert.Throws<InvalidOperationException>(() => Bind(settings, configure: o => o.RejectUnknownConfigurationKeys = true));

        Assert.Contains("Authentication:Schemes:Saml2Bearer:Assertion:ValidAudience", exception.Message, StringComparison.Ordinal);
        Assert.Contains("did you mean 'ValidAudiences'?", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Startup_SeveralMistakes_OneExceptionNamingEachFullKey()
    {
        var settings = new Dictionary<string, string?>
        {
            [Section + "TokenEndpoint"] = "https://as.example.com/oauth2/token",
            [Section + "ClientId"] = "api",
            [Section + "BackchannelTimeout"] = "ten seconds",
            [Section + "Scopes"] = "orders.read",
            [Section + "RejectUnknownConfigurationKeys"] = "true",
            [Section + "Assertion:ValidIssuers:0"] = Saml2AssertionBuilder.DefaultIssuer,
            [Section + "Assertion:SigningCertificates:0"] = WritePem("idp.pem", fixture.IdpKey),
            [Section + "Assertion:ClockSkew"] = "02:00:00",
        };

        var message = await StartupErrorAsync(settings);

        Assert.True(message.Contains("5 problems", StringComparison.Ordinal), message);
        Assert.Contains("Authentication:Schemes:Saml2Bearer:BackchannelTimeout: must be a TimeSpan", message, StringComparison.Ordinal);
        Assert.Contains("Authentication:Schemes:Saml2Bearer:Scopes", message, StringComparison.Ordinal);
        Assert.Contains("Authentication:Schemes:Saml2Bearer:ClientSecret: ClientAuthenticationMethod ClientSecretBasic needs ClientId and ClientSecret", message, StringComparison.Ordinal);
        Assert.Contains("Authentication:Schemes:Saml2Bearer:Assertion:ValidAudiences: Assertion: ValidAudiences is empty", message, StringComparison.Ordinal);
        Assert.Contains("Authentication:Schemes:Saml2Bearer:Assertion:ClockSkew: Assertion: ClockSkew must be between zero and one hour", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Configure_SchemeWithItsOwnName_ErrorsNameItsSection()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Authentication:Schemes:Partner:TokenEndpoint"] = "https://as.example.com/oauth2/token",
            ["Authentication:Schemes:Partner:MaxConcurrentExchanges"] = "0",
        };

        var exception = Assert.Throws<InvalidOperationException>(() => Bind(settings, scheme: "Partner"));

        Assert.Contains("'Partner'", exception.Message, StringComparison.Ordinal);
        Assert.Contains("Authentication:Schemes:Partner:MaxConcurrentExchanges: MaxConcurrentExchanges must be positive.", exception.Message, StringComparison.Ordinal);
        Assert.Contains("Authentication:Schemes:Partner:Assertion:IdentityProviders", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Configure_RelativeCertificatePath_ResolvesAgainstTheContentRoot()
    {
        Directory.CreateDirectory(Path.Combine(_directory.Path, "certs"));
        WritePem(Path.Combine("certs", "idp.pem"), fixture.IdpKey);
        var settings = MinimalSettings(Path.Combine("certs", "idp.pem"));

        var options = Bind(settings, contentRoot: _directory.Path);

        Assert.NotEqual(_directory.Path, Directory.GetCurrentDirectory());
        Assert.Equal(fixture.IdpKey.Certificate.Thumbprint, Assert.Single(Assert.Single(options.Assertion.IdentityProviders).SigningCertificates).Thumbprint);
    }

    [Fact]
    public void Configure_RelativePathMissingUnderTheContentRoot_NamesTheResolvedPath()
    {
        var exception = Assert.Throws<InvalidOperationException>(() => Bind(MinimalSettings("idp.pem"), contentRoot: _directory.Path));

        Assert.Contains("Authentication:Schemes:Saml2Bearer:Assertion:SigningCertificates:0", exception.Message, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(_directory.Path, "idp.pem"), exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Configure_InlinePemCertificate_IsLoaded()
    {
        var settings = MinimalSettings(fixture.IdpKey.PublicCertificate.ExportCertificatePem());

        var options = Bind(settings);

        Assert.Equal(fixture.IdpKey.Certificate.Thumbprint, Assert.Single(options.Assertion.IdentityProviders[0].SigningCertificates).Thumbprint);
    }

    [Fact]
    public void Configure_Base64DerCertificate_IsLoaded()
    {
        var settings = MinimalSettings(Convert.ToBase64String(fixture.IdpKey.PublicCertificate.RawData));

        var options = Bind(settings);

        var certificate = Assert.Single(options.Assertion.IdentityProviders[0].SigningCertificates);
        Assert.Equal(fixture.IdpKey.Certificate.Thumbprint, certificate.Thumbprint);
        Assert.False(certificate.HasPrivateKey);
    }

    [Fact]
    public void Configure_InlinePemWithoutCertificate_FailsWithoutEchoingIt()
    {
        using var rsa = RSA.Create(2048);
        var pem = rsa.ExportPkcs8PrivateKeyPem();

        var exception = Assert.Throws<InvalidOperationException>(() => Bind(MinimalSettings(pem)));

        Assert.Contains("Assertion:SigningCertificates:0", exception.Message, StringComparison.Ordinal);
        Assert.Contains("holds no PEM certificate", exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(pem.Split('\n')[1], exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Configure_Base64ThatIsNotACertificate_Fails()
    {
        var settings = MinimalSettings(Convert.ToBase64String(RandomNumberGenerator.GetBytes(300)));

        var exception = Assert.Throws<InvalidOperationException>(() => Bind(settings));

        Assert.Contains("Assertion:SigningCertificates:0: is neither an existing file", exception.Message.Replace("'", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Configure_PrivateKeyJwtFromARelativeKeyFile_SignsClientAssertionsWithTheKeyAndKid()
    {
        using var rsa = RSA.Create(2048);
        _directory.WriteFile("client-key.pem", rsa.ExportPkcs8PrivateKeyPem());
        var settings = MinimalSettings();
        settings.Remove(Section + "ClientSecret");
        settings[Section + "ClientAuthenticationMethod"] = "PrivateKeyJwt";
        settings[Section + "ClientSigningCredentials:Key"] = "client-key.pem";
        settings[Section + "ClientSigningCredentials:KeyId"] = "2026-12";

        var options = Bind(settings, contentRoot: _directory.Path);

        var credentials = Assert.IsType<SigningCredentials>(options.ClientSigningCredentials);
        Assert.Equal(SecurityAlgorithms.RsaSha256, credentials.Algorithm);
        var token = ClientAssertion.Create("client-from-configuration", "https://as.example.com", credentials, new FakeTimeProvider(DateTimeOffset.UtcNow), TimeSpan.FromMinutes(1));
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = "client-from-configuration",
            ValidAudience = "https://as.example.com",
            IssuerSigningKey = new RsaSecurityKey(rsa.ExportParameters(includePrivateParameters: false)),
        });
        Assert.True(result.IsValid, result.Exception?.Message);
        Assert.Equal("2026-12", ((JsonWebToken)result.SecurityToken).Kid);
    }

    [Fact]
    public void Configure_PrivateKeyJwtInlineEcKey_UsesTheCurvesAlgorithmAndAThumbprintKid()
    {
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var settings = MinimalSettings();
        settings[Section + "ClientAuthenticationMethod"] = "PrivateKeyJwt";
        settings[Section + "ClientSigningCredentials:Key"] = ecdsa.ExportECPrivateKeyPem();

        var options = Bind(settings);

        var credentials = Assert.IsType<SigningCredentials>(options.ClientSigningCredentials);
        Assert.Equal(SecurityAlgorithms.EcdsaSha384, credentials.Algorithm);
        Assert.Equal(Base64UrlEncoder.Encode(new ECDsaSecurityKey(ecdsa).ComputeJwkThumbprint()), credentials.Key.KeyId);
    }

    [Theory]
    [InlineData("missing.pem", null, "does not exist")]
    [InlineData("encrypted", null, "encrypted private key")]
    [InlineData("small-rsa", null, "1024-bit RSA key")]
    [InlineData("rsa", "ES256", "does not fit this RSA key")]
    [InlineData("certificate", null, "holds no PEM private key")]
    public void Configure_PrivateKeyJwtBadKey_FailsNamingTheKeyNeverItsContent(string value, string? algorithm, string expected)
    {
        using var rsa = RSA.Create(value == "small-rsa" ? 1024 : 2048);
        var pem = value switch
        {
            "encrypted" => rsa.ExportEncryptedPkcs8PrivateKeyPem("pw", new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 1000)),
            "small-rsa" or "rsa" => rsa.ExportPkcs8PrivateKeyPem(),
            "certificate" => fixture.IdpKey.PublicCertificate.ExportCertificatePem(),
            _ => value,
        };
        var settings = MinimalSettings();
        settings[Section + "ClientAuthenticationMethod"] = "PrivateKeyJwt";
        settings[Section + "ClientSigningCredentials:Key"] = pem;
        settings[Section + "ClientSigningCredentials:Algorithm"] = algorithm;

        var exception = Assert.Throws<InvalidOperationException>(() => Bind(settings, contentRoot: _directory.Path));

        Assert.Contains("Authentication:Schemes:Saml2Bearer:ClientSigningCredentials:Key", exception.Message, StringComparison.Ordinal);
        Assert.Contains(expected, exception.Message, StringComparison.Ordinal);
        if (pem.Contains('\n', StringComparison.Ordinal))
        {
            Assert.DoesNotContain(pem.Split('\n')[1], exception.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Configure_OptionsThatWereNotBindable_AreBound()
    {
        var settings = MinimalSettings();
        settings[Section + "AutomaticRefreshInterval"] = "06:00:00";
        settings[Section + "RefreshInterval"] = "00:01:00";
        settings[Section + "ClientAssertionLifetime"] = "00:00:30";
        settings[Section + "Assertion:MaximumElementDepth"] = "40";
        settings[Section + "ClaimsIssuer"] = "saml-issuer";
        settings[Section + "ForwardDefault"] = "Default";
        settings[Section + "ForwardAuthenticate"] = "Authenticate";
        settings[Section + "ForwardForbid"] = "Forbid";
        settings[Section + "ForwardSignIn"] = "SignIn";
        settings[Section + "ForwardSignOut"] = "SignOut";
        settings[Section + "RejectUnknownConfigurationKeys"] = "true";
        settings[Section + "MapOpenIddictPrivateClaims"] = "true";
        settings[Section + "DistributedCacheTimeout"] = "00:00:02";
        settings[Section + "DistributedCacheBreakDuration"] = "00:00:30";

        var options = Bind(settings);

        Assert.True(options.MapOpenIddictPrivateClaims);
        Assert.Equal(TimeSpan.FromSeconds(2), options.DistributedCacheTimeout);
        Assert.Equal(TimeSpan.FromSeconds(30), options.DistributedCacheBreakDuration);
        Assert.Equal(TimeSpan.FromHours(6), options.AutomaticRefreshInterval);
        Assert.Equal(TimeSpan.FromMinutes(1), options.RefreshInterval);
        Assert.Equal(TimeSpan.FromSeconds(30), options.ClientAssertionLifetime);
        Assert.Equal(40, options.Assertion.MaximumElementDepth);
        Assert.Equal("saml-issuer", options.ClaimsIssuer);
        Assert.Equal("Default Authenticate Forbid SignIn SignOut", string.Join(' ', options.ForwardDefault, options.ForwardAuthenticate, options.ForwardForbid, options.ForwardSignIn, options.ForwardSignOut));
        Assert.True(options.RejectUnknownConfigurationKeys);
    }

    [Theory]
    [InlineData("AutomaticRefreshInterval", "00:01:00")]
    [InlineData("RefreshInterval", "00:00:00.1")]
    [InlineData("ClientAssertionLifetime", "00:00:00")]
    [InlineData("Assertion:MaximumElementDepth", "513")]
    [InlineData("DistributedCacheTimeout", "00:00:00")]
    [InlineData("DistributedCacheBreakDuration", "-00:00:01")]
    public void Configure_NewlyBoundOptionOutOfRange_FailsNamingTheKey(string key, string value)
    {
        var settings = MinimalSettings();
        settings[Section + "Authority"] = "https://as.example.com";
        settings[Section + key] = value;

        var exception = Assert.Throws<InvalidOperationException>(() => Bind(settings));

        Assert.Contains(Section + key + ":", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Configure_IdentityProviderMetadataAddress_CreatesItsMetadataManager()
    {
        var settings = MinimalSettings();
        settings[Section + "Assertion:IdentityProviders:0:EntityId"] = ValidatorFixture.OtherIssuer;
        settings[Section + "Assertion:IdentityProviders:0:MetadataAddress"] = "https://other-idp.example.com/metadata";

        var options = Bind(settings);

        var other = Assert.Single(options.Assertion.IdentityProviders, i => i.EntityId == ValidatorFixture.OtherIssuer);
        Assert.NotNull(other.MetadataManager);
        Assert.Empty(other.SigningCertificates);
    }

    [Fact]
    public void AddSaml2Bearer_SchemeOnly_BindsThatSchemesSection()
    {
        var settings = new Dictionary<string, string?>();
        foreach (var (key, value) in MinimalSettings())
        {
            settings[key.Replace(":Saml2Bearer:", ":Partner:", StringComparison.Ordinal)] = value;
        }

        settings["Authentication:Schemes:Partner:Scope"] = "partner.read";

        var options = Bind(settings, scheme: "Partner", register: authentication => authentication.AddSaml2Bearer("Partner"));

        Assert.Equal("partner.read", options.Scope);
        Assert.Equal("client-from-configuration", options.ClientId);
    }

    private Dictionary<string, string?> MinimalSettings(string? certificate = null) => new()
    {
        [Section + "TokenEndpoint"] = Saml2BearerTestHost.TokenEndpoint,
        [Section + "ClientId"] = "client-from-configuration",
        [Section + "ClientSecret"] = "secret-from-configuration",
        [Section + "Scope"] = "orders.read",
        [Section + "Assertion:ValidIssuers:0"] = Saml2AssertionBuilder.DefaultIssuer,
        [Section + "Assertion:SigningCertificates:0"] = certificate ?? WritePem("idp.pem", fixture.IdpKey),
        [Section + "Assertion:ValidAudiences:0"] = Saml2AssertionBuilder.DefaultAudience,
    };

    private string WritePem(string name, TestSigningKey key) => _directory.WriteFile(name, key.PublicCertificate.ExportCertificatePem());

    private Saml2BearerOptions Bind(
        Dictionary<string, string?> settings,
        string scheme = Saml2BearerDefaults.AuthenticationScheme,
        string? contentRoot = null,
        Action<Saml2BearerOptions>? configure = null,
        Action<Microsoft.AspNetCore.Authentication.AuthenticationBuilder>? register = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging(logging => logging.AddProvider(_logs));
        if (contentRoot is not null)
        {
            services.AddSingleton<IHostEnvironment>(new HostingEnvironment { ContentRootPath = contentRoot });
        }

        services.AddSingleton<ISaml2BearerTokenService>(new RecordingTokenService());
        var authentication = services.AddAuthentication();
        if (register is not null)
        {
            register(authentication);
        }
        else
        {
            authentication.AddSaml2Bearer(scheme, o => configure?.Invoke(o));
        }

        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptionsMonitor<Saml2BearerOptions>>().Get(scheme);
    }

    private WebApplication CreateApp(Dictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.AddProvider(_logs);
        builder.Services.AddSingleton<ISaml2BearerTokenService>(new RecordingTokenService());
        builder.Services.AddAuthentication(Saml2BearerDefaults.AuthenticationScheme).AddSaml2Bearer();
        return builder.Build();
    }

    private async Task<string> StartupErrorAsync(Dictionary<string, string?> settings)
    {
        await using var app = CreateApp(settings);
        var exception = await Assert.ThrowsAnyAsync<Exception>(() => app.StartAsync());
        Assert.IsType<InvalidOperationException>(exception);
        Assert.Contains("misconfigured", exception.Message, StringComparison.Ordinal);
        return exception.Message;
    }
}
