using System.Buffers.Text;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AspNetCore.Saml2Bearer.Tests.Infrastructure;
using AspNetCore.Saml2Bearer.Tests.TokenExchange;
using AspNetCore.Saml2Bearer.TokenExchange;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace AspNetCore.Saml2Bearer.Tests.Handler;

/// <summary>
/// Each preset of <see cref="Saml2BearerOptionsPresets"/> against a loopback authorization server playing
/// that server: it checks the request shape the server documents (path, form fields, assertion encoding,
/// client authentication), answers the way the server does (tokens, an ID token signed with a key its
/// JWKS publishes, its error shapes), and the API's answers and logs are checked for what must not leak.
/// </summary>
public sealed class Saml2BearerOptionsPresetsTests(ValidatorFixture fixture) : IClassFixture<ValidatorFixture>
{
    private const string TenantId = "00000000-0000-0000-0000-0000000000aa";
    private const string GraphResource = "https://graph.microsoft.com";
    private const string GraphScope = "openid https://graph.microsoft.com/.default";
    private const string OktaServerPath = "/oauth2/default";
    private const string CorrelationId = "7d3f1c2e-8a4b-4c5d-9e6f-0a1b2c3d4e5f";

    /// <summary>Entra ID's answer to an assertion signed with a key it does not know, with text that quotes the request.</summary>
    private static readonly string EntraSignatureError = JsonSerializer.Serialize(new
    {
        error = "invalid_grant",
        error_description = "AADSTS50013: Assertion failed signature validation. [Reason - The key was not found., Thumbprint of key used by client: 'QUOTED-FROM-REQUEST-71c2']\r\n"
            + "Trace ID: 0f8e7d6c-5b4a-3928-1716-151413121110\r\nCorrelation ID: " + CorrelationId + "\r\nTimestamp: 2026-11-26 12:00:00Z",
        error_codes = new[] { 50013 },
        timestamp = "2026-11-26 12:00:00Z",
        trace_id = "0f8e7d6c-5b4a-3928-1716-151413121110",
        correlation_id = CorrelationId,
        error_uri = "https://login.microsoftonline.com/error?code=50013",
    });

