using System.Net;
using AspNetCore.Saml2Bearer.IntegrationTests.Infrastructure;
using AspNetCore.Saml2Bearer.StackExchangeRedis;
using AspNetCore.Saml2Bearer.Testing;
using Microsoft.Extensions.Time.Testing;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace AspNetCore.Saml2Bearer.IntegrationTests.Caching;

/// <summary>
/// How instances share the Data Protection key ring in Redis: instances that start together on an empty
/// Redis, and a Redis flush that loses the ring while an instance still protects with its key. Each test
/// runs a redis-server of its own, so that it starts empty.
/// </summary>
public sealed class RedisKeyRingSharingTests : IAsyncLifetime, IDisposable
{
    private const int DistributedCacheEntryDiscarded = 1102;
    private const int DistributedCacheEntryUndecryptable = 1105;
    private const int KeyRingRestored = 1300;
    private const int KeyRingKeyLoaded = 1302;

    private static readonly Action<Saml2BearerOptions> ColdStartTolerant = options => options.DistributedCacheTimeout = TimeSpan.FromSeconds(5);

    private readonly RedisServerFixture _redis = new();
    private readonly TestSigningKey _signingKey = TestSigningKey.CreateRsa();
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private LoopbackTokenEndpoint _tokenEndpoint = default!;

    public async Task InitializeAsync()
    {
        await _redis.InitializeAsync();
        _tokenEndpoint = await LoopbackTokenEndpoint.StartAsync();
        _tokenEndpoint.Delay = TimeSpan.FromMilliseconds(20);
    }

    public async Task DisposeAsync()
    {
        await _tokenEndpoint.DisposeAsync();
        await _redis.DisposeAsync();
    }

    public void Dispose() => _signingKey.Dispose();

