using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using AspNetCore.Saml2Bearer.Caching;
using AspNetCore.Saml2Bearer.TokenExchange;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.Logging.Abstractions;

namespace AspNetCore.Saml2Bearer.Benchmarks;

/// <summary>
/// The added cost of a token found in the distributed cache (L2: a loopback redis-server round trip,
/// Data Protection unprotect, JSON) against one found in memory (L1), in the same run.
/// Needs redis-server on the PATH (build/bench.sh installs it).
/// </summary>
[MemoryDiagnoser]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "BenchmarkDotNet disposes through GlobalCleanup.")]
public class TokenCacheLevelBenchmarks
{
    private const string Key = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";
    private Process? _redis;
    private RedisCache? _redisCache;
    private Saml2BearerTokenCache? _memoryOnly;
    private Saml2BearerDistributedTokenStore? _store;

    [GlobalSetup]
    public void Setup()
    {
        var port = FreePort();
        _redis = Process.Start(new ProcessStartInfo("redis-server", $"--port {port} --bind 127.0.0.1 --save \"\" --appendonly no")
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("redis-server did not start: install it (apt-get install redis-server).");
        Thread.Sleep(500);

        var token = new Saml2BearerCachedToken(
            new Saml2BearerTokenResponse { AccessToken = new string('a', 900), TokenType = "Bearer", ExpiresIn = TimeSpan.FromHours(1), Scope = "orders.read openid" },
            DateTimeOffset.UtcNow.AddHours(1),
            [new System.Security.Claims.Claim("sub", "alice@example.com")]);

        _memoryOnly = new Saml2BearerTokenCache(1000, TimeSpan.FromSeconds(60), TimeProvider.System);
        _memoryOnly.Set(Key, token);

        _redisCache = new RedisCache(new RedisCacheOptions { Configuration = $"127.0.0.1:{port},abortConnect=false" });
        var protector = Saml2BearerDistributedTokenStore.CreateProtector(new EphemeralDataProtectionProvider(), "Saml2Bearer");
        var circuit = new Saml2BearerDistributedCacheCircuit(TimeSpan.FromSeconds(5), NullLogger.Instance, TimeProvider.System, Saml2BearerDistributedCacheCircuit.DefaultFailureThreshold);
        _store = new Saml2BearerDistributedTokenStore(_redisCache, protector, circuit, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(2), NullLogger.Instance, TimeProvider.System);
        _store.SetAsync(Key, token).GetAwaiter().GetResult();
        if (_store.GetAsync(Key).GetAwaiter().GetResult() is null || !_memoryOnly.TryGet(Key, out _))
        {
            throw new InvalidOperationException("The token must be found in both levels before measuring.");
        }
    }

    [Benchmark(Baseline = true, Description = "L1 hit (memory)")]
    public string? MemoryHit() => _memoryOnly!.TryGet(Key, out var token) ? token!.Response.AccessToken : null;

    [Benchmark(Description = "L2 hit (Redis + Data Protection + JSON)")]
    public async Task<string?> DistributedHit() => (await _store!.GetAsync(Key))?.Response.AccessToken;

    [GlobalCleanup]
    public void Cleanup()
    {
        _redisCache?.Dispose();
        _memoryOnly?.Dispose();
        if (_redis is { HasExited: false })
        {
            _redis.Kill();
            _redis.WaitForExit();
        }

        _redis?.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
