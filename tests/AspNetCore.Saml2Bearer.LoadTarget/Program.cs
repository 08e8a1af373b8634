// The target of build/load.sh and build/soak.sh (not run in CI).
//   serve PORT TOKEN_PORT OUT_DIR [FRESH_COUNT] [SUBJECTS]
//       a loopback token endpoint (POST /token) on TOKEN_PORT and the ResourceApi with the baselines of
//       LoadTargetApp on PORT; writes OUT_DIR/assertion.txt (one assertion, fast path), fresh.txt
//       (FRESH_COUNT assertions over SUBJECTS subjects, one a line) and jwt.txt, then prints READY.
//   soak [SECONDS] [SUBJECTS] [CACHE_SIZE_LIMIT] [SAMPLE_SECONDS] [BOUND_PERCENT] [REDIS|none]
//       SUBJECTS subjects in turn through the handler in process for SECONDS, each request with its own
//       assertion, the token and assertion caches limited to CACHE_SIZE_LIMIT, Redis as L2 when given;
//       samples RSS and the managed heap every SAMPLE_SECONDS; exits 1 when either grows more than
//       BOUND_PERCENT over the second half of the run (no plateau) or a request fails.
using System.Diagnostics;
using System.Globalization;
using AspNetCore.Saml2Bearer;
using AspNetCore.Saml2Bearer.LoadTarget;
using AspNetCore.Saml2Bearer.Testing;
using AspNetCore.Saml2Bearer.TokenExchange;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection.Extensions;

var mode = args.Length > 0 ? args[0] : "serve";
return mode switch
{
    "serve" => await ServeAsync(args),
    "soak" => await SoakAsync(args),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: LoadTarget serve PORT TOKEN_PORT OUT_DIR [FRESH_COUNT] [SUBJECTS] | soak [SECONDS] [SUBJECTS] [LIMIT] [SAMPLE_SECONDS] [BOUND_PERCENT] [REDIS|none]");
    return 2;
}

static int Arg(string[] args, int index, int fallback) =>
    args.Length > index ? int.Parse(args[index], CultureInfo.InvariantCulture) : fallback;

static async Task<int> ServeAsync(string[] args)
{
    if (args.Length < 4)
    {
        return Usage();
    }

    var port = Arg(args, 1, 0);
    var tokenPort = Arg(args, 2, 0);
    var outDirectory = Directory.CreateDirectory(args[3]).FullName;
    var freshCount = Arg(args, 4, 2000);
    var subjects = Arg(args, 5, 20);
    var tokenEndpoint = $"http://127.0.0.1:{tokenPort}/token";
    var lifetime = TimeSpan.FromMinutes(55); // inside the default MaximumLifetime of one hour

    // The loopback authorization server: answers every RFC 7522 request with a token for an hour.
    var tokenBuilder = WebApplication.CreateBuilder(["--urls", $"http://127.0.0.1:{tokenPort}"]);
    tokenBuilder.Logging.ClearProviders();
    var tokenApp = tokenBuilder.Build();
    var tokenRequests = 0;
    tokenApp.MapPost("/token", () =>
    {
        Interlocked.Increment(ref tokenRequests);
        return Results.Json(new { access_token = "load-" + Guid.NewGuid().ToString("N"), token_type = "Bearer", expires_in = 3600, scope = "orders.read" });
    });

    using var idp = LoadTargetApp.CreateIdentityProvider(tokenEndpoint);
    using var jwt = new LocalJwtIssuer();
    var pemPath = Path.Combine(outDirectory, "idp-signing.pem");
    await File.WriteAllTextAsync(pemPath, idp.ExportSigningCertificatePem());

    var stopwatch = Stopwatch.StartNew();
    await File.WriteAllTextAsync(Path.Combine(outDirectory, "assertion.txt"), LoadTargetApp.IssueAssertion(idp, "alice@example.com", lifetime));
    var fresh = new string[freshCount];
    Parallel.For(0, freshCount, i => fresh[i] = LoadTargetApp.IssueAssertion(idp, $"user{i % subjects:D3}@example.com", lifetime));
    await File.WriteAllLinesAsync(Path.Combine(outDirectory, "fresh.txt"), fresh);
    await File.WriteAllTextAsync(Path.Combine(outDirectory, "jwt.txt"), jwt.CreateToken("alice@example.com", lifetime));
    Console.WriteLine($"wrote {freshCount} fresh assertions for {subjects} subjects in {stopwatch.Elapsed.TotalSeconds:F1} s to {outDirectory}");

    var api = LoadTargetApp.Build(["--urls", $"http://127.0.0.1:{port}"], idp, pemPath, tokenEndpoint, jwt);
    await tokenApp.StartAsync();
    await api.StartAsync();

    // Every endpoint must answer 200 before any number is taken; this also makes the fresh subjects' tokens cached.
    using (var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") })
    {
        var checks = new List<(string Path, string? Authorization)>
        {
            ("/ping", null), ("/noop", null), ("/whoami", "SAML " + await File.ReadAllTextAsync(Path.Combine(outDirectory, "assertion.txt"))),
            ("/jwt", "Bearer " + await File.ReadAllTextAsync(Path.Combine(outDirectory, "jwt.txt"))), ("/naive", "SAML " + fresh[0]),
        };
        checks.AddRange(fresh.Take(subjects).Select(a => ("/fresh", (string?)("SAML " + a))));
        foreach (var (path, authorization) in checks)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            if (authorization is not null)
            {
                request.Headers.TryAddWithoutValidation("Authorization", authorization);
            }

            using var response = await client.SendAsync(request);
            if (!response.IsSuccessStatusCode)
            {
                Console.Error.WriteLine($"{path}: {(int)response.StatusCode} {string.Join(", ", response.Headers.WwwAuthenticate)}");
                return 1;
            }
        }
    }

    Console.WriteLine($"READY token requests so far: {Volatile.Read(ref tokenRequests)}");
    await api.WaitForShutdownAsync();
    Console.WriteLine($"token requests: {Volatile.Read(ref tokenRequests)}");
    await tokenApp.StopAsync();
    return 0;
}

