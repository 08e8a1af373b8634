using System.Text.Json;

namespace AspNetCore.Saml2Bearer.TokenExchange;

/// <summary>
/// A successful token response (RFC 6749 section 5.1).
/// </summary>
public sealed class Saml2BearerTokenResponse
{
    /// <summary>The access token. Never log it.</summary>
    public required string AccessToken { get; init; }

    /// <summary>The token type, e.g. <c>Bearer</c>.</summary>
    public required string TokenType { get; init; }

    /// <summary>The lifetime the server gave (<c>expires_in</c>), or <see langword="null"/> when it gave none.</summary>
    public TimeSpan? ExpiresIn { get; init; }

    /// <summary>The refresh token, or <see langword="null"/>.</summary>
    public string? RefreshToken { get; init; }

    /// <summary>The granted scope (space-separated), or <see langword="null"/> when the server did not say.</summary>
    public string? Scope { get; init; }

    /// <summary>The OpenID Connect ID token, or <see langword="null"/>.</summary>
    public string? IdToken { get; init; }

    /// <summary>Members of the response this type does not model, kept as the server sent them.</summary>
    public IReadOnlyDictionary<string, JsonElement> AdditionalParameters { get; init; } = new Dictionary<string, JsonElement>();

    /// <summary>The granted scopes, split on spaces.</summary>
    public IReadOnlyList<string> GetScopes() =>
        string.IsNullOrEmpty(Scope) ? [] : Scope.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}
