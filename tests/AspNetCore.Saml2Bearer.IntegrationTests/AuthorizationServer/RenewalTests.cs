using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using AspNetCore.Saml2Bearer.IntegrationTests.EndToEnd;
using AspNetCore.Saml2Bearer.Testing;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using OpenIddict.Abstractions;

namespace AspNetCore.Saml2Bearer.IntegrationTests.AuthorizationServer;

/// <summary>
/// Renewal by refresh token against our OpenIddict authorization server, which refuses replayed assertions
/// and issues refresh tokens for <c>offline_access</c>: an API (TestServer, a fake clock for its token
/// expiry) counts the grants it sends.
/// </summary>
public sealed class RenewalTests(ShortLivedTokensFixture fixture) : IClassFixture<ShortLivedTokensFixture>
{
    private const string SamlGrant = "urn:ietf:params:oauth:grant-type:saml2-bearer";
    private const string RefreshGrant = "refresh_token";

    /// <summary>Past the token's expiry (45 s, minus the 5 s margin), well inside the assertion's half hour.</summary>
    private static readonly TimeSpan PastOneTokenLifetime = ShortLivedTokensFixture.AccessTokenLifetime + TimeSpan.FromSeconds(5);

    private AuthorizationServerFixture Server => fixture.Server;

    [Fact]
    public async Task Whoami_OneAssertionReusedPastSeveralTokenLifetimes_200EveryTimeWithOneExchangeAndARefreshPerLifetime()
    {
        await using var api = await RenewalApi.StartAsync(Server);
        var assertion = api.Assertion("reuse@example.com");
        var tokens = new List<string>();

        for (var round = 0; round < 4; round++)
        {
            var (status, body) = await api.WhoAmIAsync(assertion);
            Assert.True(status == HttpStatusCode.OK, $"round {round}: {status}");
            Assert.Equal("reuse@example.com", body!.Name);
            tokens.Add(body.AccessToken!);
            api.Time.Advance(PastOneTokenLifetime);
        }

        Assert.Equal([SamlGrant, RefreshGrant, RefreshGrant, RefreshGrant], api.Counter.GrantTypes);
        Assert.Equal(4, tokens.Distinct().Count());
        Assert.DoesNotContain(api.Logs.Entries, e => e.EventId.Name == "RenewalDeclined");
    }

    [Fact]
    public async Task Whoami_RefreshRefused_ExactlyOneExchangeOfTheRequestsAssertion()
    {
        await using var api = await RenewalApi.StartAsync(Server);
        var (status, first) = await api.WhoAmIAsync(api.Assertion("refused@example.com"));
        Assert.Equal(HttpStatusCode.OK, status);

        // The server revokes the subject's tokens (an administrator, a password change): the refresh is refused.
        Assert.NotNull(first!.RefreshToken);
        await RevokeTokensOfAsync("refused@example.com");
        api.Time.Advance(PastOneTokenLifetime);

        var (renewedStatus, renewed) = await api.WhoAmIAsync(api.Assertion("refused@example.com"));

        Assert.Equal(HttpStatusCode.OK, renewedStatus);
        Assert.NotEqual(first.AccessToken, renewed!.AccessToken);
        Assert.Equal([SamlGrant, RefreshGrant, SamlGrant], api.Counter.GrantTypes);
    }

    [Fact]
    public async Task Whoami_RefreshAfterSessionEnd_NoRenewalPastItAndTheSpentAssertionIsRefused()
    {
        // SECURITY-CASES row 81: the cached token expires after the assertion's SessionNotOnOrAfter.
        await using var api = await RenewalApi.StartAsync(Server);
        var sessionEnd = api.Time.GetUtcNow() + PastOneTokenLifetime + TimeSpan.FromSeconds(20);
        var assertion = api.Assertion("session@example.com", sessionEnd);
        Assert.Equal(HttpStatusCode.OK, (await api.WhoAmIAsync(assertion)).Status);
        api.Time.Advance(PastOneTokenLifetime);
        Assert.Equal(HttpStatusCode.OK, (await api.WhoAmIAsync(assertion)).Status);
        api.Time.Advance(PastOneTokenLifetime);

        var (status, _) = await api.WhoAmIAsync(assertion);

        // Past the session end the refresh token is not presented: the assertion is exchanged, and the AS
        // refuses it as a replay.
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal([SamlGrant, RefreshGrant, SamlGrant], api.Counter.GrantTypes);
    }

