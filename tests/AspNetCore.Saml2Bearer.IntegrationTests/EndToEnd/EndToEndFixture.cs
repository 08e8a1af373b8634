using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Xml;
using AspNetCore.Saml2Bearer.IntegrationTests.Infrastructure;
using AspNetCore.Saml2Bearer.Testing;
using AspNetCore.Saml2Bearer.TokenExchange;
using AuthorizationServer;
using Gateway;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using ResourceApi;

namespace AspNetCore.Saml2Bearer.IntegrationTests.EndToEnd;

/// <summary>
/// The whole product on loopback Kestrel ports, started once for every end-to-end test: the sample
/// authorization server (in-memory SQLite, ephemeral keys, one client per authentication method), a
/// JwtBearer backend, several ResourceApi instances, the YARP gateway and a stock JwtBearer API with the
/// exchange middleware. Every host logs into <see cref="Logs"/>.
/// </summary>
public sealed class EndToEndFixture : IAsyncLifetime
{
    public const string BackendAudience = "e2e-backend";
    public const string BasicClientId = "e2e-basic";
    public const string PostClientId = "e2e-post";
    public const string JwtClientId = "e2e-jwt";
    public const string Scope = "orders.read openid";
    public const string MiddlewareScheme = "SamlExchange";
    public const string StrictHostClient = "backend-strict";
    public const string StrictHost = "backend.internal";

    private readonly List<WebApplication> _apps = [];
    private readonly DirectoryInfo _workDirectory = Directory.CreateTempSubdirectory("saml2bearer-e2e-");
    private readonly ConcurrentDictionary<string, byte> _secrets = new(StringComparer.Ordinal);
    private readonly RSA _clientKey = RSA.Create(2048);

    public EndToEndFixture()
    {
        Issuer = NextLoopbackUrl() + "/";
        Idp = new TestSaml2IdentityProvider("https://idp.e2e.test/saml")
        {
            DefaultAudience = Issuer,
            DefaultRecipient = TokenEndpoint,
        };
        BasicSecret = NewSecret();
        PostSecret = NewSecret();
        WrongSecret = NewSecret();
    }

    public InMemoryLoggerProvider Logs { get; } = new();

    public TestSaml2IdentityProvider Idp { get; }

    public string Issuer { get; }

    public string TokenEndpoint => Issuer + AuthorizationServerApp.TokenEndpointPath;

    public string BasicSecret { get; }

    public string PostSecret { get; }

    public string WrongSecret { get; }

    public JwtBackend Backend { get; } = new();

    public Uri BackendAddress { get; private set; } = null!;

    /// <summary>ResourceApi, client_secret_basic, Authority set, with the downstream endpoints.</summary>
    public ApiHost Api { get; private set; } = null!;

    /// <summary>A second ResourceApi instance of the same client, with its own cache.</summary>
    public ApiHost SecondApi { get; private set; } = null!;

    /// <summary>A ResourceApi with <c>Assertion:AllowSaml11=true</c>, basic client authentication.</summary>
    public ApiHost Saml11Api { get; private set; } = null!;

    /// <summary>The ResourceApi speaking RFC 8693 (TokenExchangeProtocol=Rfc8693) to the sample AS, SAML 1.1 allowed.</summary>
    public ApiHost TokenExchangeApi { get; private set; } = null!;

    public ApiHost PostApi { get; private set; } = null!;

    public ApiHost PrivateKeyJwtApi { get; private set; } = null!;

    public ApiHost WrongSecretApi { get; private set; } = null!;

    /// <summary>A ResourceApi whose token endpoint is a loopback port nobody listens on.</summary>
    public ApiHost UnreachableAsApi { get; private set; } = null!;

    public ApiHost Gateway { get; private set; } = null!;

    /// <summary>A stock JwtBearer API with <c>UseSaml2BearerExchange</c>.</summary>
    public ApiHost MiddlewareApi { get; private set; } = null!;

    /// <summary>The ResourceApi with <c>Scope</c> + <c>offline_access</c>, its token expiry on <see cref="OfflineTime"/>.</summary>
    public ApiHost OfflineApi { get; private set; } = null!;

