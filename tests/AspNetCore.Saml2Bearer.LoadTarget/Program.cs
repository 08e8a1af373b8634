// The target of build/load.sh and build/soak.sh (not run in CI).
//   serve PORT TOKEN_PORT OUT_DIR [FRESH_COUNT] [SUBJECTS]
//       a loopback token endpoint (POST /token) on TOKEN_PORT and the ResourceApi with the baselines of
//       LoadTargetApp on PORT; writes OUT_DIR/assertion.txt (one assertion, fast path), fresh.txt
//       (FRESH_COUNT assertions over SUBJECTS subjects, one a line) and jwt.txt, then prints READY.
//   soak [SUBJECTS] [TOKEN_CACHE_SIZE_LIMIT] [SAMPLE_EVERY] [BOUND_PERCENT] [MAX_HEAP_MB]
//       SUBJECTS distinct subjects through the handler in process; samples the managed heap and the
//       working set every SAMPLE_EVERY requests; exits 1 when the heap grows more than BOUND_PERCENT
//       between the middle and the end of the run.
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
    Console.Error.WriteLine("usage: LoadTarget serve PORT TOKEN_PORT OUT_DIR [FRESH_COUNT] [SUBJECTS] | soak [SUBJECTS] [LIMIT] [SAMPLE_EVERY] [BOUND_PERCENT] [MAX_HEAP_MB]");
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
    var subjects = Arg(args, 1, 100_000);
    var limit = Arg(args, 2, 10_000);
    var sampleEvery = Arg(args, 3, 5_000);
    var boundPercent = Arg(args, 4, 20);
    var maximumHeapMegabytes = Arg(args, 5, 256);
    const string TokenEndpoint = "https://as.load.test/token";

    // ECDSA P-256: minting 100,000 assertions with RSA-2048 would take longer than the handler's own work.
    using var idp = LoadTargetApp.CreateIdentityProvider(TokenEndpoint, TestSaml2KeyType.Ecdsa);
    using var jwt = new LocalJwtIssuer();
    var directory = Directory.CreateTempSubdirectory("saml2bearer-soak-");
    var pemPath = Path.Combine(directory.FullName, "idp-signing.pem");
    await File.WriteAllTextAsync(pemPath, idp.ExportSigningCertificatePem());
    var tokenService = new SimpleTokenService();
    await using var app = LoadTargetApp.Build([], idp, pemPath, TokenEndpoint, jwt, builder =>
    {
        builder.WebHost.UseTestServer();
        builder.Services.Replace(ServiceDescriptor.Singleton<ISaml2BearerTokenService>(tokenService));
        builder.Services.Configure<Saml2BearerOptions>(Saml2BearerDefaults.AuthenticationScheme, options =>
        {
            options.TokenCacheSizeLimit = limit;
            options.AssertionCacheSizeLimit = limit;
        });
    });
    await app.StartAsync();
    var server = app.GetTestServer();

    Console.WriteLine($"soak: {subjects:N0} distinct subjects, TokenCacheSizeLimit {limit:N0}, sample every {sampleEvery:N0}, bound {boundPercent}% heap growth middle->end, heap at most {maximumHeapMegabytes} MB");
    Console.WriteLine($"{"requests",10} {"heap MB",9} {"working set MB",15} {"exchanges",10} {"req/s",8} {"mint share",10}");
    var samples = new List<(int Requests, long Heap, long WorkingSet)>();
    using var process = Process.GetCurrentProcess();
    var failures = 0;
    var done = 0;
    long mintTicks = 0;
    var stopwatch = Stopwatch.StartNew();
    while (done < subjects)
    {
        var batch = Math.Min(sampleEvery, subjects - done);
        var start = done;
        await Parallel.ForAsync(0, batch, new ParallelOptions { MaxDegreeOfParallelism = 2 }, async (i, cancellationToken) =>
        {
            var minted = Stopwatch.GetTimestamp();
            var assertion = LoadTargetApp.IssueAssertion(idp, $"user{start + i:D6}@soak.test", TimeSpan.FromHours(1));
            Interlocked.Add(ref mintTicks, Stopwatch.GetTimestamp() - minted);
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
        done += batch;
        var heap = GC.GetTotalMemory(forceFullCollection: true);
        process.Refresh();
        samples.Add((done, heap, process.WorkingSet64));
        Console.WriteLine($"{done,10:N0} {heap / 1048576.0,9:F1} {process.WorkingSet64 / 1048576.0,15:F1} {tokenService.ExchangeCount,10:N0} {done / stopwatch.Elapsed.TotalSeconds,8:F0} {100.0 * Interlocked.Read(ref mintTicks) / Stopwatch.Frequency / 2 / stopwatch.Elapsed.TotalSeconds,9:F0}%");
    }

    var middle = samples[(samples.Count - 1) / 2];
    var end = samples[^1];
    var heapGrowth = 100.0 * (end.Heap - middle.Heap) / middle.Heap;
    var workingSetGrowth = 100.0 * (end.WorkingSet - middle.WorkingSet) / middle.WorkingSet;
    Console.WriteLine($"middle ({middle.Requests:N0}) -> end ({end.Requests:N0}): heap {middle.Heap / 1048576.0:F1} -> {end.Heap / 1048576.0:F1} MB ({heapGrowth:+0.0;-0.0}%), working set {middle.WorkingSet / 1048576.0:F1} -> {end.WorkingSet / 1048576.0:F1} MB ({workingSetGrowth:+0.0;-0.0}%)");
    Console.WriteLine($"failed requests: {failures}, exchanges: {tokenService.ExchangeCount:N0}");
    directory.Delete(recursive: true);
    if (failures > 0 || tokenService.ExchangeCount != subjects)
    {
        Console.WriteLine("SOAK FAILED: requests failed or the exchange count is not one per subject");
        return 1;
    }

    if (heapGrowth > boundPercent)
    {
        Console.WriteLine($"SOAK FAILED: the heap grew {heapGrowth:F1}% after warm-up (bound {boundPercent}%)");
        return 1;
    }

    var peakHeap = samples.Max(s => s.Heap);
    if (peakHeap > maximumHeapMegabytes * 1048576L)
    {
        Console.WriteLine($"SOAK FAILED: the heap reached {peakHeap / 1048576.0:F1} MB (bound {maximumHeapMegabytes} MB)");
        return 1;
    }

    Console.WriteLine($"SOAK PASSED: heap growth {heapGrowth:F1}% <= {boundPercent}%, peak heap {peakHeap / 1048576.0:F1} MB <= {maximumHeapMegabytes} MB");
    return 0;
}
