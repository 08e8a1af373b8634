using System.Net;
using AspNetCore.Saml2Bearer.Diagnostics;
using AspNetCore.Saml2Bearer.Tests.Infrastructure;
using AspNetCore.Saml2Bearer.TokenExchange;

namespace AspNetCore.Saml2Bearer.Tests.Diagnostics;

public sealed class Saml2BearerMetricsTests(ValidatorFixture fixture) : IClassFixture<ValidatorFixture>
{
    private const string Garbage = "!!not-base64!!";

    [Fact]
    public async Task Requests_ValidAndRejected_CountValidatedAndRejectedByReason()
    {
        await using var observed = await ObservedHost.StartAsync(fixture);
        var host = observed.Host;

        for (var i = 0; i < 3; i++)
        {
            using var ok = await host.GetAsync("/whoami", host.Assertion());
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        await SendRejectedAsync(host, host.Assertion(b => b.AudienceRestrictions[0][0] = "https://elsewhere.example.com"));
        await SendRejectedAsync(host, host.Assertion(b => b.AudienceRestrictions[0][0] = "https://elsewhere.example.com"));
        await SendRejectedAsync(host, Garbage);

        var metrics = observed.Metrics;
        Assert.Equal(3, metrics.Sum(Saml2BearerMetrics.AssertionsValidatedName, ("aspnetcore.authentication.scheme", observed.Scheme), ("saml2bearer.assertion.issuer", Saml2AssertionBuilder.DefaultIssuer), ("saml2bearer.assertion.fast_path", "False")));
        Assert.Equal(3, metrics.Sum(Saml2BearerMetrics.AssertionsRejectedName));
        Assert.Equal(2, metrics.Sum(Saml2BearerMetrics.AssertionsRejectedName, ("aspnetcore.authentication.scheme", observed.Scheme), ("error.type", "AudienceInvalid")));
        Assert.Equal(1, metrics.Sum(Saml2BearerMetrics.AssertionsRejectedName, ("aspnetcore.authentication.scheme", observed.Scheme), ("error.type", "InvalidEncoding")));
        Assert.Equal(1, host.TokenService.Calls);
    }

    [Fact]
    public async Task ValidationDuration_EachAssertion_RecordedOnceWithErrorTypeOnlyWhenRejected()
    {
        await using var observed = await ObservedHost.StartAsync(fixture);
        var host = observed.Host;
        var assertion = host.Assertion();

        (await host.GetAsync("/whoami", assertion)).Dispose();
        (await host.GetAsync("/whoami", assertion)).Dispose();
        await SendRejectedAsync(host, Garbage);

        var durations = observed.Metrics.Of(Saml2BearerMetrics.ValidationDurationName);
        Assert.Equal(3, durations.Count);
        Assert.Single(durations, d => d.Tag("error.type") is null && d.Tag("saml2bearer.assertion.fast_path") == "False");
        Assert.Single(durations, d => d.Tag("error.type") is null && d.Tag("saml2bearer.assertion.fast_path") == "True");
        Assert.Single(durations, d => d.Tag("error.type") == "InvalidEncoding");
        Assert.All(durations, d => Assert.True(d.Value >= 0));
        Assert.All(durations, d => Assert.Equal(observed.Scheme, d.Tag("aspnetcore.authentication.scheme")));
    }

    [Fact]
    public async Task TokenLookups_RepeatedAssertionAndSameSubject_CountedBySource()
    {
        await using var observed = await ObservedHost.StartAsync(fixture);
        var host = observed.Host;
        var first = host.Assertion();

        (await host.GetAsync("/whoami", first)).Dispose();   // exchanged
        (await host.GetAsync("/whoami", first)).Dispose();   // fast path, token from memory
        (await host.GetAsync("/whoami", host.Assertion())).Dispose();   // same subject, new bytes: memory
        (await host.GetAsync("/whoami", host.Assertion(b => b.NameId = "bob@example.com"))).Dispose();   // exchanged

        var metrics = observed.Metrics;
        Assert.Equal(2, metrics.Sum(Saml2BearerMetrics.TokenCacheLookupsName, ("aspnetcore.authentication.scheme", observed.Scheme), ("saml2bearer.token.source", "exchanged")));
        Assert.Equal(2, metrics.Sum(Saml2BearerMetrics.TokenCacheLookupsName, ("aspnetcore.authentication.scheme", observed.Scheme), ("saml2bearer.token.source", "memory")));
        Assert.Equal(4, metrics.Sum(Saml2BearerMetrics.TokenCacheLookupsName));
        Assert.Equal(1, metrics.Sum(Saml2BearerMetrics.AssertionsValidatedName, ("saml2bearer.assertion.fast_path", "True")));
        Assert.Equal(2, host.TokenService.Calls);
    }

    [Fact]
    public async Task TokenLookups_ConcurrentMissesForOneSubject_CountOneExchangedAndJoinedOthers()
    {
        await using var observed = await ObservedHost.StartAsync(fixture);
        var host = observed.Host;
        host.TokenService.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var leader = host.GetAsync("/whoami", host.Assertion());
        await host.TokenService.Entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var joiners = Enumerable.Range(0, 3).Select(_ => host.GetAsync("/whoami", host.Assertion())).ToList();

        // The joiners are past validation, and from there run straight to the shared exchange.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (observed.Metrics.Sum(Saml2BearerMetrics.AssertionsValidatedName) < 4 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        await Task.Delay(200);
        host.TokenService.Gate.SetResult();
        var responses = await Task.WhenAll(joiners.Append(leader));
        foreach (var response in responses)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            response.Dispose();
        }

        Assert.Equal(1, host.TokenService.Calls);
        Assert.Equal(1, observed.Metrics.Sum(Saml2BearerMetrics.TokenCacheLookupsName, ("saml2bearer.token.source", "exchanged")));
        Assert.Equal(3, observed.Metrics.Sum(Saml2BearerMetrics.TokenCacheLookupsName, ("saml2bearer.token.source", "joined_exchange")));
        Assert.Equal(1, observed.Metrics.Sum(Saml2BearerMetrics.ExchangesName, ("saml2bearer.exchange.outcome", "success")));
    }

