using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AspNetCore.Saml2Bearer.Testing;
using AuthorizationServer;
using Microsoft.AspNetCore.Builder;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace AspNetCore.Saml2Bearer.IntegrationTests.AuthorizationServer;

/// <summary>
/// The sample authorization server on a free loopback port (Kestrel), trusting an identity provider
/// whose key is generated for this run, with one client per authentication method.
/// </summary>
public sealed class AuthorizationServerFixture : IAsyncLifetime
{
    public const string IdpEntityId = "https://idp.example.com/saml";
    public const string SecretClientId = "orders-gateway";
    public const string JwtClientId = "orders-batch";
    public const string Resource = "orders-api";
    public const string JwtClientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

    private readonly string _databasePath = Path.Combine(Path.GetTempPath(), $"as-tests-{Guid.NewGuid():N}.db");
    private readonly string _connectionString;
    private readonly AuthorizationServerFixture? _sameAs;
    private readonly Action<AuthorizationServerOptions>? _configure;
    private WebApplication? _app;

    /// <summary>A server on a temporary SQLite file, deleted at the end.</summary>
    public AuthorizationServerFixture()
        : this(null)
    {
    }

    /// <summary>A server on the given SQLite connection string (e.g. <c>Data Source=:memory:</c>).</summary>
    internal AuthorizationServerFixture(string? connectionString)
        : this(connectionString, sameAs: null, configure: null)
    {
    }

    /// <summary>
    /// A server on the given SQLite connection string; with <paramref name="sameAs"/>, another instance of
    /// that (started) server: the same issuer, identity provider key and clients, on a port of its own, as
    /// behind a load balancer. <paramref name="configure"/> adjusts the options last (e.g. the Redis replay store).
    /// </summary>
    internal AuthorizationServerFixture(string? connectionString, AuthorizationServerFixture? sameAs, Action<AuthorizationServerOptions>? configure)
    {
        _connectionString = connectionString ?? $"Data Source={_databasePath}";
        _sameAs = sameAs;
        _configure = configure;
        IdpKey = sameAs?.IdpKey ?? TestSigningKey.CreateRsa("CN=Integration IdP");
        ClientKey = sameAs?.ClientKey ?? RSA.Create(2048);
        ClientSecret = sameAs?.ClientSecret ?? Convert.ToHexString(RandomNumberGenerator.GetBytes(24));
    }

    public TestSigningKey IdpKey { get; }

    public RSA ClientKey { get; }

    /// <summary>A secret generated for this run: nothing is checked in.</summary>
    public string ClientSecret { get; }

    public string Issuer { get; private set; } = "";

    /// <summary>
    /// The access token lifetime the server issues, for tests that need tokens to expire soon; set it before
    /// <see cref="InitializeAsync"/>. Default: <see langword="null"/>, OpenIddict's (one hour). Refresh tokens
    /// keep OpenIddict's lifetime (14 days).
    /// </summary>
    public TimeSpan? AccessTokenLifetime { get; init; }

    /// <summary>
    /// The server's clock (OpenIddict, the assertion checks, the replay store); set it before <see cref="InitializeAsync"/>.
    /// Default: <see langword="null"/>, the system clock. <see cref="NewAssertion"/> then issues assertions at its time.
    /// </summary>
    public TimeProvider? TimeProvider { get; init; }

    /// <summary>The token endpoint as the issuer names it: the recipient assertions must carry.</summary>
    public string TokenEndpoint => Issuer + AuthorizationServerApp.TokenEndpointPath;

    /// <summary>Where this instance listens (the issuer, unless it is another instance of a server).</summary>
    public string BaseAddress { get; private set; } = "";

    /// <summary>The SQLite connection string this instance uses (another instance can share the file).</summary>
    internal string ConnectionString => _connectionString;

    /// <summary>The running server's services (its OpenIddict managers, say), once started.</summary>
    public IServiceProvider Services => _app?.Services ?? throw new InvalidOperationException("The authorization server is not started.");

