using System.Net;
using System.Security.Claims;
using System.Text;
using AspNetCore.Saml2Bearer.Tests.Infrastructure;
using AspNetCore.Saml2Bearer.TokenExchange;

namespace AspNetCore.Saml2Bearer.Tests.Handler;

public sealed class Saml2BearerHandlerTests(ValidatorFixture fixture) : IClassFixture<ValidatorFixture>
{
    private const string Marker = "MARKER-3b9f0e-<script>";
    private const string EmailAttribute = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress";
    private const string GroupsAttribute = "urn:oid:1.3.6.1.4.1.5923.1.1.1.7";

    // Failure table

    [Fact]
    public async Task Request_NoCredentials_Returns401WithBareChallengeAndDoesNotExchange()
    {
        await using var host = await Saml2BearerTestHost.StartAsync(fixture);

        using var response = await host.GetAsync("/whoami");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("SAML", Assert.Single(response.Headers.WwwAuthenticate).ToString());
        Assert.Equal(0, host.TokenService.Calls);
    }

    [Fact]
    public async Task Request_OtherAuthorizationScheme_Returns401WithoutError()
    {
        await using var host = await Saml2BearerTestHost.StartAsync(fixture);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/whoami", UriKind.Relative));
        request.Headers.Authorization = new("Bearer", host.Assertion());

        using var response = await host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("SAML", Assert.Single(response.Headers.WwwAuthenticate).ToString());
        Assert.Equal(0, host.TokenService.Calls);
    }