    [Fact]
    public async Task Exchanges_EachOutcome_CountedByOutcomeWithDuration()
    {
        await using var observed = await ObservedHost.StartAsync(fixture);
        var host = observed.Host;
        host.TokenService.Enqueue(Saml2BearerTokenResult.Failure(Saml2BearerTokenResultStatus.InvalidGrant, "invalid_grant"));
        host.TokenService.Enqueue(Saml2BearerTokenResult.Failure(Saml2BearerTokenResultStatus.ClientError, "invalid_client"));
        host.TokenService.Enqueue(Saml2BearerTokenResult.Failure(Saml2BearerTokenResultStatus.ServiceUnavailable, "temporarily_unavailable"));

        using var refused = await host.GetAsync("/whoami", host.Assertion(b => b.NameId = "dave@example.com"));
        using var misconfigured = await host.GetAsync("/whoami", host.Assertion(b => b.NameId = "erin@example.com"));
        using var unavailable = await host.GetAsync("/whoami", host.Assertion(b => b.NameId = "frank@example.com"));
        using var issued = await host.GetAsync("/whoami", host.Assertion(b => b.NameId = "grace@example.com"));

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, misconfigured.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, unavailable.StatusCode);
        Assert.Equal(HttpStatusCode.OK, issued.StatusCode);
        var metrics = observed.Metrics;
        foreach (var outcome in new[] { "invalid_grant", "client_error", "service_unavailable", "success" })
        {
            Assert.Equal(1, metrics.Sum(Saml2BearerMetrics.ExchangesName, ("aspnetcore.authentication.scheme", observed.Scheme), ("saml2bearer.exchange.outcome", outcome)));
        }

