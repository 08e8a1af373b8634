using System.Net;
using System.Net.Sockets;
using AspNetCore.Saml2Bearer.IntegrationTests.Infrastructure;
using AspNetCore.Saml2Bearer.Testing;
using Microsoft.Data.Sqlite;

namespace AspNetCore.Saml2Bearer.IntegrationTests.AuthorizationServer;

/// <summary>
/// SECURITY-CASES rows 83 and 84: two instances of the sample authorization server behind one issuer share a
/// replay store (Redis, or the SQLite database through EF Core), so one assertion buys one token whichever
/// instance it reaches; a store that cannot answer refuses the grant with a temporary error, never a token.
/// </summary>
public sealed class ReplayAcrossInstancesTests
{
    [Fact]
    public async Task ReplayAcrossAsInstances_SharedRedis_OneTokenAndOneInvalidGrant()
    {
        await using var redis = await OwnedRedis.StartAsync();
        await using var cluster = await Cluster.StartAsync(sharedDatabase: false, options => options.Redis = redis.Server.Configuration);

        var (first, second) = await cluster.SendToBothAsync();

        AssertOneTokenOneInvalidGrant(first, second);
    }

    [Fact]
    public async Task ReplayAcrossAsInstances_SharedRedis_SequentialReplayToTheOtherInstanceIsInvalidGrant()
    {
        await using var redis = await OwnedRedis.StartAsync();
        await using var cluster = await Cluster.StartAsync(sharedDatabase: false, options => options.Redis = redis.Server.Configuration);
        var assertion = cluster.NewAssertion();

        var accepted = await cluster.First.RequestWithBasicAsync(assertion);
        var replayed = await cluster.Second.RequestWithBasicAsync(assertion);

        Assert.True(accepted.StatusCode == HttpStatusCode.OK, accepted.Body.ToString());
        Assert.Equal(HttpStatusCode.BadRequest, replayed.StatusCode);
        Assert.Equal("invalid_grant", replayed.Error);
        Assert.Null(replayed.AccessToken);
    }

    [Fact]
    public async Task ReplayAcrossAsInstances_SharedSqliteDatabase_OneTokenAndOneInvalidGrant()
    {
        await using var cluster = await Cluster.StartAsync(sharedDatabase: true, configure: null);

        var (first, second) = await cluster.SendToBothAsync();

        AssertOneTokenOneInvalidGrant(first, second);
    }

    [Fact]
    public async Task ReplayAcrossAsInstances_SeparateDatabases_EachInstanceAcceptsIt()
    {
        // The control: without a shared store each instance accepts the assertion once, which is what row 83 prevents.
        await using var cluster = await Cluster.StartAsync(sharedDatabase: false, configure: null);
        var assertion = cluster.NewAssertion();

        var first = await cluster.First.RequestWithBasicAsync(assertion);
        var second = await cluster.Second.RequestWithBasicAsync(assertion);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
    }

    [Fact]
    public async Task ReplayStoreDown_RedisUnreachable_GrantRefusedWithTemporaryErrorAndNoToken()
    {
        var unusedPort = FreePort();
        await using var server = await StartAsync(options =>
            options.Redis = $"127.0.0.1:{unusedPort},abortConnect=false,connectTimeout=300,asyncTimeout=500,syncTimeout=500");

        var response = await server.RequestWithBasicAsync(AuthorizationServerFixture.EncodeBase64Url(server.NewAssertion().BuildSigned(server.IdpKey)));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("temporarily_unavailable", response.Error);
        Assert.Null(response.AccessToken);
    }

    [Fact]
    public async Task ReplayStoreDown_RedisStoppedThenBack_SameAssertionAcceptedOnceAfterwards()
    {
        await using var redis = await OwnedRedis.StartAsync();
        await using var server = await StartAsync(options => options.Redis = redis.Server.Configuration);
        var assertion = AuthorizationServerFixture.EncodeBase64Url(server.NewAssertion().BuildSigned(server.IdpKey));
        await redis.Server.StopAsync();

        var whileDown = await server.RequestWithBasicAsync(assertion);
        await redis.Server.StartAsync();
        var afterwards = await RetryWhileUnavailableAsync(() => server.RequestWithBasicAsync(assertion));
        var replayed = await server.RequestWithBasicAsync(assertion);

        // Refused while down, and not recorded either: the client's retry gets its one token.
        Assert.Equal(HttpStatusCode.ServiceUnavailable, whileDown.StatusCode);
        Assert.Equal("temporarily_unavailable", whileDown.Error);
        Assert.Null(whileDown.AccessToken);
        Assert.True(afterwards.StatusCode == HttpStatusCode.OK, afterwards.Body.ToString());
        Assert.Equal("invalid_grant", replayed.Error);
    }

    [Fact]
    public async Task ReplayStoreDown_ReplayTableGone_GrantRefusedWithTemporaryErrorAndNoToken()
    {
        await using var server = await StartAsync(configure: null);
        await using (var connection = new SqliteConnection(server.ConnectionString))
        {
            await connection.OpenAsync();
            await using var drop = connection.CreateCommand();
            drop.CommandText = "DROP TABLE \"Saml2AssertionReplayEntries\"";
            await drop.ExecuteNonQueryAsync();
        }

        var response = await server.RequestWithBasicAsync(AuthorizationServerFixture.EncodeBase64Url(server.NewAssertion().BuildSigned(server.IdpKey)));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("temporarily_unavailable", response.Error);
        Assert.Null(response.AccessToken);
    }

