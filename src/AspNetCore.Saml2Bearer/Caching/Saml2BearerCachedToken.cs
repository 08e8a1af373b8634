using System.Security.Claims;
using AspNetCore.Saml2Bearer.TokenExchange;

namespace AspNetCore.Saml2Bearer.Caching;

/// <summary>
/// A token response as the cache holds it: the response, when it stops being usable, and the claims
/// of its JWTs once they have been validated.
/// </summary>
/// <param name="Response">The token response.</param>
/// <param name="ExpiresAt">The absolute instant the server's token expires (<c>expires_in</c>, or the default lifetime).</param>
/// <param name="TokenClaims">Claims of the validated JWT access token / ID token, or empty.</param>
internal sealed record Saml2BearerCachedToken(
    Saml2BearerTokenResponse Response,
    DateTimeOffset ExpiresAt,
    IReadOnlyList<Claim> TokenClaims);
