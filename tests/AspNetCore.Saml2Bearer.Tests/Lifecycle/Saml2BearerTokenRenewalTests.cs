using System.Net;
using AspNetCore.Saml2Bearer.Testing;
using AspNetCore.Saml2Bearer.Tests.Infrastructure;
using AspNetCore.Saml2Bearer.TokenExchange;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;

namespace AspNetCore.Saml2Bearer.Tests.Lifecycle;

/// <summary>
/// Renewal by refresh token through the handler: a token the server issued with a refresh token is renewed
/// with it (not by exchanging the assertion again) while the request's assertion is valid, never past its
/// SessionNotOnOrAfter, with rotation, and one exchange when the refresh is refused.
/// </summary>
public sealed class Saml2BearerTokenRenewalTests(ValidatorFixture fixture) : IClassFixture<ValidatorFixture>
{
    private static readonly TimeSpan TokenLifetime = TimeSpan.FromMinutes(10);

    [Fact]
    public async Task Request_CachedTokenExpired_RenewedWithItsRefreshTokenNotTheAssertion()
    {
        await using var host = await StartAsync();
        var assertion = LongLivedAssertion(host);
        var first = await TokenAsync(host, assertion);
        host.Time.Advance(TokenLifetime);

        var renewed = await TokenAsync(host, assertion);

        Assert.Equal(RecordingTokenService.AccessTokenPrefix + "1", first);
        Assert.Equal(RecordingTokenService.AccessTokenPrefix + "refreshed-1", renewed);
        Assert.Equal(1, host.TokenService.Calls);
        Assert.Equal("rt-1", Assert.Single(host.TokenService.RefreshRequests).RefreshToken);
    }

    [Fact]
    public async Task Request_CachedTokenWithinTheMargin_RenewedBeforeItExpires()
    {
        await using var host = await StartAsync();
        var assertion = LongLivedAssertion(host);
        await TokenAsync(host, assertion);
        host.Time.Advance(TokenLifetime - TimeSpan.FromSeconds(30));

        var renewed = await TokenAsync(host, assertion);

        Assert.Equal(RecordingTokenService.AccessTokenPrefix + "refreshed-1", renewed);
        Assert.Equal(1, host.TokenService.RefreshCalls);
    }

    [Fact]
    public async Task Request_TokenStillUsable_NoRefresh()
    {
        await using var host = await StartAsync();
        var assertion = LongLivedAssertion(host);
        await TokenAsync(host, assertion);
        host.Time.Advance(TimeSpan.FromMinutes(5));

        await TokenAsync(host, assertion);

        Assert.Equal(0, host.TokenService.RefreshCalls);
        Assert.Equal(1, host.TokenService.Calls);
    }

    [Fact]
    public async Task Request_ServerRotatesTheRefreshToken_NextRenewalPresentsTheNewOne()
    {
        await using var host = await StartAsync();
        var assertion = LongLivedAssertion(host);
        await TokenAsync(host, assertion);
        host.Time.Advance(TokenLifetime);
        await TokenAsync(host, assertion);
        host.Time.Advance(TokenLifetime);

        var renewed = await TokenAsync(host, assertion);

        Assert.Equal(RecordingTokenService.AccessTokenPrefix + "refreshed-2", renewed);
        Assert.Equal(["rt-1", "rt-rotated-1"], host.TokenService.RefreshRequests.Select(r => r.RefreshToken));
        Assert.Equal(1, host.TokenService.Calls);
    }

    [Fact]
    public async Task Request_ServerKeepsTheRefreshToken_NextRenewalPresentsTheSameOne()
    {
        await using var host = await StartAsync();
        host.TokenService.RotateRefreshTokens = false;
        var assertion = LongLivedAssertion(host);
        await TokenAsync(host, assertion);
        host.Time.Advance(TokenLifetime);
        await TokenAsync(host, assertion);
        host.Time.Advance(TokenLifetime);

        await TokenAsync(host, assertion);

        Assert.Equal(["rt-1", "rt-1"], host.TokenService.RefreshRequests.Select(r => r.RefreshToken));
        Assert.Equal(1, host.TokenService.Calls);
    }