    [Fact]
    public async Task Whoami_RefreshWithInvalidAssertion_RejectedWithoutARefreshRequest()
    {
        // SECURITY-CASES row 82: a refresh token is cached, the request's assertion is invalid.
        await using var api = await RenewalApi.StartAsync(Server);
        Assert.Equal(HttpStatusCode.OK, (await api.WhoAmIAsync(api.Assertion("invalid@example.com"))).Status);
        api.Time.Advance(PastOneTokenLifetime);
        using var attacker = TestSigningKey.CreateRsa("CN=Integration IdP");
        var forged = api.Assertion("invalid@example.com", key: attacker);

        var (status, _) = await api.WhoAmIAsync(forged);

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal([SamlGrant], api.Counter.GrantTypes);
    }

    [Fact]
    public async Task Downstream_BackendRejectsTokenOfCurrentAssertion_RenewsByRefreshTokenAndRetries()
    {
        await using var api = await RenewalApi.StartAsync(Server);

        var (status, body) = await api.DownstreamAsync(api.Assertion("downstream@example.com"));

        Assert.True(status == HttpStatusCode.OK, $"{status} {body}");
        Assert.Equal([SamlGrant, RefreshGrant], api.Counter.GrantTypes);
        var calls = api.Backend.Authorizations;
        Assert.Equal(2, calls.Count);
        Assert.NotEqual(calls[0], calls[1]);
        Assert.Equal("Bearer " + body, calls[1]);
    }

    private async Task RevokeTokensOfAsync(string subject)
    {
        await using var scope = Server.Services.CreateAsyncScope();
        var tokens = scope.ServiceProvider.GetRequiredService<IOpenIddictTokenManager>();
        var revoked = 0;
        await foreach (var token in tokens.FindBySubjectAsync(subject))
        {
            revoked += await tokens.TryRevokeAsync(token) ? 1 : 0;
        }

        Assert.True(revoked > 0);
    }

    /// <summary>The API under test: the SAML scheme with offline_access against the sample AS, on a fake clock.</summary>
    private sealed class RenewalApi : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly AuthorizationServerFixture _server;

        private RenewalApi(WebApplication app, AuthorizationServerFixture server, FakeTimeProvider time, TokenRequestCounter counter, InMemoryLoggerProvider logs, RejectOnceBackend backend)
        {
            _app = app;
            _server = server;
            Time = time;
            Counter = counter;
            Logs = logs;
            Backend = backend;
            Client = app.GetTestClient();
        }

        public FakeTimeProvider Time { get; }

        public TokenRequestCounter Counter { get; }

        public InMemoryLoggerProvider Logs { get; }

        public RejectOnceBackend Backend { get; }

        public HttpClient Client { get; }