    private string RequestUri => BaseAddress + AuthorizationServerApp.TokenEndpointPath;

    public HttpClient Http { get; } = new();

    public async Task InitializeAsync()
    {
        var port = GetFreePort();
        BaseAddress = $"http://127.0.0.1:{port}/";
        Issuer = _sameAs?.Issuer ?? BaseAddress;
        var clientKeys = new JsonWebKeySet();
        var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(ClientKey.ExportParameters(false)) { KeyId = "client-key-1" });
        jwk.Use = "sig";
        clientKeys.Keys.Add(jwk);

        _app = AuthorizationServerApp.Build(["--urls", BaseAddress.TrimEnd('/')], options =>
        {
            options.ConnectionString = _connectionString;
            options.Issuer = Issuer;
            options.Resource = Resource;
            options.AccessTokenLifetime = AccessTokenLifetime;
            options.TimeProvider = TimeProvider;
            var identityProvider = new AuthorizationServerIdentityProvider { EntityId = IdpEntityId };
            identityProvider.SigningCertificates.Add(IdpKey.PublicCertificate);
            options.IdentityProviders.Add(identityProvider);

            var secretClient = new AuthorizationServerClient { ClientId = SecretClientId, ClientSecret = ClientSecret };
            var jwtClient = new AuthorizationServerClient { ClientId = JwtClientId, JsonWebKeys = clientKeys };
            foreach (var scope in AuthorizationServerOptions.DefaultScopes)
            {
                secretClient.Scopes.Add(scope);
                jwtClient.Scopes.Add(scope);
            }

            options.Clients.Add(secretClient);
            options.Clients.Add(jwtClient);
            _configure?.Invoke(options);
        });
        await _app.StartAsync();
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        if (_sameAs is null)
        {
            IdpKey.Dispose();
            ClientKey.Dispose();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (File.Exists(_databasePath))
        {
            File.Delete(_databasePath);
        }
    }

    /// <summary>An assertion builder addressed to this server: audience = issuer, recipient = token endpoint.</summary>
    public Saml2AssertionBuilder NewAssertion(DateTimeOffset? now = null)
    {
        var builder = new Saml2AssertionBuilder(now ?? TimeProvider?.GetUtcNow() ?? DateTimeOffset.UtcNow)
        {
            Issuer = IdpEntityId,
            Recipient = TokenEndpoint,
        };
        builder.AudienceRestrictions.Clear();
        builder.AudienceRestrictions.Add([Issuer]);
        return builder;
    }

    /// <summary>The RFC 7522 encoding: base64url without padding.</summary>
    public static string EncodeBase64Url(System.Xml.XmlDocument document) =>
        System.Buffers.Text.Base64Url.EncodeToString(Saml2AssertionBuilder.ToBytes(document));

