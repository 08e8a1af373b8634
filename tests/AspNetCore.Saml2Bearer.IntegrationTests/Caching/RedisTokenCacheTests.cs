using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using AspNetCore.Saml2Bearer.IntegrationTests.Infrastructure;
using AspNetCore.Saml2Bearer.Testing;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace AspNetCore.Saml2Bearer.IntegrationTests.Caching;

/// <summary>
/// Two API instances sharing one real Redis (token cache L2, Data Protection key ring, exchange lock)
/// and one loopback token endpoint.
/// </summary>
public sealed partial class RedisTokenCacheTests : IClassFixture<RedisServerFixture>, IAsyncLifetime, IDisposable
{
    private const int DistributedCacheUnavailable = 1100;
    private const int DistributedCacheRecovered = 1101;
    private const int DistributedCacheEntryDiscarded = 1102;
    private const int DistributedCacheEntryUndecryptable = 1105;

    private readonly RedisServerFixture _redis;
    private readonly TestSigningKey _signingKey = TestSigningKey.CreateRsa();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private LoopbackTokenEndpoint _tokenEndpoint = default!;

    private static readonly Action<Saml2BearerOptions> ColdStartTolerant = options => options.DistributedCacheTimeout = TimeSpan.FromSeconds(5);

    public RedisTokenCacheTests(RedisServerFixture redis)
    {
        _redis = redis;
    }

    public async Task InitializeAsync() => _tokenEndpoint = await LoopbackTokenEndpoint.StartAsync();

    public async Task DisposeAsync() => await _tokenEndpoint.DisposeAsync();

    public void Dispose() => _signingKey.Dispose();

