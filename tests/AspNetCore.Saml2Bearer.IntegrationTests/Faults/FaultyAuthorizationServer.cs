using System.Security.Cryptography;
using System.Text;
using System.Xml;
using AspNetCore.Saml2Bearer.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace AspNetCore.Saml2Bearer.IntegrationTests.Faults;

/// <summary>
/// An authorization server on loopback Kestrel whose behaviour a test switches while it runs: the token
/// endpoint answers per <see cref="TokenFault"/> (opaque tokens, or JWTs signed with the current key
/// when <see cref="IssueJwts"/> is on), discovery and JWKS answer after <see cref="DiscoveryDelay"/> and
/// <see cref="JwksDelay"/>, the signing key can be rotated, and the server can stop listening (so that
/// connections are refused) and listen again on the same port. It counts what it was asked.
/// </summary>
public sealed class FaultyAuthorizationServer : IAsyncDisposable
{
    public const string TokenPath = "/token";
    public const string DiscoveryPath = "/.well-known/openid-configuration";
    public const string JwksPath = "/jwks";
    public const string Audience = "fault-api";
    public const string SigningKeyIdClaim = "signing_kid";

    private readonly List<(string KeyId, RSA Key)> _publishedKeys = [];
    private readonly RSA _unpublishedKey = RSA.Create(2048);
    private readonly JsonWebTokenHandler _tokenHandler = new();
    private readonly Lock _keysLock = new();
    private WebApplication? _app;
    private CancellationTokenSource _stopping = new();
    private (string KeyId, RSA Key) _currentKey;
    private int _port;
    private int _tokenRequests;
    private int _discoveryRequests;
    private int _jwksRequests;

    private FaultyAuthorizationServer()
    {
        _currentKey = NewKey();
        _publishedKeys.Add(_currentKey);
    }

    /// <summary>The issuer, and the authority to configure: <c>http://127.0.0.1:PORT</c>.</summary>
    public string Issuer => $"http://127.0.0.1:{_port}";

    public string TokenEndpoint => Issuer + TokenPath;

    public TokenEndpointFault TokenFault { get; set; }

    /// <summary>Whether access tokens are JWTs signed with the current key (else opaque strings).</summary>
    public bool IssueJwts { get; set; }

    public TimeSpan DiscoveryDelay { get; set; }

    /// <summary>When set, discovery answers <c>302 Found</c> with this location instead of the document.</summary>
    public string? DiscoveryRedirect { get; set; }

    public TimeSpan JwksDelay { get; set; }

    public int TokenRequests => Volatile.Read(ref _tokenRequests);

    public int DiscoveryRequests => Volatile.Read(ref _discoveryRequests);

    public int JwksRequests => Volatile.Read(ref _jwksRequests);

    /// <summary>The key id tokens are signed with now.</summary>
    public string CurrentKeyId
    {
        get
        {
            lock (_keysLock)
            {
                return _currentKey.KeyId;
            }
        }
    }

    public static async Task<FaultyAuthorizationServer> StartAsync()
    {
        var server = new FaultyAuthorizationServer();
        await server.ListenAsync();
        return server;
    }

    /// <summary>Signs new tokens with a new key (new kid), published in the JWKS next to the old one.</summary>
    public string RotateSigningKey()
    {
        lock (_keysLock)
        {
            _currentKey = NewKey();
            _publishedKeys.Add(_currentKey);
            return _currentKey.KeyId;
        }
    }

    /// <summary>Stops listening: from now on connections to the port are refused. Hanging requests are let go.</summary>
    public async Task StopListeningAsync()
    {
        if (_app is null)
        {
            return;
        }

        await _stopping.CancelAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(timeout.Token);
        await _app.DisposeAsync();
        _app = null;
        _stopping.Dispose();
        _stopping = new CancellationTokenSource();
    }

    /// <summary>Listens again, on the same port as before.</summary>
    public Task ResumeListeningAsync() => ListenAsync();

    public async ValueTask DisposeAsync()
    {
        await StopListeningAsync();
        _stopping.Dispose();
        _unpublishedKey.Dispose();
        foreach (var (_, key) in _publishedKeys)
        {
            key.Dispose();
        }
    }

