using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AspNetCore.Saml2Bearer.TokenExchange;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace AspNetCore.Saml2Bearer.Tests.TokenExchange;

/// <summary>
/// <see cref="Saml2BearerHttpTokenService.RefreshAsync"/> against a loopback authorization server: the exact
/// RFC 6749 section 6 request for each client authentication method, the exchange's optional parameters, rotation,
/// error mapping, the one transmission, and logs without the refresh token.
/// </summary>
public sealed class Saml2BearerHttpTokenServiceRefreshTests
{
    private const string SchemeName = "Saml2Bearer";
    private const string ClientId = "api-client";
    private const string ClientSecret = "s3cret-VALUE-91d2";

    // Characters that must be form-encoded: the token reaches the server unchanged only if the form is built right.
    private const string RefreshToken = "RT-old+/=é 7c2f";
    private const string RotatedRefreshToken = "RT-new-0a9b4e";
    private static readonly DateTimeOffset FixedNow = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task RefreshAsync_ClientSecretBasic_PostsRefreshGrantWithBasicHeaderOnly()
    {
        await using var server = await LoopbackAuthorizationServer.StartAsync();

        var result = await RefreshAsync(CreateOptions(server));

        Assert.Equal(Saml2BearerTokenResultStatus.Success, result.Status);
        var request = Assert.Single(server.TokenRequests);
        Assert.Equal("POST", request.Method);
        Assert.StartsWith("application/x-www-form-urlencoded", request.ContentType, StringComparison.Ordinal);
        Assert.Contains("application/json", request.Accept, StringComparison.Ordinal);
        Assert.Equal(["grant_type", "refresh_token"], request.Form.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("refresh_token", request.Field("grant_type"));
        Assert.Equal(RefreshToken, request.Field("refresh_token"));
        Assert.Equal(ClientAuthentication.CreateBasicAuthorization(ClientId, ClientSecret).ToString(), request.Authorization);
    }

    [Fact]
    public async Task RefreshAsync_ClientSecretPost_PostsClientIdAndSecretFieldsWithoutAuthorizationHeader()
    {
        await using var server = await LoopbackAuthorizationServer.StartAsync();

        await RefreshAsync(CreateOptions(server, options => options.ClientAuthenticationMethod = Saml2BearerClientAuthenticationMethod.ClientSecretPost));

        var request = Assert.Single(server.TokenRequests);
        Assert.Null(request.Authorization);
        Assert.Equal(["client_id", "client_secret", "grant_type", "refresh_token"], request.Form.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(ClientId, request.Field("client_id"));
        Assert.Equal(ClientSecret, request.Field("client_secret"));
        Assert.Equal(RefreshToken, request.Field("refresh_token"));
    }

    [Fact]
    public async Task RefreshAsync_PrivateKeyJwt_PostsClientAssertionThatValidatesWithThePublicKey()
    {
        using var rsa = RSA.Create(2048);
        await using var server = await LoopbackAuthorizationServer.StartAsync();
        var options = CreateOptions(server, options =>
        {
            options.ClientAuthenticationMethod = Saml2BearerClientAuthenticationMethod.PrivateKeyJwt;
            options.ClientSigningCredentials = new SigningCredentials(new RsaSecurityKey(rsa) { KeyId = "client-key-1" }, SecurityAlgorithms.RsaSha256);
            options.TimeProvider = new FakeTimeProvider(FixedNow);
        });

        await RefreshAsync(options);

        var request = Assert.Single(server.TokenRequests);
        Assert.Null(request.Authorization);
        Assert.Equal(["client_assertion", "client_assertion_type", "grant_type", "refresh_token"], request.Form.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("urn:ietf:params:oauth:client-assertion-type:jwt-bearer", request.Field("client_assertion_type"));
        var validation = await new JsonWebTokenHandler().ValidateTokenAsync(request.Field("client_assertion"), new TokenValidationParameters
        {
            IssuerSigningKey = new RsaSecurityKey(RSA.Create(rsa.ExportParameters(includePrivateParameters: false))),
            ValidIssuer = ClientId,
            ValidAudience = server.TokenEndpoint.AbsoluteUri,
            ValidateLifetime = false, // the clock is fake
        });
        Assert.True(validation.IsValid, validation.Exception?.Message);
        Assert.Equal(ClientId, ((JsonWebToken)validation.SecurityToken).Subject);
    }

    [Fact]
    public async Task RefreshAsync_NoneWithClientId_PostsOnlyClientId()
    {
        await using var server = await LoopbackAuthorizationServer.StartAsync();

        await RefreshAsync(CreateOptions(server, options => options.ClientAuthenticationMethod = Saml2BearerClientAuthenticationMethod.None));

        var request = Assert.Single(server.TokenRequests);
        Assert.Null(request.Authorization);
        Assert.Equal(["client_id", "grant_type", "refresh_token"], request.Form.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task RefreshAsync_ClientCredentialsMissing_ClientErrorWithoutCallingServer()
    {
        await using var server = await LoopbackAuthorizationServer.StartAsync();

        var result = await RefreshAsync(CreateOptions(server, options => options.ClientSecret = null));

        Assert.Equal(Saml2BearerTokenResultStatus.ClientError, result.Status);
        Assert.Equal("invalid_client", result.Error);
        Assert.Empty(server.TokenRequests);
    }

    [Fact]
    public async Task RefreshAsync_ScopeAudienceResource_PostsEachOnceLikeTheExchange()
    {
        await using var server = await LoopbackAuthorizationServer.StartAsync();
        var options = CreateOptions(server, options =>
        {
            options.TokenAudience = "https://api.example.com";
            options.Resource = "https://downstream.example.com/";
        });

        await RefreshAsync(options, scope: "orders.read offline_access");

        var request = Assert.Single(server.TokenRequests);
        Assert.Equal(["audience", "grant_type", "refresh_token", "resource", "scope"], request.Form.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("orders.read offline_access", request.Field("scope"));
        Assert.Equal("https://api.example.com", request.Field("audience"));
        Assert.Equal("https://downstream.example.com/", request.Field("resource"));
    }

    [Fact]
    public async Task RefreshAsync_Rfc8693Protocol_SameRefreshGrantAndPlainTokenResponseAccepted()
    {
        // RFC 8693 has no refresh of its own: the refresh is RFC 6749's, and its answer needs no issued_token_type.
        await using var server = await LoopbackAuthorizationServer.StartAsync();

        var result = await RefreshAsync(CreateOptions(server, options => options.TokenExchangeProtocol = Saml2BearerTokenExchangeProtocol.Rfc8693));

        Assert.Equal(Saml2BearerTokenResultStatus.Success, result.Status);
        var request = Assert.Single(server.TokenRequests);
        Assert.Equal(["grant_type", "refresh_token"], request.Form.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("refresh_token", request.Field("grant_type"));
    }

    [Fact]
    public async Task RefreshAsync_AdditionalParameters_SentButNeverOverrideGrantRefreshTokenOrClientFields()
    {
        await using var server = await LoopbackAuthorizationServer.StartAsync();
        var options = CreateOptions(server, options =>
        {
            options.AdditionalTokenRequestParameters["tenant"] = "contoso";
            options.AdditionalTokenRequestParameters["grant_type"] = "password";
            options.AdditionalTokenRequestParameters["refresh_token"] = "forged";
            options.AdditionalTokenRequestParameters["Refresh_Token"] = "forged";
            options.AdditionalTokenRequestParameters["assertion"] = "forged";
            options.AdditionalTokenRequestParameters["client_id"] = "someone-else";
            options.AdditionalTokenRequestParameters["client_secret"] = "forged";
            options.AdditionalTokenRequestParameters["scope"] = "admin";
        });

        await RefreshAsync(options, scope: "orders.read");

        var request = Assert.Single(server.TokenRequests);
        Assert.Equal(["grant_type", "refresh_token", "scope", "tenant"], request.Form.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("contoso", request.Field("tenant"));
        Assert.Equal("refresh_token", request.Field("grant_type"));
        Assert.Equal(RefreshToken, request.Field("refresh_token"));
        Assert.Equal("orders.read", request.Field("scope"));
    }

    [Fact]
    public async Task RefreshAsync_ServerRotatesRefreshToken_NewRefreshTokenSurfaces()
    {
        await using var server = await LoopbackAuthorizationServer.StartAsync(LoopbackAuthorizationServer.RespondJson(200,
            $$"""{"access_token":"AT-renewed","token_type":"Bearer","expires_in":300,"refresh_token":"{{RotatedRefreshToken}}","scope":"orders.read offline_access"}"""));

        var result = await RefreshAsync(CreateOptions(server));

        Assert.Equal(Saml2BearerTokenResultStatus.Success, result.Status);
        Assert.Equal("AT-renewed", result.Response!.AccessToken);
        Assert.Equal(TimeSpan.FromSeconds(300), result.Response.ExpiresIn);
        Assert.Equal(RotatedRefreshToken, result.Response.RefreshToken);
        Assert.Equal("orders.read offline_access", result.Response.Scope);
    }

    [Fact]
    public async Task RefreshAsync_ServerKeepsRefreshToken_ResponseRefreshTokenIsNull()
    {
        // RFC 6749 section 6: a new refresh token is optional; none in the answer means the old one stays valid.
        await using var server = await LoopbackAuthorizationServer.StartAsync();

        var result = await RefreshAsync(CreateOptions(server));

        Assert.Equal(Saml2BearerTokenResultStatus.Success, result.Status);
        Assert.Equal(LoopbackAuthorizationServer.DefaultAccessToken, result.Response!.AccessToken);
        Assert.Null(result.Response.RefreshToken);
    }

    [Theory]
    [InlineData(400)]
    [InlineData(401)]
    public async Task RefreshAsync_InvalidGrant_InvalidGrantWithoutRetryAfterAndItsOwnLogEvent(int statusCode)
    {
        var logs = new InMemoryLoggerProvider();
        using var services = CreateServices(logs);
        await using var server = await LoopbackAuthorizationServer.StartAsync(
            LoopbackAuthorizationServer.RespondJson(statusCode, """{"error":"invalid_grant","error_description":"The refresh token is no longer valid."}"""));

        var result = await RefreshAsync(CreateOptions(server), services);

        Assert.Equal(Saml2BearerTokenResultStatus.InvalidGrant, result.Status);
        Assert.Equal("invalid_grant", result.Error);
        Assert.Equal("The refresh token is no longer valid.", result.ErrorDescription);
        Assert.Null(result.RetryAfter);
        Assert.Null(result.Response);
        var rejected = Assert.Single(logs.Entries, entry => entry.EventId.Name == "RefreshTokenRejected");
        Assert.Equal(2042, rejected.EventId.Id);
        Assert.Equal(LogLevel.Information, rejected.Level);
        Assert.DoesNotContain(logs.Entries, entry => entry.EventId.Name == "GrantRejected");
        Assert.Single(server.TokenRequests);
    }

    [Theory]
    [InlineData(401, "invalid_client", Saml2BearerTokenResultStatus.ClientError)]
    [InlineData(400, "unauthorized_client", Saml2BearerTokenResultStatus.ClientError)]
    [InlineData(400, "unsupported_grant_type", Saml2BearerTokenResultStatus.ClientError)]
    [InlineData(400, "invalid_scope", Saml2BearerTokenResultStatus.ClientError)]
    [InlineData(400, "temporarily_unavailable", Saml2BearerTokenResultStatus.ServiceUnavailable)]
    public async Task RefreshAsync_OtherErrorCodes_MapAsForTheExchange(int statusCode, string error, Saml2BearerTokenResultStatus expected)
    {
        await using var server = await LoopbackAuthorizationServer.StartAsync(LoopbackAuthorizationServer.RespondJson(statusCode, $$"""{"error":"{{error}}"}"""));

        var result = await RefreshAsync(CreateOptions(server, options => options.DefaultRetryAfter = TimeSpan.FromSeconds(41)));

        Assert.Equal(expected, result.Status);
        Assert.Equal(error, result.Error);
        Assert.Equal(TimeSpan.FromSeconds(41), result.RetryAfter);
    }

    [Theory]
    [InlineData(500)]
    [InlineData(502)]
    [InlineData(503)]
    [InlineData(429)]
    public async Task RefreshAsync_ServerFault_ServiceUnavailableWithServersRetryAfter(int statusCode)
    {
        await using var server = await LoopbackAuthorizationServer.StartAsync(
            LoopbackAuthorizationServer.RespondJson(statusCode, """{"error":"server_error"}""", response => response.Headers.RetryAfter = "17"));

        var result = await RefreshAsync(CreateOptions(server));

        AssertUnavailable(result, "temporarily_unavailable", TimeSpan.FromSeconds(17));
        Assert.Single(server.TokenRequests);
    }

    [Fact]
    public async Task RefreshAsync_MalformedSuccessBody_ServiceUnavailableInvalidResponse()
    {
        await using var server = await LoopbackAuthorizationServer.StartAsync(LoopbackAuthorizationServer.RespondJson(200, """{"token_type":"Bearer","refresh_token":"RT-x"}"""));

        var result = await RefreshAsync(CreateOptions(server));

        AssertUnavailable(result, "invalid_response");
    }

    [Fact]
    public async Task RefreshAsync_EndpointNeverAnswers_ServiceUnavailableAfterBackchannelTimeout()
    {
        await using var server = await LoopbackAuthorizationServer.StartAsync(HangAsync);
        var options = CreateOptions(server, options =>
        {
            options.BackchannelTimeout = TimeSpan.FromMilliseconds(300);
            options.DefaultRetryAfter = TimeSpan.FromSeconds(12);
        });

        var result = await RefreshAsync(options);

        AssertUnavailable(result, "temporarily_unavailable", TimeSpan.FromSeconds(12));
        Assert.Single(server.TokenRequests);
    }

    [Fact]
    public async Task RefreshAsync_HandlerOutsideThePipelineResends_OneTransmissionOnlyAndServiceUnavailable()
    {
        // A host's retry handler wrapped around the client: the refresh token (and the secret) leave once.
        var logs = new InMemoryLoggerProvider();
        await using var server = await LoopbackAuthorizationServer.StartAsync(LoopbackAuthorizationServer.Respond(503, "down", "text/plain"));
        using var services = CreateServices(logs, services => services
            .AddHttpClient(Saml2BearerDefaults.HttpClientNamePrefix + SchemeName)
            .AddHttpMessageHandler(() => new ResendingHandler())
            .AddHttpMessageHandler(() => new TokenRequestSendGuardHandler()));

        var result = await RefreshAsync(CreateOptions(server), services);

        Assert.Single(server.TokenRequests);
        AssertUnavailable(result, "temporarily_unavailable");
        Assert.Contains(logs.Entries, entry => entry.EventId.Name == "TokenRequestResendRefused");
    }

    [Fact]
    public async Task RefreshAsync_NonLoopbackHttpWhileHttpsRequired_RefusedBeforeSending()
    {
        var options = new Saml2BearerOptions
        {
            TokenEndpoint = "http://as.example.com/token",
            RequireHttpsMetadata = true,
            ClientId = ClientId,
            ClientSecret = ClientSecret,
        };

        var result = await RefreshAsync(options);

        AssertUnavailable(result, "temporarily_unavailable");
    }

    [Theory]
    [InlineData("")]
    [InlineData(null)]
    public async Task RefreshAsync_NoRefreshToken_ThrowsWithoutCallingServer(string? refreshToken)
    {
        await using var server = await LoopbackAuthorizationServer.StartAsync();
        using var services = CreateServices();
        var service = ActivatorUtilities.CreateInstance<Saml2BearerHttpTokenService>(services);

        await Assert.ThrowsAnyAsync<ArgumentException>(() => service.RefreshAsync(
            new Saml2BearerRefreshRequest { SchemeName = SchemeName, Options = CreateOptions(server), RefreshToken = refreshToken! },
            CancellationToken.None));

        Assert.Empty(server.TokenRequests);
    }

    [Fact]
    public async Task RefreshAsync_CallerCancelled_ThrowsWithoutCallingServer()
    {
        await using var server = await LoopbackAuthorizationServer.StartAsync();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => RefreshAsync(CreateOptions(server), cancellationToken: cancelled.Token));

        Assert.Empty(server.TokenRequests);
    }

    [Fact]
    public async Task RefreshAsync_CustomServiceWithoutRefresh_ThrowsNotSupportedNamingTheService()
    {
        ISaml2BearerTokenService service = new ExchangeOnlyTokenService();

        var exception = await Assert.ThrowsAsync<NotSupportedException>(() => service.RefreshAsync(
            new Saml2BearerRefreshRequest { SchemeName = SchemeName, Options = new Saml2BearerOptions(), RefreshToken = RefreshToken },
            CancellationToken.None));

        Assert.Contains(typeof(ExchangeOnlyTokenService).FullName!, exception.Message, StringComparison.Ordinal);
        Assert.Contains("RefreshAsync", exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(RefreshToken, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Logs_EveryRefreshOutcome_NeverContainRefreshTokensSecretOrAccessToken()
    {
        var logs = new InMemoryLoggerProvider();
        using var services = CreateServices(logs);
        await using var server = await LoopbackAuthorizationServer.StartAsync(LoopbackAuthorizationServer.RespondJson(200,
            $$"""{"access_token":"{{LoopbackAuthorizationServer.DefaultAccessToken}}","token_type":"Bearer","expires_in":60,"refresh_token":"{{RotatedRefreshToken}}"}"""));
        Assert.Equal(Saml2BearerTokenResultStatus.Success, (await RefreshAsync(CreateOptions(server), services)).Status);
        Assert.Equal(Saml2BearerTokenResultStatus.Success, (await RefreshAsync(CreateOptions(server, options =>
            options.ClientAuthenticationMethod = Saml2BearerClientAuthenticationMethod.ClientSecretPost), services)).Status);
        // A server that quotes what it was sent: the refresh token is masked like the client secret.
        server.TokenEndpointHandler = LoopbackAuthorizationServer.RespondJson(400, JsonSerializer.Serialize(new { error = "invalid_grant", error_description = $"refresh token '{RefreshToken}' was revoked" }));
        Assert.Equal(Saml2BearerTokenResultStatus.InvalidGrant, (await RefreshAsync(CreateOptions(server), services)).Status);
        server.TokenEndpointHandler = LoopbackAuthorizationServer.RespondJson(401, JsonSerializer.Serialize(new { error = "invalid_client", error_description = $"secret {ClientSecret} wrong" }));
        await RefreshAsync(CreateOptions(server), services);
        server.TokenEndpointHandler = LoopbackAuthorizationServer.Respond(503, "down", "text/plain");
        await RefreshAsync(CreateOptions(server), services);
        server.TokenEndpointHandler = HangAsync;
        await RefreshAsync(CreateOptions(server, options => options.BackchannelTimeout = TimeSpan.FromMilliseconds(200)), services);

        var basicHeader = server.TokenRequests[0].Authorization!["Basic ".Length..];
        string[] forbidden = [RefreshToken, RotatedRefreshToken, Uri.EscapeDataString(RefreshToken), ClientSecret, basicHeader, LoopbackAuthorizationServer.DefaultAccessToken];
        var entries = logs.Entries;
        Assert.Contains(entries, entry => entry.EventId.Name == "RefreshRequestSending" && entry.EventId.Id == 2040);
        Assert.Contains(entries, entry => entry.EventId.Name == "TokenRefreshed" && entry.EventId.Id == 2041
            && entry.State.Single(pair => pair.Key == "RefreshTokenRotated").Value is true);
        Assert.Contains(entries, entry => entry.EventId.Name == "ErrorDescriptionReceived" && entry.Message.Contains("refresh token '***' was revoked", StringComparison.Ordinal));
        Assert.Contains(entries, entry => entry.EventId.Name == "ClientRejected");
        Assert.Contains(entries, entry => entry.EventId.Name == "TokenEndpointTimedOut");
        Assert.DoesNotContain(entries, entry => entry.EventId.Name is "TokenRequestSending" or "TokenIssued");
        foreach (var entry in entries)
        {
            foreach (var secret in forbidden)
            {
                Assert.False(entry.AllText.Contains(secret, StringComparison.Ordinal), $"log {entry.Category}/{entry.EventId} contains a secret: {entry.Message}");
            }
        }
    }

    private static async Task<Saml2BearerTokenResult> RefreshAsync(
        Saml2BearerOptions options,
        ServiceProvider? services = null,
        string? scope = null,
        CancellationToken cancellationToken = default)
    {
        var owned = services is null ? CreateServices() : null;
        try
        {
            var service = ActivatorUtilities.CreateInstance<Saml2BearerHttpTokenService>(services ?? owned!);
            return await service.RefreshAsync(
                new Saml2BearerRefreshRequest { SchemeName = SchemeName, Options = options, RefreshToken = RefreshToken, Scope = scope },
                cancellationToken);
        }
        finally
        {
            owned?.Dispose();
        }
    }

    private static ServiceProvider CreateServices(InMemoryLoggerProvider? logs = null, Action<IServiceCollection>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddHttpClient();
        services.AddLogging(logging =>
        {
            logging.SetMinimumLevel(LogLevel.Trace);
            if (logs is not null)
            {
                logging.AddProvider(logs);
            }
        });
        configure?.Invoke(services);
        return services.BuildServiceProvider();
    }

    private static Saml2BearerOptions CreateOptions(LoopbackAuthorizationServer server, Action<Saml2BearerOptions>? configure = null)
    {
        var options = new Saml2BearerOptions
        {
            TokenEndpoint = server.TokenEndpoint.AbsoluteUri,
            RequireHttpsMetadata = false,
            ClientId = ClientId,
            ClientSecret = ClientSecret,
            BackchannelTimeout = TimeSpan.FromSeconds(10),
        };
        configure?.Invoke(options);
        return options;
    }

    private static void AssertUnavailable(Saml2BearerTokenResult result, string error, TimeSpan? retryAfter = null)
    {
        Assert.Equal(Saml2BearerTokenResultStatus.ServiceUnavailable, result.Status);
        Assert.Equal(error, result.Error);
        Assert.Null(result.Response);
        Assert.Equal(retryAfter ?? new Saml2BearerOptions().DefaultRetryAfter, result.RetryAfter);
    }

    // Never answers; ends when the client hangs up or the server stops.
    private static async Task HangAsync(HttpContext context)
    {
        var stopping = context.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        using var hangUp = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        try
        {
            await Task.Delay(Timeout.Infinite, hangUp.Token);
        }
        catch (OperationCanceledException)
        {
            // The client gave up.
        }
    }

    /// <summary>A host's retry handler: sends every request a second time after the first answer.</summary>
    private sealed class ResendingHandler : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            using (await base.SendAsync(request, cancellationToken))
            {
            }

            return await base.SendAsync(request, cancellationToken);
        }
    }

    /// <summary>A token service written before renewal: it implements the exchange only.</summary>
    private sealed class ExchangeOnlyTokenService : ISaml2BearerTokenService
    {
        public Task<Saml2BearerTokenResult> ExchangeAsync(Saml2BearerTokenRequest request, CancellationToken cancellationToken) =>
            Task.FromResult(Saml2BearerTokenResult.Success(new Saml2BearerTokenResponse { AccessToken = "AT", TokenType = "Bearer" }));
    }
}
