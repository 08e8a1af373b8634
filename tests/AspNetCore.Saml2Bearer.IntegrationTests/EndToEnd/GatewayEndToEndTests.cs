using System.Net;
using System.Text.Json;

namespace AspNetCore.Saml2Bearer.IntegrationTests.EndToEnd;

/// <summary>The YARP gateway: SAML in, Bearer out, and nothing forwarded for a failed caller.</summary>
[Collection(EndToEndGroup.Name)]
public sealed class GatewayEndToEndTests(EndToEndFixture e2e)
{
    [Fact]
    public async Task Gateway_ValidAssertion_ForwardsBearerJwtAndNoSamlHeader()
    {
        var subject = EndToEndFixture.NewSubject("gateway");

        var response = await e2e.SendSamlAsync(e2e.Gateway, "echo/orders", e2e.IssueAssertion(subject));

        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode} {response.Challenge} {response.Body}");
        var headers = JsonSerializer.Deserialize<Dictionary<string, string>>(response.Body)!;
        var authorization = Assert.Single(headers, h => string.Equals(h.Key, "Authorization", StringComparison.OrdinalIgnoreCase)).Value;
        Assert.StartsWith("Bearer ", authorization, StringComparison.Ordinal);
        Assert.DoesNotContain("SAML", authorization, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(headers.Values, v => v.StartsWith("SAML ", StringComparison.OrdinalIgnoreCase));
        var validation = await e2e.ValidateAccessTokenAsync(authorization["Bearer ".Length..]);
        Assert.True(validation.IsValid, validation.Exception?.Message);
        Assert.Equal(subject, validation.Claims["sub"]);
    }

    [Fact]
    public async Task Gateway_InvalidAssertion_Returns401AndNeverCallsBackend()
    {
        var backendBefore = e2e.Backend.RequestCount;
        var tokenRequestsBefore = e2e.Gateway.TokenRequests.Count;

        var response = await e2e.SendSamlAsync(e2e.Gateway, "echo/orders", e2e.IssueTamperedAssertion(EndToEndFixture.NewSubject("gateway-bad")));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("error=\"invalid_token\"", response.Challenge, StringComparison.Ordinal);
        Assert.Equal(backendBefore, e2e.Backend.RequestCount);
        Assert.Equal(tokenRequestsBefore, e2e.Gateway.TokenRequests.Count);
    }
}
