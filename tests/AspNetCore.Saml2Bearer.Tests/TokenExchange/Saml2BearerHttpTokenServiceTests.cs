using System.Buffers.Text;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AspNetCore.Saml2Bearer.Tests.Infrastructure;
using AspNetCore.Saml2Bearer.TokenExchange;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;
using static AspNetCore.Saml2Bearer.Tests.TokenExchange.TokenServiceTestSupport;

namespace AspNetCore.Saml2Bearer.Tests.TokenExchange;

public sealed class Saml2BearerHttpTokenServiceTests
{
    private const string SchemeName = "Saml2Bearer";
    private static readonly DateTimeOffset FixedNow = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    // An assertion whose standard base64 contains '+', '/' and '=' padding, so the encodings differ visibly.
    private static readonly byte[] AssertionBytes = CreateAssertionBytes();

    [Fact]
    public async Task ExchangeAsync_Base64UrlEncoding_PostsGrantTypeAndUnpaddedAssertion()
    {
        var standard = Convert.ToBase64String(AssertionBytes);
        Assert.Contains('+', standard);
        Assert.Contains('/', standard);
        Assert.EndsWith("=", standard, StringComparison.Ordinal);
        await using var server = await LoopbackAuthorizationServer.StartAsync();

        var result = await ExchangeAsync(server, CreateOptions(server));

        Assert.Equal(Saml2BearerTokenResultStatus.Success, result.Status);
        var request = Assert.Single(server.TokenRequests);
        Assert.Equal("POST", request.Method);
        Assert.StartsWith("application/x-www-form-urlencoded", request.ContentType, StringComparison.Ordinal);
        Assert.Contains("application/json", request.Accept, StringComparison.Ordinal);
        Assert.Equal("urn:ietf:params:oauth:grant-type:saml2-bearer", request.Field("grant_type"));
        var assertion = request.Field("assertion")!;
        Assert.DoesNotContain('=', assertion);
        Assert.DoesNotContain('+', assertion);
        Assert.DoesNotContain('/', assertion);
        Assert.DoesNotContain('\n', assertion);
        Assert.Equal(AssertionBytes, Base64Url.DecodeFromChars(assertion));
        // Nothing in the raw body needed escaping: base64url is form-safe as is.
        Assert.Contains("assertion=" + assertion, request.RawBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExchangeAsync_Base64Encoding_PostsStandardBase64Assertion()
    {
        await using var server = await LoopbackAuthorizationServer.StartAsync();

        await ExchangeAsync(server, CreateOptions(server, options => options.AssertionEncoding = Saml2BearerAssertionEncoding.Base64));

        var assertion = Assert.Single(server.TokenRequests).Field("assertion");
        Assert.Equal(Convert.ToBase64String(AssertionBytes), assertion);
        Assert.Equal(AssertionBytes, Convert.FromBase64String(assertion!));
    }

    [Fact]
    public async Task ExchangeAsync_ScopeAudienceResource_PostsEachOnce()
    {
        await using var server = await LoopbackAuthorizationServer.StartAsync();
        var options = CreateOptions(server, options =>
        {
            options.TokenAudience = "https://api.example.com";
            options.Resource = "https://downstream.example.com/";
        });

        await ExchangeAsync(server, options, scope: "orders.read profile");

        var request = Assert.Single(server.TokenRequests);
        Assert.Equal("orders.read profile", request.Field("scope"));
        Assert.Equal("https://api.example.com", request.Field("audience"));
        Assert.Equal("https://downstream.example.com/", request.Field("resource"));
    }

    [Fact]
    public async Task ExchangeAsync_NoScopeAudienceOrResource_PostsOnlyGrantAndAssertion()
    {
        await using var server = await LoopbackAuthorizationServer.StartAsync();

        await ExchangeAsync(server, CreateOptions(server), scope: null);

        var request = Assert.Single(server.TokenRequests);
        Assert.Equal(["assertion", "grant_type"], request.Form.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task ExchangeAsync_AdditionalParameters_SentButNeverOverrideGrantAssertionOrClientFields()
    {
        await using var server = await LoopbackAuthorizationServer.StartAsync();
        var options = CreateOptions(server, options =>
        {
            options.AdditionalTokenRequestParameters["requested_token_type"] = "urn:ietf:params:oauth:token-type:jwt";
            options.AdditionalTokenRequestParameters["grant_type"] = "password";
            options.AdditionalTokenRequestParameters["Grant_Type"] = "password";
            options.AdditionalTokenRequestParameters["assertion"] = "forged";
            options.AdditionalTokenRequestParameters["client_id"] = "someone-else";
            options.AdditionalTokenRequestParameters["client_secret"] = "forged";
            options.AdditionalTokenRequestParameters["client_assertion"] = "forged";
            options.AdditionalTokenRequestParameters["client_assertion_type"] = "forged";
            options.AdditionalTokenRequestParameters["scope"] = "admin";
        });

        await ExchangeAsync(server, options, scope: "orders.read");

        var request = Assert.Single(server.TokenRequests);
        Assert.Equal("urn:ietf:params:oauth:token-type:jwt", request.Field("requested_token_type"));
        Assert.Equal("urn:ietf:params:oauth:grant-type:saml2-bearer", request.Field("grant_type"));
        Assert.Equal(AssertionBytes, Base64Url.DecodeFromChars(request.Field("assertion")));
        Assert.Equal("orders.read", request.Field("scope"));
        Assert.False(request.Form.ContainsKey("Grant_Type"));
        Assert.False(request.Form.ContainsKey("client_id"));
        Assert.False(request.Form.ContainsKey("client_secret"));
        Assert.False(request.Form.ContainsKey("client_assertion"));
        Assert.False(request.Form.ContainsKey("client_assertion_type"));
    }

    [Fact]
    public async Task ClientSecretBasic_Default_SendsFormUrlEncodedCredentialsInBasicHeader()
    {
        const string clientId = "api:client é+1";
        const string clientSecret = "p@ss:word/with space+%";
        await using var server = await LoopbackAuthorizationServer.StartAsync();
        var options = CreateOptions(server, options =>
        {
            options.ClientId = clientId;
            options.ClientSecret = clientSecret;
        });
        Assert.Equal(Saml2BearerClientAuthenticationMethod.ClientSecretBasic, options.ClientAuthenticationMethod);

        await ExchangeAsync(server, options);

        var request = Assert.Single(server.TokenRequests);
        Assert.NotNull(request.Authorization);
        Assert.StartsWith("Basic ", request.Authorization, StringComparison.Ordinal);
        var credentials = Encoding.UTF8.GetString(Convert.FromBase64String(request.Authorization["Basic ".Length..]));
        // Both parts are form-urlencoded first, so the only raw ':' is the separator.
        var parts = credentials.Split(':');
        Assert.Equal(2, parts.Length);
        Assert.Equal(clientId, FormUrlDecode(parts[0]));
        Assert.Equal(clientSecret, FormUrlDecode(parts[1]));
        Assert.False(request.Form.ContainsKey("client_id"));
        Assert.False(request.Form.ContainsKey("client_secret"));
    }

    [Fact]
    public async Task ClientSecretPost_SendsClientIdAndSecretFieldsWithoutAuthorizationHeader()
    {
        await using var server = await LoopbackAuthorizationServer.StartAsync();
        var options = CreateOptions(server, options => options.ClientAuthenticationMethod = Saml2BearerClientAuthenticationMethod.ClientSecretPost);

        await ExchangeAsync(server, options);

        var request = Assert.Single(server.TokenRequests);
        Assert.Null(request.Authorization);
        Assert.Equal(ClientId, request.Field("client_id"));
        Assert.Equal(ClientSecret, request.Field("client_secret"));
    }

    [Fact]
    public async Task PrivateKeyJwt_SendsClientAssertionThatValidatesWithThePublicKey()
    {
        using var rsa = RSA.Create(2048);
        var key = new RsaSecurityKey(rsa) { KeyId = "client-key-1" };
        var time = new FakeTimeProvider(FixedNow);
        await using var server = await LoopbackAuthorizationServer.StartAsync();
        var options = CreateOptions(server, options =>
        {
            options.ClientAuthenticationMethod = Saml2BearerClientAuthenticationMethod.PrivateKeyJwt;
            options.ClientSigningCredentials = new SigningCredentials(key, SecurityAlgorithms.RsaSha256);
            options.ClientAssertionLifetime = TimeSpan.FromMinutes(2);
            options.TimeProvider = time;
        });

        await ExchangeAsync(server, options);

        var request = Assert.Single(server.TokenRequests);
        Assert.Null(request.Authorization);
        Assert.False(request.Form.ContainsKey("client_secret"));
        Assert.Equal("urn:ietf:params:oauth:client-assertion-type:jwt-bearer", request.Field("client_assertion_type"));
        var publicKey = new RsaSecurityKey(RSA.Create(rsa.ExportParameters(includePrivateParameters: false)));
        var validation = await new JsonWebTokenHandler().ValidateTokenAsync(request.Field("client_assertion"), new TokenValidationParameters
        {
            IssuerSigningKey = publicKey,
            ValidIssuer = ClientId,
            ValidAudience = server.TokenEndpoint.AbsoluteUri,
            ValidateLifetime = false, // the clock is fake; the times are checked exactly below
        });
        Assert.True(validation.IsValid, validation.Exception?.Message);
        var jwt = (JsonWebToken)validation.SecurityToken;
        Assert.Equal(ClientId, jwt.Subject);
        Assert.Equal([server.TokenEndpoint.AbsoluteUri], jwt.Audiences);
        Assert.False(string.IsNullOrEmpty(jwt.Id));
        Assert.Equal(FixedNow.UtcDateTime, jwt.IssuedAt);
        Assert.Equal(FixedNow.UtcDateTime, jwt.ValidFrom);
        Assert.Equal(FixedNow.UtcDateTime.AddMinutes(2), jwt.ValidTo);
        Assert.Equal("RS256", jwt.Alg);
    }

    [Fact]
    public async Task PrivateKeyJwt_TwoExchanges_UseDifferentJti()
    {
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        await using var server = await LoopbackAuthorizationServer.StartAsync();
        var options = CreateOptions(server, options =>
        {
            options.ClientAuthenticationMethod = Saml2BearerClientAuthenticationMethod.PrivateKeyJwt;
            options.ClientSigningCredentials = new SigningCredentials(new ECDsaSecurityKey(ecdsa), SecurityAlgorithms.EcdsaSha256);
        });

        await ExchangeAsync(server, options);
        await ExchangeAsync(server, options);

        var ids = server.TokenRequests.Select(request => new JsonWebToken(request.Field("client_assertion")).Id).ToArray();
        Assert.Equal(2, ids.Length);
        Assert.NotEqual(ids[0], ids[1]);
    }

    [Fact]
    public async Task PrivateKeyJwt_WithoutSigningCredentials_ReturnsClientErrorWithoutCallingServer()
    {
        await using var server = await LoopbackAuthorizationServer.StartAsync();
        var options = CreateOptions(server, options => options.ClientAuthenticationMethod = Saml2BearerClientAuthenticationMethod.PrivateKeyJwt);

        var result = await ExchangeAsync(server, options);

        Assert.Equal(Saml2BearerTokenResultStatus.ClientError, result.Status);
        Assert.Equal("invalid_client", result.Error);
        Assert.Empty(server.TokenRequests);
    }

    [Fact]
    public async Task ClientSecretBasic_WithoutSecret_ReturnsClientErrorWithoutCallingServer()
    {
        await using var server = await LoopbackAuthorizationServer.StartAsync();
        var options = CreateOptions(server, options => options.ClientSecret = null);

        var result = await ExchangeAsync(server, options);

        Assert.Equal(Saml2BearerTokenResultStatus.ClientError, result.Status);
        Assert.Empty(server.TokenRequests);
    }

    [Fact]
    public async Task None_WithClientId_SendsOnlyClientId()
    {
        await using var server = await LoopbackAuthorizationServer.StartAsync();
        var options = CreateOptions(server, options => options.ClientAuthenticationMethod = Saml2BearerClientAuthenticationMethod.None);

        await ExchangeAsync(server, options);

        var request = Assert.Single(server.TokenRequests);
        Assert.Null(request.Authorization);
        Assert.Equal(ClientId, request.Field("client_id"));
        Assert.False(request.Form.ContainsKey("client_secret"));
    }

    [Fact]
    public async Task None_WithoutClientId_SendsNoClientFields()
    {
        await using var server = await LoopbackAuthorizationServer.StartAsync();
        var options = CreateOptions(server, options =>
        {
            options.ClientAuthenticationMethod = Saml2BearerClientAuthenticationMethod.None;
            options.ClientId = null;
        });

        var result = await ExchangeAsync(server, options);

        Assert.Equal(Saml2BearerTokenResultStatus.Success, result.Status);
        var request = Assert.Single(server.TokenRequests);
        Assert.Null(request.Authorization);
        Assert.Equal(["assertion", "grant_type"], request.Form.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task ExchangeAsync_NamedClientOfScheme_IsUsed()
    {
        await using var server = await LoopbackAuthorizationServer.StartAsync();
        var services = CreateServices(configure: services => services
            .AddHttpClient(Saml2BearerDefaults.HttpClientNamePrefix + "PartnerScheme")
            .ConfigureHttpClient(client => client.DefaultRequestHeaders.Add("X-Named-Client", "partner")));

        await ExchangeAsync(server, CreateOptions(server), services: services, schemeName: "PartnerScheme");

        Assert.Equal("partner", Assert.Single(server.TokenRequests).Headers["X-Named-Client"]);
    }

    [Fact]
    public async Task Success_FullResponse_ParsesEveryMemberAndKeepsUnknownOnes()
    {
        await using var server = await LoopbackAuthorizationServer.StartAsync(LoopbackAuthorizationServer.RespondJson(200, """
            {
              "access_token": "AT-1", "token_type": "Bearer", "expires_in": 3600, "refresh_token": "RT-1",
              "scope": "orders.read profile", "id_token": "ID-1",
              "issued_token_type": "urn:ietf:params:oauth:token-type:access_token",
              "nested": { "values": [1, 2] }, "flag": true
            }
            """));

        var result = await ExchangeAsync(server, CreateOptions(server));

        Assert.Equal(Saml2BearerTokenResultStatus.Success, result.Status);
        var response = result.Response!;
        Assert.Equal("AT-1", response.AccessToken);
        Assert.Equal("Bearer", response.TokenType);
        Assert.Equal(TimeSpan.FromHours(1), response.ExpiresIn);
        Assert.Equal("RT-1", response.RefreshToken);
        Assert.Equal(["orders.read", "profile"], response.GetScopes());
        Assert.Equal("ID-1", response.IdToken);
        Assert.Equal(["flag", "issued_token_type", "nested"], response.AdditionalParameters.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("urn:ietf:params:oauth:token-type:access_token", response.AdditionalParameters["issued_token_type"].GetString());
        // Cloned: still readable after the parser's document is gone.
        Assert.Equal(2, response.AdditionalParameters["nested"].GetProperty("values")[1].GetInt32());
        Assert.True(response.AdditionalParameters["flag"].GetBoolean());
        Assert.Null(result.Error);
    }

    [Fact]
    public async Task Success_MinimalResponse_LeavesOptionalMembersNull()
    {
        await using var server = await LoopbackAuthorizationServer.StartAsync(LoopbackAuthorizationServer.RespondJson(200, """{"access_token":"AT-2","token_type":"Bearer","refresh_token":null}"""));

        var result = await ExchangeAsync(server, CreateOptions(server));

        var response = Assert.IsType<Saml2BearerTokenResponse>(result.Response);
        Assert.Null(response.ExpiresIn);
        Assert.Null(response.RefreshToken);
        Assert.Null(response.Scope);
        Assert.Null(response.IdToken);
        Assert.Empty(response.AdditionalParameters);
    }

    [Fact]
    public async Task Success_Utf8ByteOrderMark_IsIgnored()
    {
        await using var server = await LoopbackAuthorizationServer.StartAsync(LoopbackAuthorizationServer.RespondJson(200, "\uFEFF{\"access_token\":\"AT\",\"token_type\":\"Bearer\"}"));

        var result = await ExchangeAsync(server, CreateOptions(server));

        Assert.Equal("AT", result.Response?.AccessToken);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)] // -1 ms is Timeout.InfiniteTimeSpan, which is allowed
    public async Task ExchangeAsync_NonPositiveBackchannelTimeout_ThrowsNamingTheOption(int milliseconds)
    {
        await using var server = await LoopbackAuthorizationServer.StartAsync();
        var options = CreateOptions(server, options => options.BackchannelTimeout = TimeSpan.FromMilliseconds(milliseconds));

        var exception = await Assert.ThrowsAsync<InvalidOperationException>(() => ExchangeAsync(server, options));

        Assert.Contains(nameof(Saml2BearerOptions.BackchannelTimeout), exception.Message, StringComparison.Ordinal);
        Assert.Empty(server.TokenRequests);
    }

    [Theory]
    [InlineData("3600", 3600)]
    [InlineData("\"3600\"", 3600)]
    [InlineData("\"90\"", 90)]
    [InlineData("0", 0)]
    [InlineData("1.5", 1.5)]
    public async Task Success_ExpiresInNumberOrNumericString_ParsedAsSeconds(string expiresInJson, double expectedSeconds)
    {
        await using var server = await LoopbackAuthorizationServer.StartAsync(LoopbackAuthorizationServer.RespondJson(200, $$"""{"access_token":"AT","token_type":"Bearer","expires_in":{{expiresInJson}}}"""));

        var result = await ExchangeAsync(server, CreateOptions(server));

        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), result.Response?.ExpiresIn);
    }

    [Theory]
    [InlineData("-5")]
    [InlineData("\"soon\"")]
    [InlineData("\"-5\"")]
    [InlineData("true")]
    [InlineData("1e300")]
    public async Task Success_InvalidExpiresIn_ServiceUnavailableInvalidResponse(string expiresInJson)
    {
        await using var server = await LoopbackAuthorizationServer.StartAsync(LoopbackAuthorizationServer.RespondJson(200, $$"""{"access_token":"AT","token_type":"Bearer","expires_in":{{expiresInJson}}}"""));

        var result = await ExchangeAsync(server, CreateOptions(server));

        AssertUnavailable(result, "invalid_response");
    }

    [Theory]
    [InlineData("""{"token_type":"Bearer"}""")]
    [InlineData("""{"access_token":"","token_type":"Bearer"}""")]
    [InlineData("""{"access_token":null,"token_type":"Bearer"}""")]
    [InlineData("""{"access_token":42,"token_type":"Bearer"}""")]
    [InlineData("""{"access_token":"AT"}""")]
    [InlineData("""{"access_token":"AT","token_type":"Bearer","scope":["a","b"]}""")]
    [InlineData("""{"access_token":"AT","token_type":"Bearer","access_token":"AT-2"}""")]
    public async Task Success_MissingOrMalformedMembers_ServiceUnavailableInvalidResponse(string json)
    {
        await using var server = await LoopbackAuthorizationServer.StartAsync(LoopbackAuthorizationServer.RespondJson(200, json));

        var result = await ExchangeAsync(server, CreateOptions(server));

        AssertUnavailable(result, "invalid_response");
    }

    [Theory]
    [InlineData("not json at all")]
    [InlineData("{\"access_token\":\"AT\",")]
    [InlineData("[\"access_token\"]")]
    [InlineData("")]
    public async Task Success_BodyNotAJsonObject_ServiceUnavailableInvalidResponse(string body)
    {
        await using var server = await LoopbackAuthorizationServer.StartAsync(LoopbackAuthorizationServer.RespondJson(200, body));

        var result = await ExchangeAsync(server, CreateOptions(server));

        AssertUnavailable(result, "invalid_response");
    }

    [Fact]
    public async Task Success_HtmlBodyWithRetryAfter_ServiceUnavailableWithServersRetryAfter()
    {
        await using var server = await LoopbackAuthorizationServer.StartAsync(
            LoopbackAuthorizationServer.Respond(200, "<html>maintenance</html>", "text/html", response => response.Headers.RetryAfter = "7"));

        var result = await ExchangeAsync(server, CreateOptions(server));

        AssertUnavailable(result, "invalid_response", TimeSpan.FromSeconds(7));
    }

    [Theory]
    [InlineData(400, "invalid_grant", Saml2BearerTokenResultStatus.InvalidGrant)]
    [InlineData(401, "invalid_grant", Saml2BearerTokenResultStatus.InvalidGrant)]
    [InlineData(401, "invalid_client", Saml2BearerTokenResultStatus.ClientError)]
    [InlineData(400, "invalid_client", Saml2BearerTokenResultStatus.ClientError)]
    [InlineData(400, "unauthorized_client", Saml2BearerTokenResultStatus.ClientError)]
    [InlineData(400, "unsupported_grant_type", Saml2BearerTokenResultStatus.ClientError)]
    [InlineData(400, "invalid_scope", Saml2BearerTokenResultStatus.ClientError)]
    [InlineData(400, "invalid_request", Saml2BearerTokenResultStatus.ClientError)]
    [InlineData(400, "temporarily_unavailable", Saml2BearerTokenResultStatus.ServiceUnavailable)]
    [InlineData(400, "server_error", Saml2BearerTokenResultStatus.ServiceUnavailable)]
    [InlineData(401, "vendor_specific_error", Saml2BearerTokenResultStatus.ServiceUnavailable)]
    public async Task ErrorResponse_ErrorCode_MapsToStatus(int statusCode, string error, Saml2BearerTokenResultStatus expected)
    {
        await using var server = await LoopbackAuthorizationServer.StartAsync(LoopbackAuthorizationServer.RespondJson(statusCode, $$"""{"error":"{{error}}","error_description":"The server's words.","error_uri":"https://as.example.com/e"}"""));

        var result = await ExchangeAsync(server, CreateOptions(server, options => options.DefaultRetryAfter = TimeSpan.FromSeconds(41)));

        Assert.Equal(expected, result.Status);
        Assert.Equal(error, result.Error);
        Assert.Equal("The server's words.", result.ErrorDescription);
        Assert.Null(result.Response);
        // A client refusal is answered 503 too: it carries a Retry-After; only invalid_grant (a 401) does not.
        Assert.Equal(expected == Saml2BearerTokenResultStatus.InvalidGrant ? null : TimeSpan.FromSeconds(41), result.RetryAfter);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("""{"error":42}""")]
    [InlineData("""{"error":""}""")]
    [InlineData("""{"error":"bad\"code"}""")]
    [InlineData("""{"error":"line\nbreak"}""")]
    [InlineData("Bad Request")]
    public async Task ErrorResponse_WithoutWellFormedErrorCode_ServiceUnavailableInvalidResponse(string body)
    {
        await using var server = await LoopbackAuthorizationServer.StartAsync(LoopbackAuthorizationServer.RespondJson(400, body));

        var result = await ExchangeAsync(server, CreateOptions(server));

        AssertUnavailable(result, "invalid_response");
    }

    [Theory]
    [InlineData(500)]
    [InlineData(502)]
    [InlineData(503)]
    [InlineData(504)]
    [InlineData(429)]
    public async Task ServerFault_WithRetryAfterSeconds_ServiceUnavailableWithThatDelay(int statusCode)
    {
        await using var server = await LoopbackAuthorizationServer.StartAsync(
            LoopbackAuthorizationServer.RespondJson(statusCode, """{"error":"server_error"}""", response => response.Headers.RetryAfter = "17"));

        var result = await ExchangeAsync(server, CreateOptions(server));

        AssertUnavailable(result, "temporarily_unavailable", TimeSpan.FromSeconds(17));
    }

    [Fact]
    public async Task ServerFault_WithRetryAfterDate_ServiceUnavailableWithDelayUntilThatDate()
    {
        var time = new FakeTimeProvider(FixedNow);
        await using var server = await LoopbackAuthorizationServer.StartAsync(LoopbackAuthorizationServer.Respond(
            503, "down", "text/plain", response => response.Headers.RetryAfter = FixedNow.AddSeconds(90).ToString("R", CultureInfo.InvariantCulture)));

        var result = await ExchangeAsync(server, CreateOptions(server, options => options.TimeProvider = time));

        AssertUnavailable(result, "temporarily_unavailable", TimeSpan.FromSeconds(90));
    }

    [Fact]
    public async Task ServerFault_WithoutRetryAfter_ServiceUnavailableWithDefaultRetryAfter()
    {
        await using var server = await LoopbackAuthorizationServer.StartAsync(LoopbackAuthorizationServer.Respond(500, "boom", "text/plain"));

        var result = await ExchangeAsync(server, CreateOptions(server, options => options.DefaultRetryAfter = TimeSpan.FromSeconds(42)));

        AssertUnavailable(result, "temporarily_unavailable", TimeSpan.FromSeconds(42));
    }

    [Fact]
    public async Task CircuitOpen_AfterServerFaults_ServiceUnavailableAtOnceWithCircuitBreakDurationAsRetryAfter()
    {
        await using var server = await LoopbackAuthorizationServer.StartAsync(LoopbackAuthorizationServer.Respond(500, "boom", "text/plain"));
        var options = CreateOptions(server, o => o.CircuitBreakDuration = TimeSpan.FromSeconds(3));
        using var services = CreateServices(configure: services => services
            .AddHttpClient(Saml2BearerDefaults.HttpClientNamePrefix + SchemeName)
            .AddResilienceHandler("saml2bearer", pipeline => Saml2BearerServices.ConfigurePipeline(pipeline, options)));
        for (var i = 0; i < 5; i++)
        {
            AssertUnavailable(await ExchangeAsync(server, options, services), "temporarily_unavailable");
        }

        var result = await ExchangeAsync(server, options, services);

        Assert.Equal(5, server.TokenRequests.Count);    // the circuit opened: the sixth exchange never left
        AssertUnavailable(result, "temporarily_unavailable", TimeSpan.FromSeconds(3));
    }

    [Theory]
    [InlineData(0, 60)]
    [InlineData(20.4, 39.6)]
    [InlineData(59.9, 0.1)]
    [InlineData(75, 1)]     // the break is over by our clock: a trial request decides, so ask for a moment only
    public async Task CircuitOpen_PartWayThroughTheBreak_RetryAfterIsTheTimeLeft(double elapsedSeconds, double expectedRetryAfterSeconds)
    {
        var time = new FakeTimeProvider(FixedNow);
        await using var server = await LoopbackAuthorizationServer.StartAsync(LoopbackAuthorizationServer.Respond(500, "boom", "text/plain"));
        var options = CreateOptions(server, o =>
        {
            o.CircuitBreakDuration = TimeSpan.FromMinutes(1);
            o.TimeProvider = time;
        });
        var monitor = new AspNetCore.Saml2Bearer.Diagnostics.Saml2BearerTokenEndpointMonitor();
        using var services = CreateServices(configure: services =>
        {
            services.AddSingleton(monitor);
            services.AddHttpClient(Saml2BearerDefaults.HttpClientNamePrefix + SchemeName)
                .AddResilienceHandler("saml2bearer", pipeline => Saml2BearerServices.ConfigurePipeline(pipeline, options, monitor.For(SchemeName)));
        });
        for (var i = 0; i < 5; i++)
        {
            AssertUnavailable(await ExchangeAsync(server, options, services), "temporarily_unavailable");
        }

        time.Advance(TimeSpan.FromSeconds(elapsedSeconds));
        var result = await ExchangeAsync(server, options, services);

        Assert.Equal(5, server.TokenRequests.Count);    // still open for the resilience pipeline: never left
        AssertUnavailable(result, "temporarily_unavailable", TimeSpan.FromSeconds(expectedRetryAfterSeconds));
    }

    [Fact]
    public async Task CircuitOpen_AfterTimeouts_ServiceUnavailableAtOnceWithoutCallingTheHangingServer()
    {
        await using var server = await LoopbackAuthorizationServer.StartAsync(HangAsync);
        var options = CreateOptions(server, o =>
        {
            o.BackchannelTimeout = TimeSpan.FromMilliseconds(500);
            o.CircuitBreakDuration = TimeSpan.FromSeconds(30);
        });
        using var services = CreateServices(configure: services => services
            .AddHttpClient(Saml2BearerDefaults.HttpClientNamePrefix + SchemeName)
            .AddResilienceHandler("saml2bearer", pipeline => Saml2BearerServices.ConfigurePipeline(pipeline, options)));
        for (var i = 0; i < 5; i++)
        {
            AssertUnavailable(await ExchangeAsync(server, options, services), "temporarily_unavailable");
        }

        // Five timeouts opened the circuit. On a loaded machine one of them may expire before its request
        // reached the server (it still counts as a timeout), so the server saw at most five.
        var reachedServer = server.TokenRequests.Count;
        var clock = Stopwatch.StartNew();
        var result = await ExchangeAsync(server, options, services);
        var elapsed = clock.Elapsed;

        Assert.InRange(reachedServer, 1, 5);
        Assert.Equal(reachedServer, server.TokenRequests.Count);    // the open circuit did not call the server
        AssertUnavailable(result, "temporarily_unavailable", TimeSpan.FromSeconds(30));
        Assert.True(elapsed < TimeSpan.FromMilliseconds(400), $"answered after {elapsed.TotalMilliseconds:F0} ms");
    }

    [Fact]
    public async Task ExchangeLimit_AsManyInFlightAsAllowed_NextOneServiceUnavailableAtOnceWithoutCallingServer()
    {
        await using var server = await LoopbackAuthorizationServer.StartAsync(HangAsync);
        var options = CreateOptions(server, o =>
        {
            o.MaxConcurrentExchanges = 1;
            o.BackchannelTimeout = TimeSpan.FromSeconds(3);
        });
        using var services = CreateServices(configure: services => services
            .AddHttpClient(Saml2BearerDefaults.HttpClientNamePrefix + SchemeName)
            .AddResilienceHandler("saml2bearer", pipeline => Saml2BearerServices.ConfigurePipeline(pipeline, options)));
        var hanging = ExchangeAsync(server, options, services);
        var deadline = Stopwatch.StartNew();
        while (server.TokenRequests.Count == 0)
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(10), "the first exchange never reached the server");
            await Task.Delay(20);
        }

        var clock = Stopwatch.StartNew();
        var refused = await ExchangeAsync(server, options, services);
        var elapsed = clock.Elapsed;

        AssertUnavailable(refused, "temporarily_unavailable", TimeSpan.FromSeconds(1));
        Assert.True(elapsed < TimeSpan.FromSeconds(1), $"refused after {elapsed.TotalMilliseconds:F0} ms");
        Assert.Single(server.TokenRequests);
        AssertUnavailable(await hanging, "temporarily_unavailable");
    }

    [Theory]
    [InlineData(403)]
    [InlineData(404)]
    [InlineData(201)]
    public async Task UnexpectedStatusCode_ServiceUnavailableInvalidResponse(int statusCode)
    {
        await using var server = await LoopbackAuthorizationServer.StartAsync(
            LoopbackAuthorizationServer.RespondJson(statusCode, $$"""{"access_token":"{{LoopbackAuthorizationServer.DefaultAccessToken}}","token_type":"Bearer"}"""));

        var result = await ExchangeAsync(server, CreateOptions(server));

        AssertUnavailable(result, "invalid_response");
    }

    [Fact]
    public async Task ResponseSize_BodyExactlyAtCap_IsAccepted()
    {
        const string json = """{"access_token":"AT","token_type":"Bearer"}""";
        await using var server = await LoopbackAuthorizationServer.StartAsync(LoopbackAuthorizationServer.RespondJson(200, json));

        var result = await ExchangeAsync(server, CreateOptions(server, options => options.MaximumTokenResponseSize = json.Length));

        Assert.Equal(Saml2BearerTokenResultStatus.Success, result.Status);
    }

    [Fact]
    public async Task ResponseSize_BodyOneByteOverCap_ServiceUnavailableInvalidResponse()
    {
        const string json = """{"access_token":"AT","token_type":"Bearer"}""";
        await using var server = await LoopbackAuthorizationServer.StartAsync(LoopbackAuthorizationServer.RespondJson(200, json));

        var result = await ExchangeAsync(server, CreateOptions(server, options => options.MaximumTokenResponseSize = json.Length - 1));

        AssertUnavailable(result, "invalid_response");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ResponseSize_TenMegabyteBody_ServiceUnavailableWithoutReadingIt(bool declareContentLength)
    {
        // A valid token response followed by 10 MB of JSON whitespace: read whole, it would parse as a success.
        // The server sends 1 MB, then holds the rest back until the client hangs up (or the test ends). A
        // client reading everything would wait for the rest and time out ("temporarily_unavailable").
        const int totalSize = 10 * 1024 * 1024;
        var head = Encoding.UTF8.GetBytes("""{"access_token":"AT","token_type":"Bearer"}""");
        var clientHungUp = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await LoopbackAuthorizationServer.StartAsync(async context =>
        {
            context.RequestAborted.Register(() => clientHungUp.TrySetResult());
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/json";
            if (declareContentLength)
            {
                context.Response.ContentLength = totalSize;
            }

            try
            {
                await context.Response.Body.WriteAsync(head);
                var padding = new byte[64 * 1024];
                padding.AsSpan().Fill((byte)' ');
                for (var sent = head.Length; sent < totalSize; sent += padding.Length)
                {
                    if (sent >= 1024 * 1024)
                    {
                        await Task.WhenAny(release.Task, Task.Delay(Timeout.Infinite, context.RequestAborted));
                    }

                    await context.Response.Body.WriteAsync(padding.AsMemory(0, Math.Min(padding.Length, totalSize - sent)), context.RequestAborted);
                }
            }
            catch (OperationCanceledException)
            {
                // The client hung up, as it should.
            }
        });
        var options = CreateOptions(server, options => options.BackchannelTimeout = TimeSpan.FromSeconds(10));

        try
        {
            var stopwatch = Stopwatch.StartNew();
            var result = await ExchangeAsync(server, options);

            AssertUnavailable(result, "invalid_response");
            Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), $"took {stopwatch.Elapsed}");
            // The client abandoned the connection rather than draining the rest of the body.
            await clientHungUp.Task.WaitAsync(TimeSpan.FromSeconds(10));
        }
        finally
        {
            release.TrySetResult();
        }
    }

    [Fact]
    public async Task Timeout_EndpointNeverAnswers_ServiceUnavailableAfterBackchannelTimeout()
    {
        await using var server = await LoopbackAuthorizationServer.StartAsync(HangAsync);
        var options = CreateOptions(server, options =>
        {
            options.BackchannelTimeout = TimeSpan.FromMilliseconds(300);
            options.DefaultRetryAfter = TimeSpan.FromSeconds(12);
        });

        var stopwatch = Stopwatch.StartNew();
        var result = await ExchangeAsync(server, options);

        AssertUnavailable(result, "temporarily_unavailable", TimeSpan.FromSeconds(12));
        Assert.True(stopwatch.Elapsed >= TimeSpan.FromMilliseconds(250), $"returned after {stopwatch.Elapsed}, before the timeout");
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), $"took {stopwatch.Elapsed}");
        Assert.Single(server.TokenRequests);
    }

    [Fact]
    public async Task Timeout_BodyNeverCompletes_ServiceUnavailableAfterBackchannelTimeout()
    {
        await using var server = await LoopbackAuthorizationServer.StartAsync(async context =>
        {
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("""{"access_token":"AT",""");
            await context.Response.Body.FlushAsync();
            await HangAsync(context);
        });
        var options = CreateOptions(server, options => options.BackchannelTimeout = TimeSpan.FromMilliseconds(300));

        var result = await ExchangeAsync(server, options);

        AssertUnavailable(result, "temporarily_unavailable");
    }

    [Fact]
    public async Task Cancellation_CallerCancelsWhileWaiting_ThrowsOperationCanceledException()
    {
        await using var server = await LoopbackAuthorizationServer.StartAsync(HangAsync);
        var options = CreateOptions(server, options => options.BackchannelTimeout = TimeSpan.FromSeconds(30));
        using var caller = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        var stopwatch = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ExchangeAsync(server, options, cancellationToken: caller.Token));

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), $"took {stopwatch.Elapsed}");
    }

    [Fact]
    public async Task Cancellation_AlreadyCancelled_ThrowsWithoutCallingServer()
    {
        await using var server = await LoopbackAuthorizationServer.StartAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ExchangeAsync(server, CreateOptions(server), cancellationToken: new CancellationToken(canceled: true)));

        Assert.Empty(server.TokenRequests);
    }

    [Fact]
    public async Task Cancellation_CallerCancelsDuringDiscovery_ThrowsOperationCanceledException()
    {
        await using var server = await LoopbackAuthorizationServer.StartAsync();
        server.MetadataHandler = HangAsync;
        var options = CreateOptions(server, options =>
        {
            options.TokenEndpoint = null;
            options.ConfigurationManager = CreateConfigurationManager(server.MetadataAddress);
            options.BackchannelTimeout = TimeSpan.FromSeconds(30);
        });
        using var caller = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        var stopwatch = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ExchangeAsync(server, options, cancellationToken: caller.Token));

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), $"took {stopwatch.Elapsed}");
        Assert.Empty(server.TokenRequests);
    }

    [Fact]
    public async Task Discovery_MetadataNeverAnswers_ServiceUnavailableAfterBackchannelTimeout()
    {
        await using var server = await LoopbackAuthorizationServer.StartAsync();
        server.MetadataHandler = HangAsync;
        var options = CreateOptions(server, options =>
        {
            options.TokenEndpoint = null;
            options.ConfigurationManager = CreateConfigurationManager(server.MetadataAddress);
            options.BackchannelTimeout = TimeSpan.FromMilliseconds(300);
        });

        var stopwatch = Stopwatch.StartNew();
        var result = await ExchangeAsync(server, options);

        AssertUnavailable(result, "temporarily_unavailable");
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), $"took {stopwatch.Elapsed}");
        Assert.Empty(server.TokenRequests);
    }

    [Fact]
    public async Task ConnectionRefused_ClosedPort_ServiceUnavailable()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var options = new Saml2BearerOptions
        {
            TokenEndpoint = $"http://127.0.0.1:{port}/token",
            RequireHttpsMetadata = false,
            ClientId = ClientId,
            ClientSecret = ClientSecret,
            DefaultRetryAfter = TimeSpan.FromSeconds(9),
        };

        var result = await ExchangeAsync(server: null, options);

        AssertUnavailable(result, "temporarily_unavailable", TimeSpan.FromSeconds(9));
    }

    [Fact]
    public async Task Discovery_NoTokenEndpoint_PostsToDiscoveredTokenEndpoint()
    {
        await using var server = await LoopbackAuthorizationServer.StartAsync();
        var options = CreateOptions(server, options =>
        {
            options.TokenEndpoint = null;
            options.ConfigurationManager = CreateConfigurationManager(server.MetadataAddress);
        });

        var first = await ExchangeAsync(server, options);
        var second = await ExchangeAsync(server, options);

        Assert.Equal(Saml2BearerTokenResultStatus.Success, first.Status);
        Assert.Equal(Saml2BearerTokenResultStatus.Success, second.Status);
        Assert.All(server.TokenRequests, request => Assert.Equal("/token", request.Path));
        Assert.Equal(2, server.TokenRequests.Count);
        Assert.Equal(1, server.MetadataRequests); // the manager caches the document
    }

    [Fact]
    public async Task Discovery_MetadataUnavailable_ServiceUnavailableTemporarilyUnavailable()
    {
        await using var server = await LoopbackAuthorizationServer.StartAsync();
        server.MetadataHandler = LoopbackAuthorizationServer.Respond(500, "down", "text/plain");
        var options = CreateOptions(server, options =>
        {
            options.TokenEndpoint = null;
            options.ConfigurationManager = CreateConfigurationManager(server.MetadataAddress);
            options.DefaultRetryAfter = TimeSpan.FromSeconds(8);
        });

        var result = await ExchangeAsync(server, options);

        AssertUnavailable(result, "temporarily_unavailable", TimeSpan.FromSeconds(8));
        Assert.True(server.MetadataRequests >= 1);
        Assert.Empty(server.TokenRequests);
    }

    [Fact]
    public async Task Discovery_DocumentWithoutTokenEndpoint_ServiceUnavailableTemporarilyUnavailable()
    {
        await using var server = await LoopbackAuthorizationServer.StartAsync();
        server.MetadataHandler = LoopbackAuthorizationServer.RespondJson(200, $$"""{"issuer":"{{server.BaseAddress.AbsoluteUri}}"}""");
        var options = CreateOptions(server, options =>
        {
            options.TokenEndpoint = null;
            options.ConfigurationManager = CreateConfigurationManager(server.MetadataAddress);
        });

        var result = await ExchangeAsync(server, options);

        AssertUnavailable(result, "temporarily_unavailable");
        Assert.Empty(server.TokenRequests);
    }

    [Fact]
    public async Task TokenEndpoint_NeitherConfiguredNorDiscoverable_ServiceUnavailable()
    {
        await using var server = await LoopbackAuthorizationServer.StartAsync();

        var result = await ExchangeAsync(server, CreateOptions(server, options => options.TokenEndpoint = null));

        AssertUnavailable(result, "temporarily_unavailable");
        Assert.Empty(server.TokenRequests);
    }

    [Fact]
    public async Task TokenEndpoint_NonLoopbackHttpWhileHttpsRequired_RefusedBeforeSending()
    {
        var logs = new InMemoryLoggerProvider();
        using var services = CreateServices(logs);
        await using var server = await LoopbackAuthorizationServer.StartAsync();

        var result = await ExchangeAsync(server, CreateOptions(server, options =>
        {
            options.RequireHttpsMetadata = true;
            options.TokenEndpoint = "http://as.example.test/connect/token";
        }), services);

        AssertUnavailable(result, "temporarily_unavailable");
        Assert.Contains(logs.Entries, entry => entry.EventId.Name == "TokenEndpointRefused");
    }

    [Fact]
    public async Task TokenEndpoint_LoopbackHttpWhileHttpsRequired_IsCalled()
    {
        // Loopback traffic never leaves the machine: the same exemption as options validation.
        await using var server = await LoopbackAuthorizationServer.StartAsync();

        var result = await ExchangeAsync(server, CreateOptions(server, options => options.RequireHttpsMetadata = true));

        Assert.Equal(Saml2BearerTokenResultStatus.Success, result.Status);
        Assert.Single(server.TokenRequests);
    }

    [Fact]
    public async Task Logs_EveryOutcome_NeverContainSecretAssertionOrTokens()
    {
        const string refreshToken = "RT-secret-7d1e";
        const string idToken = "ID-secret-0b3a";
        var logs = new InMemoryLoggerProvider();
        using var services = CreateServices(logs);
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        await using var server = await LoopbackAuthorizationServer.StartAsync();

        server.TokenEndpointHandler = LoopbackAuthorizationServer.RespondJson(200,
            $$"""{"access_token":"{{LoopbackAuthorizationServer.DefaultAccessToken}}","token_type":"Bearer","refresh_token":"{{refreshToken}}","id_token":"{{idToken}}","expires_in":60}""");
        Assert.Equal(Saml2BearerTokenResultStatus.Success, (await ExchangeAsync(server, CreateOptions(server), services)).Status);
        Assert.Equal(Saml2BearerTokenResultStatus.Success, (await ExchangeAsync(server, CreateOptions(server, options =>
            options.ClientAuthenticationMethod = Saml2BearerClientAuthenticationMethod.ClientSecretPost), services)).Status);
        Assert.Equal(Saml2BearerTokenResultStatus.Success, (await ExchangeAsync(server, CreateOptions(server, options =>
        {
            options.ClientAuthenticationMethod = Saml2BearerClientAuthenticationMethod.PrivateKeyJwt;
            options.ClientSigningCredentials = new SigningCredentials(new ECDsaSecurityKey(ecdsa), SecurityAlgorithms.EcdsaSha256);
        }), services)).Status);
        server.TokenEndpointHandler = LoopbackAuthorizationServer.RespondJson(400, """{"error":"invalid_grant","error_description":"assertion expired"}""");
        await ExchangeAsync(server, CreateOptions(server), services);
        server.TokenEndpointHandler = LoopbackAuthorizationServer.RespondJson(401, """{"error":"invalid_client"}""");
        await ExchangeAsync(server, CreateOptions(server), services);
        server.TokenEndpointHandler = LoopbackAuthorizationServer.RespondJson(200, $$"""{"access_token":"{{LoopbackAuthorizationServer.DefaultAccessToken}}"}""");
        await ExchangeAsync(server, CreateOptions(server), services);
        server.TokenEndpointHandler = LoopbackAuthorizationServer.Respond(503, "down", "text/plain");
        await ExchangeAsync(server, CreateOptions(server), services);
        server.TokenEndpointHandler = HangAsync;
        await ExchangeAsync(server, CreateOptions(server, options => options.BackchannelTimeout = TimeSpan.FromMilliseconds(200)), services);

        var clientAssertion = server.TokenRequests.Select(request => request.Form.GetValueOrDefault("client_assertion").ToString()).Single(value => value.Length > 0);
        var basicHeader = server.TokenRequests[0].Authorization!["Basic ".Length..];
        var assertionBase64Url = Base64Url.EncodeToString(AssertionBytes);
        string[] forbidden =
        [
            ClientSecret, basicHeader, LoopbackAuthorizationServer.DefaultAccessToken, refreshToken, idToken,
            assertionBase64Url[..24], Convert.ToBase64String(AssertionBytes)[..24], "urn:test:user:alice", clientAssertion[..24],
            clientAssertion.Split('.')[2][..24],
        ];
        var entries = logs.Entries;
        Assert.Contains(entries, entry => entry.EventId.Id is >= 2000 and < 2100 && entry.Level == LogLevel.Debug);
        Assert.Contains(entries, entry => entry.EventId.Name == "GrantRejected");
        Assert.Contains(entries, entry => entry.EventId.Name == "ClientRejected" && entry.Level == LogLevel.Error);
        Assert.Contains(entries, entry => entry.EventId.Name == "TokenEndpointTimedOut");
        foreach (var entry in entries)
        {
            foreach (var secret in forbidden)
            {
                Assert.False(entry.AllText.Contains(secret, StringComparison.Ordinal), $"log {entry.Category}/{entry.EventId} contains a secret: {entry.Message}");
            }
        }
    }

    [Fact]
    public async Task Logs_ErrorDescription_TruncatedTo100CharactersWithoutControlCharacters()
    {
        var description = "first line\r\n2026-11-26 FORGED admin login\u0007\u0000" + new string('x', 400);
        var logs = new InMemoryLoggerProvider();
        using var services = CreateServices(logs);
        await using var server = await LoopbackAuthorizationServer.StartAsync(
            LoopbackAuthorizationServer.RespondJson(400, JsonSerializer.Serialize(new { error = "invalid_grant", error_description = description })));

        var result = await ExchangeAsync(server, CreateOptions(server), services);

        Assert.Equal(description, result.ErrorDescription);
        var rejected = Assert.Single(logs.Entries, entry => entry.EventId.Name == "GrantRejected");
        Assert.Equal(2002, rejected.EventId.Id);
        Assert.DoesNotContain(rejected.State, pair => pair.Key == "ErrorDescription");
        Assert.DoesNotContain("FORGED", rejected.Message, StringComparison.Ordinal);
        Assert.Equal(400, rejected.State.Single(pair => pair.Key == "StatusCode").Value);
        Assert.Equal("invalid_grant", rejected.State.Single(pair => pair.Key == "Error").Value);
        var entry = Assert.Single(logs.Entries, entry => entry.EventId.Name == "ErrorDescriptionReceived");
        Assert.Equal(LogLevel.Debug, entry.Level);
        var logged = Assert.IsType<string>(entry.State.Single(pair => pair.Key == "ErrorDescription").Value);
        Assert.Equal(100, logged.Length);
        Assert.StartsWith("first line2026-11-26 FORGED admin loginxxx", logged, StringComparison.Ordinal);
        Assert.DoesNotContain(logged, char.IsControl);
        Assert.DoesNotContain(entry.Message, char.IsControl);
    }

    [Fact]
    public async Task Logs_ErrorDescriptionQuotingTheClientSecret_SecretMasked()
    {
        var logs = new InMemoryLoggerProvider();
        using var services = CreateServices(logs);
        await using var server = await LoopbackAuthorizationServer.StartAsync(
            LoopbackAuthorizationServer.RespondJson(401, JsonSerializer.Serialize(new { error = "invalid_client", error_description = $"client_secret '{ClientSecret}' is wrong" })));

        var result = await ExchangeAsync(server, CreateOptions(server), services);

        Assert.Equal(Saml2BearerTokenResultStatus.ClientError, result.Status);
        Assert.DoesNotContain(ClientSecret, logs.AllText, StringComparison.Ordinal);
        var entry = Assert.Single(logs.Entries, entry => entry.EventId.Name == "ErrorDescriptionReceived");
        Assert.Contains("client_secret '***' is wrong", entry.Message, StringComparison.Ordinal);
    }

    private static async Task<Saml2BearerTokenResult> ExchangeAsync(
        LoopbackAuthorizationServer? server,
        Saml2BearerOptions options,
        ServiceProvider? services = null,
        string? scope = null,
        string schemeName = SchemeName,
        CancellationToken cancellationToken = default)
    {
        _ = server;
        var owned = services is null ? CreateServices() : null;
        try
        {
            var service = ActivatorUtilities.CreateInstance<Saml2BearerHttpTokenService>(services ?? owned!);
            return await service.ExchangeAsync(
                new Saml2BearerTokenRequest { SchemeName = schemeName, Options = options, Assertion = AssertionBytes, Scope = scope },
                cancellationToken);
        }
        finally
        {
            owned?.Dispose();
        }
    }

    private static ConfigurationManager<OpenIdConnectConfiguration> CreateConfigurationManager(Uri metadataAddress) =>
        new(metadataAddress.AbsoluteUri, new OpenIdConnectConfigurationRetriever(), new HttpDocumentRetriever { RequireHttps = false });

    private static string FormUrlDecode(string value) => Uri.UnescapeDataString(value.Replace('+', ' '));

    private static byte[] CreateAssertionBytes()
    {
        var xml = """<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a1"><saml:Subject><saml:NameID>urn:test:user:alice</saml:NameID></saml:Subject></saml:Assertion>""";
        var prefix = Encoding.UTF8.GetBytes(xml.PadRight(xml.Length + ((3 - (xml.Length % 3)) % 3)));
        // 0xFB 0xEF 0xFF encode as "++//" on a 3-byte boundary; one more byte forces "==" padding.
        return [.. prefix, 0xFB, 0xEF, 0xFF, (byte)'\n'];
    }
}