    [Fact]
    public async Task UseEntraId_AgainstEntraShapedServer_PostsTheDocumentedFormAndValidatesTheIdToken()
    {
        using var signingKey = RSA.Create(2048);
        await using var server = await LoopbackAuthorizationServer.StartAsync();
        using var entra = new EntraShapedServer(server, signingKey);
        await using var host = await StartAsync(server, options => options.UseEntraId(TenantId, GraphResource, server.BaseAddress));
        server.TokenEndpointHandler = entra.Answer(host);
        var assertion = host.Assertion();

        var whoAmI = await host.WhoAmIAsync(assertion);

        Assert.Equal("alice@example.com", whoAmI.Name);
        Assert.Contains(whoAmI.Claims, claim => claim.Type == "tid" && claim.Value == TenantId);
        var request = Assert.Single(server.TokenRequests);
        Assert.Equal($"/{TenantId}/oauth2/v2.0/token", request.Path);
        Assert.Null(request.Authorization);
        Assert.Equal(["assertion", "client_id", "client_secret", "grant_type", "scope"], request.Form.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(Saml2BearerDefaults.GrantType, request.Field("grant_type"));
        Assert.Equal(Convert.FromBase64String(assertion), Convert.FromBase64String(request.Field("assertion")!));
        Assert.Equal(assertion, request.Field("assertion"));
        Assert.Equal(GraphScope, request.Field("scope"));
        Assert.Equal(Saml2BearerTestHost.ClientId, request.Field("client_id"));
        Assert.Equal(Saml2BearerTestHost.ClientSecret, request.Field("client_secret"));
        Assert.Equal(1, server.MetadataRequests);
    }

    [Fact]
    public async Task UseEntraId_PrivateKeyJwt_SendsClientIdAndAClientAssertionForTheTokenEndpoint()
    {
        using var signingKey = RSA.Create(2048);
        using var clientKey = RSA.Create(2048);
        await using var server = await LoopbackAuthorizationServer.StartAsync();
        using var entra = new EntraShapedServer(server, signingKey);
        await using var host = await StartAsync(server, options =>
        {
            options.ClientAuthenticationMethod = Saml2BearerClientAuthenticationMethod.PrivateKeyJwt;
            options.ClientSigningCredentials = new SigningCredentials(new RsaSecurityKey(clientKey) { KeyId = "client-cert" }, SecurityAlgorithms.RsaSsaPssSha256);
            options.UseEntraId(TenantId, GraphResource, server.BaseAddress);
        });
        server.TokenEndpointHandler = entra.Answer(host);

        await host.WhoAmIAsync(host.Assertion());

        var request = Assert.Single(server.TokenRequests);
        Assert.Equal(["assertion", "client_assertion", "client_assertion_type", "client_id", "grant_type", "scope"], request.Form.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(Saml2BearerTestHost.ClientId, request.Field("client_id"));
        var validation = await new JsonWebTokenHandler().ValidateTokenAsync(request.Field("client_assertion"), new TokenValidationParameters
        {
            IssuerSigningKey = new RsaSecurityKey(RSA.Create(clientKey.ExportParameters(includePrivateParameters: false))),
            ValidIssuer = Saml2BearerTestHost.ClientId,
            ValidAudience = server.TokenEndpoint.AbsoluteUri,
            ValidateLifetime = false,
        });
        Assert.True(validation.IsValid, validation.Exception?.Message);
        Assert.Equal("PS256", ((JsonWebToken)validation.SecurityToken).Alg);
    }

    [Fact]
    public async Task UseEntraId_AadstsError_Returns401AndLogsOnlyTheCodeAndCorrelationId()
    {
        await using var server = await LoopbackAuthorizationServer.StartAsync(LoopbackAuthorizationServer.RespondJson(400, EntraSignatureError));
        server.TokenPath = $"/{TenantId}/oauth2/v2.0/token";
        await using var host = await StartAsync(server, options => options.UseEntraId(TenantId, GraphResource, server.BaseAddress));

        using var response = await host.GetAsync("/whoami", host.Assertion());

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var dump = await Saml2BearerTestHost.DumpAsync(response);
        Assert.Contains("error=\"invalid_token\"", dump, StringComparison.Ordinal);
        Assert.DoesNotContain("AADSTS", dump, StringComparison.Ordinal);
        Assert.DoesNotContain("QUOTED-FROM-REQUEST", dump, StringComparison.Ordinal);
        var logs = host.Logs.AllText;
        Assert.Contains("AADSTS50013", logs, StringComparison.Ordinal);
        Assert.Contains(CorrelationId, logs, StringComparison.Ordinal);
        Assert.DoesNotContain("QUOTED-FROM-REQUEST", logs, StringComparison.Ordinal);
        Assert.DoesNotContain("Assertion failed signature validation", logs, StringComparison.Ordinal);
        Assert.DoesNotContain("Thumbprint", logs, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("AADSTS50013: Assertion failed signature validation.\r\nTrace ID: x\r\nCorrelation ID: " + CorrelationId + "\r\nTimestamp: t", "AADSTS50013 (correlation ID " + CorrelationId + ")")]
    [InlineData("AADSTS7000215: Invalid client secret provided. Ensure the secret being sent is 'abc'.", "AADSTS7000215")]
    [InlineData("AADSTS50013", "AADSTS50013")]
    [InlineData("AADSTS50013x: not a code", null)]
    [InlineData("Quoted AADSTS50013: the code must come first", null)]
    [InlineData("AADSTS50013: text\r\nCorrelation ID: not-a-guid-but-36-characters-long-xxxx", "AADSTS50013")]
    [InlineData("", null)]
    [InlineData(null, null)]
    public void ReduceEntraIdErrorDescription_KeepsOnlyTheCodeAndCorrelationId(string? description, string? expected)
    {
        Assert.Equal(expected, Saml2BearerOptionsPresets.ReduceEntraIdErrorDescription(description));
    }

    [Fact]
    public async Task UseEntraId_InvalidResource_IsTheSameOutcomeAsInvalidClient()
    {
        // Entra's invalid_resource (AADSTS500011, the resource is not in the tenant) is not an RFC 6749
        // code; the preset reads it as the configuration fault it is, like invalid_client.
        var resource = await ExchangeWithEntraAnswerAsync("invalid_resource", "AADSTS500011: The resource principal named x was not found.");
        var client = await ExchangeWithEntraAnswerAsync("invalid_client", "AADSTS7000215: Invalid client secret provided.");

        Assert.Equal(client.Status, resource.Status);
        Assert.NotEqual(Saml2BearerTokenResultStatus.InvalidGrant, resource.Status);
        Assert.Equal("AADSTS500011", resource.ErrorDescription);
    }

    [Fact]
    public async Task UseOkta_AgainstOktaShapedServer_PostsTheDocumentedFormWithBasicAuthentication()
    {
        using var signingKey = RSA.Create(2048);
        await using var server = await LoopbackAuthorizationServer.StartAsync();
        server.TokenPath = OktaServerPath + "/v1/token";
        server.MetadataPath = OktaServerPath + "/.well-known/oauth-authorization-server";
        var issuer = new Uri(server.BaseAddress, OktaServerPath).AbsoluteUri;
        server.MetadataHandler = Metadata(issuer, server.TokenEndpoint, new Uri(server.BaseAddress, OktaServerPath + "/v1/keys"));
        server.Documents[OktaServerPath + "/v1/keys"] = Jwks(signingKey);
        await using var host = await StartAsync(server, options => options.UseOkta(issuer));
        server.TokenEndpointHandler = async context =>
        {
            // Okta's custom authorization server: Basic client authentication, openid required, base64.
            var form = server.TokenRequests[^1];
            var shaped = context.Request.Headers.Authorization.ToString().StartsWith("Basic ", StringComparison.Ordinal)
                && form.Field("grant_type") == Saml2BearerDefaults.GrantType
                && (form.Field("scope") ?? string.Empty).Split(' ').Contains("openid")
                && IsStandardBase64((form.Field("assertion") ?? string.Empty))
                && !form.Form.ContainsKey("client_secret");
            // The server has read the body to record it: the handler reads the recorded form.
            await (shaped
                ? LoopbackAuthorizationServer.RespondJson(200, TokenResponse(host, signingKey, issuer, "okta-key", accessToken: "eyJraWQiOiJva3RhIn0.opaque-for-this-client.sig", ("uid", "00u1okta")))
                : LoopbackAuthorizationServer.RespondJson(400, """{"error":"invalid_request","error_description":"The request is malformed."}"""))(context);
        };

        var whoAmI = await host.WhoAmIAsync(host.Assertion());

        Assert.Contains(whoAmI.Claims, claim => claim.Type == "uid" && claim.Value == "00u1okta");
        var request = Assert.Single(server.TokenRequests);
        Assert.Equal(["assertion", "grant_type", "scope"], request.Form.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("openid orders.read", request.Field("scope"));
        Assert.Equal(ClientAuthentication.CreateBasicAuthorization(Saml2BearerTestHost.ClientId, Saml2BearerTestHost.ClientSecret).ToString(), request.Authorization);
        Assert.Equal(1, server.MetadataRequests);
    }

    [Fact]
    public async Task UseOkta_GenericInvalidGrant_Returns401AndLogsNoDescription()
    {
        const string description = "The assertion is not valid. OKTA-DESCRIPTION-4e1a";
        await using var server = await LoopbackAuthorizationServer.StartAsync(
            LoopbackAuthorizationServer.RespondJson(400, $$"""{"error":"invalid_grant","error_description":"{{description}}"}"""));
        server.TokenPath = OktaServerPath + "/v1/token";
        await using var host = await StartAsync(server, options => options.UseOkta(new Uri(server.BaseAddress, OktaServerPath).AbsoluteUri));

        using var response = await host.GetAsync("/whoami", host.Assertion());

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("error=\"invalid_token\"", await Saml2BearerTestHost.DumpAsync(response), StringComparison.Ordinal);
        Assert.DoesNotContain("OKTA-DESCRIPTION", await Saml2BearerTestHost.DumpAsync(response), StringComparison.Ordinal);
        Assert.Contains("invalid_grant", host.Logs.AllText, StringComparison.Ordinal);
        Assert.DoesNotContain("OKTA-DESCRIPTION", host.Logs.AllText, StringComparison.Ordinal);
        Assert.Single(server.TokenRequests);
    }

    [Fact]
    public async Task UseOpenIddict_DiscoversTheTokenEndpointAndValidatesBothJwts()
    {
        using var signingKey = RSA.Create(2048);
        await using var server = await LoopbackAuthorizationServer.StartAsync();
        server.TokenPath = "/connect/token";
        var issuer = server.BaseAddress.AbsoluteUri;
        server.MetadataHandler = Metadata(issuer, server.TokenEndpoint, new Uri(server.BaseAddress, "/.well-known/jwks"));
        server.Documents["/.well-known/jwks"] = Jwks(signingKey);
        await using var host = await StartAsync(server, options =>
        {
            options.TokenEndpoint = null;
            options.UseOpenIddict(issuer);
        });
        var accessToken = Jwt(host, signingKey, issuer, "oidc-key", ("scope", "orders.read"), ("client_id", Saml2BearerTestHost.ClientId));
        server.TokenEndpointHandler = LoopbackAuthorizationServer.RespondJson(200, TokenResponse(host, signingKey, issuer, "oidc-key", accessToken, ("session_ref", "auth-1")));

        var whoAmI = await host.WhoAmIAsync(host.Assertion());

        Assert.Contains(whoAmI.Claims, claim => claim.Type == "session_ref");
        var request = Assert.Single(server.TokenRequests);
        Assert.Equal("/connect/token", request.Path);
        var assertion = request.Field("assertion")!;
        Assert.DoesNotContain('=', assertion);
        Assert.NotNull(Base64Url.DecodeFromChars(assertion));
    }

    [Fact]
    public async Task UseOpenIddict_AccessTokenFailingJwksValidation_Returns503()
    {
        // Unlike Entra ID's, OpenIddict's access tokens are for this client and are validated.
        using var signingKey = RSA.Create(2048);
        using var otherKey = RSA.Create(2048);
        await using var server = await LoopbackAuthorizationServer.StartAsync();
        var issuer = server.BaseAddress.AbsoluteUri;
        server.MetadataHandler = Metadata(issuer, server.TokenEndpoint, new Uri(server.BaseAddress, "/.well-known/jwks"));
        server.Documents["/.well-known/jwks"] = Jwks(signingKey);
        await using var host = await StartAsync(server, options => options.UseOpenIddict(issuer));
        server.TokenEndpointHandler = LoopbackAuthorizationServer.RespondJson(200, TokenResponse(host, signingKey, issuer, "oidc-key", Jwt(host, otherKey, issuer, "oidc-key")));

        using var response = await host.GetAsync("/whoami", host.Assertion());

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
    }

    [Fact]
    public async Task UseRfc7522_PostsBase64UrlWithBasicAuthentication()
    {
        await using var server = await LoopbackAuthorizationServer.StartAsync();
        await using var host = await StartAsync(server, options => options.UseRfc7522(server.TokenEndpoint.AbsoluteUri));

        await host.WhoAmIAsync(host.Assertion());

        var request = Assert.Single(server.TokenRequests);
        Assert.Equal(["assertion", "grant_type", "scope"], request.Form.Keys.Order(StringComparer.Ordinal));
        Assert.DoesNotContain('=', request.Field("assertion")!);
        Assert.StartsWith("Basic ", request.Authorization, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> MisconfiguredPresets => new()
    {
        { "entra-basic", "ClientSecretBasic is not what Entra ID documents" },
        { "entra-mixed-scope", "Scope must be 'openid <resource>/.default'" },
        { "entra-base64url", "AssertionEncoding must stay Base64 for Entra ID" },
        { "entra-jwt-access-token", "ValidateJwtAccessTokens must stay off for Entra ID" },
        { "entra-resource-parameter", "Resource (the RFC 8707 resource parameter) must not be set for Entra ID" },
        { "entra-token-endpoint-changed", "TokenEndpoint was changed after UseEntraId()" },
        { "entra-http-instance", "TokenEndpoint uses HTTP while RequireHttpsMetadata is on" },
        { "okta-no-openid", "Scope must contain openid" },
        { "okta-public-client", "needs an authenticated client" },
        { "openiddict-base64", "AssertionEncoding must stay Base64Url for OpenIddict" },
    };

    [Theory]
    [MemberData(nameof(MisconfiguredPresets))]
    public async Task Startup_PresetContradicted_FailsNamingTheSetting(string misconfiguration, string expected)
    {
        Action<Saml2BearerOptions> configure = misconfiguration switch
        {
            "entra-basic" => o => o.UseEntraId(TenantId, GraphResource).ClientAuthenticationMethod = Saml2BearerClientAuthenticationMethod.ClientSecretBasic,
            "entra-mixed-scope" => o => o.UseEntraId(TenantId, GraphResource).Scope = GraphScope + " orders.read",
            "entra-base64url" => o => o.UseEntraId(TenantId, GraphResource).AssertionEncoding = Saml2BearerAssertionEncoding.Base64Url,
            "entra-jwt-access-token" => o => o.UseEntraId(TenantId, GraphResource).ValidateJwtAccessTokens = true,
            "entra-resource-parameter" => o => o.UseEntraId(TenantId, GraphResource).Resource = GraphResource,
            "entra-token-endpoint-changed" => o => o.UseEntraId(TenantId, GraphResource).TokenEndpoint = "https://login.microsoftonline.com/other/oauth2/v2.0/token",
            // The instance parameter is for loopback tests and national clouds; it does not lift the HTTPS rule.
            "entra-http-instance" => o => o.UseEntraId(TenantId, GraphResource, new Uri("http://login.example.com/")),
            "okta-no-openid" => o => o.UseOkta("https://example.okta.com/oauth2/default").Scope = "orders.read",
            "okta-public-client" => o => o.UseOkta("https://example.okta.com/oauth2/default").ClientAuthenticationMethod = Saml2BearerClientAuthenticationMethod.None,
            "openiddict-base64" => o => o.UseOpenIddict("https://as.example.com/").AssertionEncoding = Saml2BearerAssertionEncoding.Base64,
            _ => throw new ArgumentOutOfRangeException(nameof(misconfiguration)),
        };
        await using var host = Saml2BearerTestHost.Create(fixture, new Saml2BearerTestHostSettings
        {
            Configure = options =>
            {
                options.Assertion.ValidRecipients.Add(Saml2AssertionBuilder.DefaultRecipient);
                configure(options);
            },
        });

        var exception = await Assert.ThrowsAnyAsync<Exception>(host.StartAsync);
        var messages = new List<string>();
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            messages.Add(e.Message);
        }

        Assert.Contains(messages, message => message.Contains("misconfigured", StringComparison.Ordinal) && message.Contains(expected, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("common")]
    [InlineData("Organizations")]
    [InlineData("consumers")]
    [InlineData("contoso.example/../other")]
    [InlineData("")]
    public void UseEntraId_NotOneTenant_Throws(string tenantId)
    {
        Assert.ThrowsAny<ArgumentException>(() => new Saml2BearerOptions().UseEntraId(tenantId, GraphResource));
    }

    [Theory]
    [InlineData("https://graph.microsoft.com", "openid https://graph.microsoft.com/.default")]
    [InlineData("https://graph.microsoft.com/", "openid https://graph.microsoft.com/.default")]
    [InlineData("api://11111111-2222-3333-4444-555555555555/.default", "openid api://11111111-2222-3333-4444-555555555555/.default")]
    public void UseEntraId_Resource_BecomesOpenIdAndDefaultScope(string resource, string scope)
    {
        var options = new Saml2BearerOptions { Scope = "offline_access orders.read" }.UseEntraId(TenantId, resource);

        Assert.Equal(scope + " offline_access", options.Scope);
        Assert.Equal($"https://login.microsoftonline.com/{TenantId}/oauth2/v2.0/token", options.TokenEndpoint);
        Assert.Equal($"https://login.microsoftonline.com/{TenantId}/v2.0", options.Authority);
        Assert.Equal(Saml2BearerAssertionEncoding.Base64, options.AssertionEncoding);
        Assert.Equal(Saml2BearerClientAuthenticationMethod.ClientSecretPost, options.ClientAuthenticationMethod);
    }

    [Fact]
    public void UseOkta_SetsTokenEndpointAndAuthorizationServerMetadata()
    {
        var options = new Saml2BearerOptions().UseOkta("https://example.okta.com/oauth2/aus1b2c3/");

        Assert.Equal("https://example.okta.com/oauth2/aus1b2c3/v1/token", options.TokenEndpoint);
        Assert.Equal("https://example.okta.com/oauth2/aus1b2c3", options.Authority);
        Assert.Equal("https://example.okta.com/oauth2/aus1b2c3/.well-known/oauth-authorization-server", options.MetadataAddress);
        Assert.Equal("openid", options.Scope);
        Assert.Equal(Saml2BearerClientAuthenticationMethod.ClientSecretBasic, options.ClientAuthenticationMethod);
        Assert.False(options.ValidateJwtAccessTokens);
        Assert.True(new Saml2BearerOptions().UseOkta("https://example.okta.com/oauth2/default", "api://default").ValidateJwtAccessTokens);
    }

    [Fact]
    public void ApplyConfiguration_PresetEntraId_AppliesTheSamePreset()
    {
        var options = new Saml2BearerOptions();

        Saml2BearerOptionsPresets.ApplyConfiguration(Section(("Preset", "EntraId"), ("TenantId", TenantId), ("Resource", GraphResource)), options);

        Assert.Equal($"https://login.microsoftonline.com/{TenantId}/oauth2/v2.0/token", options.TokenEndpoint);
        Assert.Equal(GraphScope, options.Scope);
        Assert.Equal(Saml2BearerAssertionEncoding.Base64, options.AssertionEncoding);
    }

    [Fact]
    public void ApplyConfiguration_PresetOkta_AppliesTheSamePreset()
    {
        var options = new Saml2BearerOptions();

        Saml2BearerOptionsPresets.ApplyConfiguration(Section(("Preset", "okta"), ("AuthorizationServerUrl", "https://example.okta.com/oauth2/default"), ("AccessTokenAudience", "api://default")), options);

        Assert.Equal("https://example.okta.com/oauth2/default/v1/token", options.TokenEndpoint);
        Assert.True(options.ValidateJwtAccessTokens);
        Assert.Equal("api://default", options.TokenValidationParameters.ValidAudience);
    }

    [Theory]
    [InlineData("EntraId", "TenantId")]
    [InlineData("Okta", "AuthorizationServerUrl")]
    [InlineData("OpenIddict", "Authority")]
    [InlineData("Auth0", "Preset")]
    public void ApplyConfiguration_MissingKeyOrUnknownPreset_FailsNamingTheKey(string preset, string key)
    {
        var exception = Assert.Throws<InvalidOperationException>(() => Saml2BearerOptionsPresets.ApplyConfiguration(Section(("Preset", preset)), new Saml2BearerOptions()));

        Assert.Contains("Authentication:Schemes:Saml2Bearer:" + key, exception.Message, StringComparison.Ordinal);
    }

    private static IConfigurationSection Section(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(value => new KeyValuePair<string, string?>("Authentication:Schemes:Saml2Bearer:" + value.Key, value.Value)))
            .Build()
            .GetSection("Authentication:Schemes:Saml2Bearer");

    private async Task<Saml2BearerTestHost> StartAsync(LoopbackAuthorizationServer server, Action<Saml2BearerOptions> configure)
    {
        _ = server;
        return await Saml2BearerTestHost.StartAsync(fixture, new Saml2BearerTestHostSettings
        {
            RegisterTokenService = false,
            Configure = options =>
            {
                options.Assertion.ValidRecipients.Add(Saml2AssertionBuilder.DefaultRecipient);
                // A loaded test machine must not turn a slow loopback exchange into a 503.
                options.BackchannelTimeout = TimeSpan.FromSeconds(60);
                configure(options);
            },
        });
    }

    private static async Task<Saml2BearerTokenResult> ExchangeWithEntraAnswerAsync(string error, string description)
    {
        await using var server = await LoopbackAuthorizationServer.StartAsync(
            LoopbackAuthorizationServer.RespondJson(400, JsonSerializer.Serialize(new { error, error_description = description })));
        server.TokenPath = $"/{TenantId}/oauth2/v2.0/token";
        var options = new Saml2BearerOptions { ClientId = Saml2BearerTestHost.ClientId, ClientSecret = Saml2BearerTestHost.ClientSecret }
            .UseEntraId(TenantId, GraphResource, server.BaseAddress);
        var services = new ServiceCollection().AddHttpClient().AddLogging().BuildServiceProvider();
        await using (services)
        {
            var service = ActivatorUtilities.CreateInstance<Saml2BearerHttpTokenService>(services);
            return await service.ExchangeAsync(
                new Saml2BearerTokenRequest { SchemeName = "Saml2Bearer", Options = options, Assertion = "<saml:Assertion/>"u8.ToArray(), Scope = options.Scope },
                CancellationToken.None);
        }
    }

    private static bool IsStandardBase64(string value) =>
        value.Length % 4 == 0 && !value.Contains('-') && !value.Contains('_') && Convert.TryFromBase64String(value, new byte[value.Length], out _);

    private static Func<HttpContext, Task> Metadata(string issuer, Uri tokenEndpoint, Uri jwksUri) =>
        LoopbackAuthorizationServer.RespondJson(200, JsonSerializer.Serialize(new { issuer, token_endpoint = tokenEndpoint.AbsoluteUri, jwks_uri = jwksUri.AbsoluteUri }));

    private static Func<HttpContext, Task> Jwks(RSA key, string keyId = "oidc-key")
    {
        var parameters = key.ExportParameters(includePrivateParameters: false);
        return LoopbackAuthorizationServer.RespondJson(200, JsonSerializer.Serialize(new
        {
            keys = new[] { new { kty = "RSA", use = "sig", kid = keyId, n = Base64UrlEncoder.Encode(parameters.Modulus), e = Base64UrlEncoder.Encode(parameters.Exponent) } },
        }));
    }

    private static string Jwt(Saml2BearerTestHost host, RSA key, string issuer, string keyId, params (string Type, string Value)[] claims)
    {
        var now = host.Time.GetUtcNow().UtcDateTime;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = Saml2BearerTestHost.ClientId,
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddHours(1),
            Claims = claims.Append(("sub", "as-subject-1")).ToDictionary(claim => claim.Item1, claim => (object)claim.Item2),
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(key) { KeyId = keyId }, SecurityAlgorithms.RsaSha256),
        });
    }

    private static string TokenResponse(Saml2BearerTestHost host, RSA key, string issuer, string keyId, string accessToken, params (string Type, string Value)[] idTokenClaims) =>
        JsonSerializer.Serialize(new
        {
            token_type = "Bearer",
            expires_in = 3600,
            access_token = accessToken,
            scope = "openid orders.read",
            id_token = Jwt(host, key, issuer, keyId, idTokenClaims),
        });

    /// <summary>
    /// Entra ID's v2.0 endpoints for one tenant on the loopback server: discovery, JWKS, and a token
    /// endpoint that takes only the documented form (client_secret_post or private_key_jwt with client_id)
    /// and answers with a Graph-style access token (signed by a key nobody publishes) and an ID token.
    /// </summary>
    private sealed class EntraShapedServer : IDisposable
    {
        private readonly LoopbackAuthorizationServer _server;
        private readonly RSA _key;

        /// <summary>Signs the Graph-style access token; its key is published nowhere.</summary>
        private readonly RSA _graphKey = RSA.Create(2048);

        public EntraShapedServer(LoopbackAuthorizationServer server, RSA key)
        {
            _server = server;
            _key = key;
            server.TokenPath = $"/{TenantId}/oauth2/v2.0/token";
            server.MetadataPath = $"/{TenantId}/v2.0/.well-known/openid-configuration";
            server.MetadataHandler = Metadata(Issuer, server.TokenEndpoint, new Uri(server.BaseAddress, $"/{TenantId}/discovery/v2.0/keys"));
            server.Documents[$"/{TenantId}/discovery/v2.0/keys"] = Jwks(key, "entra-key");
        }

        public string Issuer => new Uri(_server.BaseAddress, $"/{TenantId}/v2.0").AbsoluteUri;

        public void Dispose() => _graphKey.Dispose();

        // The server has read the body to record it: the handler reads the recorded form.
        public Func<HttpContext, Task> Answer(Saml2BearerTestHost host) => async context =>
        {
            var form = _server.TokenRequests[^1];
            var clientAuthenticated = form.Field("client_secret") == Saml2BearerTestHost.ClientSecret
                || form.Field("client_assertion_type") == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
            var shaped = context.Request.Headers.Authorization.Count == 0
                && form.Field("grant_type") == Saml2BearerDefaults.GrantType
                && form.Field("client_id") == Saml2BearerTestHost.ClientId
                && clientAuthenticated
                && form.Field("scope") == GraphScope
                && IsStandardBase64((form.Field("assertion") ?? string.Empty));
            if (!shaped)
            {
                await LoopbackAuthorizationServer.RespondJson(400, """{"error":"invalid_request","error_description":"AADSTS900144: The request body must contain the following parameter: 'x'."}""")(context);
                return;
            }

            var graphToken = Jwt(host, _graphKey, "https://sts.windows.net/" + TenantId + "/", "graph-key");
            await LoopbackAuthorizationServer.RespondJson(200, TokenResponse(host, _key, Issuer, "entra-key", graphToken, ("tid", TenantId), ("oid", "00000000-0000-0000-0000-0000000000bb")))(context);
        };
    }
}