    [Fact]
    public async Task Requests_FiftyForOneSubjectSpreadOverTwoInstances_ExchangeOnce()
    {
        // The shared lock is what is tested here, not the bound of one Redis call: the first calls of two
        // cold instances, while other test assemblies load the two cores, can pass the 500 ms default, and
        // an instance then rightly goes on without the lock.
        await using var instanceA = await ApiInstance.StartAsync(_redis, _tokenEndpoint, _signingKey, _time, ColdStartTolerant);
        await using var instanceB = await ApiInstance.StartAsync(_redis, _tokenEndpoint, _signingKey, _time, ColdStartTolerant);
        var subject = NewSubject();
        var assertion = Assertion(subject);

        var responses = await Task.WhenAll(Enumerable.Range(0, 50)
            .Select(i => (i % 2 == 0 ? instanceA : instanceB).WhoAmIAsync(assertion)));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.Status));
        Assert.Equal(1, _tokenEndpoint.Requests);
        var accessToken = Assert.Single(responses.Select(r => r.Body!.AccessToken).Distinct());
        Assert.Equal(subject, _tokenEndpoint.IssuedTokens[accessToken!]);
    }

    [Fact]
    public async Task Request_OnSecondInstanceAfterFirstExchanged_UsesRedisWithoutExchange()
    {
        await using var instanceA = await ApiInstance.StartAsync(_redis, _tokenEndpoint, _signingKey, _time, ColdStartTolerant);
        await using var instanceB = await ApiInstance.StartAsync(_redis, _tokenEndpoint, _signingKey, _time, ColdStartTolerant);
        var subject = NewSubject();

        var first = await instanceA.WhoAmIAsync(Assertion(subject));
        var second = await instanceB.WhoAmIAsync(Assertion(subject));

        Assert.Equal(HttpStatusCode.OK, second.Status);
        Assert.Equal(subject, second.Body!.Name);
        Assert.Equal(first.Body!.AccessToken, second.Body.AccessToken);
        Assert.Equal(1, _tokenEndpoint.Requests);
    }

    [Fact]
    public async Task RedisContents_AfterExchanges_HoldNoTokenNameIdOrAssertionInClearText()
    {
        await using var instanceA = await ApiInstance.StartAsync(_redis, _tokenEndpoint, _signingKey, _time);
        await using var instanceB = await ApiInstance.StartAsync(_redis, _tokenEndpoint, _signingKey, _time);
        var alice = NewSubject();
        var bob = NewSubject();
        var aliceAssertion = Assertion(alice, out var aliceId);
        var bobAssertion = Assertion(bob, out var bobId);

        Assert.Equal(HttpStatusCode.OK, (await instanceA.WhoAmIAsync(aliceAssertion)).Status);
        Assert.Equal(HttpStatusCode.OK, (await instanceB.WhoAmIAsync(bobAssertion)).Status);

        var forbidden = _tokenEndpoint.IssuedTokens.Keys
            .Concat([alice, bob, aliceId, bobId, aliceAssertion[..40], bobAssertion[..40], "example.com", "orders.read"])
            .ToArray();
        Assert.Equal(2, _tokenEndpoint.IssuedTokens.Count);
        var contents = await DumpRedisAsync(instanceA.Multiplexer);
        Assert.Contains(contents, c => TokenEntryKey().IsMatch(c.Key));
        foreach (var (key, value) in contents)
        {
            Assert.Matches(AllowedKey(), key);
            foreach (var secret in forbidden)
            {
                Assert.DoesNotContain(secret, key, StringComparison.OrdinalIgnoreCase);
                Assert.DoesNotContain(secret, value, StringComparison.OrdinalIgnoreCase);
            }
        }
    }

    [Fact]
    public async Task Request_EntryCopiedUnderAnotherSubjectsKey_IsMissAndExchangesForThatSubject()
    {
        await using var instanceA = await ApiInstance.StartAsync(_redis, _tokenEndpoint, _signingKey, _time);
        await using var instanceB = await ApiInstance.StartAsync(_redis, _tokenEndpoint, _signingKey, _time);
        var alice = NewSubject();
        var bob = NewSubject();
        var database = instanceA.Multiplexer.GetDatabase();

        var aliceKey = await ExchangeAndFindEntryAsync(instanceA, alice);
        var bobKey = await ExchangeAndFindEntryAsync(instanceA, bob);
        await database.HashSetAsync(bobKey, await database.HashGetAllAsync(aliceKey));
        var response = await instanceB.WhoAmIAsync(Assertion(bob));

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal(3, _tokenEndpoint.Requests);
        Assert.Equal(bob, _tokenEndpoint.IssuedTokens[response.Body!.AccessToken!]);
        Assert.Equal(1, instanceB.Logs.Count(DistributedCacheEntryDiscarded));
    }

    [Fact]
    public async Task Request_EntryCorruptedInRedis_IsMissAndSucceeds()
    {
        await using var instanceA = await ApiInstance.StartAsync(_redis, _tokenEndpoint, _signingKey, _time);
        await using var instanceB = await ApiInstance.StartAsync(_redis, _tokenEndpoint, _signingKey, _time);
        var alice = NewSubject();
        var database = instanceA.Multiplexer.GetDatabase();
        var aliceKey = await ExchangeAndFindEntryAsync(instanceA, alice);
        var data = (byte[])(await database.HashGetAsync(aliceKey, "data"))!;

        data[data.Length / 2] ^= 0x5A;
        await database.HashSetAsync(aliceKey, "data", data);
        var response = await instanceB.WhoAmIAsync(Assertion(alice));

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal(2, _tokenEndpoint.Requests);
        Assert.Equal(alice, _tokenEndpoint.IssuedTokens[response.Body!.AccessToken!]);

        // Still a Data Protection payload of the shared key: reported as undecryptable (once per key).
        Assert.Equal(1, instanceB.Logs.Count(DistributedCacheEntryUndecryptable));
        Assert.Equal(0, instanceB.Logs.Count(DistributedCacheEntryDiscarded));
    }

    [Fact]
    public async Task Requests_RedisStoppedAndRestarted_SucceedWarnOnceAndUseRedisAgain()
    {
        // A server of this test's own: it is killed and restarted (empty, as after a flush) mid-test.
        var redis = new RedisServerFixture();
        await redis.InitializeAsync();
        try
        {
            await using var instanceA = await ApiInstance.StartAsync(redis, _tokenEndpoint, _signingKey, _time);
            await using var instanceB = await ApiInstance.StartAsync(redis, _tokenEndpoint, _signingKey, _time);
            Assert.Equal(HttpStatusCode.OK, (await instanceA.WhoAmIAsync(Assertion(NewSubject()))).Status);

            await redis.StopAsync();
            for (var i = 0; i < 5; i++)
            {
                // Each request comes after the retry interval, so each one tries Redis again.
                _time.Advance(TimeSpan.FromMinutes(1));
                Assert.Equal(HttpStatusCode.OK, (await instanceA.WhoAmIAsync(Assertion(NewSubject()))).Status);
            }

            Assert.Equal(6, _tokenEndpoint.Requests);
            Assert.Equal(1, instanceA.Logs.Count(DistributedCacheUnavailable));

            await redis.StartAsync();
            await WaitUntilConnectedAsync(instanceA.Multiplexer, instanceB.Multiplexer);
            _time.Advance(TimeSpan.FromMinutes(1));
            var subject = NewSubject();
            var onA = await instanceA.WhoAmIAsync(Assertion(subject));
            var onB = await instanceB.WhoAmIAsync(Assertion(subject));

            Assert.Equal(HttpStatusCode.OK, onB.Status);
            Assert.Equal(onA.Body!.AccessToken, onB.Body!.AccessToken);
            Assert.Equal(7, _tokenEndpoint.Requests);
            Assert.Equal(1, instanceA.Logs.Count(DistributedCacheUnavailable));
            Assert.Equal(1, instanceA.Logs.Count(DistributedCacheRecovered));
            Assert.Equal(0, instanceB.Logs.Count(DistributedCacheUnavailable));
        }
        finally
        {
            await redis.DisposeAsync();
        }
    }

    [Fact]
    public async Task Logs_OfBothInstances_NeverContainTokenOrNameId()
    {
        await using var instanceA = await ApiInstance.StartAsync(_redis, _tokenEndpoint, _signingKey, _time);
        await using var instanceB = await ApiInstance.StartAsync(_redis, _tokenEndpoint, _signingKey, _time);
        var alice = NewSubject();
        var aliceKey = await ExchangeAndFindEntryAsync(instanceA, alice);
        await instanceA.Multiplexer.GetDatabase().HashSetAsync(aliceKey, "data", Encoding.UTF8.GetBytes("garbage"));

        Assert.Equal(HttpStatusCode.OK, (await instanceB.WhoAmIAsync(Assertion(alice))).Status);

        var secrets = _tokenEndpoint.IssuedTokens.Keys.Append(alice).Append(aliceKey.ToString()["saml2bearer:".Length..]).ToArray();
        Assert.All(instanceA.Logs.Entries.Concat(instanceB.Logs.Entries), entry =>
        {
            foreach (var secret in secrets)
            {
                Assert.DoesNotContain(secret, entry.AllText, StringComparison.Ordinal);
            }
        });
    }

    private static string NewSubject() => "user-" + Guid.NewGuid().ToString("N") + "@example.com";

    private string Assertion(string subject) => Assertion(subject, out _);

    private string Assertion(string subject, out string assertionId)
    {
        var builder = new Saml2AssertionBuilder(_time.GetUtcNow()) { NameId = subject };
        assertionId = builder.Id;
        return builder.BuildEncoded(_signingKey);
    }

    /// <summary>Runs one exchange on <paramref name="instance"/> and returns the Redis key of the entry it wrote.</summary>
    private async Task<RedisKey> ExchangeAndFindEntryAsync(ApiInstance instance, string subject)
    {
        var before = TokenEntryKeys(instance.Multiplexer);
        Assert.Equal(HttpStatusCode.OK, (await instance.WhoAmIAsync(Assertion(subject))).Status);
        return Assert.Single(TokenEntryKeys(instance.Multiplexer).Except(before));
    }

    private static HashSet<RedisKey> TokenEntryKeys(IConnectionMultiplexer multiplexer) =>
        multiplexer.GetServers().Single().Keys(pattern: "saml2bearer:*").Where(k => TokenEntryKey().IsMatch(k.ToString())).ToHashSet();

    /// <summary>Every key and value in Redis, values of any type flattened to Latin-1 text (bytes kept 1:1).</summary>
    private static async Task<List<(string Key, string Value)>> DumpRedisAsync(IConnectionMultiplexer multiplexer)
    {
        var database = multiplexer.GetDatabase();
        var contents = new List<(string, string)>();
        foreach (var key in multiplexer.GetServers().Single().Keys(pattern: "*"))
        {
            var values = await database.KeyTypeAsync(key) switch
            {
                RedisType.String => [await database.StringGetAsync(key)],
                RedisType.Hash => (await database.HashGetAllAsync(key)).SelectMany(e => new[] { e.Name, e.Value }).ToArray(),
                RedisType.List => await database.ListRangeAsync(key),
                RedisType.Set => await database.SetMembersAsync(key),
                var other => throw new InvalidOperationException($"Unexpected Redis type {other} at {key}."),
            };
            contents.Add((key.ToString(), string.Concat(values.Select(v => Encoding.Latin1.GetString((byte[])v!)))));
        }

        return contents;
    }

    private static async Task WaitUntilConnectedAsync(params IConnectionMultiplexer[] multiplexers)
    {
        for (var i = 0; i < 300 && !multiplexers.All(m => m.IsConnected); i++)
        {
            await Task.Delay(100);
        }

        Assert.All(multiplexers, m => Assert.True(m.IsConnected));
    }

    [GeneratedRegex("^saml2bearer:[0-9a-f]{64}$")]
    private static partial Regex TokenEntryKey();

    [GeneratedRegex("^saml2bearer:([0-9a-f]{64}|lock:[0-9a-f]{64}|dataprotection-keys(:lock)?)$")]
    private static partial Regex AllowedKey();
}