    [Fact]
    public async Task Request_RefreshRefusedWithInvalidGrant_ExactlyOneExchangeOfTheRequestsAssertion()
    {
        await using var host = await StartAsync();
        var assertion = LongLivedAssertion(host);
        await TokenAsync(host, assertion);
        host.Time.Advance(TokenLifetime);
        host.TokenService.EnqueueRefresh(Saml2BearerTokenResult.Failure(Saml2BearerTokenResultStatus.InvalidGrant, "invalid_grant"));

        var token = await TokenAsync(host, assertion);

        Assert.Equal(RecordingTokenService.AccessTokenPrefix + "2", token);
        Assert.Equal(2, host.TokenService.Calls);
        Assert.Equal(1, host.TokenService.RefreshCalls);
        Assert.Equal(host.TokenService.Requests.First().Assertion.ToArray(), host.TokenService.Requests.Last().Assertion.ToArray());
    }

    [Fact]
    public async Task Request_RefreshRefused_TheExchangesRefreshTokenRenewsNext()
    {
        await using var host = await StartAsync();
        var assertion = LongLivedAssertion(host);
        await TokenAsync(host, assertion);
        host.Time.Advance(TokenLifetime);
        host.TokenService.EnqueueRefresh(Saml2BearerTokenResult.Failure(Saml2BearerTokenResultStatus.InvalidGrant, "invalid_grant"));
        await TokenAsync(host, assertion);
        host.Time.Advance(TokenLifetime);

        await TokenAsync(host, assertion);

        Assert.Equal(["rt-1", "rt-2"], host.TokenService.RefreshRequests.Select(r => r.RefreshToken));
        Assert.Equal(2, host.TokenService.Calls);
    }

    [Fact]
    public async Task Request_TokenServiceCannotRefresh_OneExchangeInstead()
    {
        await using var host = await StartAsync();
        var assertion = LongLivedAssertion(host);
        await TokenAsync(host, assertion);
        host.Time.Advance(TokenLifetime);
        host.TokenService.EnqueueRefreshThrow(new NotSupportedException("no refresh here"));

        var token = await TokenAsync(host, assertion);

        Assert.Equal(RecordingTokenService.AccessTokenPrefix + "2", token);
        Assert.Equal(2, host.TokenService.Calls);
    }

