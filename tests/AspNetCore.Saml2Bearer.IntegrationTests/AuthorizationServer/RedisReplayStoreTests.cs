using System.Security.Cryptography;
using System.Text;
using AspNetCore.Saml2Bearer.Assertions;
using AspNetCore.Saml2Bearer.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace AspNetCore.Saml2Bearer.IntegrationTests.AuthorizationServer;

/// <summary>The Redis replay store against a real redis-server: the key it writes and how long it lives.</summary>
public sealed class RedisReplayStoreTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    private const string Issuer = "https://idp.example.com/saml";

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));

    private async Task<(ServiceProvider Services, ISaml2AssertionReplayStore Store)> CreateAsync(string? prefix = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_time);
        services.AddSaml2BearerRedisReplayStore(options =>
        {
            options.Configuration = redis.Configuration;
            if (prefix is not null)
            {
                options.ReplayKeyPrefix = prefix;
            }
        });
        var provider = services.BuildServiceProvider();
        foreach (var hosted in provider.GetServices<IHostedService>())
        {
            await hosted.StartAsync(CancellationToken.None);
        }

        return (provider, provider.GetRequiredService<ISaml2AssertionReplayStore>());
    }

    [Fact]
    public async Task TryAddAsync_WritesPrefixAndHashWithTheTimeToLiveOfTheAssertion()
    {
        var prefix = "replay-test-" + Guid.NewGuid().ToString("N") + ":";
        var (services, store) = await CreateAsync(prefix);
        await using var _ = services;
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        var id = "_" + Guid.NewGuid().ToString("N");

        var first = await store.TryAddAsync(Issuer, id, _time.GetUtcNow().AddMinutes(10), CancellationToken.None);
        var second = await store.TryAddAsync(Issuer, id, _time.GetUtcNow().AddMinutes(10), CancellationToken.None);

        Assert.True(first);
        Assert.False(second);
        var key = prefix + Key(Issuer, id);
        var timeToLive = await connection.GetDatabase().KeyTimeToLiveAsync(key);
        Assert.NotNull(timeToLive);
        Assert.InRange(timeToLive.Value, TimeSpan.FromMinutes(9), TimeSpan.FromMinutes(10));
        var keys = connection.GetServers()[0].Keys(pattern: prefix + "*").Select(k => k.ToString()).ToList();
        Assert.Equal([key], keys);
        Assert.DoesNotContain(id, keys[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task TryAddAsync_DefaultPrefix_IsSaml2BearerReplay()
    {
        var (services, store) = await CreateAsync();
        await using var _ = services;
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        var id = "_" + Guid.NewGuid().ToString("N");

        await store.TryAddAsync(Issuer, id, _time.GetUtcNow().AddMinutes(1), CancellationToken.None);

        Assert.True(await connection.GetDatabase().KeyExistsAsync("saml2bearer:replay:" + Key(Issuer, id)));
    }

    [Fact]
    public async Task TryAddAsync_AssertionAlreadyExpired_RecordLivesOneMillisecondNotForever()
    {
        var (services, store) = await CreateAsync();
        await using var _ = services;
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        var id = "_" + Guid.NewGuid().ToString("N");

        Assert.True(await store.TryAddAsync(Issuer, id, _time.GetUtcNow().AddMinutes(-1), CancellationToken.None));

        // PX 1: gone (PTTL -2) or about to go, never a key without expiry (-1).
        var pttl = (long)await connection.GetDatabase().ExecuteAsync("PTTL", "saml2bearer:replay:" + Key(Issuer, id));
        Assert.InRange(pttl, -2L, 1L);
        Assert.NotEqual(-1L, pttl);
    }

    [Fact]
    public async Task TryAddAsync_ConcurrentFirstUsesThroughTwoConnections_ExactlyOneWins()
    {
        var (servicesA, storeA) = await CreateAsync();
        var (servicesB, storeB) = await CreateAsync();
        await using var a = servicesA;
        await using var b = servicesB;
        var id = "_" + Guid.NewGuid().ToString("N");
        var expiresAt = _time.GetUtcNow().AddMinutes(5);

        var results = await Task.WhenAll(Enumerable.Range(0, 32).Select(i =>
            (i % 2 == 0 ? storeA : storeB).TryAddAsync(Issuer, id, expiresAt, CancellationToken.None).AsTask()));

        Assert.Single(results, r => r);
    }

    private static string Key(string issuer, string id)
    {
        var issuerBytes = Encoding.UTF8.GetBytes(issuer);
        var length = new byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(length, issuerBytes.Length);
        return Convert.ToHexStringLower(SHA256.HashData([.. length, .. issuerBytes, .. Encoding.UTF8.GetBytes(id)]));
    }
}
