using Microsoft.IdentityModel.Protocols;

namespace AspNetCore.Saml2Bearer.TokenExchange;

/// <summary>
/// Fetches discovery and JWKS documents through the scheme's named <see cref="HttpClient"/>, created on
/// each fetch rather than when the options are built: the client's resilience pipeline reads the
/// scheme's options, which do not exist yet while they are being post-configured.
/// </summary>
internal sealed class Saml2BearerDocumentRetriever : IDocumentRetriever
{
    private readonly IHttpClientFactory _httpClientFactory;
    private readonly string _clientName;
    private readonly bool _requireHttps;

    public Saml2BearerDocumentRetriever(IHttpClientFactory httpClientFactory, string clientName, bool requireHttps)
    {
        _httpClientFactory = httpClientFactory;
        _clientName = clientName;
        _requireHttps = requireHttps;
    }

    public Task<string> GetDocumentAsync(string address, CancellationToken cancel) =>
        new HttpDocumentRetriever(_httpClientFactory.CreateClient(_clientName)) { RequireHttps = _requireHttps }.GetDocumentAsync(address, cancel);
}