        Assert.Equal(4, metrics.Sum(Saml2BearerMetrics.ExchangesName));
        Assert.Equal(1, metrics.Sum(Saml2BearerMetrics.ExchangesName, ("saml2bearer.exchange.outcome", "invalid_grant"), ("error.type", "invalid_grant")));
        Assert.Equal(1, metrics.Sum(Saml2BearerMetrics.ExchangesName, ("saml2bearer.exchange.outcome", "client_error"), ("error.type", "invalid_client")));
        Assert.Equal(1, metrics.Sum(Saml2BearerMetrics.ExchangesName, ("saml2bearer.exchange.outcome", "service_unavailable"), ("error.type", "temporarily_unavailable")));
        Assert.Null(Assert.Single(metrics.Of(Saml2BearerMetrics.ExchangesName), m => m.Tag("saml2bearer.exchange.outcome") == "success").Tag("error.type"));
        var durations = metrics.Of(Saml2BearerMetrics.ExchangeDurationName);
        Assert.Equal(4, durations.Count);

        // Only the success reaches OnTokenReceived, which moves the fake clock.
        Assert.Equal(ObservedHost.ExchangeTime.TotalSeconds, Assert.Single(durations, d => d.Tag("saml2bearer.exchange.outcome") == "success").Value);
        Assert.All(durations.Where(d => d.Tag("saml2bearer.exchange.outcome") != "success"), d => Assert.Equal(0, d.Value));
    }

    [Fact]
    public async Task Exchange_TokenServiceThrows_CountedAsServiceUnavailable()
    {
        await using var observed = await ObservedHost.StartAsync(fixture);
        var host = observed.Host;
        host.TokenService.EnqueueThrow(new InvalidOperationException("boom"));

        using var response = await host.GetAsync("/whoami", host.Assertion());

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(1, observed.Metrics.Sum(Saml2BearerMetrics.ExchangesName, ("saml2bearer.exchange.outcome", "service_unavailable"), ("error.type", "unexpected_error")));
        Assert.Single(observed.Metrics.Of(Saml2BearerMetrics.ExchangeDurationName));
    }

    [Fact]
    public async Task Exchanges_UnknownErrorCode_ErrorTypeIsOther()
    {
        // An authorization server's vendor codes are unbounded: they must not become metric series.
        await using var observed = await ObservedHost.StartAsync(fixture);
        observed.Host.TokenService.Enqueue(Saml2BearerTokenResult.Failure(Saml2BearerTokenResultStatus.ServiceUnavailable, "vendor_code_8f2a"));

        (await observed.Host.GetAsync("/whoami", observed.Host.Assertion())).Dispose();

        var exchange = Assert.Single(observed.Metrics.Of(Saml2BearerMetrics.ExchangesName));
        Assert.Equal("_OTHER", exchange.Tag("error.type"));
        Assert.DoesNotContain(observed.Metrics.Measurements, m => m.Tags.Values.Contains("vendor_code_8f2a"));
    }

    [Theory]
    [InlineData("invalid_grant", "invalid_grant")]
    [InlineData("invalid_client", "invalid_client")]
    [InlineData("invalid_scope", "invalid_scope")]
    [InlineData("invalid_request", "invalid_request")]
    [InlineData("invalid_target", "invalid_target")]
    [InlineData("temporarily_unavailable", "temporarily_unavailable")]
    [InlineData("Invalid_Grant", "_OTHER")]
    [InlineData("vendor_code_8f2a", "_OTHER")]
    [InlineData(null, "_OTHER")]
    public void ExchangeErrorType_KnownCodesKeptOthersFolded(string? error, string expected)
    {
        Assert.Equal(expected, Saml2BearerTelemetryAttributes.ExchangeErrorType(error));
    }

    private static async Task SendRejectedAsync(Saml2BearerTestHost host, string assertion)
    {
        using var response = await host.GetAsync("/whoami", assertion);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
