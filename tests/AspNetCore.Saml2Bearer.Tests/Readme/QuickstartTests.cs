using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Mvc.Testing;

namespace AspNetCore.Saml2Bearer.Tests.Readme;

/// <summary>samples/Quickstart (the README's quickstart, verbatim) starts with its appsettings.json and challenges with SAML.</summary>
public sealed class QuickstartTests
{
    [Fact]
    public async Task Quickstart_AnonymousWhoAmI_401WithSamlChallenge()
    {
        await using var factory = new WebApplicationFactory<Program>();
        using var client = factory.CreateClient();

        using var response = await client.GetAsync(new Uri("/whoami", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("SAML", Assert.Single(response.Headers.WwwAuthenticate).Scheme);
    }

    [Fact]
    public async Task Quickstart_GarbageAssertion_401InvalidTokenWithoutCallingAnyServer()
    {
        await using var factory = new WebApplicationFactory<Program>();
        using var client = factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/orders", UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("SAML", "bm90LXNhbWw");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("error=\"invalid_token\"", Assert.Single(response.Headers.WwwAuthenticate).Parameter, StringComparison.Ordinal);
    }
}
