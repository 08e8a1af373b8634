using System.Diagnostics;
using System.Net;
using AspNetCore.Saml2Bearer.IntegrationTests.EndToEnd;
using AspNetCore.Saml2Bearer.Testing;

namespace AspNetCore.Saml2Bearer.IntegrationTests.Faults;

/// <summary>
/// An authorization server that goes away and comes back: refused connections are 503s, the circuit
/// opens and later requests get an immediate 503 whose Retry-After is the break, a subject whose token
/// is cached keeps getting 200, and once the server listens again the API recovers on its own.
/// </summary>
public sealed class CircuitRecoveryTests
{
    private static readonly TimeSpan BreakDuration = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Whoami_AuthorizationServerDownThenBack_CircuitOpensCachedSubjectsStayInAndTheApiRecovers()
    {
        await using var server = await FaultyAuthorizationServer.StartAsync();
        using var idp = FaultScenario.CreateIdentityProvider();
        await using var api = await FaultApiHost.StartAsync(idp, options =>
        {
            options.TokenEndpoint = server.TokenEndpoint;
            options.CircuitBreakDuration = BreakDuration;
        });
        var cachedSubject = FaultScenario.NewSubject("cached");
        var cached = await api.WhoAmIAsync(idp.IssueAssertion(d => d.NameId = cachedSubject));

        await server.StopListeningAsync();
        var refused = await api.WhoAmIAsync(NewAssertion(idp, "refused"));
        var (open, openElapsed) = await UntilCircuitOpenAsync(api, idp);
        var cachedWhileDown = await api.WhoAmIAsync(idp.IssueAssertion(d => d.NameId = cachedSubject));
        var tokenRequestsWhileDown = server.TokenRequests;
        await server.ResumeListeningAsync();
        var recovered = await UntilOkAsync(api, idp);
        var afterRecovery = await api.WhoAmIAsync(NewAssertion(idp, "after"));

        Assert.Equal(HttpStatusCode.OK, cached.StatusCode);
        FaultScenario.AssertServiceUnavailable(refused);
        Assert.True(api.Logs.Count(TokenExchangeEvents.Unreachable) >= 1, "no exchange was refused");
        FaultScenario.AssertServiceUnavailable(open);
        Assert.InRange(open.RetryAfter!.Delta!.Value, TimeSpan.FromSeconds(1), BreakDuration);   // the time left of the break
        Assert.True(openElapsed < TimeSpan.FromSeconds(1), $"the open circuit answered after {openElapsed.TotalMilliseconds:F0} ms");
        Assert.Equal(HttpStatusCode.OK, cachedWhileDown.StatusCode);
        Assert.Contains(cachedSubject, cachedWhileDown.Body, StringComparison.Ordinal);
        Assert.Equal(1, tokenRequestsWhileDown);
        Assert.Equal(HttpStatusCode.OK, recovered.StatusCode);
        Assert.Equal(HttpStatusCode.OK, afterRecovery.StatusCode);
    }

    private static string NewAssertion(TestSaml2IdentityProvider idp, string prefix) =>
        idp.IssueAssertion(d => d.NameId = FaultScenario.NewSubject(prefix));

    /// <summary>New subjects until the token service reports the circuit open; that response and its duration.</summary>
    private static async Task<(ApiResponse Response, TimeSpan Elapsed)> UntilCircuitOpenAsync(FaultApiHost api, TestSaml2IdentityProvider idp)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var openBefore = api.Logs.Count(TokenExchangeEvents.CircuitOpen);
            var assertion = NewAssertion(idp, "down");
            var clock = Stopwatch.StartNew();
            var response = await api.WhoAmIAsync(assertion);
            var elapsed = clock.Elapsed;
            if (api.Logs.Count(TokenExchangeEvents.CircuitOpen) > openBefore)
            {
                return (response, elapsed);
            }

            FaultScenario.AssertServiceUnavailable(response);
            Assert.True(deadline.Elapsed < Deadline, "the circuit never opened");
        }
    }

    /// <summary>New subjects until one gets a 200, within <see cref="Deadline"/>; the API is never restarted.</summary>
    private static async Task<ApiResponse> UntilOkAsync(FaultApiHost api, TestSaml2IdentityProvider idp)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var response = await api.WhoAmIAsync(NewAssertion(idp, "recovering"));
            if (response.StatusCode == HttpStatusCode.OK || deadline.Elapsed > Deadline)
            {
                return response;
            }

            FaultScenario.AssertServiceUnavailable(response);
            await Task.Delay(TimeSpan.FromMilliseconds(200));
        }
    }
}
