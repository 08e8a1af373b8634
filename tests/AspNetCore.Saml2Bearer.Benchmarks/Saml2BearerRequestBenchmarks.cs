using AspNetCore.Saml2Bearer.Assertions;
using AspNetCore.Saml2Bearer.Caching;
using AspNetCore.Saml2Bearer.Claims;
using AspNetCore.Saml2Bearer.LoadTarget;
using AspNetCore.Saml2Bearer.Testing;
using AspNetCore.Saml2Bearer.TokenExchange;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace AspNetCore.Saml2Bearer.Benchmarks;

/// <summary>
/// One request through the whole ASP.NET Core pipeline in process (TestServer, an HttpContext per
/// request, routing, authentication, authorization, the /whoami JSON body), for the SAML handler and
/// its baselines, in one class so every ratio comes from the same run. The app is LoadTargetApp (the
/// ResourceApi sample plus baselines), the one build/load.sh drives over Kestrel; the token service is
/// FakeSaml2BearerTokenService, so no network is involved. Ratios are against the anonymous endpoint.
/// </summary>
[MemoryDiagnoser]
public class Saml2BearerRequestBenchmarks
{
    private const string TokenEndpoint = "https://as.load.test/token";
    private const int FreshAssertions = 2_000;

    private TestSaml2IdentityProvider _idp = default!;
    private LocalJwtIssuer _jwt = default!;
    private DirectoryInfo _directory = default!;
    private FakeSaml2BearerTokenService _tokenService = default!;
    private WebApplication _app = default!;
    private TestServer _server = default!;
    private string _fastPathHeader = default!;
    private string _fastPathEncoded = default!;
    private string[] _freshHeaders = default!;
    private int _nextFresh;
    private int _nextNaive;
    private string _jwtHeader = default!;
    private string _jwtToken = default!;
    private JsonWebTokenHandler _jwtHandler = default!;
    private TokenValidationParameters _jwtParameters = default!;
    private Saml2BearerOptions _options = default!;
    private Saml2Assertion _assertion = default!;
    private Saml2BearerCachedToken _cachedToken = default!;

    [GlobalSetup]
    public void Setup()
    {
        _idp = LoadTargetApp.CreateIdentityProvider(TokenEndpoint);
        _jwt = new LocalJwtIssuer();
        _directory = Directory.CreateTempSubdirectory("saml2bearer-bench-");
        var pemPath = Path.Combine(_directory.FullName, "idp-signing.pem");
        File.WriteAllText(pemPath, _idp.ExportSigningCertificatePem());

        // ResourceApiApp calls AddSaml2Bearer() itself, so the fake replaces the HTTP token service
        // (the same effect as registering it before AddSaml2Bearer).
        _tokenService = new FakeSaml2BearerTokenService();
        _app = LoadTargetApp.Build([], _idp, pemPath, TokenEndpoint, _jwt, builder =>
        {
            builder.WebHost.UseTestServer();
            builder.Services.Replace(ServiceDescriptor.Singleton<ISaml2BearerTokenService>(_tokenService));
        });
        _app.StartAsync().GetAwaiter().GetResult();
        _server = _app.GetTestServer();

        var lifetime = TimeSpan.FromMinutes(55); // inside the default MaximumLifetime of one hour
        var assertion = LoadTargetApp.IssueAssertion(_idp, "alice@example.com", lifetime);
        _fastPathHeader = "SAML " + assertion;
        _fastPathEncoded = assertion;
        _freshHeaders = new string[FreshAssertions];
        Parallel.For(0, FreshAssertions, i => _freshHeaders[i] = "SAML " + LoadTargetApp.IssueAssertion(_idp, "bob@example.com", lifetime));
        _jwtToken = _jwt.CreateToken("alice@example.com", lifetime);
        _jwtHeader = "Bearer " + _jwtToken;
        _jwtHandler = new JsonWebTokenHandler();
        _jwtParameters = _jwt.ValidationParameters;

        _options = _app.Services.GetRequiredService<IOptionsMonitor<Saml2BearerOptions>>().Get(Saml2BearerDefaults.AuthenticationScheme);
        var validation = _options.State!.Validator.ValidateAsync(assertion).AsTask().GetAwaiter().GetResult();
        _assertion = validation.Assertion ?? throw new InvalidOperationException($"The assertion was rejected: {validation.FailureReason}.");
        _cachedToken = new Saml2BearerCachedToken(
            new Saml2BearerTokenResponse { AccessToken = "fake-token", TokenType = "Bearer", ExpiresIn = TimeSpan.FromHours(1), Scope = "orders.read" },
            DateTimeOffset.UtcNow.AddHours(1),
            []);

        // Every benchmark must measure the accepting path; this also caches both subjects' tokens and
        // puts the fast-path assertion into the assertion cache.
        foreach (var (name, check) in new (string, Func<Task<int>>)[]
        {
            ("anonymous", Anonymous), ("noop", NoopHandler), ("jwt", JwtBearerRequest), ("fast path", Saml2FastPath),
            ("fresh", Saml2FreshAssertionCachedSubject), ("naive", NaiveSignedXmlPerRequest),
        })
        {
            var status = check().GetAwaiter().GetResult();
            if (status != 200)
            {
                throw new InvalidOperationException($"The {name} request answered {status}.");
            }
        }

        // The baselines answer the same /whoami body as the SAML endpoints they are compared with.
        foreach (var (baseline, subject, header) in new[] { ("/noop", "/whoami", _fastPathHeader), ("/naive", "/fresh", _freshHeaders[0]) })
        {
            var expected = ClaimCountAsync(subject, header).GetAwaiter().GetResult();
            var actual = ClaimCountAsync(baseline, header).GetAwaiter().GetResult();
            if (expected != actual)
            {
                throw new InvalidOperationException($"{baseline} answers {actual} claims, {subject} {expected}: update LoadTargetApp.SubjectClaims.");
            }
        }

        if (!JsonWebTokenHandlerOnly().GetAwaiter().GetResult().IsValid)
        {
            throw new InvalidOperationException("The JWT was rejected.");
        }

        var exchanges = _tokenService.ExchangeCount;
        Saml2FreshAssertionCachedSubject().GetAwaiter().GetResult();
        Saml2FastPath().GetAwaiter().GetResult();
        if (_tokenService.ExchangeCount != exchanges)
        {
            throw new InvalidOperationException("A cached subject was exchanged again.");
        }

        if (!FastPathLookup() || !FastPathLookupByDecodedBytes())
        {
            throw new InvalidOperationException("The fast-path lookup missed the repeated assertion.");
        }

        Console.WriteLine($"// Assertion: {assertion.Length} base64 characters; {FreshAssertions} fresh assertions for one cached subject; exchanges so far {exchanges}.");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _app.StopAsync().GetAwaiter().GetResult();
        _app.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _jwt.Dispose();
        _idp.Dispose();
        _directory.Delete(recursive: true);
    }

