using System.Net;
using System.Text.Json;
using AspNetCore.Saml2Bearer.IntegrationTests.EndToEnd;

namespace AspNetCore.Saml2Bearer.IntegrationTests.Faults;

/// <summary>
/// An authorization server that issues JWT access tokens and rotates its signing key: tokens signed with
/// the new key are accepted (the JWKS is fetched again), and a key the JWKS never publishes is an
/// authorization-server fault (503) that does not make the API fetch the JWKS on every request.
/// </summary>
public sealed class JwksRotationTests
{
    [Fact]
    public async Task Whoami_AuthorizationServerRotatesItsSigningKey_TokenSignedWithTheNewKeyIsAccepted()
    {
        await using var server = await FaultyAuthorizationServer.StartAsync();
        server.IssueJwts = true;
        using var idp = FaultScenario.CreateIdentityProvider();
        await using var api = await StartApiAsync(idp, server);
        var oldKey = server.CurrentKeyId;
        var beforeRotation = await api.WhoAmIAsync(idp.IssueAssertion(d => d.NameId = FaultScenario.NewSubject("before")));

        var newKey = server.RotateSigningKey();
        var afterRotation = await api.WhoAmIAsync(idp.IssueAssertion(d => d.NameId = FaultScenario.NewSubject("after")));

        Assert.Equal(HttpStatusCode.OK, beforeRotation.StatusCode);
        Assert.Equal([oldKey], ClaimValues(beforeRotation, FaultyAuthorizationServer.SigningKeyIdClaim));
        Assert.True(afterRotation.StatusCode == HttpStatusCode.OK, $"{(int)afterRotation.StatusCode} after the key rotation");
        Assert.Equal([newKey], ClaimValues(afterRotation, FaultyAuthorizationServer.SigningKeyIdClaim));
        Assert.Equal(2, server.JwksRequests);
    }

    [Fact]
    public async Task Whoami_JwtSignedByKeyNeverPublished_Returns503AndFetchesTheJwksOnlyOnceMore()
    {
        await using var server = await FaultyAuthorizationServer.StartAsync();
        server.IssueJwts = true;
        using var idp = FaultScenario.CreateIdentityProvider();
        await using var api = await StartApiAsync(idp, server);
        var healthy = await api.WhoAmIAsync(idp.IssueAssertion(d => d.NameId = FaultScenario.NewSubject("healthy")));
        server.TokenFault = TokenEndpointFault.JwtSignedByUnknownKey;

        var rogue = new List<ApiResponse>();
        for (var i = 0; i < 3; i++)
        {
            rogue.Add(await api.WhoAmIAsync(idp.IssueAssertion(d => d.NameId = FaultScenario.NewSubject("rogue"))));
        }

        Assert.Equal(HttpStatusCode.OK, healthy.StatusCode);
        Assert.All(rogue, FaultScenario.AssertServiceUnavailable);
        Assert.Equal(3, api.Logs.Count(TokenExchangeEvents.TokenValidationFailed));
        Assert.Equal(2, server.JwksRequests);   // the first fetch, and one refresh within RefreshInterval
    }

    private static Task<FaultApiHost> StartApiAsync(Testing.TestSaml2IdentityProvider idp, FaultyAuthorizationServer server) =>
        FaultApiHost.StartAsync(idp, options =>
        {
            options.Authority = server.Issuer;
            options.BackchannelTimeout = TimeSpan.FromSeconds(10);
        });

    private static List<string?> ClaimValues(ApiResponse response, string type)
    {
        using var json = JsonDocument.Parse(response.Body);
        return json.RootElement.GetProperty("claims").EnumerateArray()
            .Where(c => c.GetProperty("type").GetString() == type)
            .Select(c => c.GetProperty("value").GetString())
            .ToList();
    }
}
