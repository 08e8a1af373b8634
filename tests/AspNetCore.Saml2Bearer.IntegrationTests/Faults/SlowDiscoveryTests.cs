using System.Diagnostics;
using System.Net;
using AspNetCore.Saml2Bearer.IntegrationTests.EndToEnd;
using AspNetCore.Saml2Bearer.Testing;

namespace AspNetCore.Saml2Bearer.IntegrationTests.Faults;

/// <summary>
/// Discovery (or the JWKS) answering slower than the backchannel timeout: 503 with Retry-After within
/// the timeout, never a 500, and the API recovers on its own once discovery is fast again.
/// </summary>
[Collection(TimingSensitiveGroup.Name)]
public sealed class SlowDiscoveryTests
{
    private static readonly TimeSpan BackchannelTimeout = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Slow = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan RecoveryDeadline = TimeSpan.FromSeconds(30);

    public static TheoryData<string> SlowDocuments => new() { "discovery", "jwks" };

    [Theory]
    [MemberData(nameof(SlowDocuments))]
    public async Task Whoami_AuthorityDocumentSlowerThanTimeout_Returns503ThenRecoversWhenFastAgain(string slowDocument)
    {
        await using var server = await FaultyAuthorizationServer.StartAsync();
        using var idp = FaultScenario.CreateIdentityProvider();
        await using var api = await FaultApiHost.StartAsync(idp, options =>
        {
            options.Authority = server.Issuer;
            options.BackchannelTimeout = BackchannelTimeout;
            options.CircuitBreakDuration = TimeSpan.FromSeconds(1);
        });
        SetDelay(server, slowDocument, Slow);

        var clock = Stopwatch.StartNew();
        var slow = await api.WhoAmIAsync(idp.IssueAssertion(d => d.NameId = FaultScenario.NewSubject("slow")));
        var elapsed = clock.Elapsed;
        var tokenRequestsWhileSlow = server.TokenRequests;
        SetDelay(server, slowDocument, TimeSpan.Zero);
        var recovered = await PollUntilOkAsync(api, idp);

        FaultScenario.AssertServiceUnavailable(slow);
        Assert.True(elapsed < BackchannelTimeout + TimeSpan.FromSeconds(1), $"the 503 took {elapsed.TotalMilliseconds:F0} ms");
        Assert.Equal(0, tokenRequestsWhileSlow);   // nothing was posted to an endpoint not yet discovered
        Assert.Equal(HttpStatusCode.OK, recovered.StatusCode);
        Assert.True(server.TokenRequests > 0);
    }

    [Fact]
    public async Task Whoami_TokenEndpointSetAndJwksSlow_ConcurrentRequestsEachAnswer503WithinTheirOwnTimeout()
    {
        await using var server = await FaultyAuthorizationServer.StartAsync();
        server.IssueJwts = true;
        using var idp = FaultScenario.CreateIdentityProvider();
        await using var api = await FaultApiHost.StartAsync(idp, options =>
        {
            // The token endpoint is configured, so discovery happens only to validate the JWT that comes back.
            options.TokenEndpoint = server.TokenEndpoint;
            options.Authority = server.Issuer;
            options.BackchannelTimeout = BackchannelTimeout;
            options.CircuitBreakDuration = TimeSpan.FromSeconds(1);
        });
        server.JwksDelay = Slow;
        var assertions = Enumerable.Range(0, 6).Select(i => idp.IssueAssertion(d => d.NameId = FaultScenario.NewSubject("jwks-" + i))).ToArray();

        var clock = Stopwatch.StartNew();
        var responses = await Task.WhenAll(assertions.Select(async assertion =>
        {
            var response = await api.WhoAmIAsync(assertion);
            return (Response: response, Elapsed: clock.Elapsed);
        }));
        server.JwksDelay = TimeSpan.Zero;
        var recovered = await PollUntilOkAsync(api, idp);

        Assert.All(responses, r => FaultScenario.AssertServiceUnavailable(r.Response));
        // Each waits for the token endpoint, then for discovery at most its own timeout: none queues behind another's fetch.
        var slowest = responses.Max(r => r.Elapsed);
        Assert.True(slowest < (2 * BackchannelTimeout) + TimeSpan.FromSeconds(1), $"the slowest 503 took {slowest.TotalMilliseconds:F0} ms");
        Assert.Equal(HttpStatusCode.OK, recovered.StatusCode);
        Assert.Contains(FaultyAuthorizationServer.SigningKeyIdClaim, recovered.Body, StringComparison.Ordinal);
    }

    private static void SetDelay(FaultyAuthorizationServer server, string document, TimeSpan delay)
    {
        if (document == "discovery")
        {
            server.DiscoveryDelay = delay;
        }
        else
        {
            server.JwksDelay = delay;
        }
    }

    /// <summary>New subjects until one gets a 200, within <see cref="RecoveryDeadline"/>; the API is never restarted.</summary>
    private static async Task<ApiResponse> PollUntilOkAsync(FaultApiHost api, TestSaml2IdentityProvider idp)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var response = await api.WhoAmIAsync(idp.IssueAssertion(d => d.NameId = FaultScenario.NewSubject("recovered")));
            if (response.StatusCode == HttpStatusCode.OK || deadline.Elapsed > RecoveryDeadline)
            {
                return response;
            }

            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            await Task.Delay(TimeSpan.FromMilliseconds(200));
        }
    }
}