    /// <summary>GET /ping: the pipeline with no authentication at all.</summary>
    [Benchmark(Baseline = true)]
    public Task<int> Anonymous() => SendAsync("/ping", null);

    /// <summary>
    /// GET /noop with the fast path's SAML header: a handler that returns Success with the same claims
    /// without any work, then the same /whoami body, so the difference to the fast path is authentication.
    /// </summary>
    [Benchmark]
    public Task<int> NoopHandler() => SendAsync("/noop", _fastPathHeader);

    /// <summary>GET /jwt: JwtBearer validating an RS256 JWT with a local key.</summary>
    [Benchmark]
    public Task<int> JwtBearerRequest() => SendAsync("/jwt", _jwtHeader);

    /// <summary>JsonWebTokenHandler.ValidateTokenAsync of the same JWT, without a request.</summary>
    [Benchmark]
    public Task<TokenValidationResult> JsonWebTokenHandlerOnly() => _jwtHandler.ValidateTokenAsync(_jwtToken, _jwtParameters);

    /// <summary>GET /whoami with the same assertion every time: the repeat-assertion fast path.</summary>
    [Benchmark]
    public Task<int> Saml2FastPath() => SendAsync("/whoami", _fastPathHeader);

    /// <summary>
    /// GET /fresh (the SAML scheme with the fast path off) cycling through 2,000 distinct assertions of one
    /// subject: each is fully validated, the token comes from the per-subject cache.
    /// </summary>
    [Benchmark]
    public Task<int> Saml2FreshAssertionCachedSubject() => SendAsync("/fresh", _freshHeaders[_nextFresh++ % FreshAssertions]);

    /// <summary>GET /naive: base64 decode + SignedXml.CheckSignature(cert) on every request, the issue's baseline.</summary>
    [Benchmark]
    public Task<int> NaiveSignedXmlPerRequest() => SendAsync("/naive", _freshHeaders[_nextNaive++ % FreshAssertions]);

    /// <summary>
    /// The fast path's lookup alone, as the handler calls it with the header's encoded assertion: a
    /// repeat is found from its characters (hashed and compared in full), not decoded.
    /// </summary>
    [Benchmark]
    public bool FastPathLookup() => Saml2BearerAssertionInput.Read(_fastPathEncoded, _options.State!, useFastPath: true).CachedToken is not null;

    /// <summary>
    /// The same lookup by the decoded bytes, as every repeat did before the characters were indexed:
    /// decode ~5 KB of base64 into a pooled buffer, hash and compare the bytes, then the subject's token.
    /// </summary>
    [Benchmark]
    public bool FastPathLookupByDecodedBytes()
    {
        var state = _options.State!;
        using var decoded = Saml2AssertionDecoder.DecodeToBuffer(_fastPathEncoded, state.Validator.Parameters);
        return decoded.Succeeded && state.AssertionCache.TryGet(decoded.Xml, out var entry) && state.TokenCache.TryGet(entry!.TokenKey, out _);
    }

    /// <summary>Saml2BearerPrincipalFactory.Create alone, from a validated assertion and a cached token.</summary>
    [Benchmark]
    public System.Security.Claims.ClaimsPrincipal PrincipalOnly() =>
        Saml2BearerPrincipalFactory.Create(Saml2BearerDefaults.AuthenticationScheme, _options, _assertion, _cachedToken);

    private async Task<int> SendAsync(string path, string? authorization) =>
        (await RequestAsync(path, authorization).ConfigureAwait(false)).Response.StatusCode;

    private async Task<int> ClaimCountAsync(string path, string? authorization)
    {
        var context = await RequestAsync(path, authorization).ConfigureAwait(false);
        using var body = await System.Text.Json.JsonDocument.ParseAsync(context.Response.Body).ConfigureAwait(false);
        return body.RootElement.GetProperty("claims").GetArrayLength();
    }

    private async Task<HttpContext> RequestAsync(string path, string? authorization)
    {
        return await _server.SendAsync(c =>
        {
            c.Request.Method = "GET";
            c.Request.Path = path;
            if (authorization is not null)
            {
                c.Request.Headers.Authorization = authorization;
            }
        }).ConfigureAwait(false);
    }
}
