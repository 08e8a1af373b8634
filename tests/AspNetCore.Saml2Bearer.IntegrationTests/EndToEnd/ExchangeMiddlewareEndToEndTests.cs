using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace AspNetCore.Saml2Bearer.IntegrationTests.EndToEnd;

/// <summary>A stock JwtBearer API that accepts SAML callers through <c>UseSaml2BearerExchange</c>.</summary>
[Collection(EndToEndGroup.Name)]
public sealed class ExchangeMiddlewareEndToEndTests(EndToEndFixture e2e)
{
    [Fact]
    public async Task Middleware_SamlCaller_Returns200FromJwtBearerEndpoint()
    {
        var subject = EndToEndFixture.NewSubject("middleware");

        var response = await e2e.SendSamlAsync(e2e.MiddlewareApi, "me", e2e.IssueAssertion(subject));

        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode} {response.Challenge} {response.Body}");
        using var json = JsonDocument.Parse(response.Body);
        Assert.Equal(subject, json.RootElement.GetProperty("sub").GetString());
        Assert.Equal("AuthenticationTypes.Federation", json.RootElement.GetProperty("authenticationType").GetString());
    }

    [Fact]
    public async Task Middleware_BadSamlCaller_GetsExactlyTheHandlersChallenge()
    {
        var viaMiddleware = await e2e.SendSamlAsync(e2e.MiddlewareApi, "me", e2e.IssueTamperedAssertion(EndToEndFixture.NewSubject("middleware-bad")));
        var viaHandler = await e2e.SendSamlAsync(e2e.Api, "whoami", e2e.IssueTamperedAssertion(EndToEndFixture.NewSubject("handler-bad")));

        Assert.Equal(HttpStatusCode.Unauthorized, viaMiddleware.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, viaHandler.StatusCode);
        Assert.Contains("error=\"invalid_token\"", viaHandler.Challenge, StringComparison.Ordinal);
        Assert.Equal(viaHandler.Challenges, viaMiddleware.Challenges);
    }

    [Fact]
    public async Task Middleware_PlainBearerCaller_StillReturns200()
    {
        var subject = EndToEndFixture.NewSubject("bearer");
        var token = await e2e.RequestAccessTokenAsync(e2e.IssueAssertion(subject));
        var before = e2e.MiddlewareApi.TokenRequests.Count;
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(e2e.MiddlewareApi.BaseAddress, "me"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);

        var response = await e2e.SendAsync(request);

        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode} {response.Challenge} {response.Body}");
        using var json = JsonDocument.Parse(response.Body);
        Assert.Equal(subject, json.RootElement.GetProperty("sub").GetString());
        Assert.Equal(before, e2e.MiddlewareApi.TokenRequests.Count);
    }
}
