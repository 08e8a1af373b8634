using System.Net;
using System.Text.Json;

namespace AspNetCore.Saml2Bearer.IntegrationTests.EndToEnd;

/// <summary>
/// samples/ResourceApi with <c>TokenExchangeProtocol=Rfc8693</c> against the sample authorization server:
/// the handler's RFC 8693 request (subject_token, subject_token_type, issued_token_type checked) is one the
/// OpenIddict grant accepts, for SAML 2.0 and SAML 1.1.
/// </summary>
[Collection(EndToEndGroup.Name)]
public sealed class TokenExchangeEndToEndTests(EndToEndFixture e2e)
{
    private const string TokenExchange = "urn:ietf:params:oauth:grant-type:token-exchange";

    [Fact]
    public async Task Orders_Saml2AssertionOverRfc8693_Returns200AfterOneTokenExchange()
    {
        var before = e2e.TokenExchangeApi.TokenRequests.Count;

        var orders = await e2e.SendSamlAsync(e2e.TokenExchangeApi, "orders", e2e.IssueAssertion(EndToEndFixture.NewSubject("rfc8693")));

        Assert.True(orders.StatusCode == HttpStatusCode.OK, $"{orders.StatusCode} {orders.Challenge} {orders.Body}");
        Assert.Equal(before + 1, e2e.TokenExchangeApi.TokenRequests.Count);
        Assert.Equal(TokenExchange, e2e.TokenExchangeApi.TokenRequests.GrantTypes.Last());
    }

    [Fact]
    public async Task Whoami_Saml11AssertionOverRfc8693_NameIsTheNameIdentifier()
    {
        var subject = EndToEndFixture.NewSubject("rfc8693-adfs");

        var response = await e2e.SendSamlAsync(e2e.TokenExchangeApi, "whoami", e2e.IssueSaml11Assertion(subject));

        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode} {response.Challenge} {response.Body}");
        using var json = JsonDocument.Parse(response.Body);
        Assert.Equal(subject, json.RootElement.GetProperty("name").GetString());
        Assert.Equal(TokenExchange, e2e.TokenExchangeApi.TokenRequests.GrantTypes.Last());
    }

    [Fact]
    public async Task Whoami_TamperedAssertionOverRfc8693_Returns401WithoutTokenRequest()
    {
        var before = e2e.TokenExchangeApi.TokenRequests.Count;

        var response = await e2e.SendSamlAsync(e2e.TokenExchangeApi, "whoami", e2e.IssueTamperedAssertion(EndToEndFixture.NewSubject("rfc8693-evil")));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(before, e2e.TokenExchangeApi.TokenRequests.Count);
    }
}