    [Fact]
    public async Task Request_RefreshFailsTemporarily_Returns503WithoutAnExchange()
    {
        await using var host = await StartAsync();
        var assertion = LongLivedAssertion(host);
        await TokenAsync(host, assertion);
        host.Time.Advance(TokenLifetime);
        host.TokenService.EnqueueRefresh(Saml2BearerTokenResult.Failure(Saml2BearerTokenResultStatus.ServiceUnavailable, "temporarily_unavailable", retryAfter: TimeSpan.FromSeconds(7)));

        using var response = await host.GetAsync("/token", assertion);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(7), response.Headers.RetryAfter?.Delta);
        Assert.Equal(1, host.TokenService.Calls);
    }

    [Fact]
    public async Task Request_RefreshAfterSessionEnd_NoRefreshTheAssertionIsExchanged()
    {
        // SECURITY-CASES row 81: the cached token expired after the assertion's SessionNotOnOrAfter.
        await using var host = await StartAsync();
        var sessionEnd = host.Time.GetUtcNow() + TokenLifetime + TimeSpan.FromMinutes(5);
        var assertion = LongLivedAssertion(host, b => b.SessionNotOnOrAfter = sessionEnd);
        await TokenAsync(host, assertion);
        host.Time.Advance(TokenLifetime);
        var beforeSessionEnd = await TokenAsync(host, assertion);
        host.Time.Advance(TokenLifetime);

        var afterSessionEnd = await TokenAsync(host, assertion);

        Assert.Equal(RecordingTokenService.AccessTokenPrefix + "refreshed-1", beforeSessionEnd);
        Assert.Equal(RecordingTokenService.AccessTokenPrefix + "2", afterSessionEnd);
        Assert.Equal(1, host.TokenService.RefreshCalls);
        Assert.Equal(2, host.TokenService.Calls);
    }

    [Fact]
    public async Task Request_RefreshAfterSessionEnd_RefreshTokenIsDroppedNotKeptForLater()
    {
        await using var host = await StartAsync();
        host.TokenService.RefreshTokenPrefix = null;
        host.TokenService.Enqueue(RecordingTokenService.Success("at-first", TokenLifetime, refreshToken: "rt-session"));
        var sessionEnd = host.Time.GetUtcNow() + TimeSpan.FromMinutes(5);
        await TokenAsync(host, LongLivedAssertion(host, b => b.SessionNotOnOrAfter = sessionEnd));
        host.Time.Advance(TokenLifetime);
        await TokenAsync(host, LongLivedAssertion(host, b => b.SessionNotOnOrAfter = sessionEnd));
        host.Time.Advance(TokenLifetime);

        // A later assertion of the same subject with a new session: the dropped refresh token is not presented.
        await TokenAsync(host, LongLivedAssertion(host));

        Assert.Equal(0, host.TokenService.RefreshCalls);
        Assert.Equal(3, host.TokenService.Calls);
    }

    [Fact]
    public async Task Request_RefreshWithInvalidAssertion_RejectedWithoutARefreshRequest()
    {
        // SECURITY-CASES row 82: a cached refresh token, and the request's assertion is invalid.
        await using var host = await StartAsync();
        await TokenAsync(host, LongLivedAssertion(host));
        host.Time.Advance(TokenLifetime);
        var forged = host.Assertion(b => b.NotOnOrAfter = b.SubjectConfirmationNotOnOrAfter = host.Time.GetUtcNow() + TimeSpan.FromMinutes(30), fixture.AttackerKey);

        using var response = await host.GetAsync("/token", forged);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("invalid_token", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        Assert.Equal(0, host.TokenService.RefreshCalls);
        Assert.Equal(1, host.TokenService.Calls);
    }

    [Fact]
    public async Task Request_RefreshWithInvalidAssertion_ExpiredAssertion_RejectedWithoutARefreshRequest()
    {
        await using var host = await StartAsync();
        var shortLived = host.Assertion(b => b.NotOnOrAfter = b.SubjectConfirmationNotOnOrAfter = host.Time.GetUtcNow() + TimeSpan.FromMinutes(2));
        await TokenAsync(host, shortLived);
        host.Time.Advance(TokenLifetime);

        using var response = await host.GetAsync("/token", shortLived);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(0, host.TokenService.RefreshCalls);
    }

    [Fact]
    public async Task Request_ConcurrentRequestsAfterExpiry_OneRefresh()
    {
        await using var host = await StartAsync();
        var assertion = LongLivedAssertion(host);
        await TokenAsync(host, assertion);
        host.Time.Advance(TokenLifetime);

        var tokens = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => TokenAsync(host, assertion)));

        Assert.All(tokens, t => Assert.Equal(RecordingTokenService.AccessTokenPrefix + "refreshed-1", t));
        Assert.Equal(1, host.TokenService.RefreshCalls);
        Assert.Equal(1, host.TokenService.Calls);
    }

    [Fact]
    public async Task Request_NoRefreshTokenIssued_ExpiredTokenIsExchangedAgain()
    {
        await using var host = await StartAsync();
        host.TokenService.RefreshTokenPrefix = null;
        var assertion = LongLivedAssertion(host);
        await TokenAsync(host, assertion);
        host.Time.Advance(TokenLifetime);

        await TokenAsync(host, assertion);

        Assert.Equal(0, host.TokenService.RefreshCalls);
        Assert.Equal(2, host.TokenService.Calls);
    }

    [Fact]
    public async Task Request_OnTokenReceivedReplacesTheRenewedResponse_ReplacementIsUsed()
    {
        var received = 0;
        await using var host = await StartAsync(o => o.Events.OnTokenReceived = context =>
        {
            if (Interlocked.Increment(ref received) == 2)
            {
                context.TokenResponse = new Saml2BearerTokenResponse { AccessToken = "vetted-renewal", TokenType = "Bearer", ExpiresIn = TokenLifetime };
            }

            return Task.CompletedTask;
        });
        var assertion = LongLivedAssertion(host);
        await TokenAsync(host, assertion);
        host.Time.Advance(TokenLifetime);

        var renewed = await TokenAsync(host, assertion);

        Assert.Equal("vetted-renewal", renewed);
        Assert.Equal(2, received);
    }

    [Fact]
    public async Task Request_Renewal_RefreshTokenNeverLogged()
    {
        await using var host = await StartAsync();
        var assertion = LongLivedAssertion(host);
        await TokenAsync(host, assertion);
        host.Time.Advance(TokenLifetime);
        await TokenAsync(host, assertion);

        Assert.Contains(host.Logs.Entries, e => e.EventId.Name == "TokenRenewed");
        Assert.DoesNotContain("rt-1", host.Logs.AllText, StringComparison.Ordinal);
        Assert.DoesNotContain("rt-rotated-1", host.Logs.AllText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Request_TwoInstancesShareADistributedCache_RenewalPresentsTheRefreshTokenTheOtherRotated()
    {
        var shared = new Caching.FakeDistributedCache();
        var dataProtection = new EphemeralDataProtectionProvider();
        await using var instanceA = await StartAsync(services: s => ShareCache(s, shared, dataProtection));
        await using var instanceB = await StartAsync(services: s => ShareCache(s, shared, dataProtection));
        var assertion = LongLivedAssertion(instanceA);
        await TokenAsync(instanceA, assertion);
        await TokenAsync(instanceB, assertion);
        Advance(TokenLifetime, instanceA, instanceB);
        await TokenAsync(instanceA, assertion);
        Advance(TokenLifetime, instanceA, instanceB);

        var onB = await TokenAsync(instanceB, assertion);

        Assert.Equal(RecordingTokenService.AccessTokenPrefix + "refreshed-1", onB);
        Assert.Equal(0, instanceB.TokenService.Calls);
        Assert.Equal("rt-rotated-1", Assert.Single(instanceB.TokenService.RefreshRequests).RefreshToken);
    }

    [Fact]
    public async Task Request_TokenServiceThrows_UnexpectedFailureLoggedAndAuthenticationFailedRaised()
    {
        Exception? failure = null;
        await using var host = await StartAsync(o => o.Events.OnAuthenticationFailed = context =>
        {
            failure = context.Failure;
            return Task.CompletedTask;
        });
        host.TokenService.EnqueueThrow(new InvalidOperationException("boom 5d2e"));

        using var response = await host.GetAsync("/token", LongLivedAssertion(host));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter);
        var logged = Assert.Single(host.Logs.Entries, e => e.EventId.Name == "UnexpectedFailure");
        Assert.Equal(1020, logged.EventId.Id);
        Assert.Contains("InvalidOperationException", logged.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("boom 5d2e", host.Logs.AllText, StringComparison.Ordinal);
        Assert.DoesNotContain(host.Logs.Entries, e => e.EventId.Name == "AuthorizationServerUnavailable" && e.Level >= Microsoft.Extensions.Logging.LogLevel.Warning);
        Assert.Equal(Saml2BearerFailureKind.ServiceUnavailable, Assert.IsType<Saml2BearerAuthenticationException>(failure).Kind);
    }

    private static void ShareCache(IServiceCollection services, IDistributedCache cache, IDataProtectionProvider dataProtection)
    {
        services.AddSingleton(cache);
        services.AddSingleton(dataProtection);
    }

    private static void Advance(TimeSpan by, params Saml2BearerTestHost[] hosts)
    {
        foreach (var host in hosts)
        {
            host.Time.Advance(by);
        }
    }

    private async Task<Saml2BearerTestHost> StartAsync(Action<Saml2BearerOptions>? configure = null, Action<IServiceCollection>? services = null)
    {
        var host = await Saml2BearerTestHost.StartAsync(fixture, new Saml2BearerTestHostSettings
        {
            Configure = o =>
            {
                o.Scope = "orders.read offline_access";
                configure?.Invoke(o);
            },
            Services = services,
        });
        host.TokenService.ExpiresIn = TokenLifetime;
        host.TokenService.RefreshTokenPrefix = "rt-";
        return host;
    }

    /// <summary>An assertion valid for the whole test (half an hour), reused as a legacy caller would.</summary>
    private static string LongLivedAssertion(Saml2BearerTestHost host, Action<Saml2AssertionBuilder>? configure = null) =>
        host.Assertion(b =>
        {
            b.NotOnOrAfter = b.SubjectConfirmationNotOnOrAfter = host.Time.GetUtcNow() + TimeSpan.FromMinutes(30);
            configure?.Invoke(b);
        });

    private static async Task<string> TokenAsync(Saml2BearerTestHost host, string assertion)
    {
        using var response = await host.GetAsync("/token", assertion);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode}: {response.Headers.WwwAuthenticate}");
        return await response.Content.ReadAsStringAsync();
    }
}
