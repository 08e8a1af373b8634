using System.Net;
using System.Text.Json;

namespace AspNetCore.Saml2Bearer.IntegrationTests.EndToEnd;

/// <summary>Step 7: the API calls a JwtBearer backend on behalf of the user with AddSaml2BearerAccessToken.</summary>
[Collection(EndToEndGroup.Name)]
public sealed class DownstreamEndToEndTests(EndToEndFixture e2e)
{
    [Fact]
    public async Task Downstream_ValidAssertion_BackendSeesSubjectNameId()
    {
        var subject = EndToEndFixture.NewSubject("downstream");

        var response = await e2e.SendSamlAsync(e2e.Api, "downstream/backend", e2e.IssueAssertion(subject));

        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode} {response.Body}");
        using var json = JsonDocument.Parse(response.Body);
        Assert.Equal(subject, json.RootElement.GetProperty("sub").GetString());
    }

    [Fact]
    public async Task Downstream_BackendRejectsCachedTokenAsInvalid_EvictsReexchangesAndRetriesOnce()
    {
        // The subject's token comes from a first assertion; the request that meets the 401 carries a
        // second one, which the re-exchange presents to the AS for the first time.
        var subject = EndToEndFixture.NewSubject("revoked");
        var tokenRequestsBefore = e2e.Api.TokenRequests.Count;
        Assert.Equal(HttpStatusCode.OK, (await e2e.SendSamlAsync(e2e.Api, "whoami", e2e.IssueAssertion(subject))).StatusCode);
        var backendBefore = e2e.Backend.RequestCount;
        e2e.Backend.RejectNextToken();

        var response = await e2e.SendSamlAsync(e2e.Api, "downstream/backend", e2e.IssueAssertion(subject));

        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode} {response.Body}");
        using var json = JsonDocument.Parse(response.Body);
        Assert.Equal(subject, json.RootElement.GetProperty("sub").GetString());
        Assert.Equal(tokenRequestsBefore + 2, e2e.Api.TokenRequests.Count);
        var calls = e2e.Backend.Requests.Skip(backendBefore).ToList();
        Assert.Equal(2, calls.Count);
        Assert.Equal("Bearer " + e2e.Backend.RejectedTokens.Last(), calls[0].Authorization);
        Assert.NotEqual(calls[0].Authorization, calls[1].Authorization);

        // The renewed token replaced the evicted one in the cache: the next call needs no exchange.
        var next = await e2e.SendSamlAsync(e2e.Api, "downstream/backend", e2e.IssueAssertion(subject));
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        Assert.Equal(tokenRequestsBefore + 2, e2e.Api.TokenRequests.Count);
        Assert.Equal(calls[1].Authorization, e2e.Backend.Requests.Last().Authorization);
    }

    /// <summary>
    /// Without <c>offline_access</c> (no refresh token), when the rejected token was obtained with the very
    /// assertion of the current request, the re-exchange presents that assertion a second time and the AS
    /// refuses it as a replay (invalid_grant). The handler then returns the backend's 401 unchanged and does
    /// not retry with the stale token. With a refresh token the retry renews instead
    /// (RenewalTests.Downstream_BackendRejectsTokenOfCurrentAssertion_RenewsByRefreshTokenAndRetries).
    /// </summary>
    [Fact]
    public async Task Downstream_BackendRejectsTokenOfCurrentAssertion_ReexchangeRefusedAsReplay_Returns401WithoutRetry()
    {
        var subject = EndToEndFixture.NewSubject("revoked-first");
        var tokenRequestsBefore = e2e.Api.TokenRequests.Count;
        var backendBefore = e2e.Backend.RequestCount;
        var replaysBefore = CountReplayLogs();
        e2e.Backend.RejectNextToken();

        var response = await e2e.SendSamlAsync(e2e.Api, "downstream/backend", e2e.IssueAssertion(subject));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(tokenRequestsBefore + 2, e2e.Api.TokenRequests.Count);
        Assert.Equal(backendBefore + 1, e2e.Backend.RequestCount);
        Assert.Equal(replaysBefore + 1, CountReplayLogs());
    }

    [Fact]
    public async Task Downstream_HostNotInAllowedHosts_FailsWithoutSending()
    {
        var backendBefore = e2e.Backend.RequestCount;

        var response = await e2e.SendSamlAsync(e2e.Api, "downstream/" + EndToEndFixture.StrictHostClient, e2e.IssueAssertion(EndToEndFixture.NewSubject("strict")));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("AllowedHosts", response.Body, StringComparison.Ordinal);
        Assert.Equal(backendBefore, e2e.Backend.RequestCount);
    }

    private int CountReplayLogs() =>
        e2e.Logs.Entries.Count(e => e.EventId.Name == "Saml2BearerGrantAssertionReplayed");
}
