using System.Net;
using System.Text.Json;
using AspNetCore.Saml2Bearer.Tests.Infrastructure;
using AspNetCore.Saml2Bearer.Tests.Logging;
using AspNetCore.Saml2Bearer.Tests.TokenExchange;
using AspNetCore.Saml2Bearer.TokenExchange;
using Microsoft.Extensions.Logging;

namespace AspNetCore.Saml2Bearer.Tests.Handler;

/// <summary>
/// What the caller gets and what the operator reads when the authorization server refuses or fails: the
/// real token service against a loopback authorization server, through the handler.
/// </summary>
public sealed class Saml2BearerHandlerExchangeFailureTests(ValidatorFixture fixture) : IClassFixture<ValidatorFixture>
{
    private const string Marker = "MARKER-5d20c1";

    [Theory]
    [InlineData(401, "invalid_client")]
    [InlineData(400, "unauthorized_client")]
    [InlineData(400, "invalid_scope")]
    [InlineData(400, "unsupported_grant_type")]
    [InlineData(400, "invalid_request")]
    public async Task Request_AuthorizationServerRefusesTheClient_Returns503WithRetryAfterNotInvalidToken(int statusCode, string error)
    {
        await using var server = await LoopbackAuthorizationServer.StartAsync(ErrorResponse(statusCode, error));
        await using var host = await StartAsync(server, o => o.DefaultRetryAfter = TimeSpan.FromSeconds(37));

        using var response = await host.GetAsync("/whoami", host.Assertion());

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(37), response.Headers.RetryAfter?.Delta);
        Assert.Empty(response.Headers.WwwAuthenticate);
        Assert.DoesNotContain(Marker, await Saml2BearerTestHost.DumpAsync(response), StringComparison.Ordinal);
        Assert.Single(server.TokenRequests);
    }

    [Theory]
    [InlineData("invalid_client")]
    [InlineData("unauthorized_client")]
    [InlineData("invalid_scope")]
    public async Task Request_AuthorizationServerRefusesTheClient_LoggedOnceAtErrorWithTheErrorCodeOnly(string error)
    {
        await using var server = await LoopbackAuthorizationServer.StartAsync(ErrorResponse(400, error));
        await using var host = await StartAsync(server);

        using var response = await host.GetAsync("/whoami", host.Assertion());

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var logged = Assert.Single(WarningsAndAbove(host.Logs));
        Assert.Equal(LogLevel.Error, logged.Level);
        Assert.Equal("ClientRejected", logged.EventId.Name);
        Assert.Equal(error, logged.State.Single(pair => pair.Key == "Error").Value);

        // The server's description may quote what it was sent: Debug only, never at Information or above.
        Assert.DoesNotContain(host.Logs.Entries, entry => entry.Level >= LogLevel.Information && entry.AllText.Contains(Marker, StringComparison.Ordinal));
        Assert.Contains(host.Logs.Entries, entry => entry.Level == LogLevel.Debug && entry.EventId.Name == "ErrorDescriptionReceived" && entry.Message.Contains(Marker, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Request_AuthorizationServerAnswers503_LoggedExactlyOnceAtWarning()
    {
        await using var server = await LoopbackAuthorizationServer.StartAsync(LoopbackAuthorizationServer.Respond(503, "down", "text/plain"));
        await using var host = await StartAsync(server);

        using var response = await host.GetAsync("/whoami", host.Assertion());

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var logged = Assert.Single(WarningsAndAbove(host.Logs));
        Assert.Equal(LogLevel.Warning, logged.Level);
        Assert.Equal("TokenEndpointFailed", logged.EventId.Name);

        // The handler still says what it answered, at Debug.
        Assert.Contains(host.Logs.Entries, entry => entry.EventId.Name == "AuthorizationServerUnavailable" && entry.Level == LogLevel.Debug);
    }

    [Fact]
    public async Task Request_AuthorizationServerSaysInvalidGrant_Returns401InvalidTokenWithoutWarnings()
    {
        await using var server = await LoopbackAuthorizationServer.StartAsync(ErrorResponse(400, "invalid_grant"));
        await using var host = await StartAsync(server);

        using var response = await host.GetAsync("/whoami", host.Assertion());

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.StartsWith("SAML error=\"invalid_token\"", Assert.Single(response.Headers.WwwAuthenticate).ToString(), StringComparison.Ordinal);
        Assert.Empty(WarningsAndAbove(host.Logs));
        Assert.Single(host.Logs.Entries, entry => entry.Level == LogLevel.Information && entry.EventId.Name == "GrantRejected");
    }

    [Fact]
    public async Task Request_CustomTokenServiceRefusesTheClient_HandlerLogsItOnceAtError()
    {
        // A token service of the application's own logs nothing: the handler does, once.
        await using var host = await Saml2BearerTestHost.StartAsync(fixture);
        host.TokenService.Enqueue(Saml2BearerTokenResult.Failure(Saml2BearerTokenResultStatus.ClientError, "invalid_client", "says " + Marker));

        using var response = await host.GetAsync("/whoami", host.Assertion());

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var logged = Assert.Single(WarningsAndAbove(host.Logs));
        Assert.Equal(LogLevel.Error, logged.Level);
        Assert.Equal("ExchangeClientRefused", logged.EventId.Name);
        Assert.Equal("invalid_client", logged.State.Single(pair => pair.Key == "Error").Value);
        Assert.DoesNotContain(Marker, host.Logs.AllText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Request_CustomTokenServiceUnavailable_HandlerLogsItOnceAtWarning()
    {
        await using var host = await Saml2BearerTestHost.StartAsync(fixture);
        host.TokenService.Enqueue(Saml2BearerTokenResult.Failure(Saml2BearerTokenResultStatus.ServiceUnavailable, "temporarily_unavailable"));

        using var response = await host.GetAsync("/whoami", host.Assertion());

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var logged = Assert.Single(WarningsAndAbove(host.Logs));
        Assert.Equal("AuthorizationServerUnavailable", logged.EventId.Name);
    }

    [Fact]
    public async Task Request_ConcurrentRequestsJoinOneFailedExchange_FailureLoggedOnce()
    {
        await using var host = await Saml2BearerTestHost.StartAsync(fixture);
        host.TokenService.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        host.TokenService.Enqueue(Saml2BearerTokenResult.Failure(Saml2BearerTokenResultStatus.ClientError, "invalid_client"));

        var leader = host.GetAsync("/whoami", host.Assertion());
        await host.TokenService.Entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var joiners = Enumerable.Range(0, 3).Select(_ => host.GetAsync("/whoami", host.Assertion())).ToList();

        // The joiners are past validation, and from there run straight to the shared exchange.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (host.Logs.Count(1002) < 4 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        await Task.Delay(200);
        host.TokenService.Gate.SetResult();
        var responses = await Task.WhenAll(joiners.Append(leader));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.ServiceUnavailable, r.StatusCode));
        foreach (var r in responses)
        {
            r.Dispose();
        }

        Assert.Equal(1, host.TokenService.Calls);
        Assert.Single(WarningsAndAbove(host.Logs));
    }

    [Theory]
    [InlineData(39.6, 40)]
    [InlineData(0.2, 1)]
    [InlineData(0, 1)]
    [InlineData(12, 12)]
    public async Task Request_TokenServiceUnavailable_RetryAfterRoundedUpToWholeSecondsAtLeastOne(double retryAfterSeconds, int expectedHeader)
    {
        await using var host = await Saml2BearerTestHost.StartAsync(fixture);
        host.TokenService.Enqueue(Saml2BearerTokenResult.Failure(
            Saml2BearerTokenResultStatus.ServiceUnavailable, "temporarily_unavailable", retryAfter: TimeSpan.FromSeconds(retryAfterSeconds)));

        using var response = await host.GetAsync("/whoami", host.Assertion());

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(expectedHeader.ToString(System.Globalization.CultureInfo.InvariantCulture), string.Join(",", response.Headers.GetValues("Retry-After")));
    }

    private static List<CapturedLogEntry> WarningsAndAbove(InMemoryLoggerProvider logs) =>
        logs.Entries.Where(entry => entry.Level >= LogLevel.Warning).ToList();

    private static Func<Microsoft.AspNetCore.Http.HttpContext, Task> ErrorResponse(int statusCode, string error) =>
        LoopbackAuthorizationServer.RespondJson(statusCode, JsonSerializer.Serialize(new { error, error_description = "the server says " + Marker }));

    private Task<Saml2BearerTestHost> StartAsync(LoopbackAuthorizationServer server, Action<Saml2BearerOptions>? configure = null) =>
        Saml2BearerTestHost.StartAsync(fixture, new Saml2BearerTestHostSettings
        {
            RegisterTokenService = false,
            Configure = o =>
            {
                o.TokenEndpoint = server.TokenEndpoint.AbsoluteUri;
                o.Assertion.ValidRecipients.Add(Saml2AssertionBuilder.DefaultRecipient);
                configure?.Invoke(o);
            },
        });
}