static async Task<int> SoakAsync(string[] args)
{
    var durationSeconds = Arg(args, 1, 600);
    var subjects = Arg(args, 2, 30_000);
    var limit = Arg(args, 3, 10_000);
    var sampleSeconds = Arg(args, 4, 30);
    var boundPercent = Arg(args, 5, 10);
    var redis = args.Length > 6 && args[6] != "none" ? args[6] : null;
    const string TokenEndpoint = "https://as.load.test/token";

    // ECDSA P-256: minting an assertion per request with RSA-2048 would take longer than the handler's own work.
    using var idp = LoadTargetApp.CreateIdentityProvider(TokenEndpoint, TestSaml2KeyType.Ecdsa);
    using var jwt = new LocalJwtIssuer();
    var directory = Directory.CreateTempSubdirectory("saml2bearer-soak-");
    var pemPath = Path.Combine(directory.FullName, "idp-signing.pem");
    await File.WriteAllTextAsync(pemPath, idp.ExportSigningCertificatePem());
    var tokenService = new SimpleTokenService();
    string[] hostArgs = redis is null ? [] : ["--ConnectionStrings:Redis=" + redis];
    await using var app = LoadTargetApp.Build(hostArgs, idp, pemPath, TokenEndpoint, jwt, builder =>
    {
        builder.WebHost.UseTestServer();
        builder.Services.Replace(ServiceDescriptor.Singleton<ISaml2BearerTokenService>(tokenService));
        builder.Services.Configure<Saml2BearerOptions>(Saml2BearerDefaults.AuthenticationScheme, options =>
        {
            options.TokenCacheSizeLimit = limit;
            options.AssertionCacheSizeLimit = limit;

            // The soak shares two cores with its own assertion minting (and other jobs): a slow Redis
            // answer must not make it skip the L2 it measures.
            options.DistributedCacheTimeout = TimeSpan.FromSeconds(5);
        });
    });
    await app.StartAsync();
    var server = app.GetTestServer();

    // SUBJECTS subjects in turn, each request with an assertion of its own: the first round exchanges for
    // each subject and fills the memory cache (TokenCacheSizeLimit) and Redis; the later rounds find most
    // subjects evicted from memory and read them back from Redis (or, without Redis, exchange again), while
    // the assertion cache churns at its limit. RSS must level off once both caches are full.
    Console.WriteLine($"soak: {durationSeconds:N0} s, {subjects:N0} subjects in turn, TokenCacheSizeLimit and AssertionCacheSizeLimit {limit:N0}, L2 {(redis is null ? "none" : "Redis " + redis)}, sample every {sampleSeconds} s, plateau bound {boundPercent}% RSS growth over the second half");
    Console.WriteLine($"{"seconds",8} {"requests",10} {"rounds",7} {"heap MB",8} {"GC committed MB",16} {"RSS MB",8} {"RSS-GC MB",10} {"exchanges",10} {"req/s",7}");
    var samples = new List<(double Seconds, long Requests, long Heap, long Rss)>();
    using var process = Process.GetCurrentProcess();
    var failures = 0;
    long done = 0;
    var stopwatch = Stopwatch.StartNew();
    var duration = TimeSpan.FromSeconds(durationSeconds);
    var nextSample = TimeSpan.FromSeconds(sampleSeconds);
    while (stopwatch.Elapsed < duration)
    {
        // Batches of 1,000 requests, 2 at a time; a sample when a sampling period has passed.
        var start = done;
        await Parallel.ForAsync(0, 1_000, new ParallelOptions { MaxDegreeOfParallelism = 2 }, async (i, cancellationToken) =>
        {
            var subject = (start + i) % subjects;
            var assertion = LoadTargetApp.IssueAssertion(idp, $"user{subject:D6}@soak.test", TimeSpan.FromHours(1));
            var context = await server.SendAsync(c =>
            {
                c.Request.Method = "GET";
                c.Request.Path = "/whoami";
                c.Request.Headers.Authorization = "SAML " + assertion;
            }, cancellationToken);
            if (context.Response.StatusCode != 200)
            {
                Interlocked.Increment(ref failures);
            }
        });
        done += 1_000;
        if (stopwatch.Elapsed < nextSample && stopwatch.Elapsed < duration)
        {
            continue;
        }

        nextSample = stopwatch.Elapsed + TimeSpan.FromSeconds(sampleSeconds);
        var heap = GC.GetTotalMemory(forceFullCollection: true);
        process.Refresh();
        var seconds = stopwatch.Elapsed.TotalSeconds;
        samples.Add((seconds, done, heap, process.WorkingSet64));
        var committed = GC.GetGCMemoryInfo().TotalCommittedBytes;
        Console.WriteLine($"{seconds,8:F0} {done,10:N0} {(double)done / subjects,7:F1} {heap / 1048576.0,8:F1} {committed / 1048576.0,16:F1} {process.WorkingSet64 / 1048576.0,8:F1} {(process.WorkingSet64 - committed) / 1048576.0,10:F1} {tokenService.ExchangeCount,10:N0} {done / seconds,7:F0}");
    }

    directory.Delete(recursive: true);
    if (samples.Count < 3)
    {
        Console.WriteLine("SOAK FAILED: too few samples for a verdict; run longer");
        return 1;
    }

    // Single samples of RSS swing with each full GC; compare the mean of the second quarter of the run
    // with the mean of the last quarter (the second half's growth, smoothed).
    var first = samples[0];
    var middle = samples[(samples.Count - 1) / 2];
    var end = samples[^1];
    var quarter = Math.Max(1, samples.Count / 4);
    var secondQuarter = samples.Skip(samples.Count / 2 - quarter).Take(quarter).ToArray();
    var lastQuarter = samples.Skip(samples.Count - quarter).ToArray();
    var rssGrowth = 100.0 * (lastQuarter.Average(s => s.Rss) - secondQuarter.Average(s => s.Rss)) / secondQuarter.Average(s => s.Rss);
    var heapGrowth = 100.0 * (lastQuarter.Average(s => s.Heap) - secondQuarter.Average(s => s.Heap)) / secondQuarter.Average(s => s.Heap);
    static string Mb(long bytes) => (bytes / 1048576.0).ToString("F1", CultureInfo.InvariantCulture);
    Console.WriteLine($"RSS MB: start ({first.Seconds:F0} s) {Mb(first.Rss)}, middle ({middle.Seconds:F0} s) {Mb(middle.Rss)}, end ({end.Seconds:F0} s) {Mb(end.Rss)}; second half (mean of the last quarter against the second) {rssGrowth:+0.0;-0.0}%, peak {Mb(samples.Max(s => s.Rss))}");
    Console.WriteLine($"heap MB: start {Mb(first.Heap)}, middle {Mb(middle.Heap)}, end {Mb(end.Heap)}; second half {heapGrowth:+0.0;-0.0}%");
    Console.WriteLine($"requests: {done:N0} over {subjects:N0} subjects ({(double)done / subjects:F1} rounds), failed: {failures}, exchanges: {tokenService.ExchangeCount:N0}");
    var exchangesExpected = Math.Min(done, subjects);
    if (failures > 0 || (redis is not null && tokenService.ExchangeCount != exchangesExpected))
    {
        Console.WriteLine($"SOAK FAILED: requests failed, or with Redis the exchanges are not one per subject ({exchangesExpected:N0})");
        return 1;
    }

    if (rssGrowth > boundPercent || heapGrowth > boundPercent)
    {
        Console.WriteLine($"SOAK FAILED: no plateau: RSS {rssGrowth:+0.0;-0.0}%, heap {heapGrowth:+0.0;-0.0}% over the second half (bound {boundPercent}%)");
        return 1;
    }

    Console.WriteLine($"SOAK PASSED: plateau: RSS {rssGrowth:+0.0;-0.0}%, heap {heapGrowth:+0.0;-0.0}% over the second half (bound {boundPercent}%)");
    return 0;
}
