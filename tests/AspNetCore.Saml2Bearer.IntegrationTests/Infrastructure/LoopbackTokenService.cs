using System.Text.Json;
using AspNetCore.Saml2Bearer.TokenExchange;
using Microsoft.IdentityModel.Tokens;

namespace AspNetCore.Saml2Bearer.IntegrationTests.Infrastructure;

/// <summary>
/// A minimal RFC 7522 client for <see cref="LoopbackTokenEndpoint"/>, standing in for the default token
/// service until it is registered by AddSaml2Bearer.
/// </summary>
public sealed class LoopbackTokenService(HttpClient httpClient) : ISaml2BearerTokenService
{
    public async Task<Saml2BearerTokenResult> ExchangeAsync(Saml2BearerTokenRequest request, CancellationToken cancellationToken)
    {
        var form = new Dictionary<string, string>
        {
            ["grant_type"] = "urn:ietf:params:oauth:grant-type:saml2-bearer",
            ["assertion"] = Base64UrlEncoder.Encode(request.Assertion.ToArray()),
        };
        if (request.Scope is { } scope)
        {
            form["scope"] = scope;
        }

        try
        {
            using var content = new FormUrlEncodedContent(form);
            using var response = await httpClient.PostAsync(new Uri(request.Options.TokenEndpoint!), content, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                return Saml2BearerTokenResult.Failure(Saml2BearerTokenResultStatus.InvalidGrant, "invalid_grant");
            }

            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
            var root = json.RootElement;
            return Saml2BearerTokenResult.Success(new Saml2BearerTokenResponse
            {
                AccessToken = root.GetProperty("access_token").GetString()!,
                TokenType = root.GetProperty("token_type").GetString()!,
                ExpiresIn = TimeSpan.FromSeconds(root.GetProperty("expires_in").GetInt32()),
                Scope = root.GetProperty("scope").GetString(),
            });
        }
        catch (HttpRequestException)
        {
            return Saml2BearerTokenResult.Failure(Saml2BearerTokenResultStatus.ServiceUnavailable, "temporarily_unavailable");
        }
    }
}