    [Fact]
    public async Task SampleServer_DatabaseWithoutTheReplayTable_GetsItAtStart()
    {
        // A database created before the replay table existed: the next start adds the table, and replays are refused.
        await using var older = await StartAsync(configure: null);
        await using (var connection = new SqliteConnection(older.ConnectionString))
        {
            await connection.OpenAsync();
            await using var drop = connection.CreateCommand();
            drop.CommandText = "DROP TABLE \"Saml2AssertionReplayEntries\"";
            await drop.ExecuteNonQueryAsync();
        }

        await using var restarted = new OwnedServer(new AuthorizationServerFixture(older.ConnectionString, sameAs: older.Fixture, configure: null));
        await restarted.Fixture.InitializeAsync();
        var assertion = AuthorizationServerFixture.EncodeBase64Url(restarted.NewAssertion().BuildSigned(restarted.IdpKey));

        var accepted = await restarted.RequestWithBasicAsync(assertion);
        var replayed = await older.RequestWithBasicAsync(assertion);

        Assert.True(accepted.StatusCode == HttpStatusCode.OK, accepted.Body.ToString());
        Assert.Equal("invalid_grant", replayed.Error);
    }

    [Fact]
    public void GrantOptions_EnforceOneTimeUse_IsRefusedBecauseTheGrantRefusesEveryReplayAlready()
    {
        var options = new AspNetCore.Saml2Bearer.OpenIddict.Saml2BearerGrantOptions();
        using var key = TestSigningKey.CreateRsa("CN=Grant options IdP");
        options.Assertion.AddIdentityProvider("https://idp.example.com/saml", key.PublicCertificate);
        options.Assertion.EnforceOneTimeUse = true;

        var exception = Assert.Throws<InvalidOperationException>(options.Validate);

        Assert.Contains("EnforceOneTimeUse", exception.Message, StringComparison.Ordinal);
    }

    private static void AssertOneTokenOneInvalidGrant(TokenResponse first, TokenResponse second)
    {
        var responses = new[] { first, second };
        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.OK && r.AccessToken is not null);
        var refused = Assert.Single(responses, r => r.StatusCode != HttpStatusCode.OK);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("invalid_grant", refused.Error);
        Assert.Null(refused.AccessToken);
    }

    private static async Task<TokenResponse> RetryWhileUnavailableAsync(Func<Task<TokenResponse>> send)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var response = await send();
            if (response.StatusCode != HttpStatusCode.ServiceUnavailable || DateTime.UtcNow > deadline)
            {
                return response;
            }

            await Task.Delay(200);
        }
    }

    private static async Task<OwnedServer> StartAsync(Action<global::AuthorizationServer.AuthorizationServerOptions>? configure)
    {
        var server = new OwnedServer(new AuthorizationServerFixture(null, sameAs: null, configure));
        await server.Fixture.InitializeAsync();
        return server;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A redis-server of the test's own, stopped at the end.</summary>
    private sealed class OwnedRedis : IAsyncDisposable
    {
        private OwnedRedis()
        {
        }

        public RedisServerFixture Server { get; } = new();

        public static async Task<OwnedRedis> StartAsync()
        {
            var redis = new OwnedRedis();
            await redis.Server.InitializeAsync();
            return redis;
        }

        public async ValueTask DisposeAsync() => await Server.DisposeAsync();
    }

    /// <summary>One authorization server fixture, disposed at the end.</summary>
    private sealed class OwnedServer(AuthorizationServerFixture fixture) : IAsyncDisposable
    {
        public AuthorizationServerFixture Fixture { get; } = fixture;

        public string ConnectionString => Fixture.ConnectionString;

        public TestSigningKey IdpKey => Fixture.IdpKey;

        public Saml2AssertionBuilder NewAssertion() => Fixture.NewAssertion();

        public Task<TokenResponse> RequestWithBasicAsync(string assertion) => Fixture.RequestWithBasicAsync(assertion);

        public async ValueTask DisposeAsync() => await Fixture.DisposeAsync();
    }

    /// <summary>Two instances of one authorization server: one issuer, one identity provider, one client, two ports.</summary>
    private sealed class Cluster : IAsyncDisposable
    {
        private Cluster(AuthorizationServerFixture first, AuthorizationServerFixture second)
        {
            First = first;
            Second = second;
        }

        public AuthorizationServerFixture First { get; }

        public AuthorizationServerFixture Second { get; }

        public static async Task<Cluster> StartAsync(bool sharedDatabase, Action<global::AuthorizationServer.AuthorizationServerOptions>? configure)
        {
            var first = new AuthorizationServerFixture(null, sameAs: null, configure);
            await first.InitializeAsync();
            var second = new AuthorizationServerFixture(sharedDatabase ? first.ConnectionString : null, sameAs: first, configure);
            await second.InitializeAsync();
            return new Cluster(first, second);
        }

        public string NewAssertion() => AuthorizationServerFixture.EncodeBase64Url(First.NewAssertion().BuildSigned(First.IdpKey));

        /// <summary>The same assertion to both instances at once.</summary>
        public async Task<(TokenResponse First, TokenResponse Second)> SendToBothAsync()
        {
            var assertion = NewAssertion();
            var first = First.RequestWithBasicAsync(assertion);
            var second = Second.RequestWithBasicAsync(assertion);
            await Task.WhenAll(first, second);
            return (await first, await second);
        }

        public async ValueTask DisposeAsync()
        {
            await Second.DisposeAsync();
            await First.DisposeAsync();
        }
    }
}