    [Theory]
    [InlineData("unsigned")]
    [InlineData("expired")]
    [InlineData("wrong-audience")]
    [InlineData("garbage")]
    [InlineData("untrusted-key")]
    public async Task Request_AssertionFailsValidation_Returns401InvalidTokenWithoutAttackerTextAndDoesNotExchange(string variant)
    {
        await using var host = await Saml2BearerTestHost.StartAsync(fixture);
        var assertion = CreateInvalidAssertion(host, variant);

        using var response = await host.GetAsync("/whoami", assertion);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var challenge = Assert.Single(response.Headers.WwwAuthenticate).ToString();
        Assert.StartsWith("SAML error=\"invalid_token\", error_description=\"", challenge, StringComparison.Ordinal);
        var dump = await Saml2BearerTestHost.DumpAsync(response);
        Assert.DoesNotContain("MARKER-3b9f0e", dump, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", dump, StringComparison.Ordinal);
        Assert.Equal(0, host.TokenService.Calls);
    }

    [Theory]
    [InlineData("unsigned", "The assertion is not signed.")]
    [InlineData("expired", "The assertion has expired.")]
    [InlineData("wrong-audience", "The assertion is not intended for this audience.")]
    [InlineData("garbage", "The assertion is not valid base64, base64url or DEFLATE data.")]
    public async Task Request_AssertionFailsValidation_DescribesTheReasonWithFixedText(string variant, string description)
    {
        await using var host = await Saml2BearerTestHost.StartAsync(fixture);

        using var response = await host.GetAsync("/whoami", CreateInvalidAssertion(host, variant));

        Assert.Equal($"SAML error=\"invalid_token\", error_description=\"{description}\"", Assert.Single(response.Headers.WwwAuthenticate).ToString());
    }

    [Fact]
    public async Task Request_IncludeErrorDetailsOff_DropsTheDescription()
    {
        await using var host = await Saml2BearerTestHost.StartAsync(fixture, o => o.IncludeErrorDetails = false);

        using var response = await host.GetAsync("/whoami", CreateInvalidAssertion(host, "unsigned"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("SAML error=\"invalid_token\"", Assert.Single(response.Headers.WwwAuthenticate).ToString());
    }

    [Theory]
    [InlineData(Saml2BearerTokenResultStatus.InvalidGrant, "invalid_grant")]
    public async Task Request_TokenServiceRefuses_Returns401InvalidToken(Saml2BearerTokenResultStatus status, string error)
    {
        await using var host = await Saml2BearerTestHost.StartAsync(fixture);
        host.TokenService.Enqueue(Saml2BearerTokenResult.Failure(status, error, "server says " + Marker));

        using var response = await host.GetAsync("/whoami", host.Assertion());

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var challenge = Assert.Single(response.Headers.WwwAuthenticate).ToString();
        Assert.StartsWith("SAML error=\"invalid_token\"", challenge, StringComparison.Ordinal);
        Assert.DoesNotContain("MARKER-3b9f0e", await Saml2BearerTestHost.DumpAsync(response), StringComparison.Ordinal);
        Assert.Equal(1, host.TokenService.Calls);
    }

    [Fact]
    public async Task Request_TokenServiceUnavailable_Returns503WithItsRetryAfter()
    {
        await using var host = await Saml2BearerTestHost.StartAsync(fixture);
        host.TokenService.Enqueue(Saml2BearerTokenResult.Failure(Saml2BearerTokenResultStatus.ServiceUnavailable, "temporarily_unavailable", retryAfter: TimeSpan.FromSeconds(17)));

        using var response = await host.GetAsync("/whoami", host.Assertion());

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(17), response.Headers.RetryAfter?.Delta);
        Assert.Empty(response.Headers.WwwAuthenticate);
    }

    [Fact]
    public async Task Request_TokenServiceUnavailableWithoutRetryAfter_Returns503WithDefaultRetryAfter()
    {
        await using var host = await Saml2BearerTestHost.StartAsync(fixture, o => o.DefaultRetryAfter = TimeSpan.FromSeconds(42));
        host.TokenService.Enqueue(Saml2BearerTokenResult.Failure(Saml2BearerTokenResultStatus.ServiceUnavailable, "server_error"));

        using var response = await host.GetAsync("/whoami", host.Assertion());

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(42), response.Headers.RetryAfter?.Delta);
    }

    [Fact]
    public async Task Request_TokenServiceThrows_Returns503NotA500()
    {
        await using var host = await Saml2BearerTestHost.StartAsync(fixture);
        host.TokenService.EnqueueThrow(new HttpRequestException("connection refused " + Marker));

        using var response = await host.GetAsync("/whoami", host.Assertion());

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.DoesNotContain("MARKER-3b9f0e", await Saml2BearerTestHost.DumpAsync(response), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Request_TokenServiceThrewBefore_NextRequestExchangesAgain()
    {
        await using var host = await Saml2BearerTestHost.StartAsync(fixture);
        host.TokenService.EnqueueThrow(new InvalidOperationException("boom"));
        using var failed = await host.GetAsync("/whoami", host.Assertion());

        using var response = await host.GetAsync("/whoami", host.Assertion());

        Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.StatusCode);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, host.TokenService.Calls);
    }

    // Success

    [Fact]
    public async Task WhoAmI_ValidAssertion_NameIsNameIdAndEveryAttributeValueIsAClaim()
    {
        await using var host = await Saml2BearerTestHost.StartAsync(fixture);

        var whoAmI = await host.WhoAmIAsync(host.Assertion(b => b.NameId = "bob@example.com"));

        Assert.Equal("bob@example.com", whoAmI.Name);
        Assert.Equal(["bob@example.com"], whoAmI.Values(ClaimTypes.NameIdentifier));
        Assert.Equal(["alice@example.com"], whoAmI.Values(EmailAttribute));
        Assert.Equal(["orders.read", "orders.write"], whoAmI.Values(GroupsAttribute));
        Assert.Equal([Saml2AssertionBuilder.DefaultIssuer], whoAmI.Values(Saml2BearerDefaults.AssertionIssuerClaimType));
        Assert.Equal(1, host.TokenService.Calls);
    }

    [Fact]
    public async Task WhoAmI_ResponseHasScope_ScopeClaimsAreTheGrantedScopes()
    {
        await using var host = await Saml2BearerTestHost.StartAsync(fixture);
        host.TokenService.Enqueue(RecordingTokenService.Success("at-1", TimeSpan.FromHours(1), "orders.read profile"));

        var whoAmI = await host.WhoAmIAsync(host.Assertion());

        Assert.Equal(["orders.read", "profile"], whoAmI.Values(Saml2BearerDefaults.ScopeClaimType));
    }

    [Fact]
    public async Task WhoAmI_ResponseOmitsScope_ScopeClaimsAreTheRequestedScope()
    {
        await using var host = await Saml2BearerTestHost.StartAsync(fixture, o => o.Scope = "orders.read invoices.read");
        host.TokenService.Enqueue(RecordingTokenService.Success("at-1", TimeSpan.FromHours(1), scope: null));

        var whoAmI = await host.WhoAmIAsync(host.Assertion());

        Assert.Equal(["orders.read", "invoices.read"], whoAmI.Values(Saml2BearerDefaults.ScopeClaimType));
        Assert.Equal("orders.read invoices.read", Assert.Single(host.TokenService.Requests).Scope);
    }

    [Fact]
    public async Task WhoAmI_AttributeClaimTypeMap_RenamesMappedAttributesOnly()
    {
        await using var host = await Saml2BearerTestHost.StartAsync(fixture, o => o.AttributeClaimTypeMap[GroupsAttribute] = ClaimTypes.Role);

        var whoAmI = await host.WhoAmIAsync(host.Assertion());

        Assert.Equal(["orders.read", "orders.write"], whoAmI.Values(ClaimTypes.Role));
        Assert.Empty(whoAmI.Values(GroupsAttribute));
        Assert.Equal(["alice@example.com"], whoAmI.Values(EmailAttribute));
    }

    [Fact]
    public async Task GetTokenAsync_SaveTokens_ReturnsTheAccessToken()
    {
        await using var host = await Saml2BearerTestHost.StartAsync(fixture);
        host.TokenService.Enqueue(RecordingTokenService.Success("opaque-access-token", TimeSpan.FromHours(1)));

        using var response = await host.GetAsync("/token", host.Assertion());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("opaque-access-token", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task GetTokenAsync_SaveTokensOff_ReturnsNothing()
    {
        await using var host = await Saml2BearerTestHost.StartAsync(fixture, o => o.SaveTokens = false);

        using var response = await host.GetAsync("/token", host.Assertion());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(string.Empty, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Policy_ScopeGranted_Returns200()
    {
        await using var host = await Saml2BearerTestHost.StartAsync(fixture);
        host.TokenService.Enqueue(RecordingTokenService.Success("at-1", TimeSpan.FromHours(1), "orders.read"));

        using var response = await host.GetAsync("/orders", host.Assertion());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Policy_ScopeNotGranted_Returns403()
    {
        await using var host = await Saml2BearerTestHost.StartAsync(fixture);
        host.TokenService.Enqueue(RecordingTokenService.Success("at-1", TimeSpan.FromHours(1), "profile"));

        using var response = await host.GetAsync("/orders", host.Assertion());

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task Request_CustomHeaderWithoutScheme_IsAuthenticated()
    {
        await using var host = await Saml2BearerTestHost.StartAsync(fixture, o =>
        {
            o.HeaderName = "X-SAML-Assertion";
            o.HeaderSchemes.Clear();
        });
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/whoami", UriKind.Relative));
        request.Headers.Add("X-SAML-Assertion", host.Assertion());

        using var response = await host.Client.SendAsync(request);
        using var viaAuthorization = await host.GetAsync("/whoami", host.Assertion());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, viaAuthorization.StatusCode);
    }

    [Fact]
    public async Task Request_FormFieldOnPostWhenAllowed_IsAuthenticated()
    {
        await using var host = await Saml2BearerTestHost.StartAsync(fixture, o => o.AllowFormField = true);
        using var content = new FormUrlEncodedContent([new("assertion", host.Assertion())]);

        using var response = await host.Client.PostAsync(new Uri("/whoami", UriKind.Relative), content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Request_FormFieldWhenNotAllowed_Returns401()
    {
        await using var host = await Saml2BearerTestHost.StartAsync(fixture);
        using var content = new FormUrlEncodedContent([new("assertion", host.Assertion())]);

        using var response = await host.Client.PostAsync(new Uri("/whoami", UriKind.Relative), content);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(0, host.TokenService.Calls);
    }

    [Fact]
    public async Task Request_Base64UrlAssertion_IsAuthenticated()
    {
        await using var host = await Saml2BearerTestHost.StartAsync(fixture);

        using var response = await host.GetAsync("/whoami", Base64Url(host.Assertion()));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Exchange_ValidAssertion_PresentsTheDecodedBytesWithTheSchemesOptions()
    {
        await using var host = await Saml2BearerTestHost.StartAsync(fixture);
        var builder = host.NewAssertion();
        var signed = builder.BuildSigned(fixture.IdpKey);

        using var response = await host.GetAsync("/whoami", Saml2AssertionBuilder.Encode(signed));

        var request = Assert.Single(host.TokenService.Requests);
        Assert.Equal(Saml2AssertionBuilder.ToBytes(signed), request.Assertion.ToArray());
        Assert.Equal(Saml2BearerDefaults.AuthenticationScheme, request.SchemeName);
        Assert.Equal(Saml2BearerTestHost.ClientId, request.Options.ClientId);
    }

    // Cache

    [Fact]
    public async Task Cache_200ConcurrentRequestsForOneNewSubject_ExchangeOnce()
    {
        await using var host = await Saml2BearerTestHost.StartAsync(fixture);
        host.TokenService.Delay = TimeSpan.FromMilliseconds(200);
        var assertions = Enumerable.Range(0, 200).Select(_ => host.Assertion()).ToList();
        Assert.Equal(200, assertions.Distinct(StringComparer.Ordinal).Count());

        var responses = await Task.WhenAll(assertions.Select(a => host.GetAsync("/token", a)));

        try
        {
            Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
            Assert.Equal(1, host.TokenService.Calls);
            var tokens = await Task.WhenAll(responses.Select(r => r.Content.ReadAsStringAsync()));
            Assert.Equal([RecordingTokenService.AccessTokenPrefix + "1"], tokens.Distinct(StringComparer.Ordinal));
        }
        finally
        {
            foreach (var response in responses)
            {
                response.Dispose();
            }
        }
    }

    [Fact]
    public async Task Cache_DifferentValidAssertionForCachedSubject_DoesNotExchange()
    {
        await using var host = await Saml2BearerTestHost.StartAsync(fixture);
        using var first = await host.GetAsync("/whoami", host.Assertion());

        using var second = await host.GetAsync("/whoami", host.Assertion());

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(1, host.TokenService.Calls);
    }

    [Fact]
    public async Task Cache_OtherSubject_Exchanges()
    {
        await using var host = await Saml2BearerTestHost.StartAsync(fixture);
        using var first = await host.GetAsync("/whoami", host.Assertion());

        using var second = await host.GetAsync("/whoami", host.Assertion(b => b.NameId = "carol@example.com"));

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(2, host.TokenService.Calls);
    }

    [Fact]
    public async Task Cache_SameNameIdFromAnotherIssuer_Exchanges()
    {
        await using var host = await Saml2BearerTestHost.StartAsync(fixture);
        using var first = await host.GetAsync("/whoami", host.Assertion());

        using var second = await host.GetAsync("/whoami", host.Assertion(b => b.Issuer = ValidatorFixture.OtherIssuer, fixture.OtherIdpKey));

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(2, host.TokenService.Calls);
    }

    [Fact]
    public async Task FastPath_ChangesToOneRequestsPrincipalOrProperties_DoNotReachTheNext()
    {
        var validated = 0;
        await using var host = await Saml2BearerTestHost.StartAsync(fixture, o => o.Events.OnTokenValidated = context =>
        {
            if (Interlocked.Increment(ref validated) == 1)
            {
                ((ClaimsIdentity)context.Principal!.Identity!).AddClaim(new Claim("added-by-first-request", "1"));
                context.Properties.Items[".saml2bearer.tokenkey"] = "tampered";
            }

            return Task.CompletedTask;
        });
        var assertion = host.Assertion();

        var first = await host.WhoAmIAsync(assertion);
        var second = await host.WhoAmIAsync(assertion);
        using var evicted = await host.GetAsync("/evict", assertion);
        using var third = await host.GetAsync("/whoami", assertion);

        Assert.Equal(["1"], first.Values("added-by-first-request"));
        Assert.Empty(second.Values("added-by-first-request"));
        Assert.Equal(first.Claims.Count - 1, second.Claims.Count);
        Assert.Equal("alice@example.com", second.Name);
        Assert.Equal(["orders.read", "orders.write"], second.Values(Saml2BearerDefaults.ScopeClaimType));
        Assert.Equal("evicted", await evicted.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, third.StatusCode);
        Assert.Equal(2, host.TokenService.Calls);
    }

    [Fact]
    public async Task FastPath_TokenExpiredWhileAssertionStillValid_ReExchangesAndThePrincipalFollowsTheNewToken()
    {
        await using var host = await Saml2BearerTestHost.StartAsync(fixture);
        host.TokenService.ExpiresIn = TimeSpan.FromMinutes(2);
        host.TokenService.Scope = "orders.read";
        var assertion = host.Assertion();
        var first = await host.WhoAmIAsync(assertion);
        var repeated = await host.WhoAmIAsync(assertion);

        host.TokenService.Scope = "orders.write";
        host.Time.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
        var afterExpiry = await host.WhoAmIAsync(assertion);
        using var token = await host.GetAsync("/token", assertion);

        Assert.Equal(["orders.read"], first.Values(Saml2BearerDefaults.ScopeClaimType));
        Assert.Equal(["orders.read"], repeated.Values(Saml2BearerDefaults.ScopeClaimType));
        Assert.Equal(["orders.write"], afterExpiry.Values(Saml2BearerDefaults.ScopeClaimType));
        Assert.Equal(RecordingTokenService.AccessTokenPrefix + "2", await token.Content.ReadAsStringAsync());
        Assert.Equal(2, host.TokenService.Calls);
    }

    [Fact]
    public async Task FastPath_RepeatedAssertionPastItsNotOnOrAfter_IsRejected()
    {
        await using var host = await Saml2BearerTestHost.StartAsync(fixture, o => o.Assertion.ClockSkew = TimeSpan.Zero);
        var builder = host.NewAssertion();
        var assertion = builder.BuildEncoded(fixture.IdpKey);
        using var first = await host.GetAsync("/whoami", assertion);
        host.Time.Advance(TimeSpan.FromMinutes(4));
        using var repeated = await host.GetAsync("/whoami", assertion);

        host.Time.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
        using var expired = await host.GetAsync("/whoami", assertion);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, repeated.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, expired.StatusCode);
        Assert.Contains("invalid_token", Assert.Single(expired.Headers.WwwAuthenticate).ToString(), StringComparison.Ordinal);
        Assert.Equal(1, host.TokenService.Calls);
    }

    [Fact]
    public async Task Cache_ExpiredAssertionForCachedSubject_IsRejectedWithoutExchange()
    {
        await using var host = await Saml2BearerTestHost.StartAsync(fixture);
        using var first = await host.GetAsync("/whoami", host.Assertion());
        var now = host.Time.GetUtcNow();

        using var response = await host.GetAsync("/whoami", host.Assertion(b =>
        {
            b.IssueInstant = now.AddMinutes(-30);
            b.NotBefore = now.AddMinutes(-30);
            b.NotOnOrAfter = now.AddMinutes(-10);
            b.SubjectConfirmationNotOnOrAfter = now.AddMinutes(-10);
        }));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(1, host.TokenService.Calls);
    }

    [Fact]
    public async Task Cache_UnsignedAssertionForCachedSubject_IsRejectedAndLeavesTheCachesAlone()
    {
        await using var host = await Saml2BearerTestHost.StartAsync(fixture);
        using var first = await host.GetAsync("/whoami", host.Assertion());
        var state = host.Options().State!;
        var entriesBefore = state.TokenCache.Count;
        var unsigned = host.NewAssertion().BuildUnsigned();
        var unsignedBytes = Saml2AssertionBuilder.ToBytes(unsigned);

        using var response = await host.GetAsync("/whoami", Saml2AssertionBuilder.Encode(unsigned));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(1, host.TokenService.Calls);
        Assert.Equal(1, entriesBefore);
        Assert.Equal(entriesBefore, state.TokenCache.Count);
        Assert.False(state.AssertionCache.TryGet(unsignedBytes, out _));
    }

    [Fact]
    public async Task Cache_TokenPastExpiresInMinusMargin_ExchangesAgain()
    {
        await using var host = await Saml2BearerTestHost.StartAsync(fixture);
        host.TokenService.ExpiresIn = TimeSpan.FromMinutes(5);
        using var first = await host.GetAsync("/whoami", host.Assertion());
        host.Time.Advance(TimeSpan.FromMinutes(4) - TimeSpan.FromSeconds(1));
        using var beforeMargin = await host.GetAsync("/whoami", host.Assertion());
        var callsBeforeMargin = host.TokenService.Calls;

        host.Time.Advance(TimeSpan.FromSeconds(2));
        using var afterMargin = await host.GetAsync("/whoami", host.Assertion());

        Assert.Equal(HttpStatusCode.OK, beforeMargin.StatusCode);
        Assert.Equal(HttpStatusCode.OK, afterMargin.StatusCode);
        Assert.Equal(1, callsBeforeMargin);
        Assert.Equal(2, host.TokenService.Calls);
    }

    [Fact]
    public async Task Cache_InvalidGrantThenSuccess_SecondRequestExchanges()
    {
        await using var host = await Saml2BearerTestHost.StartAsync(fixture);
        host.TokenService.Enqueue(Saml2BearerTokenResult.Failure(Saml2BearerTokenResultStatus.InvalidGrant, "invalid_grant"));
        using var refused = await host.GetAsync("/whoami", host.Assertion());

        using var accepted = await host.GetAsync("/whoami", host.Assertion());

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal(2, host.TokenService.Calls);
    }

    [Fact]
    public async Task Cache_ServiceUnavailableThenSuccess_SecondRequestExchanges()
    {
        await using var host = await Saml2BearerTestHost.StartAsync(fixture);
        host.TokenService.Enqueue(Saml2BearerTokenResult.Failure(Saml2BearerTokenResultStatus.ServiceUnavailable, "server_error"));
        using var failed = await host.GetAsync("/whoami", host.Assertion());

        using var accepted = await host.GetAsync("/whoami", host.Assertion());

        Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.StatusCode);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal(2, host.TokenService.Calls);
    }

    [Fact]
    public async Task Cache_OneWaiterCancelled_SharedExchangeStillServesTheOthers()
    {
        await using var host = await Saml2BearerTestHost.StartAsync(fixture);
        host.TokenService.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var cancellation = new CancellationTokenSource();

        // The leader starts the exchange, then is cancelled while others wait on the same exchange.
        var leader = host.GetAsync("/token", host.Assertion(), cancellation.Token);
        await host.TokenService.Entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var others = Enumerable.Range(0, 5).Select(_ => host.GetAsync("/token", host.Assertion())).ToList();
        await cancellation.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => leader);
        host.TokenService.Gate.SetResult();
        var responses = await Task.WhenAll(others);

        try
        {
            Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
            Assert.Equal(1, host.TokenService.Calls);
            Assert.False(Assert.Single(host.TokenService.CancellationTokens).IsCancellationRequested);
        }
        finally
        {
            foreach (var response in responses)
            {
                response.Dispose();
            }
        }
    }

    [Fact]
    public async Task EvictSaml2BearerTokenAsync_CachedToken_NextRequestExchangesAgain()
    {
        await using var host = await Saml2BearerTestHost.StartAsync(fixture);
        using var first = await host.GetAsync("/whoami", host.Assertion());
        using var cached = await host.GetAsync("/whoami", host.Assertion());
        var callsBeforeEviction = host.TokenService.Calls;

        using var evict = await host.GetAsync("/evict", host.Assertion());
        using var afterEviction = await host.GetAsync("/whoami", host.Assertion());

        Assert.Equal(1, callsBeforeEviction);
        Assert.Equal("evicted", await evict.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, afterEviction.StatusCode);
        Assert.Equal(2, host.TokenService.Calls);
    }

    // Logs

    [Fact]
    public async Task Logs_SuccessAndFailures_HoldNoAssertionXmlTokenOrSecret()
    {
        await using var host = await Saml2BearerTestHost.StartAsync(fixture);
        var valid = host.Assertion();
        var unsigned = Saml2AssertionBuilder.Encode(host.NewAssertion().BuildUnsigned());
        var garbage = "not-base64!" + Marker;
        var other = host.Assertion(b => b.NameId = "dave@example.com");
        var refused = host.Assertion(b => b.NameId = "erin@example.com");
        var failing = host.Assertion(b => b.NameId = "frank@example.com");
        host.TokenService.Enqueue(RecordingTokenService.Success("at-SECRET-5d1c", TimeSpan.FromHours(1)));

        using (await host.GetAsync("/token", valid))
        using (await host.GetAsync("/token", valid))
        using (await host.GetAsync("/whoami", unsigned))
        using (await host.GetAsync("/whoami", garbage))
        using (await host.GetAsync("/whoami"))
        {
        }

        host.TokenService.Enqueue(Saml2BearerTokenResult.Failure(Saml2BearerTokenResultStatus.InvalidGrant, "invalid_grant", "description " + Marker));
        using (await host.GetAsync("/whoami", refused))
        {
        }

        host.TokenService.EnqueueThrow(new HttpRequestException("failed with secret " + Saml2BearerTestHost.ClientSecret));
        using (await host.GetAsync("/whoami", failing))
        using (await host.GetAsync("/whoami", other))
        {
        }

        var logs = host.Logs.AllText;
        Assert.NotEmpty(host.Logs.Entries);
        Assert.Contains("[1001:AssertionRejected]", logs, StringComparison.Ordinal);
        foreach (var assertion in new[] { valid, unsigned, other, refused, failing })
        {
            Assert.DoesNotContain(assertion[..40], logs, StringComparison.Ordinal);
            Assert.DoesNotContain(Base64Url(assertion)[..40], logs, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("MARKER-3b9f0e", logs, StringComparison.Ordinal);
        Assert.DoesNotContain("<saml", logs, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Assertion xmlns", logs, StringComparison.Ordinal);
        Assert.DoesNotContain("alice@example.com", logs, StringComparison.Ordinal);
        Assert.DoesNotContain("at-SECRET-5d1c", logs, StringComparison.Ordinal);
        Assert.DoesNotContain(RecordingTokenService.AccessTokenPrefix, logs, StringComparison.Ordinal);
        Assert.DoesNotContain(Saml2BearerTestHost.ClientSecret, logs, StringComparison.Ordinal);
    }

    private static string Base64Url(string base64) => base64.TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private string CreateInvalidAssertion(Saml2BearerTestHost host, string variant)
    {
        var builder = host.NewAssertion();
        builder.NameId = Marker + "@example.com";
        builder.Attributes.Add(new("urn:marker", [Marker]));
        var now = host.Time.GetUtcNow();
        switch (variant)
        {
            case "unsigned":
                return Saml2AssertionBuilder.Encode(builder.BuildUnsigned());
            case "expired":
                builder.IssueInstant = now.AddMinutes(-30);
                builder.NotBefore = now.AddMinutes(-30);
                builder.NotOnOrAfter = now.AddMinutes(-10);
                builder.SubjectConfirmationNotOnOrAfter = now.AddMinutes(-10);
                return builder.BuildEncoded(fixture.IdpKey);
            case "wrong-audience":
                builder.AudienceRestrictions.Clear();
                builder.AudienceRestrictions.Add(["https://elsewhere.example.com/" + Marker]);
                return builder.BuildEncoded(fixture.IdpKey);
            case "garbage":
                return "%%%" + Convert.ToBase64String(Encoding.UTF8.GetBytes(Marker)) + Marker;
            case "untrusted-key":
                return builder.BuildEncoded(fixture.AttackerKey);
            default:
                throw new ArgumentOutOfRangeException(nameof(variant));
        }
    }
}
