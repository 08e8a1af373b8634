using System.Diagnostics;

namespace AspNetCore.Saml2Bearer.IntegrationTests.Faults;

/// <summary>
/// The failure table through the real handler, token service and resilience pipeline: each way an
/// authorization server can fail ends in 503 with Retry-After (never a 500), by the path the logs name.
/// A refused connection is covered end to end by
/// <c>ResourceApiEndToEndTests.Whoami_AuthorizationServerUnreachable_Returns503WithRetryAfter</c>, and
/// again by <see cref="CircuitRecoveryTests"/>.
/// </summary>
public sealed class AuthorizationServerFaultTests
{
    private static readonly TimeSpan BackchannelTimeout = TimeSpan.FromSeconds(1);

    public static TheoryData<TokenEndpointFault, int> Faults => new()
    {
        { TokenEndpointFault.Hang, TokenExchangeEvents.TimedOut },
        { TokenEndpointFault.InternalServerError, TokenExchangeEvents.TokenEndpointFailed },
        { TokenEndpointFault.ServiceUnavailable, TokenExchangeEvents.TokenEndpointFailed },
        { TokenEndpointFault.InvalidJson, TokenExchangeEvents.InvalidResponse },
        { TokenEndpointFault.TenMegabyteBody, TokenExchangeEvents.ResponseTooLarge },
        { TokenEndpointFault.JwtSignedByUnknownKey, TokenExchangeEvents.TokenValidationFailed },
    };

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task Whoami_AuthorizationServerFault_Returns503WithRetryAfterNever500(TokenEndpointFault fault, int expectedEvent)
    {
        await using var server = await FaultyAuthorizationServer.StartAsync();
        server.TokenFault = fault;
        using var idp = FaultScenario.CreateIdentityProvider();
        await using var api = await FaultApiHost.StartAsync(idp, options =>
        {
            if (fault == TokenEndpointFault.JwtSignedByUnknownKey)
            {
                // JWTs are validated against the JWKS only when the authority is known.
                options.Authority = server.Issuer;
            }
            else
            {
                options.TokenEndpoint = server.TokenEndpoint;
            }

            if (fault == TokenEndpointFault.Hang)
            {
                options.BackchannelTimeout = BackchannelTimeout;
            }
        });

        var response = await api.WhoAmIAsync(idp.IssueAssertion(d => d.NameId = FaultScenario.NewSubject("fault")));

        FaultScenario.AssertServiceUnavailable(response);
        Assert.Equal(1, server.TokenRequests);
        Assert.True(api.Logs.Count(expectedEvent) == 1, $"log event {expectedEvent} was not written once");
    }

    [Fact]
    public async Task Whoami_AuthorizationServerAnswers503WithRetryAfter_PassesItsRetryAfterOn()
    {
        await using var server = await FaultyAuthorizationServer.StartAsync();
        server.TokenFault = TokenEndpointFault.ServiceUnavailable;
        using var idp = FaultScenario.CreateIdentityProvider();
        await using var api = await FaultApiHost.StartAsync(idp, options => options.TokenEndpoint = server.TokenEndpoint);

        var response = await api.WhoAmIAsync(idp.IssueAssertion(d => d.NameId = FaultScenario.NewSubject("busy")));

        FaultScenario.AssertServiceUnavailable(response);
        Assert.Equal(TimeSpan.FromSeconds(7), response.RetryAfter!.Delta);
    }

    [Fact]
    public async Task Whoami_AuthorizationServerHangs_Answers503AfterTheBackchannelTimeoutNotBefore()
    {
        await using var server = await FaultyAuthorizationServer.StartAsync();
        server.TokenFault = TokenEndpointFault.Hang;
        using var idp = FaultScenario.CreateIdentityProvider();
        await using var api = await FaultApiHost.StartAsync(idp, options =>
        {
            options.TokenEndpoint = server.TokenEndpoint;
            options.BackchannelTimeout = BackchannelTimeout;
        });
        var assertion = idp.IssueAssertion(d => d.NameId = FaultScenario.NewSubject("hang"));

        var clock = Stopwatch.StartNew();
        var response = await api.WhoAmIAsync(assertion);
        var elapsed = clock.Elapsed;

        FaultScenario.AssertServiceUnavailable(response);
        Assert.True(elapsed >= BackchannelTimeout - TimeSpan.FromMilliseconds(50), $"answered after {elapsed.TotalMilliseconds:F0} ms, before the timeout");
        Assert.True(elapsed < BackchannelTimeout + TimeSpan.FromSeconds(5), $"answered after {elapsed.TotalMilliseconds:F0} ms");
    }

    [Fact]
    public async Task Whoami_AuthorizationServerFaultThenHealthy_NextRequestForTheSameSubjectSucceeds()
    {
        await using var server = await FaultyAuthorizationServer.StartAsync();
        server.TokenFault = TokenEndpointFault.InvalidJson;
        using var idp = FaultScenario.CreateIdentityProvider();
        await using var api = await FaultApiHost.StartAsync(idp, options => options.TokenEndpoint = server.TokenEndpoint);
        var subject = FaultScenario.NewSubject("retry");

        var failed = await api.WhoAmIAsync(idp.IssueAssertion(d => d.NameId = subject));
        server.TokenFault = TokenEndpointFault.None;
        var succeeded = await api.WhoAmIAsync(idp.IssueAssertion(d => d.NameId = subject));

        FaultScenario.AssertServiceUnavailable(failed);
        Assert.Equal(System.Net.HttpStatusCode.OK, succeeded.StatusCode);
        Assert.Contains(subject, succeeded.Body, StringComparison.Ordinal);
        Assert.Equal(2, server.TokenRequests);   // the failure was not cached
    }
}