    private async Task ListenAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        // A burst of a thousand connections must not overflow the accept queue (Kestrel's default is 512).
        builder.WebHost.UseSockets(sockets => sockets.Backlog = 4096);
        builder.WebHost.UseKestrel().UseUrls($"http://127.0.0.1:{_port}");
        var app = builder.Build();
        app.Run(HandleAsync);
        await app.StartAsync();
        _port = new Uri(app.Urls.Single()).Port;
        _app = app;
    }

    private Task HandleAsync(HttpContext context) => context.Request.Path.Value switch
    {
        TokenPath => HandleTokenAsync(context),
        DiscoveryPath => HandleDiscoveryAsync(context),
        JwksPath => HandleJwksAsync(context),
        _ => NotFoundAsync(context),
    };

    private static Task NotFoundAsync(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        return Task.CompletedTask;
    }

    private async Task HandleTokenAsync(HttpContext context)
    {
        Interlocked.Increment(ref _tokenRequests);
        var response = context.Response;
        switch (TokenFault)
        {
            case TokenEndpointFault.Hang:
                await WaitAsync(Timeout.InfiniteTimeSpan, context);
                return;
            case TokenEndpointFault.InternalServerError:
                response.StatusCode = StatusCodes.Status500InternalServerError;
                response.ContentType = "text/html";
                await response.WriteAsync("<html><body>Internal Server Error</body></html>");
                return;
            case TokenEndpointFault.ServiceUnavailable:
                response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                response.Headers.RetryAfter = "7";
                return;
            case TokenEndpointFault.InvalidJson:
                response.ContentType = "application/json";
                await response.WriteAsync("""{"access_token":"at-truncated","token_type":""");
                return;
            case TokenEndpointFault.TenMegabyteBody:
                await WriteTenMegabytesAsync(context);
                return;
        }

        var nameId = await ReadNameIdAsync(context.Request);
        string accessToken;
        if (TokenFault == TokenEndpointFault.JwtSignedByUnknownKey)
        {
            accessToken = CreateJwt(nameId, ("rogue-key", _unpublishedKey));
        }
        else if (IssueJwts)
        {
            (string, RSA) key;
            lock (_keysLock)
            {
                key = _currentKey;
            }

            accessToken = CreateJwt(nameId, key);
        }
        else
        {
            accessToken = "at-" + Guid.NewGuid().ToString("N");
        }

        await Results.Json(new { access_token = accessToken, token_type = "Bearer", expires_in = 3600, scope = "orders.read" }).ExecuteAsync(context);
    }

    private async Task HandleDiscoveryAsync(HttpContext context)
    {
        Interlocked.Increment(ref _discoveryRequests);
        if (!await WaitAsync(DiscoveryDelay, context))
        {
            return;
        }

        if (DiscoveryRedirect is { } location)
        {
            context.Response.Redirect(location);
            return;
        }

        await Results.Json(new Dictionary<string, string>
        {
            ["issuer"] = Issuer,
            ["token_endpoint"] = TokenEndpoint,
            ["jwks_uri"] = Issuer + JwksPath,
        }).ExecuteAsync(context);
    }

    private async Task HandleJwksAsync(HttpContext context)
    {
        Interlocked.Increment(ref _jwksRequests);
        if (!await WaitAsync(JwksDelay, context))
        {
            return;
        }

        List<Dictionary<string, string>> keys;
        lock (_keysLock)
        {
            keys = _publishedKeys.Select(k =>
            {
                var parameters = k.Key.ExportParameters(includePrivateParameters: false);
                return new Dictionary<string, string>
                {
                    ["kty"] = "RSA",
                    ["use"] = "sig",
                    ["alg"] = SecurityAlgorithms.RsaSha256,
                    ["kid"] = k.KeyId,
                    ["n"] = Base64UrlEncoder.Encode(parameters.Modulus),
                    ["e"] = Base64UrlEncoder.Encode(parameters.Exponent),
                };
            }).ToList();
        }

        await Results.Json(new { keys }).ExecuteAsync(context);
    }

    private string CreateJwt(string subject, (string KeyId, RSA Key) key)
    {
        var now = DateTime.UtcNow;
        return _tokenHandler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddHours(1),
            Claims = new Dictionary<string, object>
            {
                ["sub"] = subject,
                ["scope"] = "orders.read",
                [SigningKeyIdClaim] = key.KeyId,
            },
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(key.Key) { KeyId = key.KeyId }, SecurityAlgorithms.RsaSha256),
        });
    }

    /// <summary>Waits, unless the caller leaves or the server stops first; true when the wait ran its course.</summary>
    private async Task<bool> WaitAsync(TimeSpan delay, HttpContext context)
    {
        if (delay == TimeSpan.Zero)
        {
            return true;
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
        try
        {
            await Task.Delay(delay, linked.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            context.Abort();
            return false;
        }
    }

    private static async Task WriteTenMegabytesAsync(HttpContext context)
    {
        var prefix = "{\"access_token\":\""u8.ToArray();
        var suffix = "\",\"token_type\":\"Bearer\",\"expires_in\":3600}"u8.ToArray();
        var chunk = Encoding.ASCII.GetBytes(new string('a', 64 * 1024));
        const int Chunks = 160; // 10 MiB of token
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = prefix.Length + ((long)chunk.Length * Chunks) + suffix.Length;
        try
        {
            await context.Response.Body.WriteAsync(prefix, context.RequestAborted);
            for (var i = 0; i < Chunks; i++)
            {
                await context.Response.Body.WriteAsync(chunk, context.RequestAborted);
            }

            await context.Response.Body.WriteAsync(suffix, context.RequestAborted);
        }
        catch (Exception exception) when (exception is OperationCanceledException or IOException)
        {
            // The client stopped reading, as it should.
        }
    }

    private static async Task<string> ReadNameIdAsync(HttpRequest request)
    {
        var form = await request.ReadFormAsync();
        var document = new XmlDocument { XmlResolver = null };
        document.LoadXml(Encoding.UTF8.GetString(Base64UrlEncoder.DecodeBytes(form["assertion"]!)));
        return document.GetElementsByTagName("NameID", Saml2AssertionBuilder.AssertionNs)[0]!.InnerText;
    }

    private static (string KeyId, RSA Key) NewKey() => ("key-" + Guid.NewGuid().ToString("N")[..12], RSA.Create(2048));
}
