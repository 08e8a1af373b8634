using System.Net;
using System.Text.Json;

namespace AspNetCore.Saml2Bearer.IntegrationTests.AuthorizationServer;

/// <summary>A token endpoint answer: the status and the JSON body (RFC 6749 sections 5.1 and 5.2).</summary>
public sealed record TokenResponse(HttpStatusCode StatusCode, JsonElement Body)
{
    public string? Get(string name) =>
        Body.ValueKind == JsonValueKind.Object && Body.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    public string? Error => Get("error");

    public string? AccessToken => Get("access_token");
}