    [Fact]
    public async Task Instances_StartingTogetherOnEmptyRedis_CreateOneKeyAndReadEachOthersEntries()
    {
        var started = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Task.Run(() => ApiInstance.StartAsync(_redis, _tokenEndpoint, _signingKey, _time, ColdStartTolerant))));
        try
        {
            Assert.Single(await StoredKeyIdsAsync(started[0].Multiplexer));

            var subject = NewSubject();
            foreach (var instance in started)
            {
                var response = await instance.WhoAmIAsync(Assertion(subject));
                Assert.Equal(HttpStatusCode.OK, response.Status);
            }

            Assert.Equal(1, _tokenEndpoint.Requests);
            Assert.All(started, instance => Assert.Equal(0, instance.Logs.Count(DistributedCacheEntryUndecryptable)));
        }
        finally
        {
            foreach (var instance in started)
            {
                await instance.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task KeyRing_EmptyAndReadByTwoInstances_SecondWaitsForTheFirstOnesKey()
    {
        // The race of two instances on an empty ring, made deterministic at the repository: the first
        // read takes the creation lock, the second waits until the first stores its key.
        using var first = KeyRingServices();
        using var second = KeyRingServices();
        var firstRepository = Repository(first);
        var secondRepository = Repository(second);

        Assert.Empty(firstRepository.GetAllElements());
        var waiting = Task.Run(() => secondRepository.GetAllElements());
        await Task.Delay(300);
        Assert.False(waiting.IsCompleted);
        var key = new XElement("key", new XAttribute("id", Guid.NewGuid()), new XAttribute("version", 1));
        firstRepository.StoreElement(key, "first");
        var seen = await waiting.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(key.ToString(), Assert.Single(seen).ToString());
        Assert.Single(firstRepository.GetAllElements());
    }

    [Fact]
    public async Task KeyRing_LostWhileAnInstanceKnowsIt_IsWrittenBackOnItsNextRead()
    {
        using var services = KeyRingServices();
        var repository = Repository(services);
        Assert.Empty(repository.GetAllElements());
        var key = new XElement("key", new XAttribute("id", Guid.NewGuid()), new XAttribute("version", 1));
        repository.StoreElement(key, "k");

        await FlushAsync();
        var read = repository.GetAllElements();

        Assert.Equal(key.ToString(), Assert.Single(read).ToString());
        await using var connection = await ConnectionMultiplexer.ConnectAsync(_redis.Configuration);
        Assert.Equal(1, await connection.GetDatabase().ListLengthAsync(Saml2BearerRedisOptions.DefaultDataProtectionKeysKey));
    }

    [Fact]
    public async Task Flush_ThenRestartedInstanceMakesNewKey_EachSubjectAfterTheFirstExchangesOnceAndWarningsStayBounded()
    {
        await using var instanceA = await ApiInstance.StartAsync(_redis, _tokenEndpoint, _signingKey, _time, ColdStartTolerant);
        var instanceB = await ApiInstance.StartAsync(_redis, _tokenEndpoint, _signingKey, _time, ColdStartTolerant);
        var before = NewSubject();
        Assert.Equal(HttpStatusCode.OK, (await instanceA.WhoAmIAsync(Assertion(before))).Status);
        Assert.Equal(HttpStatusCode.OK, (await instanceB.WhoAmIAsync(Assertion(before))).Status);
        Assert.Equal(1, _tokenEndpoint.Requests);
        var firstKey = Assert.Single(await StoredKeyIdsAsync(instanceA.Multiplexer));

        // A Redis without persistence flushed: the entries and the key ring are gone; A still protects
        // with its key. B restarts on the empty ring and makes a key of its own (the worst case: A has
        // not written its key back yet).
        await FlushAsync();
        await instanceB.DisposeAsync();
        await using var restarted = await ApiInstance.StartAsync(_redis, _tokenEndpoint, _signingKey, _time, ColdStartTolerant);
        var secondKey = Assert.Single(await StoredKeyIdsAsync(instanceA.Multiplexer));
        Assert.NotEqual(firstKey, secondKey);

        // Subjects first seen on A, then on the restarted instance, and the other way round. (A is younger
        // than Data Protection's own 2-minute window of reloading the ring for unknown keys, which would
        // hide the problem of a long-running instance; the KeyRingKeyLoaded counts below show that the
        // keys came through this package's lookup, which has no such window.)
        var costs = new List<int>();
        for (var i = 0; i < 20; i++)
        {
            var subject = NewSubject();
            var (first, second) = i % 2 == 0 ? (instanceA, restarted) : (restarted, instanceA);
            var requestsBefore = _tokenEndpoint.Requests;
            var one = await first.WhoAmIAsync(Assertion(subject));
            var other = await second.WhoAmIAsync(Assertion(subject));
            Assert.Equal(HttpStatusCode.OK, one.Status);
            Assert.Equal(HttpStatusCode.OK, other.Status);
            Assert.Equal(subject, _tokenEndpoint.IssuedTokens[other.Body!.AccessToken!]);
            costs.Add(_tokenEndpoint.Requests - requestsBefore);
        }

        // Only the first subject may cost two exchanges: the restarted instance cannot read A's entry
        // before A has seen the new key and written its own back.
        Assert.InRange(costs[0], 1, 2);
        Assert.All(costs.Skip(1), cost => Assert.Equal(1, cost));
        Assert.Equal(new[] { firstKey, secondKey }.Order(), (await StoredKeyIdsAsync(instanceA.Multiplexer)).Order());
        Assert.Equal(1, instanceA.Logs.Count(KeyRingRestored));
        Assert.Equal(1, instanceA.Logs.Count(KeyRingKeyLoaded));
        Assert.Equal(1, restarted.Logs.Count(KeyRingKeyLoaded));

        // Undecryptable entries are reported once per key id, not once per entry.
        Assert.InRange(restarted.Logs.Count(DistributedCacheEntryUndecryptable), 0, 1);
        Assert.Equal(0, instanceA.Logs.Count(DistributedCacheEntryUndecryptable));
        Assert.Equal(0, instanceA.Logs.Count(DistributedCacheEntryDiscarded) + restarted.Logs.Count(DistributedCacheEntryDiscarded));
    }

    private ServiceProvider KeyRingServices()
    {
        var services = new ServiceCollection();
        services.AddSaml2BearerRedis(_redis.Configuration);
        services.AddDataProtection().SetApplicationName(ApiInstance.ApplicationName);
        return services.BuildServiceProvider();
    }

    private static IXmlRepository Repository(ServiceProvider services) =>
        services.GetRequiredService<IOptions<KeyManagementOptions>>().Value.XmlRepository!;

    private static string NewSubject() => "user-" + Guid.NewGuid().ToString("N") + "@example.com";

    private string Assertion(string subject) => new Saml2AssertionBuilder(_time.GetUtcNow()) { NameId = subject }.BuildEncoded(_signingKey);

    /// <summary>The ids of the keys (not revocations) in the shared key ring.</summary>
    private static async Task<List<string>> StoredKeyIdsAsync(IConnectionMultiplexer multiplexer)
    {
        var elements = await multiplexer.GetDatabase().ListRangeAsync(Saml2BearerRedisOptions.DefaultDataProtectionKeysKey);
        return elements
            .Select(e => XElement.Parse(e.ToString()))
            .Where(e => e.Name.LocalName == "key")
            .Select(e => (string)e.Attribute("id")!)
            .ToList();
    }

    private async Task FlushAsync()
    {
        await using var admin = await ConnectionMultiplexer.ConnectAsync(_redis.Configuration + ",allowAdmin=true");
        await admin.GetServers().Single().FlushAllDatabasesAsync();
    }
}