        public static async Task<RenewalApi> StartAsync(AuthorizationServerFixture server)
        {
            var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
            var counter = new TokenRequestCounter(_ => { });
            var logs = new InMemoryLoggerProvider();
            var backend = new RejectOnceBackend();
            var builder = WebApplication.CreateBuilder();
            builder.WebHost.UseTestServer();
            builder.Logging.ClearProviders().AddProvider(logs).SetMinimumLevel(LogLevel.Debug);
            builder.Services.AddAuthentication(Saml2BearerDefaults.AuthenticationScheme).AddSaml2Bearer(options =>
            {
                options.TokenEndpoint = server.TokenEndpoint;
                options.ClientId = AuthorizationServerFixture.SecretClientId;
                options.ClientSecret = server.ClientSecret;
                options.Scope = "orders.read offline_access";
                options.TokenExpirationMargin = TimeSpan.FromSeconds(5);
                options.BackchannelTimeout = TimeSpan.FromSeconds(30);
                options.TimeProvider = time;
                options.Assertion.AddIdentityProvider(AuthorizationServerFixture.IdpEntityId, server.IdpKey.PublicCertificate);
                options.Assertion.ValidAudiences.Add(server.Issuer);
            });
            builder.Services.AddHttpClient(Saml2BearerDefaults.HttpClientNamePrefix + Saml2BearerDefaults.AuthenticationScheme).AddHttpMessageHandler(counter.CreateHandler);
            builder.Services.AddHttpClient("backend", client => client.BaseAddress = new Uri("https://backend.test/"))
                .AddSaml2BearerAccessToken(options => options.AllowedHosts.Add("backend.test"))
                .ConfigurePrimaryHttpMessageHandler(() => backend);
            builder.Services.AddAuthorization();

            var app = builder.Build();
            app.UseAuthentication();
            app.UseAuthorization();
            app.MapGet("/whoami", async context => await context.Response.WriteAsJsonAsync(new WhoAmI(
                context.User.Identity?.Name,
                await context.GetTokenAsync("access_token"),
                await context.GetTokenAsync("refresh_token")))).RequireAuthorization();
            app.MapGet("/downstream", async (IHttpClientFactory factory, CancellationToken cancellationToken) =>
            {
                using var response = await factory.CreateClient("backend").GetAsync(new Uri("me", UriKind.Relative), cancellationToken);
                return Results.Text(await response.Content.ReadAsStringAsync(cancellationToken), statusCode: (int)response.StatusCode);
            }).RequireAuthorization();
            await app.StartAsync();
            return new RenewalApi(app, server, time, counter, logs, backend);
        }

        /// <summary>An assertion of the sample AS's IdP valid for half an hour of the fake clock (and of the AS's real one).</summary>
        public string Assertion(string nameId, DateTimeOffset? sessionNotOnOrAfter = null, TestSigningKey? key = null)
        {
            var builder = _server.NewAssertion(Time.GetUtcNow());
            builder.NameId = nameId;
            builder.NotOnOrAfter = builder.SubjectConfirmationNotOnOrAfter = Time.GetUtcNow() + TimeSpan.FromMinutes(30);
            builder.SessionNotOnOrAfter = sessionNotOnOrAfter;
            return AuthorizationServerFixture.EncodeBase64Url(builder.BuildSigned(key ?? _server.IdpKey));
        }

        public async Task<(HttpStatusCode Status, WhoAmI? Body)> WhoAmIAsync(string assertion)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/whoami");
            request.Headers.Authorization = new AuthenticationHeaderValue("SAML", assertion);
            using var response = await Client.SendAsync(request);
            return (response.StatusCode, response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<WhoAmI>() : null);
        }

        public async Task<(HttpStatusCode Status, string Body)> DownstreamAsync(string assertion)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/downstream");
            request.Headers.Authorization = new AuthenticationHeaderValue("SAML", assertion);
            using var response = await Client.SendAsync(request);
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        public async ValueTask DisposeAsync()
        {
            Client.Dispose();
            await _app.StopAsync();
            await _app.DisposeAsync();
            Logs.Dispose();
        }
    }

    private sealed record WhoAmI(string? Name, string? AccessToken, string? RefreshToken);

    /// <summary>A downstream API that refuses the first token it sees (401 invalid_token) and echoes every later one.</summary>
    private sealed class RejectOnceBackend : HttpMessageHandler
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _authorizations = new();

        public IReadOnlyList<string> Authorizations => [.. _authorizations];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var authorization = request.Headers.Authorization?.ToString() ?? string.Empty;
            _authorizations.Enqueue(authorization);
            if (_authorizations.Count == 1)
            {
                var refused = new HttpResponseMessage(HttpStatusCode.Unauthorized);
                refused.Headers.WwwAuthenticate.Add(new AuthenticationHeaderValue("Bearer", "error=\"invalid_token\""));
                return Task.FromResult(refused);
            }

            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(request.Headers.Authorization?.Parameter ?? string.Empty) });
        }
    }
}
