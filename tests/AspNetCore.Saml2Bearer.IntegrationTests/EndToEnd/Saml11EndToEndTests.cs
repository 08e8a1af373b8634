using System.Net;
using System.Text.Json;

namespace AspNetCore.Saml2Bearer.IntegrationTests.EndToEnd;

/// <summary>
/// A SAML 1.1 (AD FS-shaped) assertion through samples/ResourceApi and the sample authorization server:
/// with <c>Assertion:AllowSaml11=true</c> it is exchanged with <c>saml1_1-bearer</c> and reaches
/// <c>/orders</c>; without it, 401 and no token request.
/// </summary>
[Collection(EndToEndGroup.Name)]
public sealed class Saml11EndToEndTests(EndToEndFixture e2e)
{
    [Fact]
    public async Task Orders_Saml11AssertionWithAllowSaml11_Returns200AfterASaml11BearerExchange()
    {
        var subject = EndToEndFixture.NewSubject("adfs");
        var before = e2e.Saml11Api.TokenRequests.Count;

        var orders = await e2e.SendSamlAsync(e2e.Saml11Api, "orders", e2e.IssueSaml11Assertion(subject));

        Assert.True(orders.StatusCode == HttpStatusCode.OK, $"{orders.StatusCode} {orders.Challenge} {orders.Body}");
        Assert.Equal(before + 1, e2e.Saml11Api.TokenRequests.Count);
        Assert.Equal("urn:ietf:params:oauth:grant-type:saml1_1-bearer", e2e.Saml11Api.TokenRequests.GrantTypes.Last());
    }

    [Fact]
    public async Task Whoami_Saml11Assertion_NameIsTheNameIdentifier()
    {
        var subject = EndToEndFixture.NewSubject("adfs-whoami");

        var response = await e2e.SendSamlAsync(e2e.Saml11Api, "whoami", e2e.IssueSaml11Assertion(subject));

        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode} {response.Challenge} {response.Body}");
        using var json = JsonDocument.Parse(response.Body);
        Assert.Equal(subject, json.RootElement.GetProperty("name").GetString());
    }

    [Fact]
    public async Task Whoami_Saml11AssertionWithoutAllowSaml11_Returns401WithoutTokenRequest()
    {
        var before = e2e.Api.TokenRequests.Count;

        var response = await e2e.SendSamlAsync(e2e.Api, "whoami", e2e.IssueSaml11Assertion(EndToEndFixture.NewSubject("adfs-off")));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("error=\"invalid_token\"", response.Challenge, StringComparison.Ordinal);
        Assert.Equal(before, e2e.Api.TokenRequests.Count);
    }

    [Fact]
    public async Task Orders_Saml20AssertionOnTheSaml11Api_StillUsesSaml2Bearer()
    {
        var response = await e2e.SendSamlAsync(e2e.Saml11Api, "orders", e2e.IssueAssertion(EndToEndFixture.NewSubject("saml2-on-11")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("urn:ietf:params:oauth:grant-type:saml2-bearer", e2e.Saml11Api.TokenRequests.GrantTypes.Last());
    }
}