    /// <summary>The RFC 7522 form, with client_secret_basic.</summary>
    public Task<TokenResponse> RequestWithBasicAsync(string assertion, string? scope = null, string? clientId = null, string? secret = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, RequestUri) { Content = Form(assertion, scope) };
        var credentials = Uri.EscapeDataString(clientId ?? SecretClientId) + ":" + Uri.EscapeDataString(secret ?? ClientSecret);
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));
        return SendAsync(request);
    }

    /// <summary>The RFC 7522 form, with client_secret_post.</summary>
    public Task<TokenResponse> RequestWithPostAsync(string assertion, string? scope = null, string? clientId = null, string? secret = null) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Post, RequestUri)
        {
            Content = Form(assertion, scope, ("client_id", clientId ?? SecretClientId), ("client_secret", secret ?? ClientSecret)),
        });

    /// <summary>The RFC 7522 form, with private_key_jwt (RFC 7523) signed by <paramref name="key"/>.</summary>
    public Task<TokenResponse> RequestWithPrivateKeyJwtAsync(string assertion, string? scope = null, RSA? key = null) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Post, RequestUri)
        {
            Content = Form(
                assertion,
                scope,
                ("client_id", JwtClientId),
                ("client_assertion_type", JwtClientAssertionType),
                ("client_assertion", CreateClientAssertion(key ?? ClientKey))),
        });

    /// <summary>The refresh grant (RFC 6749 section 6), with client_secret_basic.</summary>
    public Task<TokenResponse> RefreshWithBasicAsync(string refreshToken, string? scope = null, string? clientId = null, string? secret = null)
    {
        var fields = new List<KeyValuePair<string, string>> { new("grant_type", "refresh_token"), new("refresh_token", refreshToken) };
        if (scope is not null)
        {
            fields.Add(new("scope", scope));
        }

        var request = new HttpRequestMessage(HttpMethod.Post, TokenEndpoint) { Content = new FormUrlEncodedContent(fields) };
        var credentials = Uri.EscapeDataString(clientId ?? SecretClientId) + ":" + Uri.EscapeDataString(secret ?? ClientSecret);
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));
        return SendAsync(request);
    }

    /// <summary>The refresh grant with private_key_jwt (RFC 7523) as the JWT client, signed by <paramref name="key"/>.</summary>
    public Task<TokenResponse> RefreshWithPrivateKeyJwtAsync(string refreshToken, RSA? key = null) =>
        SendFormAsync(
            ("grant_type", "refresh_token"),
            ("refresh_token", refreshToken),
            ("client_id", JwtClientId),
            ("client_assertion_type", JwtClientAssertionType),
            ("client_assertion", CreateClientAssertion(key ?? ClientKey)));

    public async Task<TokenResponse> SendFormAsync(params (string Name, string Value)[] fields) =>
        await SendAsync(new HttpRequestMessage(HttpMethod.Post, RequestUri)
        {
            Content = new FormUrlEncodedContent(fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value))),
        });

    public async Task<JsonWebKeySet> GetJsonWebKeySetAsync() =>
        new(await Http.GetStringAsync(BaseAddress + AuthorizationServerApp.JsonWebKeySetEndpointPath));

    /// <summary>Validates a JWT issued by this server against its served JWKS.</summary>
    public async Task<TokenValidationResult> ValidateJwtAsync(string token, string audience)
    {
        var keys = await GetJsonWebKeySetAsync();
        return await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = Issuer,
            ValidAudience = audience,
            IssuerSigningKeys = keys.GetSigningKeys(),
            ValidTypes = ["at+jwt", "JWT"],
        });
    }

    private string CreateClientAssertion(RSA key)
    {
        var now = DateTime.UtcNow;
        // OpenIddict 7 wants the issuer as audience and the explicit type of draft-ietf-oauth-rfc7523bis.
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            TokenType = "client-authentication+jwt",
            Issuer = JwtClientId,
            Audience = Issuer,
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddMinutes(2),
            Claims = new Dictionary<string, object>
            {
                ["sub"] = JwtClientId,
                ["jti"] = Guid.NewGuid().ToString("N"),
            },
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(key) { KeyId = "client-key-1" }, SecurityAlgorithms.RsaSha256),
        });
    }

    private static FormUrlEncodedContent Form(string assertion, string? scope, params (string Name, string Value)[] extra)
    {
        var fields = new List<KeyValuePair<string, string>>
        {
            new("grant_type", "urn:ietf:params:oauth:grant-type:saml2-bearer"),
            new("assertion", assertion),
        };
        if (scope is not null)
        {
            fields.Add(new("scope", scope));
        }

        fields.AddRange(extra.Select(e => new KeyValuePair<string, string>(e.Name, e.Value)));
        return new FormUrlEncodedContent(fields);
    }

    private async Task<TokenResponse> SendAsync(HttpRequestMessage request)
    {
        using (request)
        {
            using var response = await Http.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            var json = body.Length == 0 ? default : JsonDocument.Parse(body).RootElement.Clone();
            return new TokenResponse(response.StatusCode, json);
        }
    }

    private static int GetFreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
