using System.Net;
using AspNetCore.Saml2Bearer.Assertions;
using AspNetCore.Saml2Bearer.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;

namespace AspNetCore.Saml2Bearer.Tests.Handler;

/// <summary>
/// <c>Assertion:EnforceOneTimeUse</c> at the resource server: a <c>OneTimeUse</c> assertion authenticates one
/// request, through the replay store registered in the services (in memory by default), never through the
/// fast path a second time.
/// </summary>
public sealed class Saml2BearerOneTimeUseTests(ValidatorFixture fixture) : IClassFixture<ValidatorFixture>
{
    private const string EnforceKey = "Authentication:Schemes:Saml2Bearer:Assertion:EnforceOneTimeUse";

    private readonly List<Saml2BearerAuthenticationException> _failures = [];

    private Task<Saml2BearerTestHost> StartAsync(bool enforce, Action<IServiceCollection>? services = null) =>
        Saml2BearerTestHost.StartAsync(fixture, new Saml2BearerTestHostSettings
        {
            Configuration = new Dictionary<string, string?> { [EnforceKey] = enforce ? "true" : "false" },
            Services = s =>
            {
                // The default store reads the application's clock: make it the test's.
                s.AddSingleton<TimeProvider>(provider => provider.GetRequiredService<FakeTimeProvider>());
                services?.Invoke(s);
            },
            Configure = options => options.Events.OnAuthenticationFailed = context =>
            {
                lock (_failures)
                {
                    _failures.Add(context.Failure);
                }

                return Task.CompletedTask;
            },
        });

    [Fact]
    public async Task Request_OneTimeUseAssertionPresentedTwice_SecondIs401OneTimeUseReplayed()
    {
        await using var host = await StartAsync(enforce: true);
        var assertion = host.Assertion(b => b.OneTimeUse = true);

        using var first = await host.GetAsync("/whoami", assertion);
        using var second = await host.GetAsync("/whoami", assertion);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, second.StatusCode);
        Assert.Equal(
            $"SAML error=\"invalid_token\", error_description=\"{Saml2AssertionFailureMessages.Describe(Saml2AssertionFailureReason.OneTimeUseReplayed)}\"",
            Assert.Single(second.Headers.WwwAuthenticate).ToString());
        Assert.Equal(Saml2AssertionFailureReason.OneTimeUseReplayed, Assert.Single(_failures).AssertionFailureReason);
        Assert.Equal(1, host.TokenService.Calls);
    }

    [Fact]
    public async Task Request_OneTimeUseAssertionPresentedConcurrently_ExactlyOneSucceeds()
    {
        await using var host = await StartAsync(enforce: true);
        var assertion = host.Assertion(b => b.OneTimeUse = true);

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => host.GetAsync("/whoami", assertion)));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.OK);
        Assert.All(responses.Where(r => r.StatusCode != HttpStatusCode.OK), r => Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode));
        Assert.All(_failures, f => Assert.Equal(Saml2AssertionFailureReason.OneTimeUseReplayed, f.AssertionFailureReason));
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task Request_EnforcementOff_OneTimeUseAssertionIsAcceptedAgain()
    {
        await using var host = await StartAsync(enforce: false);
        var assertion = host.Assertion(b => b.OneTimeUse = true);

        using var first = await host.GetAsync("/whoami", assertion);
        using var second = await host.GetAsync("/whoami", assertion);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
    }

    [Fact]
    public async Task Request_EnforcementOn_AssertionWithoutOneTimeUseRepeatsAsUsual()
    {
        await using var host = await StartAsync(enforce: true);
        var assertion = host.Assertion();

        using var first = await host.GetAsync("/whoami", assertion);
        using var second = await host.GetAsync("/whoami", assertion);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Empty(_failures);
    }

    [Fact]
    public async Task Request_OneTimeUseAssertion_IsNeverPutOnTheFastPath()
    {
        await using var host = await StartAsync(enforce: true);
        var assertion = host.Assertion(b => b.OneTimeUse = true);

        using var first = await host.GetAsync("/whoami", assertion);
        var decoded = Convert.FromBase64String(assertion);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.False(host.Options().State!.AssertionCache.TryGet(decoded, out _));
    }

    [Fact]
    public async Task Request_ReplayStoreCannotAnswer_Returns503AndNeverAuthenticates()
    {
        await using var host = await StartAsync(enforce: true, services => services.Replace(ServiceDescriptor.Singleton<ISaml2AssertionReplayStore, FailingStore>()));

        using var response = await host.GetAsync("/whoami", host.Assertion(b => b.OneTimeUse = true));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(0, host.TokenService.Calls);
    }

    [Fact]
    public async Task Request_RegisteredStore_IsTheOneTheSchemeUses()
    {
        var store = new RecordingStore();
        await using var host = await StartAsync(enforce: true, services => services.Replace(ServiceDescriptor.Singleton<ISaml2AssertionReplayStore>(store)));

        using var response = await host.GetAsync("/whoami", host.Assertion(b => b.OneTimeUse = true));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, store.Calls);
    }

    [Fact]
    public void Validate_EnforceOneTimeUseWithTrustAuthorizationServer_NamesTheKey()
    {
        var options = new Saml2BearerOptions
        {
            AssertionValidationMode = Saml2BearerAssertionValidationMode.TrustAuthorizationServer,
            Authority = "https://as.example.com/",
            ClientId = "client",
        };
        options.Assertion.EnforceOneTimeUse = true;

        var exception = Assert.Throws<InvalidOperationException>(() => options.Validate(Saml2BearerDefaults.AuthenticationScheme));

        Assert.Contains("Assertion:EnforceOneTimeUse", exception.Message, StringComparison.Ordinal);
        Assert.Contains("TrustAuthorizationServer", exception.Message, StringComparison.Ordinal);
    }

    private sealed class FailingStore : ISaml2AssertionReplayStore
    {
        public ValueTask<bool> TryAddAsync(string issuer, string assertionId, DateTimeOffset expiresAt, CancellationToken cancellationToken) =>
            ValueTask.FromException<bool>(new TimeoutException("the store did not answer"));
    }

    private sealed class RecordingStore : ISaml2AssertionReplayStore
    {
        private int _calls;

        public int Calls => _calls;

        public ValueTask<bool> TryAddAsync(string issuer, string assertionId, DateTimeOffset expiresAt, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            return ValueTask.FromResult(true);
        }
    }
}