    /// <summary>The clock of <see cref="OfflineApi"/>'s scheme, which a test moves past a token's lifetime.</summary>
    public Microsoft.Extensions.Time.Testing.FakeTimeProvider OfflineTime { get; } = new(DateTimeOffset.UtcNow);

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromMinutes(2) };

    /// <summary>Every secret of the run: client secrets, assertions sent, tokens issued. None may be logged.</summary>
    public IReadOnlyCollection<string> Secrets => _secrets.Keys.ToArray();

    public void RecordSecret(string value) => _secrets.TryAdd(value, 0);

    public async Task InitializeAsync()
    {
        RecordSecret(BasicSecret);
        RecordSecret(PostSecret);
        RecordSecret(WrongSecret);
        var certificatePath = Path.Combine(_workDirectory.FullName, "idp-signing.pem");
        await File.WriteAllTextAsync(certificatePath, Idp.ExportSigningCertificatePem());

        var authorizationServer = BuildAuthorizationServer();
        _apps.Add(authorizationServer);
        await authorizationServer.StartAsync();

        var backendUrl = NextLoopbackUrl();
        BackendAddress = new Uri(backendUrl + "/");
        var starting = new List<WebApplication> { Backend.Build(backendUrl, Issuer, Logs, RecordSecret) };

        Api = AddResourceApi(starting, certificatePath, BasicClientId, BasicSecret, Saml2BearerClientAuthenticationMethod.ClientSecretBasic, withDownstream: true, allowSoap: true);
        SecondApi = AddResourceApi(starting, certificatePath, BasicClientId, BasicSecret, Saml2BearerClientAuthenticationMethod.ClientSecretBasic);
        Saml11Api = AddResourceApi(starting, certificatePath, BasicClientId, BasicSecret, Saml2BearerClientAuthenticationMethod.ClientSecretBasic, allowSaml11: true);
        TokenExchangeApi = AddResourceApi(starting, certificatePath, BasicClientId, BasicSecret, Saml2BearerClientAuthenticationMethod.ClientSecretBasic, allowSaml11: true, rfc8693: true);
        PostApi = AddResourceApi(starting, certificatePath, PostClientId, PostSecret, Saml2BearerClientAuthenticationMethod.ClientSecretPost);
        PrivateKeyJwtApi = AddResourceApi(starting, certificatePath, JwtClientId, null, Saml2BearerClientAuthenticationMethod.PrivateKeyJwt);
        WrongSecretApi = AddResourceApi(starting, certificatePath, BasicClientId, WrongSecret, Saml2BearerClientAuthenticationMethod.ClientSecretBasic);
        UnreachableAsApi = AddResourceApi(starting, certificatePath, BasicClientId, BasicSecret, Saml2BearerClientAuthenticationMethod.ClientSecretBasic, tokenEndpoint: NextLoopbackUrl() + "/connect/token");
        Gateway = AddGateway(starting, certificatePath, backendUrl);
        MiddlewareApi = AddMiddlewareApi(starting, certificatePath);
        OfflineApi = AddResourceApi(starting, certificatePath, BasicClientId, BasicSecret, Saml2BearerClientAuthenticationMethod.ClientSecretBasic, offlineAccess: true);

        _apps.AddRange(starting);
        await Task.WhenAll(starting.Select(app => app.StartAsync()));

        // Warm up: discovery, JIT and database, so that the tests measure behaviour, not a cold start.
        (await Http.GetAsync(new Uri(Issuer + AuthorizationServerApp.ConfigurationEndpointPath))).Dispose();
    }

    public async Task DisposeAsync()
    {
        foreach (var app in Enumerable.Reverse(_apps))
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }

        Http.Dispose();
        Idp.Dispose();
        _clientKey.Dispose();
        _workDirectory.Delete(recursive: true);
    }

    /// <summary>A signed assertion for <paramref name="nameId"/>, remembered as a secret in both encodings.</summary>
    public string IssueAssertion(string nameId, Action<TestSaml2AssertionDescriptor>? configure = null)
    {
        var assertion = Idp.IssueAssertion(d =>
        {
            d.NameId = nameId;
            configure?.Invoke(d);
        });
        RecordAssertion(assertion);
        return assertion;
    }

    /// <summary>A signed SAML 1.1 assertion for <paramref name="nameId"/>, remembered as a secret in both encodings.</summary>
    public string IssueSaml11Assertion(string nameId, Action<TestSaml2AssertionDescriptor>? configure = null)
    {
        var assertion = Idp.IssueSaml11Assertion(d =>
        {
            d.NameId = nameId;
            configure?.Invoke(d);
        });
        RecordAssertion(assertion);
        return assertion;
    }

    /// <summary>An assertion for <paramref name="nameId"/> whose NameID was changed after signing.</summary>
    public string IssueTamperedAssertion(string nameId)
    {
        var document = new XmlDocument { PreserveWhitespace = true };
        document.LoadXml(Encoding.UTF8.GetString(Convert.FromBase64String(IssueAssertion(nameId))));
        var element = document.GetElementsByTagName("NameID", "urn:oasis:names:tc:SAML:2.0:assertion")[0]!;
        element.InnerText = "admin@example.com";
        var tampered = Convert.ToBase64String(Encoding.UTF8.GetBytes(document.OuterXml));
        RecordAssertion(tampered);
        return tampered;
    }

    public static string NewSubject(string prefix) => $"{prefix}-{Guid.NewGuid():N}@example.com";

    public async Task<ApiResponse> SendSamlAsync(ApiHost host, string path, string assertion)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(host.BaseAddress, path));
        request.Headers.Authorization = new AuthenticationHeaderValue(Saml2BearerDefaults.HeaderScheme, assertion);
        return await SendAsync(request);
    }

    public async Task<ApiResponse> SendAsync(HttpRequestMessage request)
    {
        using var response = await Http.SendAsync(request);
        return new ApiResponse(
            response.StatusCode,
            await response.Content.ReadAsStringAsync(),
            response.Headers.WwwAuthenticate.Select(h => h.ToString()).ToList(),
            response.Headers.RetryAfter);
    }

    /// <summary>An access token straight from the authorization server (client_secret_basic).</summary>
    public async Task<string> RequestAccessTokenAsync(string assertion)
    {
        var response = await RequestTokenAsync(assertion);
        Assert.True(response.StatusCode == HttpStatusCode.OK, response.Body);
        using var json = JsonDocument.Parse(response.Body);
        var token = json.RootElement.GetProperty("access_token").GetString()!;
        RecordSecret(token);
        return token;
    }

    /// <summary>The RFC 7522 request, sent by the test itself with client_secret_basic.</summary>
    public async Task<ApiResponse> RequestTokenAsync(string assertion)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(TokenEndpoint))
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = Saml2BearerDefaults.GrantType,
                ["assertion"] = Base64Url.EncodeToString(Convert.FromBase64String(assertion)),
                ["scope"] = Scope,
            }),
        };
        // RFC 6749 section 2.3.1: form-urlencode id and secret before Basic, or a '+' in the secret reads as a space.
        request.Headers.Authorization = new AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(Uri.EscapeDataString(BasicClientId) + ":" + Uri.EscapeDataString(BasicSecret))));
        return await SendAsync(request);
    }

    /// <summary>Validates a JWT against the authorization server's served JWKS.</summary>
    public async Task<TokenValidationResult> ValidateAccessTokenAsync(string token)
    {
        var keys = new JsonWebKeySet(await Http.GetStringAsync(new Uri(Issuer + AuthorizationServerApp.JsonWebKeySetEndpointPath)));
        return await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = Issuer,
            ValidAudience = BackendAudience,
            IssuerSigningKeys = keys.GetSigningKeys(),
            ValidTypes = ["at+jwt", "JWT"],
        });
    }

    private void RecordAssertion(string base64)
    {
        RecordSecret(base64);
        RecordSecret(Base64Url.EncodeToString(Convert.FromBase64String(base64)));
    }

    private WebApplication BuildAuthorizationServer()
    {
        var clientKeys = new JsonWebKeySet();
        var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(_clientKey.ExportParameters(false)) { KeyId = "e2e-client-key" });
        jwk.Use = "sig";
        clientKeys.Keys.Add(jwk);

        var app = AuthorizationServerApp.Build(["--urls", Issuer.TrimEnd('/')], options =>
        {
            options.ConnectionString = "Data Source=:memory:";
            options.Issuer = Issuer;
            options.Resource = BackendAudience;
            options.ValidAudiences.Add(Issuer);
            options.ValidRecipients.Add(TokenEndpoint);
            var identityProvider = new AuthorizationServerIdentityProvider { EntityId = Idp.EntityId };
            identityProvider.SigningCertificates.Add(Idp.SigningCertificate);
            options.IdentityProviders.Add(identityProvider);
            options.Clients.Add(NewClient(BasicClientId, BasicSecret, null));
            options.Clients.Add(NewClient(PostClientId, PostSecret, null));
            options.Clients.Add(NewClient(JwtClientId, null, clientKeys));
        });

        // The server as shipped (its own log filters), with one more provider.
        app.Services.GetRequiredService<ILoggerFactory>().AddProvider(Logs);
        return app;
    }

    private static AuthorizationServerClient NewClient(string clientId, string? secret, JsonWebKeySet? keys)
    {
        var client = new AuthorizationServerClient { ClientId = clientId, ClientSecret = secret, JsonWebKeys = keys };
        client.Scopes.Add("orders.read");
        client.Scopes.Add("openid");
        // Permits the refresh token grant; a refresh token is issued only when a scheme's Scope asks for it.
        client.Scopes.Add("offline_access");
        return client;
    }

    private Dictionary<string, string?> SchemeSettings(
        string scheme,
        string certificatePath,
        string clientId,
        string? secret,
        Saml2BearerClientAuthenticationMethod method,
        string? tokenEndpoint = null)
    {
        var prefix = $"Authentication:Schemes:{scheme}:";
        var settings = new Dictionary<string, string?>
        {
            [prefix + "TokenEndpoint"] = tokenEndpoint ?? TokenEndpoint,
            [prefix + "ClientId"] = clientId,
            [prefix + "ClientSecret"] = secret,
            [prefix + "ClientAuthenticationMethod"] = method.ToString(),
            [prefix + "Scope"] = Scope,
            // A cold first exchange also pays for discovery, JWKS and JIT on a slow, loaded machine.
            [prefix + "BackchannelTimeout"] = "00:00:30",
            [prefix + "Assertion:ValidIssuers:0"] = Idp.EntityId,
            [prefix + "Assertion:SigningCertificates:0"] = certificatePath,
            [prefix + "Assertion:ValidAudiences:0"] = Issuer,
        };
        if (tokenEndpoint is null)
        {
            // JWTs from the AS are validated against its JWKS; their audience is the backend's.
            settings[prefix + "Authority"] = Issuer;
            settings[prefix + "ValidTokenAudiences:0"] = BackendAudience;
        }
        else
        {
            settings[prefix + "Assertion:ValidRecipients:0"] = TokenEndpoint;
        }

        return settings;
    }

    private void ConfigureCommon(WebApplicationBuilder builder, string scheme, Dictionary<string, string?> settings, TokenRequestCounter counter, Saml2BearerClientAuthenticationMethod method)
    {
        builder.Logging.AddProvider(Logs);
        builder.Logging.AddFilter<InMemoryLoggerProvider>(null, LogLevel.Debug);
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddHttpClient(Saml2BearerDefaults.HttpClientNamePrefix + scheme).AddHttpMessageHandler(counter.CreateHandler);
        if (method == Saml2BearerClientAuthenticationMethod.PrivateKeyJwt)
        {
            builder.Services.Configure<Saml2BearerOptions>(scheme, options =>
                options.ClientSigningCredentials = new SigningCredentials(
                    new RsaSecurityKey(_clientKey) { KeyId = "e2e-client-key" }, SecurityAlgorithms.RsaSha256));
        }
    }

    private ApiHost AddResourceApi(
        List<WebApplication> apps,
        string certificatePath,
        string clientId,
        string? secret,
        Saml2BearerClientAuthenticationMethod method,
        bool withDownstream = false,
        string? tokenEndpoint = null,
        bool allowSoap = false,
        bool allowSaml11 = false,
        bool rfc8693 = false,
        bool offlineAccess = false)
    {
        var url = NextLoopbackUrl();
        var counter = new TokenRequestCounter(RecordSecret);
        var settings = SchemeSettings(Saml2BearerDefaults.AuthenticationScheme, certificatePath, clientId, secret, method, tokenEndpoint);
        if (allowSaml11)
        {
            settings[$"Authentication:Schemes:{Saml2BearerDefaults.AuthenticationScheme}:Assertion:AllowSaml11"] = "true";
        }
        if (rfc8693)
        {
            settings[$"Authentication:Schemes:{Saml2BearerDefaults.AuthenticationScheme}:TokenExchangeProtocol"] = "Rfc8693";
        }

        if (offlineAccess)
        {
            // The ResourceApi contract's renewal: Scope may ask for a refresh token. Without openid: an ID token
            // lives 20 minutes at OpenIddict, and the test moves this API's clock an hour on.
            settings[$"Authentication:Schemes:{Saml2BearerDefaults.AuthenticationScheme}:Scope"] = "orders.read offline_access";
        }

        if (allowSoap)
        {
            // The ResourceApi contract key: POST /whoami with a SOAP envelope.
            settings[$"Authentication:Schemes:{Saml2BearerDefaults.AuthenticationScheme}:AllowSoapSecurityHeader"] = "true";
        }

        apps.Add(ResourceApiApp.Build(
            ["--urls", url],
            builder =>
            {
                ConfigureCommon(builder, Saml2BearerDefaults.AuthenticationScheme, settings, counter, method);
                if (offlineAccess)
                {
                    builder.Services.Configure<Saml2BearerOptions>(Saml2BearerDefaults.AuthenticationScheme, options => options.TimeProvider = OfflineTime);
                }

                if (withDownstream)
                {
                    builder.Services.AddHttpClient("backend", client => client.BaseAddress = BackendAddress)
                        .AddSaml2BearerAccessToken(options => options.AllowedHosts.Add("127.0.0.1"));
                    builder.Services.AddHttpClient(StrictHostClient, client => client.BaseAddress = BackendAddress)
                        .AddSaml2BearerAccessToken(options => options.AllowedHosts.Add(StrictHost));
                }
            },
            withDownstream ? MapDownstreamEndpoints : null));
        return new ApiHost(url, counter);
    }

    private static void MapDownstreamEndpoints(WebApplication app) =>
        app.MapGet("/downstream/{client}", async (string client, IHttpClientFactory factory, CancellationToken cancellationToken) =>
        {
            try
            {
                using var response = await factory.CreateClient(client).GetAsync(new Uri("me", UriKind.Relative), cancellationToken);
                return Results.Content(await response.Content.ReadAsStringAsync(cancellationToken), "application/json", Encoding.UTF8, (int)response.StatusCode);
            }
            catch (InvalidOperationException exception)
            {
                return Results.Content("refused: " + exception.Message, "text/plain", Encoding.UTF8, StatusCodes.Status502BadGateway);
            }
        }).RequireAuthorization();

    private ApiHost AddGateway(List<WebApplication> apps, string certificatePath, string backendUrl)
    {
        var url = NextLoopbackUrl();
        var counter = new TokenRequestCounter(RecordSecret);
        var method = Saml2BearerClientAuthenticationMethod.ClientSecretBasic;
        var settings = SchemeSettings(Saml2BearerDefaults.AuthenticationScheme, certificatePath, BasicClientId, BasicSecret, method);
        apps.Add(GatewayApp.Build(["--urls", url], backendUrl + "/", builder => ConfigureCommon(builder, Saml2BearerDefaults.AuthenticationScheme, settings, counter, method)));
        return new ApiHost(url, counter);
    }

    private ApiHost AddMiddlewareApi(List<WebApplication> apps, string certificatePath)
    {
        var url = NextLoopbackUrl();
        var counter = new TokenRequestCounter(RecordSecret);
        var method = Saml2BearerClientAuthenticationMethod.ClientSecretBasic;
        var builder = WebApplication.CreateBuilder(["--urls", url]);
        var settings = SchemeSettings(MiddlewareScheme, certificatePath, BasicClientId, BasicSecret, method);
        settings[$"Authentication:Schemes:{MiddlewareScheme}:AllowSoapSecurityHeader"] = "true";
        ConfigureCommon(builder, MiddlewareScheme, settings, counter, method);
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme)
            .AddJwtBearer(options =>
            {
                options.Authority = Issuer;
                options.Audience = BackendAudience;
                options.RequireHttpsMetadata = false; // loopback only
                options.MapInboundClaims = false;
            })
            .AddSaml2Bearer(MiddlewareScheme, null);
        builder.Services.AddAuthorization();

        var app = builder.Build();
        app.UseSaml2BearerExchange(MiddlewareScheme);
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapGet("/me", (ClaimsPrincipal user) => Results.Json(new
        {
            sub = user.FindFirstValue("sub"),
            authenticationType = user.Identity?.AuthenticationType,
        })).RequireAuthorization();
        app.MapPost("/soap", async (HttpRequest request, ClaimsPrincipal user) =>
        {
            using var reader = new StreamReader(request.Body);
            var body = await reader.ReadToEndAsync(request.HttpContext.RequestAborted);
            return Results.Json(new SoapEcho(
                new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
                {
                    ["sub"] = user.FindFirstValue("sub") ?? string.Empty,
                    ["Authorization"] = request.Headers.Authorization.ToString(),
                    ["Content-Length"] = request.ContentLength?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty,
                },
                body));
        }).RequireAuthorization();
        apps.Add(app);
        return new ApiHost(url, counter);
    }

    private static string NewSecret() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));

    private static string NextLoopbackUrl()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return $"http://127.0.0.1:{port}";
    }
}
