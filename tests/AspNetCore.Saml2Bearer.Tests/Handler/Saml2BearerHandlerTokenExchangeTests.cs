using System.Buffers.Text;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using AspNetCore.Saml2Bearer.Tests.Infrastructure;
using AspNetCore.Saml2Bearer.Tests.Logging;
using AspNetCore.Saml2Bearer.Tests.TokenExchange;
using AspNetCore.Saml2Bearer.TokenExchange;
using Microsoft.Extensions.Logging;

namespace AspNetCore.Saml2Bearer.Tests.Handler;

/// <summary>
/// <see cref="Saml2BearerTokenExchangeProtocol.Rfc8693"/> through the real handler and token service against the
/// loopback authorization server: the exact RFC 8693 request on the wire, and what each answer becomes.
/// </summary>
public sealed class Saml2BearerHandlerTokenExchangeTests(ValidatorFixture fixture) : IClassFixture<ValidatorFixture>
{
    private const string AccessTokenType = "urn:ietf:params:oauth:token-type:access_token";
    private const string Audience = "https://orders-api.example.com";
    private const string Resource = "https://orders.example.com/v2/";
    private const string Marker = "MARKER-8693-b41e";

    [Fact]
    public async Task Request_Rfc8693_PostsTheExactTokenExchangeRequest()
    {
        await using var server = await LoopbackAuthorizationServer.StartAsync(TokenResponse(AccessTokenType));
        await using var host = await StartAsync(server);
        var assertion = host.Assertion();

        using var response = await host.GetAsync("/whoami", assertion);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var request = Assert.Single(server.TokenRequests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/token", request.Path);
        Assert.StartsWith("application/x-www-form-urlencoded", request.ContentType, StringComparison.Ordinal);
        Assert.Contains("application/json", request.Accept, StringComparison.Ordinal);

        // Every field, and nothing else: no RFC 7522 assertion, no client credentials in the body.
        Assert.Equal(
            ["audience", "grant_type", "requested_token_type", "resource", "scope", "subject_token", "subject_token_type"],
            request.Form.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("urn:ietf:params:oauth:grant-type:token-exchange", request.Field("grant_type"));
        Assert.Equal("urn:ietf:params:oauth:token-type:saml2", request.Field("subject_token_type"));
        Assert.Equal(AccessTokenType, request.Field("requested_token_type"));
        Assert.Equal(Audience, request.Field("audience"));
        Assert.Equal(Resource, request.Field("resource"));
        Assert.Equal("orders.read", request.Field("scope"));

        // The subject token is the assertion's XML, base64url without padding, and form-safe as is.
        var subjectToken = request.Field("subject_token")!;
        Assert.Equal(Convert.FromBase64String(assertion), Base64Url.DecodeFromChars(subjectToken));
        Assert.DoesNotContain('=', subjectToken);
        Assert.DoesNotContain('+', subjectToken);
        Assert.DoesNotContain('/', subjectToken);
        Assert.Contains("subject_token=" + subjectToken, request.RawBody, StringComparison.Ordinal);
        Assert.Contains("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange", request.RawBody, StringComparison.Ordinal);

        // Client authentication as for RFC 7522: client_secret_basic by default.
        var authorization = AuthenticationHeaderValue.Parse(request.Authorization!);
        Assert.Equal("Basic", authorization.Scheme);
        Assert.Equal(
            Uri.EscapeDataString(Saml2BearerTestHost.ClientId) + ":" + Uri.EscapeDataString(Saml2BearerTestHost.ClientSecret),
            Encoding.UTF8.GetString(Convert.FromBase64String(authorization.Parameter!)));
    }

    [Fact]
    public async Task Request_Rfc8693WithClientSecretPost_SendsTheCredentialsInTheBodyBesideTheSubjectToken()
    {
        await using var server = await LoopbackAuthorizationServer.StartAsync(TokenResponse(AccessTokenType));
        await using var host = await StartAsync(server, o => o.ClientAuthenticationMethod = Saml2BearerClientAuthenticationMethod.ClientSecretPost);

        using var response = await host.GetAsync("/whoami", host.Assertion());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var request = Assert.Single(server.TokenRequests);
        Assert.Null(request.Authorization);
        Assert.Equal(Saml2BearerTestHost.ClientId, request.Field("client_id"));
        Assert.Equal(Saml2BearerTestHost.ClientSecret, request.Field("client_secret"));
        Assert.Equal("urn:ietf:params:oauth:grant-type:token-exchange", request.Field("grant_type"));
        Assert.NotNull(request.Field("subject_token"));
        Assert.False(request.Form.ContainsKey("assertion"));
    }

    [Fact]
    public async Task Request_Rfc8693Saml11Assertion_SubjectTokenTypeIsSaml1AndGrantIsTokenExchange()
    {
        await using var server = await LoopbackAuthorizationServer.StartAsync(TokenResponse(AccessTokenType));
        await using var host = await StartAsync(server, o => o.Assertion.AllowSaml11 = true);
        var builder = new Saml11AssertionBuilder(host.Time.GetUtcNow());
        var assertion = builder.BuildEncoded(host.Fixture.IdpKey);

        using var response = await host.GetAsync("/whoami", assertion);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var request = Assert.Single(server.TokenRequests);
        Assert.Equal("urn:ietf:params:oauth:grant-type:token-exchange", request.Field("grant_type"));
        Assert.Equal("urn:ietf:params:oauth:token-type:saml1", request.Field("subject_token_type"));
        Assert.Equal(Convert.FromBase64String(assertion), Base64Url.DecodeFromChars(request.Field("subject_token")!));
        Assert.False(request.Form.ContainsKey("assertion"));
    }

    [Fact]
    public async Task Request_Rfc8693AccessTokenIssued_AuthenticatesWithTheIssuedToken()
    {
        await using var server = await LoopbackAuthorizationServer.StartAsync(TokenResponse(AccessTokenType));
        await using var host = await StartAsync(server);
        var assertion = host.Assertion();

        using var first = await host.GetAsync("/token", assertion);
        using var second = await host.GetAsync("/token", assertion);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(LoopbackAuthorizationServer.DefaultAccessToken, await first.Content.ReadAsStringAsync());
        Assert.Equal(LoopbackAuthorizationServer.DefaultAccessToken, await second.Content.ReadAsStringAsync());
        Assert.Single(server.TokenRequests); // cached like any other token
        Assert.Contains(host.Logs.Entries, entry => entry.EventId.Name == "TokenIssued");
    }

    [Theory]
    [InlineData(null, "issued_token_type is missing")]
    [InlineData("urn:ietf:params:oauth:token-type:jwt", "is not the access_token type")]
    [InlineData("urn:ietf:params:oauth:token-type:saml2", "is not the access_token type")]
    [InlineData("urn:ietf:params:oauth:token-type:refresh_token", "is not the access_token type")]
    public async Task Request_Rfc8693IssuedTokenTypeMissingOrNotAnAccessToken_Returns503NeverSuccess(string? issuedTokenType, string expectedReason)
    {
        await using var server = await LoopbackAuthorizationServer.StartAsync(TokenResponse(issuedTokenType));
        await using var host = await StartAsync(server, o => o.DefaultRetryAfter = TimeSpan.FromSeconds(23));
        var assertion = host.Assertion();

        using var response = await host.GetAsync("/whoami", assertion);
        using var again = await host.GetAsync("/whoami", assertion);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(23), response.Headers.RetryAfter?.Delta);
        Assert.Empty(response.Headers.WwwAuthenticate);
        Assert.DoesNotContain(LoopbackAuthorizationServer.DefaultAccessToken, await Saml2BearerTestHost.DumpAsync(response), StringComparison.Ordinal);

        // Nothing cached: the repeat asks the server again, and is refused again.
        Assert.Equal(HttpStatusCode.ServiceUnavailable, again.StatusCode);
        Assert.Equal(2, server.TokenRequests.Count);

        var logged = Assert.Single(WarningsAndAbove(host.Logs).Where(entry => entry.EventId.Name != "AuthorizationServerUnavailable").DistinctBy(entry => entry.EventId.Name));
        Assert.Equal("InvalidTokenResponse", logged.EventId.Name);
        Assert.Contains(expectedReason, logged.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(host.Logs.Entries, entry => entry.EventId.Name == "TokenIssued");
        Assert.DoesNotContain(LoopbackAuthorizationServer.DefaultAccessToken, host.Logs.AllText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Request_Rfc8693TokenTypeNotApplicable_Returns503()
    {
        await using var server = await LoopbackAuthorizationServer.StartAsync(LoopbackAuthorizationServer.RespondJson(200,
            $$"""{"access_token":"{{LoopbackAuthorizationServer.DefaultAccessToken}}","issued_token_type":"{{AccessTokenType}}","token_type":"N_A","expires_in":3600}"""));
        await using var host = await StartAsync(server);

        using var response = await host.GetAsync("/whoami", host.Assertion());

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains(host.Logs.Entries, entry => entry.EventId.Name == "InvalidTokenResponse" && entry.Message.Contains("token_type is N_A", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Request_Rfc8693InvalidGrant_Returns401InvalidToken()
    {
        await using var server = await LoopbackAuthorizationServer.StartAsync(ErrorResponse(400, "invalid_grant"));
        await using var host = await StartAsync(server);

        using var response = await host.GetAsync("/whoami", host.Assertion());

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.StartsWith("SAML error=\"invalid_token\"", Assert.Single(response.Headers.WwwAuthenticate).ToString(), StringComparison.Ordinal);
        Assert.Single(server.TokenRequests);
        Assert.Single(host.Logs.Entries, entry => entry.EventId.Name == "GrantRejected");
        Assert.Empty(WarningsAndAbove(host.Logs));
    }

    [Theory]
    [InlineData(400, "invalid_target")]
    [InlineData(400, "invalid_request")]
    [InlineData(401, "invalid_client")]
    public async Task Request_Rfc8693TargetOrRequestRefused_Returns503AsAConfigurationFault(int statusCode, string error)
    {
        await using var server = await LoopbackAuthorizationServer.StartAsync(ErrorResponse(statusCode, error));
        await using var host = await StartAsync(server, o => o.DefaultRetryAfter = TimeSpan.FromSeconds(41));

        using var response = await host.GetAsync("/whoami", host.Assertion());

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(41), response.Headers.RetryAfter?.Delta);
        Assert.Empty(response.Headers.WwwAuthenticate);
        Assert.DoesNotContain(Marker, await Saml2BearerTestHost.DumpAsync(response), StringComparison.Ordinal);
        var logged = Assert.Single(WarningsAndAbove(host.Logs));
        Assert.Equal(LogLevel.Error, logged.Level);
        Assert.Equal("ClientRejected", logged.EventId.Name);
        Assert.Equal(error, logged.State.Single(pair => pair.Key == "Error").Value);
    }

    [Fact]
    public async Task Startup_Rfc8693WithBase64AssertionEncoding_FailsNamingAssertionEncoding()
    {
        await using var host = Saml2BearerTestHost.Create(fixture, new Saml2BearerTestHostSettings
        {
            Configure = o =>
            {
                o.TokenExchangeProtocol = Saml2BearerTokenExchangeProtocol.Rfc8693;
                o.AssertionEncoding = Saml2BearerAssertionEncoding.Base64;
            },
        });

        var exception = await Assert.ThrowsAnyAsync<Exception>(host.StartAsync);

        var message = string.Join(" | ", Messages(exception));
        Assert.Contains("misconfigured", message, StringComparison.Ordinal);
        Assert.Contains(nameof(Saml2BearerOptions.AssertionEncoding), message, StringComparison.Ordinal);
        Assert.Contains(nameof(Saml2BearerOptions.TokenExchangeProtocol), message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Configuration_TokenExchangeProtocol_IsBoundAndUsed()
    {
        await using var server = await LoopbackAuthorizationServer.StartAsync(TokenResponse(AccessTokenType));
        await using var host = await Saml2BearerTestHost.StartAsync(fixture, new Saml2BearerTestHostSettings
        {
            RegisterTokenService = false,
            Configuration = new Dictionary<string, string?> { ["Authentication:Schemes:Saml2Bearer:TokenExchangeProtocol"] = "rfc8693" },
            Configure = o =>
            {
                o.TokenEndpoint = server.TokenEndpoint.AbsoluteUri;
                o.Assertion.ValidRecipients.Add(Saml2AssertionBuilder.DefaultRecipient);
            },
        });

        using var response = await host.GetAsync("/whoami", host.Assertion());

        Assert.Equal(Saml2BearerTokenExchangeProtocol.Rfc8693, host.Options().TokenExchangeProtocol);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("urn:ietf:params:oauth:grant-type:token-exchange", Assert.Single(server.TokenRequests).Field("grant_type"));
    }

    [Theory]
    [InlineData("Rfc9999")]
    [InlineData("1")]
    [InlineData("token-exchange")]
    public async Task Configuration_TokenExchangeProtocolNotAProtocol_FailsStartupNamingTheKey(string value)
    {
        await using var host = Saml2BearerTestHost.Create(fixture, new Saml2BearerTestHostSettings
        {
            Configuration = new Dictionary<string, string?> { ["Authentication:Schemes:Saml2Bearer:TokenExchangeProtocol"] = value },
        });

        var exception = await Assert.ThrowsAnyAsync<Exception>(host.StartAsync);

        var message = string.Join(" | ", Messages(exception));
        Assert.Contains("TokenExchangeProtocol", message, StringComparison.Ordinal);
        Assert.Contains("Rfc7522, Rfc8693", message, StringComparison.Ordinal);
    }

    private static IEnumerable<string> Messages(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            yield return e.Message;
        }
    }

    private static List<CapturedLogEntry> WarningsAndAbove(InMemoryLoggerProvider logs) =>
        logs.Entries.Where(entry => entry.Level >= LogLevel.Warning).ToList();

    private static Func<Microsoft.AspNetCore.Http.HttpContext, Task> TokenResponse(string? issuedTokenType) =>
        LoopbackAuthorizationServer.RespondJson(200, issuedTokenType is null
            ? $$"""{"access_token":"{{LoopbackAuthorizationServer.DefaultAccessToken}}","token_type":"Bearer","expires_in":3600}"""
            : $$"""{"access_token":"{{LoopbackAuthorizationServer.DefaultAccessToken}}","issued_token_type":"{{issuedTokenType}}","token_type":"Bearer","expires_in":3600}""");

    private static Func<Microsoft.AspNetCore.Http.HttpContext, Task> ErrorResponse(int statusCode, string error) =>
        LoopbackAuthorizationServer.RespondJson(statusCode, JsonSerializer.Serialize(new { error, error_description = "the server says " + Marker }));

    private Task<Saml2BearerTestHost> StartAsync(LoopbackAuthorizationServer server, Action<Saml2BearerOptions>? configure = null) =>
        Saml2BearerTestHost.StartAsync(fixture, new Saml2BearerTestHostSettings
        {
            RegisterTokenService = false,
            Configure = o =>
            {
                o.TokenExchangeProtocol = Saml2BearerTokenExchangeProtocol.Rfc8693;
                o.TokenEndpoint = server.TokenEndpoint.AbsoluteUri;
                o.TokenAudience = Audience;
                o.Resource = Resource;
                o.Assertion.ValidRecipients.Add(Saml2AssertionBuilder.DefaultRecipient);
                configure?.Invoke(o);
            },
        });
}
