namespace AspNetCore.Saml2Bearer.IntegrationTests.EndToEnd;

/// <summary>One API of the run: its base address, and the token requests it has sent.</summary>
public sealed class ApiHost(string url, TokenRequestCounter tokenRequests)
{
    public Uri BaseAddress { get; } = new(url + "/");

    public TokenRequestCounter TokenRequests { get; } = tokenRequests;
}
