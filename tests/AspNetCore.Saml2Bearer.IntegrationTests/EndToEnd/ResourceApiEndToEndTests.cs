using System.Net;
using System.Text.Json;

namespace AspNetCore.Saml2Bearer.IntegrationTests.EndToEnd;

/// <summary>The Demo scenario, client authentication and the failure table, against the real authorization server.</summary>
[Collection(EndToEndGroup.Name)]
public sealed class ResourceApiEndToEndTests(EndToEndFixture e2e)
{
    [Fact]
    public async Task Whoami_ValidAssertion_ReturnsNameIdAndGrantedScopes()
    {
        var subject = EndToEndFixture.NewSubject("demo");
        var before = e2e.Api.TokenRequests.Count;
        var assertion = e2e.IssueAssertion(subject, d => d.Attributes["http://schemas.xmlsoap.org/claims/Group"] = ["purchasing", "finance"]);

        var response = await e2e.SendSamlAsync(e2e.Api, "whoami", assertion);

        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode} {response.Challenge} {response.Body}");
        using var json = JsonDocument.Parse(response.Body);
        Assert.Equal(subject, json.RootElement.GetProperty("name").GetString());
        var claims = json.RootElement.GetProperty("claims").EnumerateArray()
            .Select(c => (Type: c.GetProperty("type").GetString(), Value: c.GetProperty("value").GetString())).ToList();
        Assert.Contains(("scope", "orders.read"), claims);
        Assert.Contains(("http://schemas.xmlsoap.org/claims/Group", "finance"), claims);
        Assert.Equal(claims.Count, claims.Distinct().Count());
        Assert.Equal(before + 1, e2e.Api.TokenRequests.Count);
    }

    [Fact]
    public async Task Whoami_SecondAssertionForSameSubject_MakesNoSecondTokenRequest()
    {
        var subject = EndToEndFixture.NewSubject("cached");
        var before = e2e.Api.TokenRequests.Count;

        var first = await e2e.SendSamlAsync(e2e.Api, "whoami", e2e.IssueAssertion(subject));
        var second = await e2e.SendSamlAsync(e2e.Api, "whoami", e2e.IssueAssertion(subject));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(before + 1, e2e.Api.TokenRequests.Count);
    }

    [Fact]
    public async Task Whoami_OfflineAccessAssertionReusedAfterItsTokenExpired_Returns200WithOneRefreshAndNoSecondExchange()
    {
        // The ResourceApi contract's renewal, against our AS, which issues refresh tokens and refuses replays.
        var subject = EndToEndFixture.NewSubject("offline");
        var grantsBefore = e2e.OfflineApi.TokenRequests.GrantTypes.Count;
        var assertion = e2e.IssueAssertion(subject, d => d.Lifetime = TimeSpan.FromHours(1));
        var first = await e2e.SendSamlAsync(e2e.OfflineApi, "whoami", assertion);
        Assert.True(first.StatusCode == HttpStatusCode.OK, $"{first.StatusCode} {first.Challenge} {first.Body}");

        // Past the hour's token (minus the 60 s margin), still inside the assertion's hour.
        e2e.OfflineTime.Advance(TimeSpan.FromMinutes(59) + TimeSpan.FromSeconds(30));
        var reused = await e2e.SendSamlAsync(e2e.OfflineApi, "whoami", assertion);

        Assert.True(reused.StatusCode == HttpStatusCode.OK, $"{reused.StatusCode} {reused.Challenge} {reused.Body}");
        using var json = JsonDocument.Parse(reused.Body);
        Assert.Equal(subject, json.RootElement.GetProperty("name").GetString());
        Assert.Equal(
            [Saml2BearerDefaults.GrantType, "refresh_token"],
            e2e.OfflineApi.TokenRequests.GrantTypes.Skip(grantsBefore));
    }

    [Fact]
    public async Task Whoami_TamperedAssertion_Returns401InvalidTokenWithoutTokenRequest()
    {
        var before = e2e.Api.TokenRequests.Count;

        var response = await e2e.SendSamlAsync(e2e.Api, "whoami", e2e.IssueTamperedAssertion(EndToEndFixture.NewSubject("tampered")));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.StartsWith("SAML ", response.Challenge, StringComparison.Ordinal);
        Assert.Contains("error=\"invalid_token\"", response.Challenge, StringComparison.Ordinal);
        Assert.DoesNotContain("admin@example.com", response.Challenge, StringComparison.Ordinal);
        Assert.Equal(before, e2e.Api.TokenRequests.Count);
    }

    [Fact]
    public async Task Whoami_NoCredentials_Returns401SamlChallengeWithoutTokenRequest()
    {
        var before = e2e.Api.TokenRequests.Count;

        var response = await e2e.SendAsync(new HttpRequestMessage(HttpMethod.Get, new Uri(e2e.Api.BaseAddress, "whoami")));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("SAML", response.Challenge);
        Assert.Equal(before, e2e.Api.TokenRequests.Count);
    }

    public static TheoryData<string> ClientAuthenticationMethods => new() { "basic", "post", "private_key_jwt" };

    [Theory]
    [MemberData(nameof(ClientAuthenticationMethods))]
    public async Task Whoami_EachClientAuthenticationMethod_Returns200(string method)
    {
        var host = method switch
        {
            "basic" => e2e.Api,
            "post" => e2e.PostApi,
            _ => e2e.PrivateKeyJwtApi,
        };
        var subject = EndToEndFixture.NewSubject(method);
        var before = host.TokenRequests.Count;

        var response = await e2e.SendSamlAsync(host, "whoami", e2e.IssueAssertion(subject));

        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode} {response.Challenge} {response.Body}");
        using var json = JsonDocument.Parse(response.Body);
        Assert.Equal(subject, json.RootElement.GetProperty("name").GetString());
        Assert.Equal(before + 1, host.TokenRequests.Count);
    }

    [Fact]
    public async Task Whoami_AuthorizationServerUnreachable_Returns503WithRetryAfter()
    {
        var before = e2e.UnreachableAsApi.TokenRequests.Count;

        var response = await e2e.SendSamlAsync(e2e.UnreachableAsApi, "whoami", e2e.IssueAssertion(EndToEndFixture.NewSubject("down")));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.NotNull(response.RetryAfter);
        Assert.True(response.RetryAfter!.Delta is { } delta ? delta > TimeSpan.Zero : response.RetryAfter.Date is not null);
        Assert.True(e2e.UnreachableAsApi.TokenRequests.Count > before, "the token endpoint was tried");
    }

    [Fact]
    public async Task Whoami_InvalidClientSecret_Returns503WithRetryAfterNotInvalidToken()
    {
        // The AS refused the API, not the caller: our misconfiguration, which the caller cannot fix.
        var before = e2e.WrongSecretApi.TokenRequests.Count;

        var response = await e2e.SendSamlAsync(e2e.WrongSecretApi, "whoami", e2e.IssueAssertion(EndToEndFixture.NewSubject("badclient")));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.NotNull(response.RetryAfter);
        Assert.Empty(response.Challenges);
        Assert.Equal(before + 1, e2e.WrongSecretApi.TokenRequests.Count);
    }

    [Fact]
    public async Task Whoami_AssertionAlreadyUsedAtAuthorizationServer_Returns401InvalidToken()
    {
        var assertion = e2e.IssueAssertion(EndToEndFixture.NewSubject("used"));
        await e2e.RequestAccessTokenAsync(assertion);
        var before = e2e.SecondApi.TokenRequests.Count;

        var response = await e2e.SendSamlAsync(e2e.SecondApi, "whoami", assertion);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("error=\"invalid_token\"", response.Challenge, StringComparison.Ordinal);
        Assert.Equal(before + 1, e2e.SecondApi.TokenRequests.Count);
    }

    [Fact]
    public async Task Whoami_ReplayedAtSecondInstance_IsRejectedWhileFirstInstanceServesItsCachedToken()
    {
        var subject = EndToEndFixture.NewSubject("replay");
        var assertion = e2e.IssueAssertion(subject);
        var firstBefore = e2e.Api.TokenRequests.Count;
        var secondBefore = e2e.SecondApi.TokenRequests.Count;

        var first = await e2e.SendSamlAsync(e2e.Api, "whoami", assertion);
        var replayed = await e2e.SendSamlAsync(e2e.SecondApi, "whoami", assertion);
        var direct = await e2e.RequestTokenAsync(assertion);
        var firstAgain = await e2e.SendSamlAsync(e2e.Api, "whoami", assertion);
        var firstNewAssertion = await e2e.SendSamlAsync(e2e.Api, "whoami", e2e.IssueAssertion(subject));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, replayed.StatusCode);
        Assert.Contains("error=\"invalid_token\"", replayed.Challenge, StringComparison.Ordinal);
        Assert.Equal(secondBefore + 1, e2e.SecondApi.TokenRequests.Count);
        using (var json = JsonDocument.Parse(direct.Body))
        {
            Assert.Equal("invalid_grant", json.RootElement.GetProperty("error").GetString());
        }

        Assert.Equal(HttpStatusCode.OK, firstAgain.StatusCode);
        Assert.Equal(HttpStatusCode.OK, firstNewAssertion.StatusCode);
        using (var json = JsonDocument.Parse(firstNewAssertion.Body))
        {
            Assert.Equal(subject, json.RootElement.GetProperty("name").GetString());
        }

        Assert.Equal(firstBefore + 1, e2e.Api.TokenRequests.Count);
    }

    [Fact]
    public async Task Whoami_200ConcurrentRequestsOfOneNewSubject_MakeExactlyOneTokenRequest()
    {
        var subject = EndToEndFixture.NewSubject("burst");
        var assertions = Enumerable.Range(0, 200).Select(_ => e2e.IssueAssertion(subject)).ToList();
        var before = e2e.Api.TokenRequests.Count;
        using var start = new SemaphoreSlim(0);

        var requests = assertions.Select(async assertion =>
        {
            await start.WaitAsync();
            return await e2e.SendSamlAsync(e2e.Api, "whoami", assertion);
        }).ToList();
        start.Release(requests.Count);
        var responses = await Task.WhenAll(requests);

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.All(responses, r => Assert.Contains(subject, r.Body, StringComparison.Ordinal));
        Assert.Equal(before + 1, e2e.Api.TokenRequests.Count);
    }
}
