using AspNetCore.Saml2Bearer.TokenExchange;
using Microsoft.Extensions.DependencyInjection;

namespace AspNetCore.Saml2Bearer;

/// <summary>
/// The services every scheme shares: the token service and the named HTTP client of each scheme.
/// </summary>
internal static class Saml2BearerServices
{
    public static void AddTokenService(IServiceCollection services, string authenticationScheme)
    {
        services.AddHttpClient(Saml2BearerDefaults.HttpClientNamePrefix + authenticationScheme);
        _ = typeof(ISaml2BearerTokenService);
    }
}
